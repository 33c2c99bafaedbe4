"""Procedures to courses of ECT and rTMS: one course per run of sessions at most 28 days apart.

Only completed procedures with a listed code (data/fhir/procedures.csv: SNOMED CT, CPT) count; each is
one session. Laterality is taken only from a code that states it (right unilateral ECT); otherwise it is
missing and said as a gap.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from futility.record.bundle import Entry
from futility.record.codes import procedure_target, to_date
from futility.record.medications import Course

__all__ = ["SESSION_GAP_DAYS", "procedure_courses"]

#: Sessions more than this many days apart are two courses.
SESSION_GAP_DAYS = 28


def procedure_courses(entries: Iterable[Entry]) -> list[Course]:
    """ECT and rTMS courses, oldest first, with sessions counted and laterality where coded."""
    sessions: list[tuple[str, dt.date, str, str]] = []  # agent, date, laterality, where
    for e in entries:
        if e.type != "Procedure" or e.data.get("status") != "completed":
            continue
        target = procedure_target(e.data.get("code"))
        if target is None:
            continue
        when = to_date(e.data.get("performedDateTime")) or to_date((e.data.get("performedPeriod") or {}).get("start"))
        if when is None:
            continue
        sessions.append((target.target, when, target.extra, e.where))
    out: list[Course] = []
    for agent in sorted({s[0] for s in sessions}):
        current: Course | None = None
        seen: list[str] = []
        for _, when, laterality, where in sorted(s for s in sessions if s[0] == agent):
            if current is None or current.end is None or (when - current.end).days > SESSION_GAP_DAYS:
                current = Course(agent, when, when, False, sessions=0)
                seen = []
                out.append(current)
            current.end = when
            current.sessions = (current.sessions or 0) + 1
            current.wheres.append(where)
            seen.append(laterality)
            # laterality only when every session of the course codes the same one
            current.laterality = seen[0] if seen[0] and len(set(seen)) == 1 else None
    out.sort(key=lambda c: c.start)
    return out
