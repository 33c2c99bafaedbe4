"""One assessment of one case: rules, prognosis and decision run in order, and the JSON contract.

:func:`assess` is the per-patient path used by the CLI, the dashboard, the report and the store. It
reads a stored posterior (no fitting, no PyMC import) and returns an :class:`Assessment`, whose
:meth:`Assessment.to_dict` is the JSON contract in ``shared/DESIGN.md``, validated against its models in
:mod:`futility.contract` (:meth:`Assessment.to_json_model` returns the validated model).
:attr:`Assessment.tables` holds the same numbers as tidy pandas tables (:mod:`futility.tables`), and a
notebook shows them through :meth:`Assessment._repr_html_`.
"""
from __future__ import annotations

import dataclasses
import html
from dataclasses import dataclass, field
from enum import Enum
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from futility import __version__
from futility.case import Case, Values
from futility.clinical.adequacy import AdequacyCriteria, TrialAssessment, assess_trials
from futility.clinical.mbc import ScoreTrajectory, score_trajectory
from futility.clinical.screening import Contraindication, ScreeningStatus, contraindications, inflammation_note, screen
from futility.clinical.staging import MaudsleyStage, maudsley, thase_rush
from futility.clinical.trd import TRDStatus, assess_trd
from futility.contract import AssessmentOutput
from futility.decision import Decision, GateContext, Policy, decide
from futility.decision._utilities import NAMES as UTILITY_NAMES
from futility.horizon import Horizon, HorizonAssumptions, plan_horizon
from futility.model.evidence import with_sources
from futility.prognosis.posterior import PosteriorDraws, load_posterior
from futility.prognosis.predict import REMISSION_DEFINITION, Prognosis, prognose
from futility.tables import AssessmentTables, build_tables, prognosis_records, prognosis_table

__all__ = ["Assessment", "assess"]


@dataclass(frozen=True)
class Staging:
    """Both staging systems side by side."""

    thase_rush: int
    maudsley: MaudsleyStage


@dataclass(frozen=True, repr=False)
class Assessment:
    """Everything the tool concludes about one case, as plain data.

    ``tables`` (tidy DataFrames) is computed on first use and cached in the instance ``__dict__``:
    ``functools.cached_property`` writes there directly, which a frozen dataclass without slots
    allows; :meth:`with_values` and ``dataclasses.replace`` make a new instance, so a new cache.
    """

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
    horizon: Horizon | None = None

    @cached_property
    def _prognosis_table(self) -> pd.DataFrame:
        """The tidy prognosis table, shared by :attr:`tables` and the JSON's ``prognosis`` (built once)."""
        return prognosis_table(self.prognosis)

    @cached_property
    def tables(self) -> AssessmentTables:
        """Trials, prognosis, decision, gates, futility and sensitivity as tidy pandas tables."""
        return build_tables(self, prognosis=self._prognosis_table)

    def __repr__(self) -> str:
        d = self.decision
        return (
            f"Assessment(case_id={self.case.id!r}, trd={'met' if self.trd.meets_criteria else 'not met'}, "
            f"thase_rush={self.staging.thase_rush}, maudsley={self.staging.maudsley.score} "
            f"({self.staging.maudsley.category}), preferred={d.preferred!r}, "
            f"quantitative_futility={'met' if d.quantitative_futility.met else 'not met'}, "
            f"qualitative_futility={'met' if d.qualitative_futility.met else 'not met'})"
        )

    def _repr_html_(self) -> str:
        """The headline (case, TRD status, staging, preferred option, futility) and every table, escaped."""
        d, trd, m = self.decision, self.trd, self.staging.maudsley
        items = [
            ("TRD criteria", f"{'met' if trd.meets_criteria else 'not met'} ({trd.adequate_failed_trials} adequate "
                             f"failed trials, {trd.distinct_classes_failed} distinct classes)"),
            ("Staging", f"Thase-Rush stage {self.staging.thase_rush}; Maudsley {m.score} ({m.category})"),
            ("Preferred (highest expected utility)", d.preferred),
            ("Quantitative futility", "met" if d.quantitative_futility.met else "not met"),
            ("Qualitative futility", "met" if d.qualitative_futility.met else "not met"),
        ]
        rows = "".join(f"<tr><th style='text-align:left'>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in items)
        return (
            f"<div class='futility-assessment'><h3>Case {html.escape(self.case.id)}</h3>"
            f"<table>{rows}</table>{self.tables.to_html()}</div>"
        )

    def with_values(self, values: Values | None) -> "Assessment":
        """The same assessment re-decided under other patient values (the prognosis and the plans' runs are unchanged)."""
        decision = decide(self.prognosis.options, values, self.gate_context, self.policy)
        horizon = None
        if self.horizon is not None:
            all_pass, qualitative_pass = _gate_flags(decision)
            horizon = self.horizon.with_utilities(_utilities(decision), gates_qualitative_pass=qualitative_pass)
        out = dataclasses.replace(self, decision=decision, horizon=horizon)
        if "_prognosis_table" in self.__dict__:  # the prognosis is unchanged: so is its table
            out.__dict__["_prognosis_table"] = self.__dict__["_prognosis_table"]
        return out

    @cached_property
    def output(self) -> AssessmentOutput:
        """The output as the validated contract model, built once: what every renderer reads."""
        return AssessmentOutput.model_validate(self._raw_dict())

    def to_json_model(self) -> AssessmentOutput:
        """The output as the validated contract model (:class:`futility.contract.AssessmentOutput`)."""
        return self.output

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
            # one computation: the tidy prognosis table; each option's evidence rows beside its figures
            "prognosis": with_sources(prognosis_records(self._prognosis_table), self.posterior.data_hash),
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
            "horizon": self.horizon.to_dict() if self.horizon is not None else None,
        }


def assess(
    case: Case,
    *,
    posterior: PosteriorDraws | None = None,
    posterior_path: str | Path | None = None,
    policy: Policy | None = None,
    criteria: AdequacyCriteria | None = None,
    values: Values | None = None,
    horizon: HorizonAssumptions | None | bool = None,
) -> Assessment:
    """Assess a validated case: rules, then prognosis from the stored posterior, then the decision analysis.

    ``values`` overrides the case's own values (the dashboard's sliders); ``posterior`` lets a caller
    reuse an already loaded posterior (the default one is cached after its first load). ``horizon``: the
    plans-over-time assumptions (None: the defaults; False: no horizon).
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
    plans = None
    if horizon is not False:
        all_pass, qualitative_pass = _gate_flags(decision)
        plans = plan_horizon(
            case, trials, prognosis, posterior, guideline=policy.required_options(), tried=context.tried_options,
            utilities=_utilities(decision), policy=policy, gates_all_pass=all_pass, gates_qualitative_pass=qualitative_pass,
            assumptions=horizon if isinstance(horizon, HorizonAssumptions) else None, resistant=context.meets_trd,
        )
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
        horizon=plans,
    )


def _utilities(decision: Decision) -> dict[str, float]:
    """The utilities the decision used, by name (the patient's where given)."""
    return {n: float(decision.utilities.value(n)) for n in UTILITY_NAMES}


def _gate_flags(decision: Decision) -> tuple[bool, bool]:
    """(every gate for all statements passed, every gate for the qualitative statement passed)."""
    gates = decision.gates
    return (all(g.passed for g in gates if g.applies_to == "all"), all(g.passed for g in gates if g.applies_to == "qualitative"))


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
