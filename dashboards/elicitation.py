"""Elicitation aids for the patient's values: a visual analogue scale and a standard-gamble question.

Both are standard ways to put a number on how good a health state feels (Torrance GW, J Health Econ
1986;5:1-30). The visual analogue scale is the slider itself, anchored at "as bad as it could be" (0)
and "feeling well" (1). The standard gamble asks at which chance of feeling well again a person would
accept a gamble whose other branch is the worst state imaginable instead of living in a state for sure;
by expected-utility theory (von Neumann-Morgenstern) that chance times the value of the best branch is
the value of the state. This is arithmetic on the patient's answer, not a clinical estimate.
"""
from __future__ import annotations

#: States the standard-gamble question can be asked about, in the patient's words.
GAMBLE_STATES = {
    "response": "feeling clearly better but not fully well",
    "no_response": "staying as you are now, without real improvement",
    "palliative_focus": "care focused on quality of life, comfort and function, without new antidepressant trials",
}


def standard_gamble_value(indifference_chance: float, best_value: float = 1.0, worst_value: float = 0.0) -> float:
    """Value of a state from the chance at which the patient is undecided between it and the gamble.

    ``U(state) = p * U(best) + (1 - p) * U(worst)``; ``p`` is clipped to [0, 1].
    """
    p = min(max(float(indifference_chance), 0.0), 1.0)
    return p * best_value + (1.0 - p) * worst_value


def gamble_question(state: str, chance_in_100: int) -> str:
    """The standard-gamble question in plain words for one state."""
    words = GAMBLE_STATES.get(state, state.replace("_", " "))
    return (
        f"Imagine two choices. **Choice A:** you are sure of {words}. **Choice B:** a treatment that gives you "
        f"a {chance_in_100} in 100 chance of feeling well again, but otherwise leaves you as bad as you can "
        f"imagine. Move the chance until you find it hard to choose between A and B."
    )
