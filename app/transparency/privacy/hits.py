"""Hits and their resolution."""
import bisect
from dataclasses import dataclass


@dataclass(frozen=True)
class Hit:
    type: str
    start: int
    end: int
    rank: float  # 0 known values, 1 unmistakable formats, 1.5-1.9 labelled values, 2-3.5 bare numbers, 4 the rest


def resolve(hits):
    """Keep the best of overlapping hits: lower rank first, then the longer one."""
    starts, chosen = [], []  # both sorted by start; chosen hits never overlap
    for hit in sorted(hits, key=lambda h: (h.rank, h.start - h.end, h.start)):
        index = bisect.bisect_right(starts, hit.start)
        if (index and chosen[index - 1].end > hit.start) or (index < len(chosen) and chosen[index].start < hit.end):
            continue
        starts.insert(index, hit.start)
        chosen.insert(index, hit)
    return chosen
