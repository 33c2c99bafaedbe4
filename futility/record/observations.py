"""Observations to rating-scale scores (PHQ-9 by LOINC 44261-6) and labs (eGFR, QTc, CRP, TSH, lithium).

Only final, amended or corrected observations count. A score is kept with its date; a lab is its latest
value, converted to the case's unit (CRP mg/dL x 10; QTc s x 1000; lithium mEq/L = mmol/L; TSH
uIU/mL = mIU/L). A lab value without a unit, or in a unit not listed here, is refused naming the resource.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from futility.record.bundle import Entry
from futility.record.codes import observation_target, to_date
from futility.record.errors import RecordError

__all__ = ["Lab", "Rating", "observations"]

_FINAL = {"final", "amended", "corrected"}
#: Accepted units per lab field and the factor to the case's unit.
_UNITS: dict[str, dict[str, float]] = {
    "egfr": {"mL/min/{1.73_m2}": 1.0, "mL/min/1.73m2": 1.0, "mL/min/1.73 m2": 1.0, "ml/min/1.73m2": 1.0, "mL/min": 1.0},
    "qtc_ms": {"ms": 1.0, "msec": 1.0, "s": 1000.0},
    "crp_mg_l": {"mg/L": 1.0, "mg/l": 1.0, "mg/dL": 10.0, "mg/dl": 10.0},
    "tsh_miu_l": {"m[IU]/L": 1.0, "mIU/L": 1.0, "u[IU]/mL": 1.0, "uIU/mL": 1.0, "µIU/mL": 1.0, "mU/L": 1.0},
    "lithium_level_mmol_l": {"mmol/L": 1.0, "mmol/l": 1.0, "meq/L": 1.0, "mEq/L": 1.0},
}


@dataclass(frozen=True)
class Rating:
    """One rating-scale total with its date."""

    scale: str
    date: dt.date
    value: float
    where: str


@dataclass(frozen=True)
class Lab:
    """One lab value in the case's unit."""

    field: str
    date: dt.date
    value: float
    where: str


def observations(entries: Iterable[Entry]) -> tuple[list[Rating], list[Lab]]:
    """Ratings (oldest first) and labs (oldest first) from the listed LOINC codes."""
    ratings: list[Rating] = []
    labs: list[Lab] = []
    for e in entries:
        if e.type != "Observation" or e.data.get("status") not in _FINAL:
            continue
        target = observation_target(e.data.get("code"))
        if target is None:
            continue
        when = to_date(e.data.get("effectiveDateTime")) or to_date((e.data.get("effectivePeriod") or {}).get("start")) \
            or to_date(e.data.get("issued"))
        if when is None:
            raise RecordError(e.where, "has no date (effective[x] or issued)")
        if target.extra == "score":  # a rating scale: the target is its name (PHQ-9)
            value = e.data.get("valueInteger")
            if value is None:
                value = (e.data.get("valueQuantity") or {}).get("value")
            if value is None:
                raise RecordError(e.where, f"a {target.target} total with no value (valueInteger or valueQuantity)")
            ratings.append(Rating(target.target, when, float(value), e.where))
            continue
        quantity = e.data.get("valueQuantity")
        if not isinstance(quantity, dict) or quantity.get("value") is None:
            raise RecordError(f"{e.where}.valueQuantity", f"a {target.target} result needs a value with a unit")
        unit = str(quantity.get("code") or quantity.get("unit") or "").strip()
        if not unit:
            raise RecordError(f"{e.where}.valueQuantity", "a value with no unit")
        factor = _UNITS[target.target].get(unit)
        if factor is None:
            raise RecordError(f"{e.where}.valueQuantity", f"unit '{unit[:20]}' is not one the import converts for {target.target} "
                              f"(known: {', '.join(_UNITS[target.target])})")
        labs.append(Lab(target.target, when, round(float(quantity["value"]) * factor, 3), e.where))
    ratings.sort(key=lambda r: r.date)
    labs.sort(key=lambda lab: lab.date)
    return ratings, labs
