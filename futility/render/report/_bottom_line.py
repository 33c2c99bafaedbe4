"""The committee's bottom line: both futility judgements in words, every safety gate in positive wording, and
what is missing before a judgement could be made. Shared by the committee view and the report.

Reads the typed contract only (:class:`futility.contract.AssessmentOutput`) and decides nothing: whether a gate
passed and whether a judgement is met are the decision's; this module only words them
(:mod:`futility.render.vocabulary`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from futility.render.vocabulary import (
    GateLine,
    gate_label,
    gate_line,
    options_words,
    screen_words,
    short_label,
    utility_words,
    verdict_words,
)

if TYPE_CHECKING:  # pragma: no cover
    from futility.contract import AssessmentOutput

__all__ = ["BottomLine", "Judgement", "bottom_line"]


@dataclass(frozen=True)
class Judgement:
    """One futility judgement in words."""

    name: str  # "Quantitative futility"
    question: str
    verdict: str  # "met" | "not met" | "held back by a safety gate"
    probability: float | None
    certainty: float
    held_back_by: tuple[str, ...]  # gate names

    @property
    def text(self) -> str:
        """'Not met: probability 0.1% (at least 95% needed); also held back by: ...'."""
        if self.probability is None:
            text = f"{self.verdict[:1].upper()}{self.verdict[1:]}: no option to judge"
        else:
            text = (f"{self.verdict[:1].upper()}{self.verdict[1:]}: probability {_pct(self.probability)} "
                    f"(at least {_pct(self.certainty)} needed)")
        if self.held_back_by:
            lead = "held back until" if self.verdict != "not met" else "a safety gate would also hold it back until"
            text += f"; {lead}: " + "; ".join(_lower(gate_label(g)) for g in self.held_back_by)
        return text + "."


@dataclass(frozen=True)
class BottomLine:
    """What the committee reads first: the judgements, the gates and what is missing."""

    judgements: tuple[Judgement, ...]
    gates: tuple[GateLine, ...]
    missing: tuple[str, ...]  # empty when nothing is missing for a judgement
    preferred: str  # the option with the highest expected utility, in words

    @property
    def gates_held(self) -> int:
        return sum(1 for g in self.gates if not g.passed)


def _pct(p: float) -> str:
    v = 100 * float(p)
    if 0 < v < 0.1:
        return "<0.1%"
    return f"{v:.1f}%" if v < 10 and v != round(v) else f"{v:.0f}%"


def _lower(text: str) -> str:
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def bottom_line(output: "AssessmentOutput | dict[str, Any]") -> BottomLine:
    """The bottom line of an assessment (typed, or its JSON dict validated against the contract)."""
    from futility.render.report._context import as_output

    out = as_output(output)
    d = out.decision
    quant, qual = d.quantitative_futility, d.qualitative_futility
    if quant.option == "all_active":
        what = "every active option at once"
    elif quant.option is None:
        what = "the next option"
    else:
        why = ("the active option with the highest expected chance of remission"
               if d.policy.next_option == "most_promising" else "the option the policy names")
        what = f"{short_label(quant.option)} ({why})"
    threshold = f"{100 * quant.threshold:g} in 100"
    judgements = (
        Judgement("Quantitative futility", f"Is the chance of remission with {what} below {threshold}?",
                  verdict_words(quant), quant.probability, quant.certainty, tuple(quant.held_back_by)),
        Judgement("Qualitative futility",
                  "Is no active option worth more to the patient than palliative-focused care?",
                  verdict_words(qual), qual.probability, qual.certainty, tuple(qual.held_back_by)),
    )
    gates = tuple(gate_line(g, out) for g in d.gates)
    return BottomLine(judgements, gates, tuple(_missing(out)), short_label(d.preferred))


def _missing(out: "AssessmentOutput") -> list[str]:
    """What stands between this assessment and a futility judgement, in words (from the gates and the record)."""
    d = out.decision
    gates = {g.gate: g for g in d.gates}
    missing = []
    if out.screening.not_done:
        missing.append("Screens not done: " + ", ".join(screen_words(s) for s in out.screening.not_done))
    if out.screening.flags:
        missing.append("Positive screens to treat first: " + ", ".join(screen_words(s) for s in out.screening.flags))
    if not out.trd.meets_criteria:
        missing.append(f"The criteria for treatment-resistant depression are not met ({out.trd.adequate_failed_trials} "
                       f"adequate trial{'' if out.trd.adequate_failed_trials == 1 else 's'} failed)")
    defaults = [name for name, u in d.utilities if u.source == "default"]
    if defaults:
        missing.append("Values not yet the patient's (published defaults used): "
                       + ", ".join(utility_words(n) for n in defaults))
    elif "patient_values_missing" in gates and not gates["patient_values_missing"].passed:
        missing.append("The patient has not yet confirmed the values as their own answers")
    untried = gates.get("guideline_options_untried")
    if untried is not None and not untried.passed and untried.items:
        missing.append("Guideline options not yet tried (nor contraindicated): " + options_words(untried.items))
    return missing
