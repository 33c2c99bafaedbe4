"""Colours and plain-language names used by every view.

Colours are the Okabe-Ito palette (Okabe & Ito 2008, "Color Universal Design"), chosen because the
colours stay distinguishable with the common forms of colour blindness. Every chart also labels its
categories in words, so colour is never the only carrier of meaning.
"""
from __future__ import annotations

from pathlib import Path

from futility.render.palette import OKABE_ITO

#: The dashboard's stylesheet, attached to each HTML pane (Panel renders panes in shadow DOM).
STYLESHEETS = [Path(__file__).with_name("style.css").read_text(encoding="utf-8")]

#: Outcome colours in the icon arrays and the treatment journey.
OUTCOME_COLOURS = {
    "remission": OKABE_ITO["blue"],
    "response": OKABE_ITO["sky_blue"],
    "no_response": "#C8C8C8",  # neutral grey: "nothing changed" should not draw the eye
    "side_effects": OKABE_ITO["vermillion"],
    "no_side_effects": "#C8C8C8",
    "palliative": OKABE_ITO["reddish_purple"],
    "unknown": "#FFFFFF",
}


def option_words(option: str, *, capital: bool = True) -> str:
    """The plain-language name of an option kind, from the package's guideline table."""
    from futility.decision import plain_label

    label = plain_label(option)
    return label[:1].upper() + label[1:] if capital else label
