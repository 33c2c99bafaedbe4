"""One assessment of one case: rules, prognosis and decision run in order, and the JSON contract.

:func:`assess` is the per-patient path used by the CLI, the dashboard, the report and the store. It
reads a stored posterior (no fitting, no PyMC import) and returns an :class:`Assessment`, whose
:meth:`Assessment.to_dict` is the JSON contract in ``shared/DESIGN.md``, validated against its models in
:mod:`futility.contract` (:meth:`Assessment.to_json_model` returns the validated model).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

import numpy as np

from futility import __version__
from futility.case import Case, Values
from futility.clinical.adequacy import AdequacyCriteria, TrialAssessment, assess_trials
from futility.clinical.mbc import ScoreTrajectory, score_trajectory
from futility.clinical.screening import Contraindication, ScreeningStatus, contraindications, inflammation_note, screen
from futility.clinical.staging import MaudsleyStage, maudsley, thase_rush
from futility.clinical.trd import TRDStatus, assess_trd
from futility.contract import AssessmentOutput
from futility.decision import Decision, GateContext, Policy, decide
from futility.prognosis.posterior import PosteriorDraws, load_posterior
from futility.prognosis.predict import REMISSION_DEFINITION, Prognosis, prognose

__all__ = ["Assessment", "assess"]


@dataclass(frozen=True)
class Staging:
    """Both staging systems side by side."""

    thase_rush: int
    maudsley: MaudsleyStage


@dataclass(frozen=True)
class Assessment:
    """Everything the tool concludes about one case, as plain data."""

    case: Case
    trials: list[TrialAssessment]
    trd: TRDStatus
    staging: Staging
    screening: ScreeningStatus
    contraindications: list[Contraindication]
    inflammation: str | None
    measurement: ScoreTrajectory | None
    posterior: PosteriorDraws
    prognosis: Prognosis
    gate_context: GateContext
    policy: Policy
    decision: Decision
    criteria: AdequacyCriteria = field(default_factory=AdequacyCriteria)

    def with_values(self, values: Values | None) -> "Assessment":
        """The same assessment re-decided under other patient values (the prognosis is unchanged)."""
        return dataclasses.replace(self, decision=decide(self.prognosis.options, values, self.gate_context, self.policy))

    def to_json_model(self) -> AssessmentOutput:
        """The output as the validated contract model (:class:`futility.contract.AssessmentOutput`)."""
        return AssessmentOutput.model_validate(self._raw_dict())

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract (DESIGN.md plus docs/contract.md), checked against :mod:`futility.contract`.

        Raises ``pydantic.ValidationError`` naming the field when the output breaks its own contract.
        """
        raw = self._raw_dict()
        AssessmentOutput.model_validate(raw)
        return raw

    def _raw_dict(self) -> dict[str, Any]:
        return {
            "case_id": self.case.id,
            "trials": [_to_builtins(t) for t in self.trials],
            "trd": _to_builtins(self.trd),
            "staging": {"thase_rush": self.staging.thase_rush, "maudsley": _maudsley_dict(self.staging.maudsley)},
            "screening": _to_builtins(self.screening),
            "contraindications": [_to_builtins(c) for c in self.contraindications],
            "inflammation": self.inflammation,
            "measurement": self.measurement.to_dict() if self.measurement is not None else None,
            "prognosis": self.prognosis.to_list(),
            "prognosis_definition": dict(REMISSION_DEFINITION),
            "decision": self.decision.to_dict(),
            "model": {
                "version": self.posterior.version,
                "posterior_file_hash": self.posterior.file_hash,
                "data_hash": self.posterior.data_hash,
                "n_draws": self.posterior.n_draws,
                "diagnostics": _to_builtins(self.posterior.diagnostics),
            },
            "assumptions": {"adequacy": _to_builtins(self.criteria)},  # the decision policy is in decision.policy
            "package_version": __version__,
        }


def assess(
    case: Case,
    *,
    posterior: PosteriorDraws | None = None,
    posterior_path: str | Path | None = None,
    policy: Policy | None = None,
    criteria: AdequacyCriteria | None = None,
    values: Values | None = None,
) -> Assessment:
    """Assess a validated case: rules, then prognosis from the stored posterior, then the decision analysis.

    ``values`` overrides the case's own values (the dashboard's sliders); ``posterior`` lets a caller
    reuse an already loaded posterior (the default one is cached after its first load).
    """
    criteria = criteria or AdequacyCriteria()
    policy = policy or Policy()
    posterior = posterior or load_posterior(posterior_path)
    trials = assess_trials(case, criteria)
    trd = assess_trd(trials)
    staging = Staging(thase_rush=thase_rush(trials), maudsley=maudsley(case, trials))
    screening = screen(case)
    contra = contraindications(case)
    # One interval mass everywhere: the prognosis summaries use the policy's, as the decision does.
    prognosis = dataclasses.replace(prognose(case, trials, contra, posterior), hdi_prob=policy.hdi_prob)
    context = GateContext.from_rules(screening, trd, trials, contra)
    decision = decide(prognosis.options, values if values is not None else case.values, context, policy)
    return Assessment(
        case=case,
        trials=trials,
        trd=trd,
        staging=staging,
        screening=screening,
        contraindications=contra,
        inflammation=inflammation_note(case),
        measurement=score_trajectory(case),
        posterior=posterior,
        prognosis=prognosis,
        gate_context=context,
        policy=policy,
        decision=decision,
        criteria=criteria,
    )


def _to_builtins(obj: Any) -> Any:
    """Dataclasses, tuples, sets, enums and numpy scalars to JSON-ready builtins."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: _to_builtins(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, dict):
        return {str(k): _to_builtins(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_to_builtins(v) for v in obj]
    if isinstance(obj, (set, frozenset)):
        return sorted(_to_builtins(v) for v in obj)
    if isinstance(obj, Enum):
        return obj.value
    if isinstance(obj, np.generic):
        return obj.item()
    return obj


def _maudsley_dict(stage: MaudsleyStage) -> dict[str, Any]:
    return {
        "score": stage.score,
        "category": stage.category,
        "components": stage.components(),
        "failed_treatments": stage.failed_treatments,
        "severity_basis": stage.severity_basis,
    }
