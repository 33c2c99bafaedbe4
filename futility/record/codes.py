"""The code lists (data, not code): RxNorm in agents.csv, LOINC, SNOMED CT, ICD-10 and CPT under data/fhir/.

Each row carries its source. A coding matches when its system and code are listed; ICD-10 codes match by
prefix (``F31.4`` is under ``F31``) in either the WHO (``http://hl7.org/fhir/sid/icd-10``) or the
clinical-modification system (``http://hl7.org/fhir/sid/icd-10-cm``).
"""
from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

__all__ = [
    "ICD10_SYSTEMS", "LOINC", "RXNORM", "Coded", "codings", "condition_target", "observation_target",
    "procedure_target", "rxnorm_agents", "to_date",
]

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
LOINC = "http://loinc.org"
ICD10_SYSTEMS = ("http://hl7.org/fhir/sid/icd-10", "http://hl7.org/fhir/sid/icd-10-cm")


@dataclass(frozen=True)
class Coded:
    """One row of a code list: what the code maps to, and why."""

    system: str
    code: str
    target: str
    source: str
    extra: str = ""  # kind (observations: score | lab), match (conditions) or laterality (procedures)


def _rows(name: str) -> list[dict[str, str]]:
    path = resources.files("futility") / "data" / "fhir" / name
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@lru_cache(maxsize=1)
def rxnorm_agents() -> dict[str, str]:
    """RxNorm ingredient code -> canonical agent name (agents.csv, column ``rxnorm``, as the agent table reads it)."""
    from futility.clinical.agents import agent_table

    return {agent.rxnorm: name for name, agent in agent_table().items() if agent.rxnorm}


@lru_cache(maxsize=1)
def _observations() -> dict[str, Coded]:
    return {r["loinc"]: Coded(LOINC, r["loinc"], r["target"], r["source"], r["kind"]) for r in _rows("observations.csv")}


@lru_cache(maxsize=1)
def _conditions() -> tuple[Coded, ...]:
    return tuple(Coded(r["system"], r["code"], r["target"], r["source"], r["match"]) for r in _rows("conditions.csv"))


@lru_cache(maxsize=1)
def _procedures() -> dict[tuple[str, str], Coded]:
    return {(r["system"], r["code"]): Coded(r["system"], r["code"], r["agent"], r["source"], r["laterality"]) for r in _rows("procedures.csv")}


def codings(concept: Any) -> Iterator[tuple[str, str, str]]:
    """(system, code, display) of each coding of a CodeableConcept mapping; then ("", "", text)."""
    if not isinstance(concept, dict):
        return
    for c in concept.get("coding") or []:
        if isinstance(c, dict):
            yield str(c.get("system") or ""), str(c.get("code") or ""), str(c.get("display") or "")
    if concept.get("text"):
        yield "", "", str(concept["text"])


def observation_target(concept: Any) -> Coded | None:
    """The listed LOINC code of an Observation.code, or None."""
    for system, code, _ in codings(concept):
        if system == LOINC and code in _observations():
            return _observations()[code]
    return None


def _icd_match(code: str, row: Coded) -> bool:
    code = code.upper().replace(".", "")
    return code.startswith(row.code.replace(".", "")) if row.extra == "prefix" else code == row.code.replace(".", "")


def condition_target(concept: Any) -> Coded | None:
    """The listed SNOMED CT or ICD-10 code of a Condition.code, or None."""
    for system, code, _ in codings(concept):
        for row in _conditions():
            if row.system == "icd10" and system in ICD10_SYSTEMS and _icd_match(code, row):
                return row
            if row.system == system and row.code == code:
                return row
    return None


def procedure_target(concept: Any) -> Coded | None:
    """The listed SNOMED CT or CPT code of a Procedure.code (ECT, rTMS), or None."""
    for system, code, _ in codings(concept):
        found = _procedures().get((system, code))
        if found is not None:
            return found
    return None


def to_date(value: Any) -> dt.date | None:
    """The calendar date of a FHIR date or dateTime (``2024``, ``2024-03``, ``2024-03-05T10:00:00Z``); a
    partial date is its first day. None when absent or unreadable (the resource validated, so rarely).
    """
    if not isinstance(value, str) or len(value) < 4:
        return None
    text = value[:10]
    try:
        if len(text) == 4:
            return dt.date(int(text), 1, 1)
        if len(text) == 7:
            return dt.date(int(text[:4]), int(text[5:7]), 1)
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def first(items: Iterable[Any]) -> Any:
    """The first item, or None."""
    return next(iter(items), None)
