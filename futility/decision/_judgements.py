"""Safety gates and the two futility judgements (quantitative and qualitative).

Quantitative futility (after Schneiderman, Jecker & Jonsen 1990): the posterior probability that the next
standard option's remission chance is below the policy threshold. Qualitative futility: the posterior
probability that no active option has a higher expected utility than palliative-focused care under the
patient's values. Each is "met" only when its probability reaches the policy's certainty level *and*
no safety gate holds it back; the raw probability is always reported.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from futility.decision._expected import DrawStack
from futility.decision._policy import GateContext, Policy, short_label
from futility.decision._utilities import Utilities


@dataclass(frozen=True)
class Gate:
    """One safety gate: ``passed`` False means it holds a futility statement back."""

    gate: str
    passed: bool
    reason: str
    applies_to: str = "all"  # "all" | "qualitative"
    items: tuple[str, ...] = ()  # what holds it back: positive screens, untried option kinds

    def to_dict(self) -> dict[str, Any]:
        return {"gate": self.gate, "passed": self.passed, "reason": self.reason, "applies_to": self.applies_to,
                "items": list(self.items)}


@dataclass(frozen=True)
class QuantitativeFutility:
    threshold: float
    certainty: float
    probability: float | None
    met: bool
    option: str | None
    held_back_by: tuple[str, ...]
    reason: str
    per_option: dict[str, float] = field(default_factory=dict)

    @property
    def met_before_gates(self) -> bool:
        return self.probability is not None and self.probability >= self.certainty

    def to_dict(self) -> dict[str, Any]:
        return {
            "threshold": self.threshold,
            "certainty": self.certainty,
            "probability": self.probability,
            "met": self.met,
            "met_before_gates": self.met_before_gates,
            "option": self.option,
            "held_back_by": list(self.held_back_by),
            "reason": self.reason,
            "per_option": dict(self.per_option),
        }


@dataclass(frozen=True)
class QualitativeFutility:
    certainty: float
    probability: float | None
    met: bool
    held_back_by: tuple[str, ...]
    reason: str

    @property
    def met_before_gates(self) -> bool:
        return self.probability is not None and self.probability >= self.certainty

    def to_dict(self) -> dict[str, Any]:
        return {
            "certainty": self.certainty,
            "probability": self.probability,
            "met": self.met,
            "met_before_gates": self.met_before_gates,
            "held_back_by": list(self.held_back_by),
            "reason": self.reason,
        }


def check_gates(context: GateContext, utilities: Utilities, policy: Policy) -> list[Gate]:
    """Every gate, in a fixed order, each with the reason in words."""
    gates = [
        Gate(
            "screening_incomplete",
            context.screening_complete,
            "the screening for other causes of poor response is complete"
            if context.screening_complete
            else "the screening for other causes of poor response (pseudo-resistance) is not complete",
        ),
        Gate(
            "screening_positive",
            not context.screening_flags,
            "no screening result is positive"
            if not context.screening_flags
            else "screening found something to treat first: " + ", ".join(context.screening_flags),
            items=context.screening_flags,
        ),
        Gate(
            "not_trd",
            context.meets_trd,
            "the case meets the criteria for treatment-resistant depression"
            if context.meets_trd
            else "the case does not meet the criteria for treatment-resistant depression",
        ),
    ]
    required = policy.required_options()
    untried = [o for o in required if o not in context.tried_options and o not in context.contraindicated]
    gates.append(
        Gate(
            "guideline_options_untried",
            not untried,
            "every guideline option has been tried adequately or is contraindicated"
            if not untried
            else "guideline options remain untried and not contraindicated: " + ", ".join(untried),
            items=tuple(untried),
        )
    )
    if policy.require_patient_values:
        # Only confirmed values count: a value moved on a screen, or written in a file, is not yet the
        # patient's answer until the patient confirms the whole set ("these are my answers").
        own = utilities.confirmed
        defaults = utilities.defaults_used()
        if own:
            reason = "the patient has given and confirmed all five values"
        elif defaults:
            reason = "the patient's own values are missing for: " + ", ".join(d.replace("_", " ") for d in defaults) + " (defaults used)"
        else:
            reason = "the patient's values are given but not yet confirmed by the patient"
        gates.append(Gate("patient_values_missing", own, reason, items=tuple(defaults), applies_to="qualitative"))
    return gates


def _held(gates: list[Gate], kind: str) -> tuple[str, ...]:
    return tuple(g.gate for g in gates if not g.passed and (g.applies_to == "all" or g.applies_to == kind))


def _n100(p: float) -> str:
    return f"{round(100 * p)} in 100"


def quantitative_futility(stack: DrawStack, gates: list[Gate], policy: Policy) -> QuantitativeFutility:
    """P(remission chance of the next standard option < threshold), per option and for the chosen one."""
    t, c = policy.futility_threshold, policy.futility_certainty
    held = _held(gates, "quantitative")
    below = stack.remission < t
    per_option = {name: float(v) for name, v in zip(stack.names, below.mean(axis=1))}
    if not stack.names:
        return QuantitativeFutility(t, c, None, False, None, held, "no active option is left to judge", per_option)
    rule = policy.next_option
    if rule == "most_promising":
        option = stack.names[int(np.argmax(stack.remission.mean(axis=1)))]
        prob = per_option[option]
        what = f"{option} (the active option with the highest expected chance of remission)"
    elif rule == "all_active":
        option = "all_active"
        prob = float(below.all(axis=0).mean())
        what = "every active option at once"
    elif rule in per_option:
        option, prob = rule, per_option[rule]
        what = option
    else:
        raise ValueError(f"Policy.next_option: '{rule}' is not an active option here ({', '.join(stack.names)})")
    raw = prob >= c
    reason = (
        f"In {_n100(prob)} posterior draws the remission chance of {what} is below the policy threshold of "
        f"{t:g} ({t * 100:g} in 100); the policy asks for at least {_n100(c)}, so the statement "
        + ("would hold" if raw else "does not hold")
    )
    if raw and held:
        reason += "; it is held back by: " + ", ".join(held)
    return QuantitativeFutility(t, c, prob, raw and not held, option, held, reason + ".", per_option)


def qualitative_futility(
    stack: DrawStack, eu: np.ndarray, utilities: Utilities, gates: list[Gate], policy: Policy
) -> QualitativeFutility:
    """P(no active option beats palliative-focused care) with the reason in words.

    ``eu`` is the (options + 1, draws) matrix with palliative-focused care as the last row.
    """
    c = policy.qualitative_certainty
    held = _held(gates, "qualitative")
    if not stack.names:
        return QualitativeFutility(c, None, False, held, "no active option is left to compare")
    pal = utilities.palliative_focus
    active = eu[:-1]
    # A tie counts as "no active option does better"; the tolerance keeps a tie a tie when a constant is
    # added to every utility (floating-point rounding would otherwise break it either way).
    prob = float((active.max(axis=0) <= eu[-1] + 1e-9).mean())
    means = active.mean(axis=1)
    best = int(np.argmax(means))
    whose = "the patient's own value" if pal.source == "patient" else "a default with no published value"
    reason = (
        f"Palliative-focused care has utility {pal.value:.2f} ({whose}). The active option with the highest "
        f"expected utility is {stack.names[best]} ({short_label(stack.names[best])}) at {means[best]:.2f}. "
        f"In {_n100(prob)} posterior draws no active option does better than palliative-focused care; the "
        f"policy asks for at least {_n100(c)}, so the statement "
        + ("would hold" if prob >= c else "does not hold")
    )
    if prob >= c and held:
        reason += "; it is held back by: " + ", ".join(held)
    return QualitativeFutility(c, prob, prob >= c and not held, held, reason + ".")
