"""One rounding rule for every chance shown as people out of 100: icon arrays, sentences and summaries.

A chance ``p`` is ``per_100(p)`` people: the nearest whole number, halves rounded up (0.125 -> 13). An icon
array rounds the *running totals* of its groups with the same rule and draws the differences, so that every
count a sentence gives ("about 13 in 100 feel well again", "about 40 in 100 are better or well") is the count
the picture shows, and the groups always add up to 100.
"""
from __future__ import annotations

import math
from collections.abc import Sequence


def per_100(p: float) -> int:
    """A chance as whole people out of 100 (0-100), halves rounded up."""
    return int(math.floor(100.0 * min(max(float(p), 0.0), 1.0) + 0.5))


def people_out_of_100(shares: Sequence[float]) -> list[int]:
    """Disjoint shares (summing to at most 1; the last takes the rest) as whole people adding up to 100.

    Shares above 1 in total are scaled down. Each running total is rounded with :func:`per_100`, and each
    count is the difference of two running totals.
    """
    clipped = [min(max(float(s), 0.0), 1.0) for s in shares]
    total = sum(clipped)
    if total > 1.0:
        clipped = [s / total for s in clipped]
    running, counts, previous = 0.0, [], 0
    for share in clipped[:-1]:
        running += share
        now = max(per_100(running), previous)
        counts.append(now - previous)
        previous = now
    counts.append(100 - previous)
    return counts
