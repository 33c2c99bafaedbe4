"""What the consultation shows, in which order, and how it words uncertainty: pure functions over the contract.

The consultation (dashboards/consultation.py) and any other renderer read these, so that the chart, the
sentences and the cards share one order and one shortlist, and no view decides for itself which options
to put in front of a patient:

- :func:`option_order`: every option that is not contraindicated, the highest chance of remission first
  (a property of the evidence, so the order does not move as the patient's values change), then care
  focused on comfort when it is compared;
- :func:`default_shortlist`: the options to discuss first: the leading options not yet tried adequately
  (issue 14: "the three or four leading untried options that are not contraindicated"), plus comfort care;
- :func:`comfort_not_compared`: why care focused on comfort is not compared (the case does not meet the
  criteria for treatment-resistant depression), or None;
- :func:`tried_by_option`, :func:`tried_words`: each option's earlier courses with their outcome;
- :func:`screen_words`: a positive or incomplete screen in plain words, with what it means for the options;
- :func:`well_known`, :func:`side_effect_band_words`: a side-effect chance whose interval spans most of 0-100
  is said to be not well known and drawn as a band, not as a count of people;
- :func:`comparison_brief`: the comparison in two or three sentences.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from futility.decision._text import in_100
from futility.render.vocabulary import short_label
from futility.rounding import per_100

if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Sequence

    from futility.contract import (
        AssessmentOutput,
        Decision,
        Horizon,
        HorizonOutcome,
        ProbabilitySummary,
        PrognosisRow,
        Summary,
        TrialRow,
    )

#: The option key of care focused on comfort and quality of life.
COMFORT = "palliative_focus"

#: How many treatment options the shortlist holds by default (issue 14: "three or four"; a presentation
#: choice, not a clinical threshold: the clinician changes the shortlist).
SHORTLIST_SIZE = 4

#: A 94% interval wider than this (as a fraction of 0-100) "spans most of 0-100": the chance is said to be not
#: well known and drawn as a band (issue 14). A presentation rule, not a clinical threshold.
WIDE_INTERVAL = 0.5

#: Plain words for a trial's outcome (contract ``Outcome``).
OUTCOME_WORDS = {
    "remission": "felt well again (remission)",
    "response": "clearly better but not fully well (response)",
    "partial_response": "a little better (partial response)",
    "non_response": "did not help enough (no response)",
    "unknown": "outcome not rated",
}

#: Who set a value, and how (futility.case.ValueSetter, ValueMethod), in words for the committee and the report.
SETTER_WORDS = {"patient": "the patient", "patient_with_clinician": "the patient, with the clinician's help",
                "proxy": "someone speaking for the patient"}
METHOD_WORDS = {"rating_scale": "0-10 rating scale", "standard_gamble": "standard-gamble question"}

#: A positive screen in plain words: what it is, and what it means for the options on the page. The figures
#: come from studies of unipolar depression; the TRD definition in use excludes bipolar depression
#: (Sforzini et al. 2022, Mol Psychiatry, PMC9095475 Table 1 [V]); the screens are CANMAT 2023's and Dold &
#: Kasper 2017's causes of pseudo-resistance (evidence pack s10 [V]).
SCREEN_WORDS = {
    "bipolar": (
        "A check suggests the low mood may be part of bipolar disorder, or bipolar disorder has not been ruled out "
        "yet. The chances on this page come from studies of people without bipolar disorder. So they may not apply "
        "to you. The choices for bipolar depression can be different. Please talk this through with your care team "
        "before you choose."
    ),
    "thyroid": (
        "A thyroid test is outside the usual range. A thyroid problem can keep low mood going; it is usually "
        "looked at first, and the chances below may change once it is treated."
    ),
    "substance_use": (
        "Alcohol or drug use may be keeping the depression going. Help with it usually comes first, and the "
        "chances below may change with it."
    ),
    "eating_disorder": (
        "A check suggests an eating disorder. It can keep low mood going and usually needs care of its own; "
        "the chances below may change with it."
    ),
    "adhd": (
        "A check suggests ADHD. It can look like or add to depression and has its own treatments; the chances "
        "below may change once it is looked at."
    ),
}

#: A screen's name in plain words, for the list of checks not yet done.
SCREEN_NAMES = {
    "bipolar": "bipolar disorder",
    "thyroid": "the thyroid",
    "substance_use": "alcohol and drug use",
    "eating_disorder": "eating problems",
    "adhd": "ADHD",
}


def by_remission(prognosis: "Sequence[PrognosisRow]") -> list[str]:
    """The options that are not contraindicated, highest mean chance of remission first (ties by name)."""
    rows = [r for r in prognosis if r.contraindicated is False and r.p_remission is not None]
    return [r.option for r in sorted(rows, key=lambda r: (-float(r.p_remission.mean), r.option))]  # type: ignore[union-attr]


def comfort_year(horizon: "Horizon | None") -> "HorizonOutcome | None":
    """Comfort-focused care's outcomes at 12 months from the plans over time (None when not computed)."""
    plan = next((p for p in horizon.plans if p.plan == "comfort_focus"), None) if horizon is not None else None
    return next((o for o in plan.outcomes if o.month == 12), None) if plan is not None else None


def comfort_not_compared(output: "AssessmentOutput") -> str | None:
    """Why care focused on comfort is not compared for this case (in plain words), or None when it is."""
    trd = output.trd
    if trd.meets_criteria:
        return None
    n = trd.adequate_failed_trials
    done = "no adequate treatment has been tried yet" if n == 0 else (
        f"{n} adequate treatment{'' if n == 1 else 's'} did not help enough")
    return (
        "Care focused on comfort instead of new treatment is not compared here: the depression does not meet the "
        f"criteria for treatment-resistant depression ({done}; {trd.definition}). Standard treatments come first."
    )


def option_order(output: "AssessmentOutput") -> list[str]:
    """Every option not contraindicated, highest mean chance of remission first (ties by name), then comfort care
    when it is compared: the one order of the chart, the sentences and the cards.
    """
    return by_remission(output.prognosis) + ([] if comfort_not_compared(output) else [COMFORT])


def tried_by_option(output: "AssessmentOutput") -> dict[str, list["TrialRow"]]:
    """The case's earlier courses of each option kind (the trial's class is its option kind), oldest first."""
    found: dict[str, list[TrialRow]] = {}
    for trial in output.trials:
        found.setdefault(trial.drug_class, []).append(trial)
    return found


def tried_adequately(output: "AssessmentOutput") -> set[str]:
    """Option kinds with at least one adequate course (the safety gates' 'tried')."""
    return {t.drug_class for t in output.trials if t.adequate}


def default_shortlist(output: "AssessmentOutput", size: int = SHORTLIST_SIZE) -> list[str]:
    """The options to discuss first, in :func:`option_order`: the ``size`` leading options not yet tried
    adequately, then comfort care when compared. When every option has been tried, the leading ones are listed.
    """
    order = [o for o in option_order(output) if o != COMFORT]
    tried = tried_adequately(output)
    untried = [o for o in order if o not in tried]
    chosen = (untried or order)[:size]
    return chosen + ([] if comfort_not_compared(output) else [COMFORT])


def tried_words(trials: "list[TrialRow]") -> str:
    """'Tried before: sertraline (treatment 1): did not help enough (no response).' for an option's courses."""
    if not trials:
        return ""
    parts = []
    for t in trials:
        how = OUTCOME_WORDS.get(t.outcome, t.outcome.replace("_", " "))
        if not t.adequate:
            how += "; not a full course (" + "; ".join(t.reasons[:2]) + ")" if t.reasons else "; not a full course"
        parts.append(f"{t.agent} (treatment {t.index + 1}): {how}")
    return "Tried before: " + "; ".join(parts) + "."


def screen_words(output: "AssessmentOutput") -> list[str]:
    """One paragraph per positive screen, and one for the screens not yet done, in plain words."""
    out = [SCREEN_WORDS.get(flag, f"A check for {flag.replace('_', ' ')} is positive.") for flag in output.screening.flags]
    missing = [SCREEN_NAMES.get(s, s.replace("_", " ")) for s in output.screening.not_done]
    if missing:
        listed = ", ".join(missing[:-1]) + (" and " if len(missing) > 1 else "") + missing[-1]
        out.append(
            f"Some checks for other causes of low mood are not done yet ({listed}). Until they are, this page never "
            "says that more treatment is of no use."
        )
    return out


def well_known(summary: "ProbabilitySummary | None") -> bool:
    """False when the 94% interval spans more than :data:`WIDE_INTERVAL` of 0-100 (or is missing)."""
    return summary is not None and float(summary.hdi_high) - float(summary.hdi_low) <= WIDE_INTERVAL


def side_effect_band_words(option_name: str, summary: "ProbabilitySummary") -> str:
    """A side-effect chance that is not well known, in words (the band the card draws instead of 100 people)."""
    return (
        f"How often {option_name} brings side effects that get in the way of daily life is not well known: the "
        f"studies are compatible with anywhere from {per_100(summary.hdi_low)} to {per_100(summary.hdi_high)} in 100."
    )


def _overlap(a: "Summary", b: "Summary") -> bool:
    return float(a.hdi_low) <= float(b.hdi_high) and float(b.hdi_low) <= float(a.hdi_high)


def comparison_brief(decision: "Decision", shown: list[str], horizon: "Horizon | None" = None) -> list[str]:
    """The comparison of the options ``shown`` under the patient's values in two or three sentences.

    The fit is the expected utility on 0-100; "how sure" is the share of model scenarios in which the best
    option is best (capped in words: never "100 in 100"); comfort care's own uncertainty comes from the plans
    over time (its chance of feeling well again over a year, which rests on an assumption).
    """
    rows = {r.option: r for r in decision.options}
    present = [rows[o] for o in shown if o in rows]
    if not present:
        return ["No options to compare."]
    ranked = sorted(present, key=lambda r: -float(r.expected_utility.mean))
    best = ranked[0]

    def fit(r) -> str:
        eu = r.expected_utility
        low, high = per_100(eu.hdi_low), per_100(eu.hdi_high)
        spread = "your own rating, so no range" if low == high else f"range {low} to {high}"
        return f"{per_100(eu.mean)} out of 100 ({spread})"

    def name(option: str, capital: bool = True) -> str:
        words = "care focused on comfort" if option == COMFORT else short_label(option)
        return words[:1].upper() + words[1:] if capital else words

    out = [f"With your answers, {name(best.option, capital=False)} fits best: {fit(best)}, and it is the best fit in "
           f"{in_100(best.p_best)} of the model's scenarios."]
    if len(ranked) > 1:
        second = ranked[1]
        close = _overlap(best.expected_utility, second.expected_utility)
        out.append(
            f"{name(second.option)} comes next at {fit(second)}; "
            + ("the ranges overlap, so which fits better is uncertain." if close else "the ranges do not overlap.")
        )
    if COMFORT in shown and COMFORT in rows:
        year = comfort_year(horizon)
        if year is not None:
            ever = year.p_ever_remitted
            out.append(
                f"The score of care focused on comfort is your own rating of it ({per_100(rows[COMFORT].expected_utility.mean)}); "
                f"how life would go with it is uncertain too: over a year, between {per_100(ever.hdi_low)} and "
                f"{per_100(ever.hdi_high)} in 100 people might feel well again at some point (an assumption: no study reports it)."
            )
    return out


@dataclass(frozen=True)
class ValueQuestion:
    """One value as the patient answers it: a question on a 0-10 scale with its two ends."""

    name: str
    question: str
    low: str
    high: str
    reverse: bool = False  # True: 10 is the worst (side effects take away), stored as a negative utility


#: The five values as questions on one 0-10 scale (no negative numbers on screen). Stored utilities are the
#: answer / 10 (0 worst, 1 best); for side effects the answer is how much they would take away, stored as
#: -(answer / 10).
VALUE_QUESTIONS = (
    ValueQuestion("remission", "How good would it be to feel well again?", "0: as bad as it could be", "10: the best imaginable"),
    ValueQuestion("response", "How good would it be to be clearly better, but not fully well?", "0: as bad as it could be",
                  "10: the best imaginable"),
    ValueQuestion("no_response", "How good is life as it is now, without real improvement?", "0: as bad as it could be",
                  "10: the best imaginable"),
    ValueQuestion("significant_burden", "How much would side effects that get in the way of daily life take away?",
                  "0: nothing", "10: everything", reverse=True),
    ValueQuestion("palliative_focus", "How good would care focused on comfort and quality of life be, with no new treatments?",
                  "0: as bad as it could be", "10: the best imaginable"),
)


def to_scale(name: str, utility: float) -> float:
    """A stored utility as the 0-10 answer (side effects: how much they take away)."""
    return round(-10.0 * utility if name == "significant_burden" else 10.0 * utility, 2)


def from_scale(name: str, answer: float) -> float:
    """A 0-10 answer as the stored utility (side effects: a negative utility)."""
    value = min(max(float(answer), 0.0), 10.0) / 10.0
    return -value if name == "significant_burden" else value
