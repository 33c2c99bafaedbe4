"""Test support for the dashboard tests: a stand-in assessment built on the real ``decide``.

The stand-in is used only while (or where) the full per-patient path is not needed: its prognosis draws
are synthetic Beta draws chosen for testing, not clinical estimates. Everything downstream of the draws
(expected utility, futility, gates, sensitivity, summaries) is the package's real ``decide``.
"""
from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from futility.case import Case, Values
from futility.decision import GateContext, Policy, decide
from futility.draws import OptionDraws

#: Synthetic (remission, response-or-better, burden) Beta parameters per option kind: test data only.
SYNTHETIC = {"ect": (8, 12, 10, 10, 6, 14), "esketamine": (5, 15, 8, 12, 4, 16), "maoi": (2, 30, 4, 28, 9, 11)}


def synthetic_draws(seed: int = 7, n: int = 400) -> dict[str, OptionDraws]:
    """Aligned synthetic draws per option (test data, not estimates)."""
    rng = np.random.default_rng(seed)
    out = {}
    for name, (a1, b1, a2, b2, a3, b3) in SYNTHETIC.items():
        rem = rng.beta(a1, b1, n)
        extra = rng.beta(a2, b2, n) * (1 - rem)
        out[name] = OptionDraws(name, rem, rem + extra, rng.beta(a3, b3, n))
    return out


def _interval(x: np.ndarray) -> dict[str, float]:
    lo, hi = np.quantile(x, [0.03, 0.97])
    return {"mean": float(x.mean()), "hdi_low": float(lo), "hdi_high": float(hi)}


@dataclasses.dataclass(frozen=True)
class StandInAssessment:
    """The part of ``futility.assessment.Assessment`` the dashboard uses, over synthetic draws."""

    case: Case
    options: dict[str, OptionDraws]
    context: GateContext
    policy: Policy
    decision: Any

    def with_values(self, values: Values | None) -> "StandInAssessment":
        return dataclasses.replace(self, decision=decide(self.options, values, self.context, self.policy))

    def to_dict(self) -> dict[str, Any]:
        trials = [
            {"index": i, "agent": t.agent, "drug_class": t.agent, "adequate": True, "reasons": [], "percent_reduction": None,
             "outcome": "non_response", "significant_burden": False}
            for i, t in enumerate(self.case.trials)
        ]
        return {
            "case_id": self.case.id,
            "trials": trials,
            "trd": {"meets_criteria": True, "adequate_failed_trials": len(trials), "distinct_classes_failed": len(trials)},
            "staging": {"thase_rush": 2, "maudsley": {"score": 8, "category": "moderate", "components": {}}},
            "screening": {"complete": True, "flags": [], "not_done": []},
            "contraindications": [],
            "prognosis": [
                {"option": k, "p_remission": _interval(d.p_remission), "p_response": _interval(d.p_response), "p_burden": _interval(d.p_burden)}
                for k, d in self.options.items()
            ],
            "decision": self.decision.to_dict(),
            "model": {"version": "synthetic", "posterior_file_hash": "none", "n_draws": 400, "diagnostics": {}},
        }


def stand_in_assess(case: Case) -> StandInAssessment:
    """A stand-in for ``futility.assessment.assess`` over synthetic draws (the real ``decide`` runs)."""
    options = synthetic_draws()
    context = GateContext(
        screening_complete=True, screening_flags=(), meets_trd=True,
        tried_options=frozenset(), contraindicated=frozenset(),
    )
    policy = Policy()
    return StandInAssessment(case, options, context, policy, decide(options, case.values, context, policy))
