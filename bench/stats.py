"""The figures the benchmarks print."""

from __future__ import annotations


def pct(values: list[float], p: float) -> float:
    """The p-th percentile, by the nearest rank on the sorted values."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]
