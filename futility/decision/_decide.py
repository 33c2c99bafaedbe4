"""``decide``: prognosis draws + the patient's values + gate facts + policy -> one ``Decision``.

The ``Decision.table`` (one row per option, palliative-focused care included) is the single source of
truth; the JSON contract, the summaries, the report and the dashboard all read it.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from futility.decision._expected import DrawStack, all_eu, expected_loss, p_best
from futility.decision._judgements import (
    Gate,
    QualitativeFutility,
    QuantitativeFutility,
    check_gates,
    qualitative_futility,
    quantitative_futility,
)
from futility.decision._policy import PALLIATIVE, GateContext, Policy, plain_label
from futility.decision._sensitivity import Sensitivity, sensitivity
from futility.decision._text import plain_summary, technical_summary
from futility.decision._utilities import Utilities, resolve_utilities, utility_warnings
from futility.prognosis.intervals import hdi_rows

if TYPE_CHECKING:  # pragma: no cover
    from futility.contract import Decision as ContractDecision

TABLE_COLUMNS = [
    "option", "label", "active", "eu_mean", "eu_hdi_low", "eu_hdi_high", "p_best", "expected_loss", "rank",
    "p_remission_mean", "p_remission_hdi_low", "p_remission_hdi_high", "p_response_mean",
    "p_burden_mean", "p_burden_hdi_low", "p_burden_hdi_high", "p_below_threshold",
]


@dataclass(frozen=True)
class Decision:
    """The decision analysis for one case. ``table`` has one row per option incl. ``palliative_focus``."""

    table: pd.DataFrame
    utilities: Utilities
    quantitative_futility: QuantitativeFutility
    qualitative_futility: QualitativeFutility
    gates: list[Gate]
    sensitivity: Sensitivity
    policy: Policy
    n_draws: int
    rows: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False)
    excluded: dict[str, str] = field(default_factory=dict)
    #: Options compared but needing a safety check first (option -> reason from the rules).
    cautions: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    summary: str = ""
    technical_summary: str = ""

    @property
    def preferred(self) -> str:
        """The option with the highest posterior mean expected utility."""
        return max(self.rows.values(), key=lambda r: r["eu_mean"])["option"]

    @property
    def focus_option(self) -> str | None:
        """The active option the quantitative statement is about (the most promising one for 'all_active')."""
        opt = self.quantitative_futility.option
        active = [r for r in self.rows.values() if r["active"]]
        if any(r["option"] == opt for r in active):
            return opt
        if not active:
            return None
        return max(active, key=lambda r: r["p_remission_mean"])["option"]

    def to_model(self) -> "ContractDecision":
        """The ``decision`` part as the validated contract model (what the dashboard's views read)."""
        from futility.contract import Decision as ContractDecision

        return ContractDecision.model_validate(self.to_dict())

    def to_dict(self) -> dict[str, Any]:
        """The ``decision`` part of the JSON contract (plain Python types only)."""
        def num(x: Any) -> float | None:
            return None if x is None or pd.isna(x) else float(x)

        def interval(r: Any, stem: str) -> dict[str, float | None] | None:
            if not r["active"]:
                return None
            return {"mean": num(r[f"{stem}_mean"]), "hdi_low": num(r[f"{stem}_hdi_low"]), "hdi_high": num(r[f"{stem}_hdi_high"])}

        options = [
            {
                "option": r["option"],
                "label": r["label"],
                "active": bool(r["active"]),
                "expected_utility": {"mean": num(r["eu_mean"]), "hdi_low": num(r["eu_hdi_low"]), "hdi_high": num(r["eu_hdi_high"])},
                "p_best": num(r["p_best"]),
                "expected_loss": num(r["expected_loss"]),
                "rank": int(r["rank"]),
                "p_remission": interval(r, "p_remission"),
                "p_burden": interval(r, "p_burden"),
                "p_below_threshold": num(r["p_below_threshold"]),
                "caution": self.cautions.get(r["option"]),
            }
            for r in self.rows.values()
        ]
        return {
            "options": options,
            "preferred": self.preferred,
            "quantitative_futility": self.quantitative_futility.to_dict(),
            "qualitative_futility": self.qualitative_futility.to_dict(),
            "gates": [g.to_dict() for g in self.gates],
            "sensitivity": self.sensitivity.to_dict(),
            "utilities": self.utilities.to_dict(),
            "policy": self.policy.to_dict(),
            "excluded": dict(self.excluded),
            "cautions": dict(self.cautions),
            "warnings": list(self.warnings),
            "n_draws": self.n_draws,
            "summary": self.summary,
            "technical_summary": self.technical_summary,
        }


def _table(stack: DrawStack, eu: np.ndarray, policy: Policy, below: dict[str, float]) -> dict[str, Any]:
    names = (*stack.names, PALLIATIVE)
    k = len(stack.names)
    eu_lo, eu_hi = hdi_rows(eu, policy.hdi_prob)
    nan = np.full(1, np.nan)
    if k:
        rem_lo, rem_hi = hdi_rows(stack.remission, policy.hdi_prob)
        bur_lo, bur_hi = hdi_rows(stack.burden, policy.hdi_prob)
    else:
        rem_lo = rem_hi = bur_lo = bur_hi = np.zeros(0)
    eu_mean = eu.mean(axis=1)
    eu_mean[-1] = eu[-1, 0]  # palliative-focused care: exactly the stated value, not a float average
    data = {
        "option": list(names),
        "label": [plain_label(n) for n in names],
        "active": [True] * k + [False],
        "eu_mean": eu_mean,
        "eu_hdi_low": eu_lo,
        "eu_hdi_high": eu_hi,
        "p_best": p_best(eu),
        "expected_loss": expected_loss(eu),
        "rank": (-eu_mean).argsort(kind="stable").argsort() + 1,
        "p_remission_mean": np.concatenate([stack.remission.mean(axis=1), nan]),
        "p_remission_hdi_low": np.concatenate([rem_lo, nan]),
        "p_remission_hdi_high": np.concatenate([rem_hi, nan]),
        "p_response_mean": np.concatenate([stack.response.mean(axis=1), nan]),
        "p_burden_mean": np.concatenate([stack.burden.mean(axis=1), nan]),
        "p_burden_hdi_low": np.concatenate([bur_lo, nan]),
        "p_burden_hdi_high": np.concatenate([bur_hi, nan]),
        "p_below_threshold": np.array([below[n] for n in stack.names] + [np.nan]),
    }
    return data


def decide(
    options: Mapping[str, Any],
    values: Any | None,
    context: GateContext,
    policy: Policy = Policy(),
) -> Decision:
    """Expected utility, futility judgements, gates and sensitivity for one case.

    ``options`` maps option kind -> ``OptionDraws`` (aligned draws); ``values`` is the case's
    ``Values`` (or None, or an already resolved ``Utilities``). Options listed in
    ``context.contraindicated`` are left out of the comparison and reported in ``excluded``.
    """
    utilities = values if isinstance(values, Utilities) else resolve_utilities(values)
    excluded = {n: "contraindicated" for n in options if n in context.contraindicated}
    stack = DrawStack.from_options({n: d for n, d in options.items() if n not in excluded})
    eu = all_eu(stack, utilities)
    gates = check_gates(context, utilities, policy)
    quant = quantitative_futility(stack, gates, policy)
    qual = qualitative_futility(stack, eu, utilities, gates, policy)
    data = _table(stack, eu, policy, quant.per_option)
    table = pd.DataFrame(data, columns=TABLE_COLUMNS)
    cols = [np.asarray(data[c]).tolist() for c in TABLE_COLUMNS]
    rows = {r[0]: dict(zip(TABLE_COLUMNS, r)) for r in zip(*cols)}
    focus = quant.option if quant.option in stack.names else None
    sens = sensitivity(stack, eu, utilities, focus, policy.tornado_span)
    decision = Decision(
        table=table,
        utilities=utilities,
        quantitative_futility=quant,
        qualitative_futility=qual,
        gates=gates,
        sensitivity=sens,
        policy=policy,
        n_draws=stack.n_draws if stack.names else 0,
        rows=rows,
        excluded=excluded,
        cautions={n: reason for n, reason in context.cautions.items() if n in stack.names},
        warnings=utility_warnings(utilities),
    )
    object.__setattr__(decision, "summary", plain_summary(decision))
    object.__setattr__(decision, "technical_summary", technical_summary(decision))
    return decision
