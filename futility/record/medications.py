"""Medication records (MedicationStatement, MedicationRequest, MedicationAdministration) to treatment courses.

A record names its agent by an RxNorm ingredient code listed in agents.csv, else by a name (coding
display or text, whole or its first word) that agents.csv knows. Records of one agent form one course
while each starts no later than a day after the previous one ends (or, when the previous end is not
recorded, at all: a new record of the same agent is the "next change", a dose change). A course's end is
its last recorded end; with none, an active record runs to the import date, else the weeks are missing.
The course's dose is the highest daily dose it reached (the weeks at that dose are said as a gap when the
dose changed). Dispense records give adherence as the proportion of days covered.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from futility.clinical.agents import lookup_agent
from futility.record.bundle import Entry
from futility.record.codes import RXNORM, codings, rxnorm_agents, to_date
from futility.record.dosing import daily_dose_mg
from futility.record.errors import RecordError

__all__ = ["Course", "MedRecord", "adherence_from_dispenses", "courses", "medication_records"]

_SKIP_STATUS = {"entered-in-error", "not-taken", "intended", "cancelled", "draft", "unknown", "not-done", "in-progress-planned"}
_ACTIVE = {"active", "on-hold", "in-progress"}
#: A record starting at most this many days after the previous one ends continues the course.
CONTINUATION_DAYS = 1


@dataclass(frozen=True)
class MedRecord:
    """One medication record as plain data."""

    where: str
    agent: str
    start: dt.date
    end: dt.date | None
    active: bool
    mg_day: float | None
    dose_note: str = ""
    administration: bool = False


@dataclass
class Course:
    """One course of one agent: its records, span, highest dose and what is not known."""

    agent: str
    start: dt.date
    end: dt.date | None
    active: bool
    doses: list[float] = field(default_factory=list)
    dose_notes: list[str] = field(default_factory=list)
    wheres: list[str] = field(default_factory=list)
    sessions: int | None = None
    laterality: str | None = None

    @property
    def mg_day(self) -> float | None:
        return max(self.doses) if self.doses else None


def _agent_of(concept: Any) -> str | None:
    for system, code, display in codings(concept):
        if system == RXNORM and code in rxnorm_agents():
            return rxnorm_agents()[code]
    for _, _, words in codings(concept):
        for name in (words, words.split()[0] if words.split() else ""):
            agent = lookup_agent(name) if name else None
            if agent is not None:
                return agent.name
    return None


def _medication_concept(data: dict[str, Any], index: dict[str, dict[str, Any]]) -> Any:
    if "medicationCodeableConcept" in data:
        return data["medicationCodeableConcept"]
    ref = (data.get("medicationReference") or {}).get("reference", "")
    if ref.startswith("#"):
        for contained in data.get("contained") or []:
            if contained.get("resourceType") == "Medication" and contained.get("id") == ref[1:]:
                return contained.get("code")
    return (index.get(ref) or {}).get("code")


def _describe(concept: Any) -> str:
    for system, code, display in codings(concept):
        if code:
            return f"{'RxNorm' if system == RXNORM else system or 'code'} {code}" + (f" ({display[:40]})" if display else "")
        if display:
            return f"'{display[:40]}'"
    return "a medication with no code or name"


def _span(data: dict[str, Any]) -> tuple[dt.date | None, dt.date | None]:
    period = data.get("effectivePeriod") or {}
    start = to_date(period.get("start")) or to_date(data.get("effectiveDateTime")) or to_date(data.get("authoredOn"))
    end = to_date(period.get("end"))
    if "effectiveDateTime" in data and not period:
        end = None if data.get("resourceType") == "MedicationStatement" else start
    return start, end


def medication_records(entries: Iterable[Entry], *, ignore_unknown: bool = False) -> tuple[list[MedRecord], list[tuple[str, str]]]:
    """The records of known agents, and (where, what) for each medication left out (``ignore_unknown``).

    An unknown medication is refused (RecordError) unless ``ignore_unknown``.
    """
    entries = list(entries)
    index = {e.reference: e.data for e in entries if e.type == "Medication" and e.reference}
    index.update({e.full_url: e.data for e in entries if e.type == "Medication" and e.full_url})
    records: list[MedRecord] = []
    skipped: list[tuple[str, str]] = []
    for e in entries:
        if e.type not in ("MedicationStatement", "MedicationRequest", "MedicationAdministration"):
            continue
        data = e.data
        status = str(data.get("status") or "")
        if status in _SKIP_STATUS:
            continue
        concept = _medication_concept(data, index)
        agent = _agent_of(concept)
        if agent is None:
            if ignore_unknown:
                skipped.append((e.where, f"{_describe(concept)} is not an agent futility knows; left out"))
                continue
            raise RecordError(f"{e.where}.medication", f"{_describe(concept)} is not an agent in agents.csv "
                              "(by RxNorm ingredient code or name); use --ignore-other-medications to leave such records out")
        start, end = _span(data)
        if start is None:
            raise RecordError(e.where, "has no date (effective[x] or authoredOn): the course cannot be placed in time")
        administration = e.type == "MedicationAdministration"
        if administration:
            mg, note = daily_dose_mg(data.get("dosage"), f"{e.where}.dosage", per_day_default=1.0)
        else:
            key = "dosageInstruction" if e.type == "MedicationRequest" else "dosage"
            mg, note = None, "no dosage; the mg a day are not in the record"
            total = 0.0
            for i, dosage in enumerate(data.get(key) or []):
                one, why = daily_dose_mg(dosage, f"{e.where}.{key}[{i}]")
                if one is None:
                    total, note = -1.0, why
                    break
                total += one
            if total > 0:
                mg, note = round(total, 3), ""
        records.append(MedRecord(e.where, agent, start, end, status in _ACTIVE, mg, note, administration))
    return records, skipped


def courses(records: Iterable[MedRecord], today: dt.date) -> list[Course]:
    """Courses of the records, oldest first (see the module docstring for the rule)."""
    by_agent: dict[str, list[MedRecord]] = {}
    for r in records:
        by_agent.setdefault(r.agent, []).append(r)
    out: list[Course] = []
    for agent, recs in by_agent.items():
        session_based = (lookup_agent(agent) or _NO_AGENT).session_based
        recs.sort(key=lambda r: r.start)
        current: Course | None = None
        known_end: dt.date | None = None  # latest recorded end of the current course's records
        for r in recs:
            gap = 28 if session_based else CONTINUATION_DAYS
            if current is None or (current.end is not None and r.start > current.end + dt.timedelta(days=gap)):
                current = Course(agent, r.start, r.end, r.active, sessions=0 if session_based else None)
                known_end = r.end
                out.append(current)
            else:
                known_end = max(d for d in (known_end, r.end) if d is not None) if (known_end or r.end) else None
                # the latest record decides whether the end is known: a later record without an end is a
                # change whose end the record does not give
                current.end = known_end if r.end is not None else None
                current.active = r.active
            if r.mg_day is not None:
                current.doses.append(r.mg_day)
            elif r.dose_note:
                current.dose_notes.append(f"{r.where}: {r.dose_note}")
            current.wheres.append(r.where)
            if session_based and r.administration:
                current.sessions = (current.sessions or 0) + 1
                current.end = max(current.end or r.start, r.start)
    for c in out:
        if c.end is None and c.active:
            c.end = today
    out.sort(key=lambda c: c.start)
    return out


@dataclass(frozen=True)
class _NoAgent:
    session_based: bool = False


_NO_AGENT = _NoAgent()


def adherence_from_dispenses(entries: Iterable[Entry], course: Course) -> float | None:
    """Proportion of the course's days covered by dispensed supply (MedicationDispense.daysSupply handed
    over within the course), at most 1; None without dispense records for the agent.
    """
    if course.end is None:
        return None
    days = (course.end - course.start).days + 1
    covered = 0.0
    found = False
    entries = list(entries)
    index = {e.reference: e.data for e in entries if e.type == "Medication" and e.reference}
    for e in entries:
        if e.type != "MedicationDispense" or e.data.get("status") not in (None, "completed"):
            continue
        if _agent_of(_medication_concept(e.data, index)) != course.agent:
            continue
        handed = to_date(e.data.get("whenHandedOver"))
        supply = (e.data.get("daysSupply") or {}).get("value")
        if handed is None or supply is None or not course.start <= handed <= course.end:
            continue
        found = True
        covered += min(float(supply), (course.end - handed).days + 1)
    return round(min(1.0, covered / days), 2) if found and days > 0 else None
