"""The whole import: a FHIR R4 record in, a case mapping (the existing case format), its gaps and YAML out.

Pure: plain text and the import date in, plain data out; nothing is written or logged here. The case is
checked by the case file's own validation (:func:`futility.case.case_from_dict`); the only problems
allowed are required fields the record cannot give (the episode's length, an age or weeks not recorded),
which are gaps for the clinician. Any other problem is the record's, named by its resource.
"""
from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field
from typing import Any

import yaml

from futility.clinical.agents import lookup_agent
from futility.record.bundle import Entry, read_record
from futility.record.conditions import SCREEN_TARGETS, conditions
from futility.record.errors import RecordError
from futility.record.gaps import ASK, gap_lines
from futility.record.medications import Course, adherence_from_dispenses, courses, medication_records
from futility.record.observations import Lab, Rating, observations
from futility.record.patient import patient_facts
from futility.record.procedures import procedure_courses

__all__ = ["BASELINE_DAYS_BEFORE", "ImportResult", "import_record"]

#: A rating counts as a trial's baseline from 28 days before its start to 7 days after; as its final
#: rating from 28 days before its end to 7 days after (and after the baseline).
BASELINE_DAYS_BEFORE = 28
BASELINE_DAYS_AFTER = 7
FINAL_DAYS_BEFORE = 28
FINAL_DAYS_AFTER = 7
MAX_SCORES = 200


@dataclass
class ImportResult:
    """The imported case (a mapping in the case-file format), its gaps, what was left out, and the YAML."""

    case: dict[str, Any]
    gaps: list[tuple[str, str]]
    skipped: list[tuple[str, str]] = field(default_factory=list)
    today: dt.date = field(default_factory=dt.date.today)

    @property
    def gap_lines(self) -> list[str]:
        return gap_lines(self.gaps)

    def yaml_text(self) -> str:
        """The case file: a header of comments naming each gap, then the case."""
        head = [f"# Imported from a FHIR R4 record on {self.today.isoformat()} (futility import fhir).",
                "# Complete and correct before assessing; the record does not say:"]
        head += [f"#   {line}" for line in self.gap_lines]
        body = yaml.safe_dump(self.case, sort_keys=False, allow_unicode=True, default_flow_style=None, width=160)
        return "\n".join(head) + "\n" + body


def _weeks(course: Course) -> float | None:
    if course.end is None:
        return None
    days = (course.end - course.start).days + (1 if course.sessions is not None else 0)
    return round(max(days, 0) / 7, 1)


def _ratings_for(course: Course, ratings: list[Rating]) -> tuple[Rating, Rating] | None:
    if course.end is None:
        return None
    for scale in dict.fromkeys(r.scale for r in ratings):
        mine = [r for r in ratings if r.scale == scale]
        base = [r for r in mine if course.start - dt.timedelta(days=BASELINE_DAYS_BEFORE) <= r.date
                <= course.start + dt.timedelta(days=BASELINE_DAYS_AFTER)]
        if not base:
            continue
        b = base[-1]
        final = [r for r in mine if r.date > b.date and course.end - dt.timedelta(days=FINAL_DAYS_BEFORE) <= r.date
                 <= course.end + dt.timedelta(days=FINAL_DAYS_AFTER)]
        if final:
            return b, final[-1]
    return None


def _trial(i: int, course: Course, trials: list[dict[str, Any]], all_courses: list[Course], ratings: list[Rating],
           labs: list[Lab], entries: list[Entry], today: dt.date, gaps: list[tuple[str, str]]) -> dict[str, Any]:
    agent = lookup_agent(course.agent)
    assert agent is not None
    f = f"trials[{i}]"
    trial: dict[str, Any] = {"agent": course.agent}
    if not agent.session_based or agent.min_dose_mg_day is not None and course.mg_day is not None:
        if course.mg_day is not None:
            trial["dose_mg_day"] = course.mg_day
            distinct = sorted(set(course.doses))
            if len(distinct) > 1:
                gaps.append((f"{f}.dose_mg_day", f"{course.mg_day:g} mg/day is the highest of {len(distinct)} doses "
                             f"({distinct[0]:g}-{distinct[-1]:g} mg/day); check the weeks at that dose"))
        elif not agent.session_based:
            gaps.append((f"{f}.dose_mg_day", course.dose_notes[0].split(": ", 1)[1] if course.dose_notes else "not in the record"))
    weeks = _weeks(course)
    if weeks is None:
        gaps.append((f"{f}.weeks", "the record gives no end for this course; ask the patient how long it was taken"))
    else:
        trial["weeks"] = weeks
        if course.active and course.end == today:
            gaps.append((f"{f}.weeks", f"the course is still active; weeks counted to the import date ({today.isoformat()})"))
    if course.sessions is not None:
        trial["sessions"] = course.sessions
    if course.agent == "ect":
        if course.laterality:
            trial["laterality"] = course.laterality
        else:
            gaps.append((f"{f}.laterality", "not coded in the record; check the ECT notes"))
    if not agent.session_based:
        adherence = adherence_from_dispenses(entries, course)
        if adherence is None:
            gaps.append((f"{f}.adherence", ASK))
        else:
            trial["adherence"] = adherence
            gaps.append((f"{f}.adherence", f"{adherence:g} is the proportion of days covered by dispensed supply; "
                         "confirm with the patient"))
    pair = _ratings_for(course, ratings)
    if pair is None:
        gaps.append((f"{f}.baseline", "no rating in the record at the start and end of this course"))
    else:
        trial.update(scale=pair[0].scale, baseline=pair[0].value, final=pair[1].value)
    gaps.append((f"{f}.burden", f"{ASK} (FIBSER global burden item)"))
    if agent.role == "augmenter":
        for j in range(i - 1, -1, -1):
            other = all_courses[j]
            base = lookup_agent(other.agent)
            if base is not None and base.role == "antidepressant" and other.start <= course.start and (
                    other.end is None or course.start <= other.end):
                trial["augments"] = j
                break
    if agent.min_level_mmol_l is not None and course.end is not None:
        levels = [lab for lab in labs if lab.field == "lithium_level_mmol_l" and course.start <= lab.date <= course.end]
        if levels:
            trial["level_mmol_l"] = levels[-1].value
    return trial


def import_record(text: str, *, today: dt.date | None = None, case_id: str | None = None,
                  ignore_other_medications: bool = False) -> ImportResult:
    """Read a FHIR R4 record (Bundle JSON or NDJSON text) into a case; RecordError names what cannot be read."""
    from futility.case import CaseError, case_from_dict

    today = today or dt.date.today()
    entries = read_record(text)
    gaps: list[tuple[str, str]] = []
    facts, patient_gaps = patient_facts(entries, today)
    records, skipped = medication_records(entries, ignore_unknown=ignore_other_medications)
    all_courses = sorted(courses(records, today) + procedure_courses(entries), key=lambda c: (c.start, c.agent))
    ratings, labs = observations(entries)
    found = conditions(entries)

    case: dict[str, Any] = {"id": case_id or f"fhir-{secrets.token_hex(4)}"}
    case.update(facts)
    gaps += patient_gaps
    polarity = "bipolar" if found.bipolar else "unipolar" if found.depression else "unknown"
    case["diagnosis"] = {"polarity": polarity}
    gaps.append(("diagnosis.episode_months", "the start of the current episode is not in the record; ask the patient"))
    if polarity == "unknown":
        gaps.append(("diagnosis.polarity", "no depressive or bipolar disorder is coded; 'unknown' until the diagnosis is entered"))
    gaps.append(("diagnosis.psychotic_features", "not in the record; false until entered"))
    case["screening"] = {name: "positive" for name in SCREEN_TARGETS if name in found.positive_screens}
    for name in ("bipolar", "thyroid", "substance_use", "eating_disorder", "adhd"):
        if name == "thyroid" and any(lab.field == "tsh_miu_l" for lab in labs):
            continue  # a recorded TSH is the thyroid screen (futility.clinical.screening)
        if name not in found.positive_screens:
            gaps.append((f"screening.{name}", "no coded evidence in the record; not_done until screened"))
    if found.conditions:
        case["conditions"] = list(found.conditions)
    for where in found.hypertension[:1]:
        gaps.append(("conditions", f"hypertension is coded ({where}); add uncontrolled_hypertension if blood pressure is not controlled"))
    latest: dict[str, Lab] = {lab.field: lab for lab in labs}
    if latest:
        case["labs"] = {name: lab.value for name, lab in sorted(latest.items())}
    trials: list[dict[str, Any]] = []
    for i, course in enumerate(all_courses):
        trials.append(_trial(i, course, trials, all_courses, ratings, labs, entries, today, gaps))
    case["trials"] = trials
    kept = ratings[-MAX_SCORES:]
    if len(ratings) > len(kept):
        gaps.append(("scores", f"the record has {len(ratings)} ratings; the latest {MAX_SCORES} are kept"))
    case["scores"] = [{"date": r.date.isoformat(), "scale": r.scale, "value": r.value} for r in kept]
    gaps.append(("values", "the patient's own values are not in the record; elicit them (defaults are used until then)"))

    # the case file's own validation; the required fields the record cannot give are gaps, not errors
    expected = {f for f, _ in gaps}
    try:
        case_from_dict(case, today=today)
    except CaseError as exc:
        provenance = _provenance(all_courses, kept, latest)
        bad = [(f, p) for f, p in exc.problems if not (p == "is required" and f in expected)]
        if bad:
            where_field, problem = bad[0]
            where = next((w for prefix, w in provenance.items() if where_field == prefix or where_field.startswith(prefix + ".")), "")
            raise RecordError(where or where_field, f"{where_field}: {problem}" if where else problem) from None
    return ImportResult(case, gaps, skipped, today)


def _provenance(all_courses: list[Course], ratings: list[Rating], latest: dict[str, Lab]) -> dict[str, str]:
    """Case field -> the resource it came from (for error messages only; never written to the case)."""
    out = {f"trials[{i}]": c.wheres[0] for i, c in enumerate(all_courses) if c.wheres}
    out.update({f"scores[{i}]": r.where for i, r in enumerate(ratings)})
    out.update({f"labs.{name}": lab.where for name, lab in latest.items()})
    return out
