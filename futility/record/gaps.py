"""The gaps of an imported case: one (field, what to do) per thing the record does not say.

A gap is said, never filled: adherence (unless dispense records give it), burden, the episode's start,
and whatever else the record leaves out. The command prints one line per gap and the dashboard lists
them beside the trials, so that the clinician completes the case.
"""
from __future__ import annotations

__all__ = ["ASK", "gap_lines"]

ASK = "not in the record; ask the patient"


def gap_lines(gaps: list[tuple[str, str]]) -> list[str]:
    """``field: what`` lines, in the case's order, each once."""
    seen: set[str] = set()
    lines = []
    for field, what in gaps:
        line = " ".join(f"{field}: {what}".split())
        if line not in seen:
            seen.add(line)
            lines.append(line)
    return lines
