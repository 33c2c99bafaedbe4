"""Patient to age and sex, and nothing else: no name, identifier, address, telecom or the FHIR id.

The age is whole years at the import date. A birthDate of year (or year and month) only gives the
youngest age it allows (the birthday taken as the last day of that year or month), said as a gap.
"""
from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable

from futility.record.bundle import Entry
from futility.record.errors import RecordError

__all__ = ["SEX", "patient_facts"]

SEX = {"female": "female", "male": "male", "other": "other", "unknown": "unknown"}


def _age(born: dt.date, today: dt.date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def patient_facts(entries: Iterable[Entry], today: dt.date) -> tuple[dict[str, object], list[tuple[str, str]]]:
    """({"age": ..., "sex": ...} as known, gaps); RecordError for two different patients."""
    patients = [e for e in entries if e.type == "Patient"]
    if not patients:
        return {}, [("age", "no Patient in the record; enter the age"), ("sex", "no Patient in the record")]
    if len(patients) > 1:
        raise RecordError(patients[1].where, "a second Patient: a record to import is one patient's")
    data = patients[0].data
    facts: dict[str, object] = {}
    gaps: list[tuple[str, str]] = []
    birth = str(data.get("birthDate") or "")
    if not birth:
        gaps.append(("age", "Patient.birthDate is not in the record; enter the age"))
    else:
        year = int(birth[:4])
        if len(birth) == 4:
            born = dt.date(year, 12, 31)
            gaps.append(("age", f"Patient.birthDate gives the year only; age {_age(born, today)} is the youngest it allows"))
        elif len(birth) == 7:
            month = int(birth[5:7])
            born = dt.date(year, month, calendar.monthrange(year, month)[1])
            gaps.append(("age", f"Patient.birthDate gives the month only; age {_age(born, today)} is the youngest it allows"))
        else:
            born = dt.date.fromisoformat(birth[:10])
        facts["age"] = _age(born, today)
    gender = data.get("gender")
    if gender in SEX:
        facts["sex"] = SEX[gender]
    else:
        gaps.append(("sex", "Patient.gender is not in the record"))
    return facts, gaps
