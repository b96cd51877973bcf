"""Small statistics helpers shared by the benchmark modules."""


def percentile(values, fraction):
    """Nearest-rank percentile of `values` (fraction in 0..1); None for an empty list."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(fraction * len(ordered) + 0.5)))
    return ordered[rank - 1]


def summary_ms(seconds):
    """p50/p95/p99/mean in milliseconds of a list of durations in seconds."""
    if not seconds:
        return {"n": 0, "p50": None, "p95": None, "p99": None, "mean": None}
    ms = [s * 1000 for s in seconds]
    return {"n": len(ms), "p50": percentile(ms, 0.50), "p95": percentile(ms, 0.95),
            "p99": percentile(ms, 0.99), "mean": sum(ms) / len(ms)}
