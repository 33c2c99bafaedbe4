"""Test support for the dashboard tests: a stand-in assessment built on the real ``decide``.

The stand-in is used only while (or where) the full per-patient path is not needed: its prognosis draws
are synthetic Beta draws chosen for testing, not clinical estimates. Everything downstream of the draws
(expected utility, futility, gates, sensitivity, summaries) is the package's real ``decide``.
"""
from __future__ import annotations

import dataclasses
from types import SimpleNamespace
from typing import Any

import numpy as np

from futility.assessment import Assessment, Staging
from futility.case import Case, Values
from futility.clinical.adequacy import assess_trials
from futility.clinical.mbc import score_trajectory
from futility.clinical.screening import contraindications, inflammation_note, screen
from futility.clinical.staging import maudsley, thase_rush
from futility.clinical.trd import assess_trd
from futility.decision import GateContext, Policy, decide
from futility.prognosis.draws import OptionDraws
from futility.prognosis.predict import Prognosis

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


#: Stands in for the posterior's provenance in the stand-in's output (synthetic draws, no file).
_SYNTHETIC_POSTERIOR = SimpleNamespace(
    version="synthetic", file_hash="0" * 64, data_hash="", n_draws=400,
    diagnostics={"max_rhat": 1.0, "min_ess_bulk": 400.0, "divergences": 0},
)


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

    @property
    def output(self) -> Any:
        """The real contract (AssessmentOutput): the package's own rules on the case, the synthetic draws as the prognosis."""
        return self._assessment().output

    def to_dict(self) -> dict[str, Any]:
        """The real JSON contract: the package's own rules on the case, the synthetic draws as the prognosis."""
        return self._assessment().to_dict()

    def _assessment(self) -> Assessment:
        trials = assess_trials(self.case)
        return Assessment(
            case=self.case, trials=trials, trd=assess_trd(trials),
            staging=Staging(thase_rush=thase_rush(trials), maudsley=maudsley(self.case, trials)),
            screening=screen(self.case), contraindications=contraindications(self.case),
            inflammation=inflammation_note(self.case), measurement=score_trajectory(self.case),
            posterior=_SYNTHETIC_POSTERIOR,  # type: ignore[arg-type]
            prognosis=Prognosis(self.options, {}, {name: True for name in self.options}),
            gate_context=self.context, policy=self.policy, decision=self.decision,
        )


def stand_in_assess(case: Case) -> StandInAssessment:
    """A stand-in for ``futility.assessment.assess`` over synthetic draws (the real ``decide`` runs)."""
    options = synthetic_draws()
    context = GateContext(
        screening_complete=True, screening_flags=(), meets_trd=True,
        tried_options=frozenset(), contraindicated=frozenset(),
    )
    policy = Policy()
    return StandInAssessment(case, options, context, policy, decide(options, case.values, context, policy))
