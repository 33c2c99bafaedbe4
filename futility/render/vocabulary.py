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
from futility.rounding import per_100

__all__ = [
    "HORIZON_ICON_GROUPS", "HORIZON_QUANTITIES", "ICON_GROUPS", "OUTCOME_COLOURS", "OUTLINE", "PALLIATIVE",
    "TRIAL_OUTCOME_COLOURS", "IconWords", "burden_sentence", "counts_words", "horizon_curve_words", "horizon_sentence",
    "option_label", "option_words", "outcome_sentence", "period_words", "plan_name", "scores_words", "short_label",
    "GATE_LABELS", "OUTCOME_WORDS", "SCREEN_WORDS", "UTILITY_WORDS", "GateLine", "gate_label", "gate_line", "options_words",
    "outcome_words", "screen_words", "utility_words", "verdict_words", "kind_words", "evidence_row_words",
    "evidence_summary", "BURDEN_FROM_OTHERS", "NO_SOURCES",
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
        low, high = (per_100(v) for v in interval)
        text += f" The evidence is compatible with anywhere from {low} to {high} in 100 feeling well again."
    return text


def burden_sentence(option_name: str, groups: Iterable[Any], interval: tuple[float, float] | None) -> str:
    """The text alternative for a side-effect array."""
    count = list(groups)[0].count
    text = f"Of 100 people like you who try {option_name}, about {count} have significant side effects."
    if interval is not None:
        low, high = (per_100(v) for v in interval)
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


# ----- plans over time (the horizon) -----------------------------------------------------------------
#: The groups of a horizon icon array (one plan at one month), in drawing order.
HORIZON_ICON_GROUPS = {
    "in_remission": IconWords("well at that point (in remission)", "in remission at that month",
                              OUTCOME_COLOURS["remission"], True),
    "remitted_before": IconWords("well before, not at that point", "remitted earlier, not in remission at that month",
                                 OUTCOME_COLOURS["response"], True),
    "never_remitted": IconWords("not yet well at any point", "never remitted yet", OUTCOME_COLOURS["no_response"], False),
}

#: What each horizon chance is, in everyday words (the committee's term in brackets).
HORIZON_QUANTITIES = {
    "p_ever_remitted": "well at least once (ever in remission)",
    "p_in_remission": "well at that point (in remission)",
    "p_well_6m": "well for 6 months or more at least once",
}


def _field(obj: Any, name: str) -> Any:
    """An attribute of a typed contract part, or the key of its JSON dict."""
    return obj[name] if isinstance(obj, dict) else getattr(obj, name)


def period_words(month: int) -> str:
    """A horizon month in words: 6 -> '6 months', 12 -> '1 year', 24 -> '2 years', 60 -> '5 years'."""
    month = int(month)
    if month % 12 == 0 and month > 0:
        years = month // 12
        return f"{years} year" + ("" if years == 1 else "s")
    return f"{month} month" + ("" if month == 1 else "s")


def plan_name(plan: Any) -> str:
    """A plan's short name for a legend: 'usual care', 'comfort-focused care', 'try ECT' (a horizon plan, typed or dict)."""
    key, label = _field(plan, "plan"), str(_field(plan, "label"))
    if key == "usual_care":
        return "usual care"
    if key == "comfort_focus":
        return "comfort-focused care"
    name = label.split(":", 1)[0] if ":" in label else label
    for tail in (", then comfort-focused care", " then comfort-focused care"):
        if name.endswith(tail):
            name = name[: -len(tail)]
    return name


def _in_100(count: int, mean: float) -> str:
    if count == 0:
        return "fewer than 1 in 100" if mean > 0 else "none of 100"
    return f"about {count} in 100"


def horizon_sentence(label: str, month: int, outcome: Any) -> str:
    """One plan at one month in words, e.g. 'Over the next 1 year, about 55 in 100 people like you would be well at
    least once (between 26 and 84 in 100); about 36 in 100 would be well at that point.'

    ``label`` (the plan's label; may be empty) starts the sentence. The counts are those of the plan's icon array
    (the one rounding to whole people, :func:`futility.render.charts.people_out_of_100`); the interval is the
    credible interval of the chance of being well at least once.
    """
    from futility.render.charts import horizon_icon_groups

    ever, now = _field(outcome, "p_ever_remitted"), _field(outcome, "p_in_remission")
    counts = [g.count for g in horizon_icon_groups(outcome)]
    low, high = per_100(_field(ever, "hdi_low")), per_100(_field(ever, "hdi_high"))
    text = (f"Over the next {period_words(month)}, {_in_100(counts[0] + counts[1], _field(ever, 'mean'))} people like "
            f"you would be well at least once (between {low} and {high} in 100); "
            f"{_in_100(counts[0], _field(now, 'mean'))} would be well at that point.")
    if label:
        text = f"{label[:1].upper()}{label[1:]}. {text}"
    return text


def horizon_curve_words(plans: Iterable[Any], quantity: str) -> str:
    """The numbers of a horizon curve chart in words (its text alternative): per plan, the chance at each month."""
    what = HORIZON_QUANTITIES.get(quantity, quantity.replace("_", " "))
    when = "at" if quantity == "p_in_remission" else "by"
    parts = []
    for plan in plans:
        points = []
        for o in _field(plan, "outcomes"):
            s = _field(o, quantity)
            mean, low, high = (100 * float(_field(s, k)) for k in ("mean", "hdi_low", "hdi_high"))
            points.append(f"{mean:.0f}% {when} {period_words(_field(o, 'month'))} ({low:.0f}% to {high:.0f}%)")
        parts.append(f"{plan_name(plan)}: " + ", ".join(points))
    return f"Chance of being {what}, mean and credible interval, starting from 0 now. " + "; ".join(parts) + "."


# ----- framing and safety (issue "A consultation a distressed patient can follow") -------------------------
#: What the patient-facing pages are called: the decision, not the product ("futility" stays in the footer and
#: the committee's pages).
PATIENT_TITLE = "Thinking about next steps together"
#: The decision, stated first in plain words (IPDAS: the decision being considered is stated).
DECISION_STATEMENT = (
    "The question you and your care team are thinking about: should you try another treatment for your depression, "
    "and if so which one? Or should care now focus on comfort, daily life and quality of life? Care goes on either "
    "way. You can look at the choice again at any time."
)
#: Shown when no site text is configured (FUTILITY_CRISIS_TEXT). No telephone number: numbers differ by country
#: and service, so a site sets its own.
DEFAULT_CRISIS_TEXT = (
    "Are you thinking about ending your life or harming yourself? Do you feel you cannot keep yourself safe? "
    "Then tell your care team today. In an emergency, call your local emergency number or go to the nearest "
    "emergency department."
)


def crisis_text() -> str:
    """The crisis and "who to call" text: the site's (environment variable FUTILITY_CRISIS_TEXT), else the default."""
    import os

    site = " ".join(os.environ.get("FUTILITY_CRISIS_TEXT", "").split())
    return site[:600] if site else DEFAULT_CRISIS_TEXT


# ----- the committee's bottom line: gates in positive words, screens, outcomes, values (issue 14) -------------
#: Each safety gate as the positive statement that must hold before a futility statement is made (the gate's
#: name says what holds it back; the committee reads what is checked). Answered "yes" when the gate passes.
GATE_LABELS = {
    "screening_incomplete": "Screening for other causes of poor response complete",
    "screening_positive": "Screening found nothing to treat first",
    "not_trd": "Meets the criteria for treatment-resistant depression",
    "guideline_options_untried": "Every guideline option tried adequately or contraindicated",
    "patient_values_missing": "The patient has given and confirmed their own values",
}

#: The pseudo-resistance screens (futility.clinical.screening.SCREENS) in words.
SCREEN_WORDS = {
    "bipolar": "bipolar disorder",
    "thyroid": "thyroid",
    "substance_use": "substance use",
    "eating_disorder": "eating disorder",
    "adhd": "ADHD",
}

#: The five outcomes the patient values (the decision's utility names) in words.
UTILITY_WORDS = {
    "remission": "remission (feeling well again)",
    "response": "response without remission",
    "no_response": "no response",
    "significant_burden": "significant side-effect burden",
    "palliative_focus": "palliative-focused care",
}

#: A trial's or the ratings' outcome in words.
OUTCOME_WORDS = {
    "remission": "remission",
    "response": "response",
    "partial_response": "partial response",
    "non_response": "no response",
    "unknown": "unknown",
}


def gate_label(gate: str) -> str:
    """The positive statement of a safety gate ('Meets the criteria for treatment-resistant depression')."""
    return GATE_LABELS.get(gate, gate.replace("_", " "))


def screen_words(screen: str) -> str:
    """A screen's name in words ('substance_use' -> 'substance use')."""
    return SCREEN_WORDS.get(screen, screen.replace("_", " "))


def utility_words(name: str) -> str:
    """A utility's name in words ('significant_burden' -> 'significant side-effect burden')."""
    return UTILITY_WORDS.get(name, name.replace("_", " "))


def outcome_words(outcome: str) -> str:
    """A trial outcome in words ('non_response' -> 'no response')."""
    return OUTCOME_WORDS.get(outcome, outcome.replace("_", " "))


def options_words(options: Iterable[str]) -> str:
    """Option kinds in words, joined with commas: 'an SNRI medicine, mirtazapine, ECT'."""
    return ", ".join(short_label(o) for o in options)


class GateLine(NamedTuple):
    """One safety gate as the committee reads it: the positive statement, its answer and what lies behind it."""

    gate: str
    label: str
    passed: bool
    answer: str  # "yes" | "no"
    detail: str  # '' or what fails it ("not done: thyroid") / what it rests on ("3 adequate trials failed ...")
    scope: str  # '' or "qualitative judgement only"

    @property
    def text(self) -> str:
        """'Screening for other causes of poor response complete: no — not done: thyroid'."""
        text = f"{self.label}: {self.answer}"
        if self.detail:
            text += f" — {self.detail}"
        if self.scope:
            text += f" ({self.scope})"
        return text


def gate_line(gate: Any, output: Any = None) -> GateLine:
    """A gate (typed or dict) in positive words; ``output`` (the assessment, typed or dict) names the screens not
    done and the trials behind the TRD criteria. Words only: whether it passed is the decision's.
    """
    name, passed = str(_field(gate, "gate")), bool(_field(gate, "passed"))
    items = [str(i) for i in (_field(gate, "items") or [])]
    detail = ""
    if name == "screening_incomplete" and not passed and output is not None:
        not_done = _field(_field(output, "screening"), "not_done") or []
        detail = "not done: " + ", ".join(screen_words(s) for s in not_done) if not_done else "not complete"
    elif name == "screening_positive" and not passed:
        detail = "positive: " + ", ".join(screen_words(s) for s in items)
    elif name == "not_trd" and output is not None:
        trd = _field(output, "trd")
        failed, classes = _field(trd, "adequate_failed_trials"), _field(trd, "distinct_classes_failed")
        detail = (f"{failed} adequate trial{'' if failed == 1 else 's'} failed, in {classes} "
                  f"class{'' if classes == 1 else 'es'}")
    elif name == "guideline_options_untried" and not passed:
        detail = "not yet tried: " + options_words(items)
    elif name == "patient_values_missing" and not passed:
        detail = ("defaults used for: " + ", ".join(utility_words(i) for i in items)) if items else "given, not yet confirmed"
    scope = "qualitative judgement only" if _field(gate, "applies_to") == "qualitative" else ""
    return GateLine(name, gate_label(name), passed, "yes" if passed else "no", detail, scope)


def verdict_words(judgement: Any) -> str:
    """A futility judgement's verdict: 'met', 'not met' or 'held back by a safety gate' (it would hold without them)."""
    if _field(judgement, "met"):
        return "met"
    return "held back by a safety gate" if _field(judgement, "met_before_gates") else "not met"


def kind_words(kind: str) -> str:
    """An option kind as a class name for a past trial: 'SNRI medicine', 'tricyclic medicine', 'adding lithium'
    (the plain label without its article; 'another SSRI medicine' reads wrongly of a trial already given).
    """
    label = short_label(kind)
    for article in ("another ", "an ", "a "):
        if label.startswith(article):
            return label[len(article):]
    return label


def evidence_row_words(ref: Any) -> str:
    """One evidence row behind a figure: 'Rush AJ et al 2006: remission, 250 patients (tag V; stard_l2_...)'."""
    outcome = str(_field(ref, "outcome"))
    n, share = _field(ref, "n"), float(_field(ref, "share"))
    what = "relative effect on " + outcome if _field(ref, "table") == "effects" else outcome
    size = f", {n:,} patients" if n is not None else ""
    if 0.0 < share < 1.0:
        size += f" ({100 * share:.0f}% of them on this option)"
    return f"{_field(ref, 'citation')}: {what}{size} (tag {_field(ref, 'tag')}; {_field(ref, 'id')})"


def evidence_summary(refs: Iterable[Any], *, limit: int = 3) -> str:
    """The studies behind a figure in one line: 'Rush AJ et al 2006; Popova V et al 2019 and 2 more (8 rows)'."""
    refs = list(refs)
    if not refs:
        return "no evidence row"
    names = list(dict.fromkeys(str(_field(r, "citation")) for r in refs))
    text = "; ".join(names[:limit])
    if len(names) > limit:
        text += f" and {len(names) - limit} more"
    return text + f" ({len(refs)} row{'' if len(refs) == 1 else 's'})"


#: Said where an option's burden figure rests on no burden study of its own.
BURDEN_FROM_OTHERS = ("no study of this option reports side-effect burden: the figure is the population mean "
                      "of the options that have burden rows, with its spread")
#: Said where a stored record carries no evidence rows (stored before they existed, or another registry's posterior).
NO_SOURCES = ("evidence rows not recorded in this assessment (stored before they were kept, or a posterior fit to "
              "other evidence: see the model's data hash)")
