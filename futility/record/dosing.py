"""A daily dose in mg from one FHIR Dosage: the dose quantity times the doses a day of its timing.

Only what is coded is used. A dose without a unit is refused (RecordError); a dose in a unit that is not
a mass (tablets, mL) or a timing that gives no frequency is returned as unknown with the reason, so the
case says it is missing instead of guessing a tablet strength or "once a day".
"""
from __future__ import annotations

from typing import Any

from futility.record.errors import RecordError

__all__ = ["MG_PER_UNIT", "daily_dose_mg", "doses_per_day"]

#: UCUM mass units (and the plain spellings records use) in mg.
MG_PER_UNIT = {"mg": 1.0, "g": 1000.0, "ug": 0.001, "mcg": 0.001, "µg": 0.001, "microgram": 0.001, "milligram": 1.0, "gram": 1000.0}
#: Days per UCUM time unit of Timing.repeat.periodUnit.
_DAYS = {"s": 1 / 86400, "min": 1 / 1440, "h": 1 / 24, "d": 1.0, "wk": 7.0, "mo": 30.4375, "a": 365.25}
#: HL7 v3 GTSAbbreviation codes of Timing.code (http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation).
_GTS = {"QD": 1.0, "BID": 2.0, "TID": 3.0, "QID": 4.0, "QOD": 0.5, "AM": 1.0, "PM": 1.0}


def doses_per_day(timing: Any) -> float | None:
    """Administrations a day from a Timing mapping; None when it gives no frequency."""
    if not isinstance(timing, dict):
        return None
    repeat = timing.get("repeat")
    if isinstance(repeat, dict) and repeat.get("periodUnit") in _DAYS:
        frequency = float(repeat.get("frequencyMax") or repeat.get("frequency") or 1)
        period = float(repeat.get("period") or 1) * _DAYS[repeat["periodUnit"]]
        return frequency / period if period > 0 else None
    if isinstance(repeat, dict) and isinstance(repeat.get("timeOfDay"), list) and repeat["timeOfDay"]:
        return float(len(repeat["timeOfDay"]))
    for coding in (timing.get("code") or {}).get("coding") or []:
        if isinstance(coding, dict) and str(coding.get("code", "")).upper() in _GTS:
            return _GTS[str(coding["code"]).upper()]
    return None


def _dose_mg(quantity: dict[str, Any], where: str) -> tuple[float | None, str]:
    unit = str(quantity.get("code") or quantity.get("unit") or "").strip()
    if not unit:
        raise RecordError(where, "a dose with no unit (doseQuantity needs a unit, e.g. mg)")
    value = quantity.get("value")
    if value is None:
        raise RecordError(where, "a dose with no value")
    factor = MG_PER_UNIT.get(unit) or MG_PER_UNIT.get(unit.lower())
    if factor is None:
        return None, f"the dose is in '{unit[:20]}', not a mass; the mg a day are not in the record"
    return float(value) * factor, ""


def daily_dose_mg(dosage: Any, where: str, *, per_day_default: float | None = None) -> tuple[float | None, str]:
    """(mg a day, reason when unknown) for one Dosage mapping at ``where``.

    ``per_day_default`` is used when the timing is absent (a single administration: 1).
    """
    if not isinstance(dosage, dict):
        return None, "no dosage"
    if dosage.get("asNeededBoolean") is True or "asNeededCodeableConcept" in dosage:
        return None, "the dose is as needed; the mg a day are not in the record"
    for j, rate in enumerate(dosage.get("doseAndRate") or []):
        quantity = rate.get("doseQuantity") if isinstance(rate, dict) else None
        if isinstance(quantity, dict):
            mg, why = _dose_mg(quantity, f"{where}.doseAndRate[{j}].doseQuantity")
            if mg is None:
                return None, why
            per_day = doses_per_day(dosage.get("timing"))
            if per_day is None:
                per_day = per_day_default
            if per_day is None:
                return None, "the timing gives no frequency; the mg a day are not in the record"
            return round(mg * per_day, 3), ""
        if isinstance(rate, dict) and "doseRange" in rate:
            return None, "the dose is a range; the mg a day are not in the record"
    if isinstance(dosage.get("dose"), dict):  # MedicationAdministration.dosage.dose
        mg, why = _dose_mg(dosage["dose"], f"{where}.dose")
        return (mg, why) if mg is None else (round(mg * (per_day_default or 1.0), 3), "")
    return None, "no dose quantity; the mg a day are not in the record"
