"""docs/benchmarks.md: a header describing the run's machine, then one marked block per bench section."""
import datetime as dt
import os
import platform
import re
from pathlib import Path

MARKER = "<!-- section:{name} -->"
END_MARKER = "<!-- /section:{name} -->"


def machine():
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "cpu": model, "python": platform.python_version(),
            "platform": platform.platform(), "date": dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")}


def _ms(value):
    return "–" if value is None else f"{value:.1f}"


def _rps(value):
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def _mark(ok):
    return "✅" if ok else "❌"


def header():
    """The report's title and the machine it ran on."""
    m = machine()
    return "\n".join([
        "# Benchmarks",
        "",
        "Written by `make bench` (`python -m bench.run`). Each section below comes from one run of that section on",
        "the machine it names, and every speed is also given as a ratio to a bare Flask hello-world",
        "(`bench/hello.py`) measured in the same run under the same gunicorn settings. These machines are noisy",
        "(repeat runs vary by roughly ±20%), so compare ratios from one section, not numbers across days.",
        "",
        "```sh",
        "make bench                                   # every section",
        ".venv/bin/python -m bench.run --sections pages  # one section; the others are kept as they were",
        "```",
        "",
        "Options: `--articles N` (generated search corpus, default 5000), `--duration S` (seconds per HTTP row,",
        "default 5), `--concurrency C` (default 8), `--rounds R` (in-process search rounds, default 10),",
        "`--output PATH` (default docs/benchmarks.md). Everything the bench creates (corpora, indexes, databases)",
        "lives in a temporary directory removed at the end; `instance/` is never touched.",
        "",
    ])


def section_block(name, markdown, seconds):
    """One section between its markers, stamped with the machine and the date it was measured on."""
    m = machine()
    stamp = (f"_Measured {m['date']} on {m['nproc']} CPUs ({m['cpu']}), Python {m['python']}; "
             f"section runtime {seconds:.0f} s._")
    return f"{MARKER.format(name=name)}\n{markdown.rstrip()}\n\n{stamp}\n{END_MARKER.format(name=name)}"


def merge(existing, rendered, order):
    """Replace the rendered sections in `existing` (a previous report), keeping the others, in `order`."""
    blocks = {}
    for name in order:
        found = re.search(re.escape(MARKER.format(name=name)) + r".*?" + re.escape(END_MARKER.format(name=name)),
                          existing, re.S)
        if found:
            blocks[name] = found.group(0)
    blocks.update({name: section_block(name, markdown, seconds) for name, (markdown, seconds) in rendered.items()})
    return header() + "\n" + "\n\n".join(blocks[name] for name in order if name in blocks) + "\n"


def write(rendered, path):
    """Write (or update) the report at `path` with the freshly rendered sections."""
    from bench.run import SECTIONS

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    existing = path.read_text(encoding="utf-8") if path.exists() else ""
    path.write_text(merge(existing, rendered, SECTIONS), encoding="utf-8")
    print(f"Wrote {path} ({', '.join(rendered)})")
