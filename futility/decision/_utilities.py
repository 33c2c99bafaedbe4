"""Utilities of the outcome states: the patient's own where given, published defaults where not.

Outcome states per active option: remission, response without remission, no response (partial response
counts as no response); each with or without significant side-effect burden, which adds a (negative)
disutility. Palliative-focused care has its own utility: the patient's valuation of life with care
focused on quality, comfort and function. Defaults come from ``futility/data/utilities.csv`` (Sapin et al.
2004 EQ-5D; Revicki & Wood 1998 as a proxy for burden) and are marked ``source="default"`` everywhere.
"""
from __future__ import annotations

import csv
import dataclasses
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

NAMES = ("remission", "response", "no_response", "significant_burden", "palliative_focus")
BOUNDS = {
    "remission": (0.0, 1.0),
    "response": (0.0, 1.0),
    "no_response": (0.0, 1.0),
    "significant_burden": (-1.0, 0.0),
    "palliative_focus": (0.0, 1.0),
}


@dataclass(frozen=True)
class Utility:
    """One utility as used: its value, whether the patient gave it, and where a default comes from."""

    name: str
    value: float
    source: str  # "patient" | "default"
    citation: str
    short_citation: str = ""
    confirmed: bool = False  # the patient confirmed the whole set ("these are my answers"); never for a default
    set_by: str | None = None  # patient | patient_with_clinician | proxy (futility.case.ValueRecord)
    method: str | None = None  # rating_scale | standard_gamble
    set_on: str | None = None  # ISO date the value was set

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "source": self.source, "citation": self.citation, "short_citation": self.short_citation,
                "confirmed": self.confirmed, "set_by": self.set_by, "method": self.method, "set_on": self.set_on}


@dataclass(frozen=True)
class Utilities:
    """The five utilities in use. Level utilities are on a 0-1 scale; ``significant_burden`` is <= 0."""

    remission: Utility
    response: Utility
    no_response: Utility
    significant_burden: Utility
    palliative_focus: Utility

    def value(self, name: str) -> float:
        return getattr(self, name).value

    def replace(self, name: str, value: float) -> "Utilities":
        """A copy with one value changed (keeps its source and citation): for sensitivity analyses."""
        old = getattr(self, name)
        fields = {n: getattr(self, n) for n in NAMES}
        fields[name] = dataclasses.replace(old, value=float(value))
        return Utilities(**fields)

    @property
    def all_from_patient(self) -> bool:
        return all(getattr(self, n).source == "patient" for n in NAMES)

    @property
    def confirmed(self) -> bool:
        """Every value is the patient's and the patient confirmed them (the values gate passes only then)."""
        return all(getattr(self, n).source == "patient" and getattr(self, n).confirmed for n in NAMES)

    def defaults_used(self) -> list[str]:
        return [n for n in NAMES if getattr(self, n).source == "default"]

    def to_dict(self) -> dict[str, dict[str, Any]]:
        return {n: getattr(self, n).to_dict() for n in NAMES}


@lru_cache(maxsize=1)
def default_table() -> dict[str, dict[str, str]]:
    """Rows of ``futility/data/utilities.csv`` keyed by utility name."""
    path = resources.files("futility") / "data" / "utilities.csv"
    with path.open(encoding="utf-8") as fh:
        return {row["utility"]: dict(row) for row in csv.DictReader(fh)}


def _default(name: str, value: float | None = None) -> Utility:
    row = default_table()[name]
    text = f"{row['citation']} {row['tag']}; {row['note']}"
    return Utility(name, float(row["value"]) if value is None else value, "default", text, row["short_citation"])


def resolve_utilities(values: Any | None) -> Utilities:
    """Combine the patient's stated values (``futility.case.Values`` or None) with the defaults.

    The palliative-focus default has no published value: it is set equal to the non-response utility in
    use (the patient's if given), so that by default palliative-focused care is neither favoured nor
    penalised beyond what the patient states. Ask the patient.
    """
    given = {n: getattr(values, n, None) if values is not None else None for n in NAMES}
    confirmed = getattr(values, "confirmed", None) is not None
    records = getattr(values, "recorded", None) or {}

    def own(name: str, value: float) -> Utility:
        record = records.get(name)
        return Utility(
            name, float(value), "patient", "the patient's own value", "patient", confirmed=confirmed,
            set_by=getattr(record, "set_by", None), method=getattr(record, "method", None),
            set_on=record.on.isoformat() if record is not None else None,
        )

    out: dict[str, Utility] = {}
    for name in ("remission", "response", "no_response", "significant_burden"):
        value = given[name]
        out[name] = own(name, value) if value is not None else _default(name)
    palliative = given["palliative_focus"]
    if palliative is not None:
        out["palliative_focus"] = own("palliative_focus", palliative)
    else:
        out["palliative_focus"] = _default("palliative_focus", out["no_response"].value)
    return Utilities(**out)


def hopelessness_signal(u: Utilities) -> str | None:
    """A note for the clinician when the patient rates feeling well (remission) below life as it is now (no
    response): a pattern that may reflect hopelessness rather than a considered preference. Not a clinical
    rule with a published threshold: a prompt to talk, shown to the clinician only; nothing is changed.
    """
    if u.remission.source != "patient" or u.no_response.source != "patient":
        return None
    if u.remission.value < u.no_response.value:
        return (
            "the patient rates feeling well again below life as it is now; this can reflect hopelessness: "
            "explore it with the patient, and ask about suicidal thoughts, before relying on these values"
        )
    return None


def utility_warnings(u: Utilities) -> list[str]:
    """Plain notes on values that a reader should check (they are used as given, never corrected)."""
    notes = []
    if not u.remission.value >= u.response.value >= u.no_response.value:
        notes.append(
            "the utilities are not ordered remission >= response >= no response; they are used as given, "
            "please check them with the patient"
        )
    sources = {getattr(u, n).source for n in NAMES}
    if sources == {"patient", "default"}:
        notes.append(
            "some utilities are the patient's and some are defaults ("
            + ", ".join(u.defaults_used())
            + "); the two may not be on the same scale"
        )
    if u.palliative_focus.source == "default":
        notes.append("the palliative-focus utility is a default with no published value: ask the patient")
    if u.all_from_patient and not u.confirmed:
        notes.append("the patient's values are given but not confirmed by the patient")
    hopeless = hopelessness_signal(u)
    if hopeless:
        notes.append(hopeless)
    return notes
