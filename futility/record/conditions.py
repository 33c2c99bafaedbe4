"""Conditions to the case's conditions, screening and polarity, from the code lists in data/fhir/conditions.csv.

A refuted or entered-in-error Condition is ignored. Psychiatric history (bipolar disorder, substance use,
eating disorder, ADHD) makes its screen ``positive`` whatever its clinical status (a screen asks about
the lifetime); a medical condition (CKD, arrhythmia) counts while not resolved, inactive or in remission.
A screen with no coded evidence stays ``not_done``: the absence of a code is never a negative screen.
Hypertension is coded as such, not as *uncontrolled* hypertension (the only form a rule acts on), so it is
reported for the clinician to judge, never written as ``uncontrolled_hypertension``.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from futility.record.bundle import Entry
from futility.record.codes import codings, condition_target

__all__ = ["ConditionFindings", "SCREEN_TARGETS", "conditions"]

SCREEN_TARGETS = ("bipolar", "substance_use", "eating_disorder", "adhd")
_MEDICAL = {"chronic_kidney_disease": "chronic_kidney_disease", "arrhythmia": "arrhythmia"}
_NOT_NOW = {"resolved", "inactive", "remission"}


@dataclass
class ConditionFindings:
    """What the Conditions say, with the entry that says it."""

    conditions: list[str] = field(default_factory=list)
    positive_screens: dict[str, str] = field(default_factory=dict)  # screen -> where
    bipolar: bool = False
    depression: bool = False
    hypertension: list[str] = field(default_factory=list)  # wheres


def _status(concept: object) -> str:
    return next((code for _, code, _ in codings(concept) if code), "")


def conditions(entries: Iterable[Entry]) -> ConditionFindings:
    """Conditions, positive screens, and whether bipolar or unipolar depression is coded."""
    found = ConditionFindings()
    for e in entries:
        if e.type != "Condition" or _status(e.data.get("verificationStatus")) in ("refuted", "entered-in-error"):
            continue
        target = condition_target(e.data.get("code"))
        if target is None:
            continue
        current = _status(e.data.get("clinicalStatus")) not in _NOT_NOW
        name = target.target
        if name in SCREEN_TARGETS:
            found.positive_screens.setdefault(name, e.where)
            found.bipolar = found.bipolar or name == "bipolar"
        elif name == "depression":
            found.depression = True
        elif name == "hypertension":
            if current:
                found.hypertension.append(e.where)
        elif name in _MEDICAL and current and _MEDICAL[name] not in found.conditions:
            found.conditions.append(_MEDICAL[name])
    return found
