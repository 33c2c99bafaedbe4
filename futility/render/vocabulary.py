"""The words and colours every renderer uses: option labels, outcome words, outcome colours, sentences.

One home for them, so the committee report and the consultation dashboard name an option, an outcome
or a colour the same way. Nothing clinical is decided here: the words describe numbers the assessment
already holds. Colours are the Okabe-Ito palette (:mod:`futility.render.palette`); every category is
also named in words, so colour is never the only carrier of meaning.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, NamedTuple

from futility.render.palette import OKABE_ITO

__all__ = [
    "ICON_GROUPS", "OUTCOME_COLOURS", "OUTLINE", "PALLIATIVE", "TRIAL_OUTCOME_COLOURS", "IconWords",
    "burden_sentence", "counts_words", "option_label", "option_words", "outcome_sentence", "scores_words",
    "short_label",
]

PALLIATIVE = "palliative_focus"

#: Outcome colours in the icon arrays, the comparison and the treatment journey.
OUTCOME_COLOURS = {
    "remission": OKABE_ITO["blue"],
    "response": OKABE_ITO["sky_blue"],
    "no_response": "#C8C8C8",  # neutral grey: "nothing changed" should not draw the eye
    "side_effects": OKABE_ITO["vermillion"],
    "no_side_effects": "#C8C8C8",
    "palliative": OKABE_ITO["reddish_purple"],
    "unknown": "#FFFFFF",
}

#: The outline of a person (or swatch) who did not have the event: outlined, not filled, so it reads without colour.
OUTLINE = "#6E6E6E"

#: A past trial's outcome (the treatment journey).
TRIAL_OUTCOME_COLOURS = {
    "remission": OUTCOME_COLOURS["remission"],
    "response": OUTCOME_COLOURS["response"],
    "partial_response": OKABE_ITO["orange"],
    "non_response": OUTLINE,
    "unknown": OUTLINE,
}


class IconWords(NamedTuple):
    """How a group of people in an icon array is named: everyday words, and the committee's term."""

    label: str
    term: str
    colour: str
    filled: bool


#: The groups of the icon arrays, in drawing order: outcome (remission, response only, none) and side effects.
ICON_GROUPS = {
    "remission": IconWords("feel well again (remission)", "remission", OUTCOME_COLOURS["remission"], True),
    "response": IconWords("clearly better but not fully well (response)", "response without remission",
                          OUTCOME_COLOURS["response"], True),
    "no_response": IconWords("no real improvement", "no response", OUTCOME_COLOURS["no_response"], False),
    "side_effects": IconWords("significant side effects", "significant side-effect burden",
                              OUTCOME_COLOURS["side_effects"], True),
    "no_side_effects": IconWords("no significant side effects", "no significant burden",
                                 OUTCOME_COLOURS["no_side_effects"], False),
}


# ----- options ---------------------------------------------------------------------------------------
def option_label(option: str | None) -> str:
    """Everyday words for an option kind, from the guideline table (the name with spaces without it)."""
    if option is None:
        return "–"
    try:
        from futility.decision import plain_label

        return plain_label(option)
    except Exception:  # noqa: BLE001 - a report must render even without the decision tables
        return option.replace("_", " ")


def short_label(option: str | None) -> str:
    """The plain label without its explanation in brackets: 'an older (tricyclic) antidepressant' keeps its noun."""
    if option == PALLIATIVE:
        return "palliative-focused care"
    return " ".join(re.sub(r"\s*\([^)]*\)", "", option_label(option)).split())


def option_words(option: str, *, capital: bool = True) -> str:
    """The plain label of an option kind, capitalised to start a heading or a sentence."""
    label = option_label(option)
    return label[:1].upper() + label[1:] if capital else label


# ----- sentences (text alternatives) -----------------------------------------------------------------
def counts_words(groups: Iterable[Any]) -> str:
    """An icon array's counts in the committee's terms: '38 of 100 people: remission; ...'."""
    groups = list(groups)
    total = sum(g.count for g in groups)
    return "; ".join(f"{g.count} of {total} people: {g.term}" for g in groups)


def outcome_sentence(option_name: str, groups: Iterable[Any], interval: tuple[float, float] | None) -> str:
    """The text alternative for an outcome array, e.g. 'Of 100 people like you who try X, about 6 ...'."""
    counts = {g.key: g.count for g in groups}
    text = (
        f"Of 100 people like you who try {option_name}, about {counts['remission']} feel well again "
        f"(remission), about {counts['response']} more are clearly better but not fully well, and about "
        f"{counts['no_response']} do not improve much."
    )
    if interval is not None:
        low, high = (round(100 * v) for v in interval)
        text += f" The evidence is compatible with anywhere from {low} to {high} in 100 feeling well again."
    return text


def burden_sentence(option_name: str, groups: Iterable[Any], interval: tuple[float, float] | None) -> str:
    """The text alternative for a side-effect array."""
    count = list(groups)[0].count
    text = f"Of 100 people like you who try {option_name}, about {count} have significant side effects."
    if interval is not None:
        low, high = (round(100 * v) for v in interval)
        text += f" The evidence is compatible with anywhere from {low} to {high} in 100."
    return text


def scores_words(rows: list[dict[str, Any]], measurement: dict[str, Any] | None) -> str:
    """The dated ratings in sentences (text alternative of the scores chart), with the measurement summary."""
    if not rows:
        return "No dated ratings are recorded."
    listed = ", ".join(f"{r['value']:g} on {r['date']}" for r in rows)
    text = f"{rows[0]['scale']} ratings: {listed}."
    if measurement:
        band = str(measurement.get("severity_band", "")).replace("_", " ")
        status = str(measurement.get("status", "")).replace("_", " ")
        reduction = measurement.get("percent_reduction")
        text += f" The latest is in the {band} range"
        if reduction is not None:
            text += f", {reduction:.0f}% lower than the first"
        text += f" ({status})."
    return text
