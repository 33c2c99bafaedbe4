"""The plans compared over time: usual care, comfort-focused care, "try X, then comfort-focused care",
and the plans a clinician writes in the case file.

Every plan ends in comfort-focused care once its courses are used up. ``usual_care`` gives the guideline
options (futility/data/guideline_options.csv, gate = yes) not yet tried adequately and not contraindicated.
Before the patient meets TRD criteria they come in the guideline file's stepped order (NICE NG222 1.9 and
Thase-Rush staging: switches within and across classes, then augmentation, then ECT and esketamine, which
are for resistant depression). Once TRD criteria are met, the most promising first (the highest
next-option remission mean; ties in the guideline order): the stepped order would put weak switches ahead
of ECT and understate what continued care can do, which would tilt the comparison toward stopping.
"Try X, then comfort-focused care" plans take the options with the highest next-option remission mean.
"""
from __future__ import annotations

from dataclasses import dataclass

from futility.decision._policy import short_label

__all__ = ["COMFORT", "USUAL_CARE", "Plan", "default_plans"]

USUAL_CARE = "usual_care"
COMFORT = "comfort_focus"


@dataclass(frozen=True)
class Plan:
    """A named sequence of courses (option kinds), followed by comfort-focused care."""

    plan: str
    label: str
    steps: tuple[str, ...]
    origin: str  # default | case


def _label(steps: tuple[str, ...]) -> str:
    return "try " + ", then ".join(short_label(k) for k in steps) + ", then comfort-focused care"


def default_plans(guideline: tuple[str, ...], tried: frozenset[str], offered: dict[str, float], leading: int,
                  case_plans: list[list[str]] | None = None, *, resistant: bool = False) -> list[Plan]:
    """The plans for one patient.

    ``guideline``: the guideline option kinds in file order; ``tried``: kinds with an adequate trial;
    ``offered``: kind -> next-option mean remission for every kind not contraindicated; ``leading``: how
    many "try X, then comfort" plans (the highest next-option remission first); ``case_plans``: the case
    file's plans (kinds not offered, e.g. contraindicated, are refused by the caller before this);
    ``resistant``: the patient meets TRD criteria (usual care then goes most promising first).
    """
    order = {k: i for i, k in enumerate(guideline)}
    usual = tuple(k for k in guideline if k in offered and k not in tried)
    if resistant:
        usual = tuple(sorted(usual, key=lambda k: (-offered[k], order[k])))
    plans = [
        Plan(USUAL_CARE, "usual care: " + (", then ".join(short_label(k) for k in usual) or "no untried guideline option")
             + ", then comfort-focused care", usual, "default"),
        Plan(COMFORT, "comfort-focused care from now", (), "default"),
    ]
    for kind in sorted(offered, key=lambda k: (-offered[k], order.get(k, 99), k))[:leading]:
        plans.append(Plan(f"try_{kind}", _label((kind,)), (kind,), "default"))
    for i, steps in enumerate(case_plans or [], start=1):
        plans.append(Plan(f"plan_{i}", _label(tuple(steps)), tuple(steps), "case"))
    return plans
