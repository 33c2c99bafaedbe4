"""Closed vocabularies of the case file and one "did you mean" helper shared by all of them.

A misspelt word in a closed vocabulary (``arrythmia`` for ``arrhythmia``) must never be dropped in
silence: a condition the rules do not know is a contraindication they cannot see. So every closed
vocabulary (conditions here; agents in :mod:`futility.clinical.agents`; scales, screening results and
sex as literals in :mod:`futility.case`) refuses unknown words with :func:`did_you_mean`'s hint.
"""
from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = ["KNOWN_CONDITIONS", "close_matches", "did_you_mean", "known_condition", "normalise_condition"]

#: Every condition a rule in :func:`futility.clinical.screening.contraindications` acts on (with its
#: synonyms). A condition outside this list would change nothing, so it is refused rather than kept.
KNOWN_CONDITIONS: tuple[str, ...] = (
    "aneurysm",
    "aneurysmal_vascular_disease",
    "arrhythmia",
    "arteriovenous_malformation",
    "bundle_branch_block",
    "chronic_kidney_disease",
    "ckd",
    "epilepsy",
    "heart_block",
    "intracerebral_haemorrhage",
    "intracerebral_hemorrhage",
    "long_qtc",
    "pregnancy",
    "raised_intracranial_pressure",
    "recent_myocardial_infarction",
    "renal_failure",
    "renal_impairment",
    "uncontrolled_hypertension",
)


def close_matches(value: str, choices: Iterable[str]) -> list[str]:
    """Up to three of ``choices`` close to ``value`` (:func:`difflib.get_close_matches`), ignoring case,
    spaces and hyphens; returned as spelt in ``choices``.
    """
    folded = {c.lower().replace("-", "_").replace(" ", "_"): c for c in choices}
    key = str(value).strip().lower().replace("-", "_").replace(" ", "_")[:100]
    return [folded[m] for m in difflib.get_close_matches(key, list(folded), n=3, cutoff=0.6)]


def did_you_mean(value: str, choices: Iterable[str], *, list_all_up_to: int = 30) -> str:
    """A hint for an unknown word: ``did you mean a or b?``, else the known words (when few enough)."""
    choices = list(choices)
    close = close_matches(value, choices)
    if close:
        return f"did you mean {' or '.join(close)}?"
    if len(choices) <= list_all_up_to:
        return "known: " + ", ".join(choices)
    return f"one of {len(choices)} known names"


def normalise_condition(name: str) -> str:
    """Lower-case, spaces and hyphens to underscores: 'Long QTc' -> 'long_qtc'."""
    return name.strip().lower().replace(" ", "_").replace("-", "_")


def known_condition(name: str) -> str | None:
    """The canonical condition name, or None when the rules do not know it."""
    canonical = normalise_condition(name)
    return canonical if canonical in KNOWN_CONDITIONS else None
