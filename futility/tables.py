"""Tidy pandas tables of one assessment: what a data scientist reads in a notebook.

:func:`build_tables` turns the typed results held by an :class:`futility.assessment.Assessment` (the
trial list, the prognosis draws, the decision) into long-form DataFrames, like lifelines' ``summary``.
Every number is the one in the JSON contract: the prognosis summaries come from
:func:`futility.prognosis.intervals.summarise` (the one HDI implementation) at the prognosis' interval
mass, which :func:`futility.assessment.assess` sets to the policy's; the decision numbers are read from
``Decision.table``. :meth:`AssessmentTables.prognosis_records` is the ``prognosis`` part of the contract,
so the JSON and the table cannot drift apart. ``tests/test_tables.py`` checks every table against
``Assessment.to_dict()``.
"""
from __future__ import annotations

import html
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from futility.prognosis.intervals import summarise
from futility.prognosis.predict import REMISSION_DEFINITION

if TYPE_CHECKING:  # pragma: no cover
    from futility.assessment import Assessment
    from futility.decision import Decision
    from futility.prognosis.predict import Prognosis

__all__ = ["AssessmentTables", "SensitivityTables", "build_tables", "PROGNOSIS_QUANTITIES", "DECISION_QUANTITIES"]

#: Prognosis quantities and the key of REMISSION_DEFINITION that says what each means.
PROGNOSIS_QUANTITIES = {"p_remission": "definition", "p_response": "response", "p_burden": "burden"}
#: Decision quantities: name -> stem of the Decision.table columns (an interval when it has an HDI).
DECISION_QUANTITIES = {
    "expected_utility": ("eu", True),
    "p_remission": ("p_remission", True),
    "p_burden": ("p_burden", True),
    "p_best": ("p_best", False),
    "expected_loss": ("expected_loss", False),
    "p_below_threshold": ("p_below_threshold", False),
}
_SUMMARY = ("mean", "hdi_low", "hdi_high")


@dataclass(frozen=True)
class SensitivityTables:
    """The sensitivity analyses: one-way (tornado), thresholds, value of information."""

    tornado: pd.DataFrame
    thresholds: pd.DataFrame
    value_of_information: pd.DataFrame


@dataclass(frozen=True)
class AssessmentTables:
    """Tidy tables of one assessment (see the module docstring for the columns' sources)."""

    trials: pd.DataFrame
    prognosis: pd.DataFrame
    decision: pd.DataFrame
    gates: pd.DataFrame
    futility: pd.DataFrame
    sensitivity: SensitivityTables
    #: plans over time, long form (plan, month, quantity, mean, hdi_low, hdi_high); empty without a horizon
    horizon: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["plan", "month", "quantity", "mean", "hdi_low", "hdi_high"]))

    def named(self) -> dict[str, pd.DataFrame]:
        """Every table by a display name, in reading order."""
        out = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "sensitivity"}
        out.update({f"sensitivity.{f.name}": getattr(self.sensitivity, f.name) for f in fields(self.sensitivity)})
        return out

    def prognosis_records(self) -> list[dict[str, Any]]:
        """The ``prognosis`` part of the JSON contract, read back from :attr:`prognosis` (one entry per option)."""
        return prognosis_records(self.prognosis)

    def to_html(self) -> str:
        """Every table as escaped HTML, each under its name (the long ones folded)."""
        parts = []
        for name, table in self.named().items():
            body = table.to_html(index=False, escape=True, na_rep="", border=0)
            opened = " open" if name in ("decision", "gates", "futility") else ""
            parts.append(f"<details{opened}><summary><b>{html.escape(name)}</b> ({len(table)} rows)</summary>{body}</details>")
        return "\n".join(parts)


def build_tables(assessment: "Assessment", prognosis: pd.DataFrame | None = None) -> AssessmentTables:
    """All tables of ``assessment`` (cheap: a few ms; cached by ``Assessment.tables``).

    ``prognosis`` is the assessment's :func:`prognosis_table` when it is already built (the JSON reads it
    without building the other tables).
    """
    decision = assessment.decision
    return AssessmentTables(
        trials=trials_table(assessment.trials),
        prognosis=prognosis_table(assessment.prognosis) if prognosis is None else prognosis,
        decision=decision_table(decision),
        gates=pd.DataFrame(
            [{"gate": g.gate, "passed": g.passed, "status": "passed" if g.passed else "holds back",
              "applies_to": g.applies_to, "reason": g.reason, "items": tuple(g.items)} for g in decision.gates],
            columns=["gate", "passed", "status", "applies_to", "reason", "items"],
        ),
        futility=futility_table(decision),
        sensitivity=sensitivity_tables(decision),
        **({"horizon": assessment.horizon.table()} if assessment.horizon is not None else {}),
    )


def trials_table(trials: list[Any]) -> pd.DataFrame:
    """One row per rated trial, the TrialAssessment fields as columns (nullable integers stay integers)."""
    columns = ["index", "agent", "drug_class", "role", "adequate", "reasons", "percent_reduction", "outcome",
               "burden_score", "significant_burden", "augments", "laterality", "stopped_for_side_effects", "notes",
               "response_line"]
    rows = [{c: getattr(t, c) for c in columns} for t in trials]
    table = pd.DataFrame(rows, columns=columns)
    for c in ("burden_score", "augments"):
        table[c] = table[c].astype("Int64")
    for c in ("percent_reduction", "response_line"):
        table[c] = table[c].astype(float)
    table["significant_burden"] = table["significant_burden"].astype("boolean")
    return table


PROGNOSIS_COLUMNS = ["option", "quantity", "mean", "hdi_low", "hdi_high", "hdi_prob", "offered", "contraindication",
                     "burden_known", "evidence_note", "definition", "time_frame", "setting"]


def prognosis_table(prognosis: "Prognosis") -> pd.DataFrame:
    """One row per (option, quantity): mean and HDI at ``prognosis.hdi_prob``; excluded options have no numbers."""
    rows = []
    nan = {k: np.nan for k in _SUMMARY}
    names = [*prognosis.options, *prognosis.contraindicated]
    for name in names:
        draws = prognosis.options.get(name)
        for quantity, key in PROGNOSIS_QUANTITIES.items():
            summary = summarise(getattr(draws, quantity), prognosis.hdi_prob) if draws is not None else nan
            rows.append({
                "option": name,
                "quantity": quantity,
                **summary,
                "hdi_prob": prognosis.hdi_prob,
                "offered": draws is not None,
                "contraindication": prognosis.contraindicated.get(name) if draws is None else None,
                "burden_known": bool(prognosis.burden_known.get(name, False)),
                "evidence_note": prognosis.evidence_notes.get(name) if draws is not None else None,
                "definition": REMISSION_DEFINITION[key],
                "time_frame": REMISSION_DEFINITION["time_frame"],
                "setting": REMISSION_DEFINITION["setting"],
            })
    return pd.DataFrame(rows, columns=PROGNOSIS_COLUMNS)


DECISION_COLUMNS = ["option", "label", "active", "rank", "preferred", "quantity", "mean", "hdi_low", "hdi_high",
                    "hdi_prob", "caution"]


def prognosis_records(table: pd.DataFrame) -> list[dict[str, Any]]:
    """The ``prognosis`` part of the JSON contract from a :func:`prognosis_table` (one entry per option, in order)."""
    by_option: dict[str, dict[str, Any]] = {}
    for r in table.to_dict("records"):
        by_option.setdefault(str(r["option"]), {})[str(r["quantity"])] = r
    out = []
    for option, rows in by_option.items():
        first = next(iter(rows.values()))
        offered = bool(first["offered"])
        rec: dict[str, Any] = {"option": option}
        for quantity, r in rows.items():
            rec[quantity] = {k: float(r[k]) for k in _SUMMARY} if offered else None
        rec["burden_known"] = bool(first["burden_known"])
        rec["contraindicated"] = False if offered else str(first["contraindication"])
        rec["evidence_note"] = _text_or_none(first["evidence_note"])
        out.append(rec)
    return out


def decision_table(decision: "Decision") -> pd.DataFrame:
    """One row per (option, quantity) of the comparison, palliative-focused care included, from ``Decision.table``."""
    rows = []
    preferred = decision.preferred
    for r in decision.table.to_dict("records"):
        for quantity, (stem, interval) in DECISION_QUANTITIES.items():
            rows.append({
                "option": r["option"],
                "label": r["label"],
                "active": bool(r["active"]),
                "rank": int(r["rank"]),
                "preferred": r["option"] == preferred,
                "quantity": quantity,
                "mean": float(r[f"{stem}_mean"] if interval else r[stem]),
                "hdi_low": float(r[f"{stem}_hdi_low"]) if interval else np.nan,
                "hdi_high": float(r[f"{stem}_hdi_high"]) if interval else np.nan,
                "hdi_prob": decision.policy.hdi_prob if interval else np.nan,
                "caution": decision.cautions.get(r["option"]),
            })
    return pd.DataFrame(rows, columns=DECISION_COLUMNS)


def futility_table(decision: "Decision") -> pd.DataFrame:
    """The two futility judgements, one row each: probability against the policy's certainty, and why."""
    q, ql = decision.quantitative_futility, decision.qualitative_futility
    rows = [
        {"judgement": "quantitative", "option": q.option, "threshold": q.threshold, "probability": q.probability,
         "certainty": q.certainty, "met_before_gates": q.met_before_gates, "met": q.met,
         "held_back_by": tuple(q.held_back_by), "reason": q.reason},
        {"judgement": "qualitative", "option": None, "threshold": np.nan, "probability": ql.probability,
         "certainty": ql.certainty, "met_before_gates": ql.met_before_gates, "met": ql.met,
         "held_back_by": tuple(ql.held_back_by), "reason": ql.reason},
    ]
    table = pd.DataFrame(rows)
    table["probability"] = table["probability"].astype(float)
    return table


def sensitivity_tables(decision: "Decision") -> SensitivityTables:
    """Tornado rows as they are; thresholds in one long table; EVPI and EVPPI one row each."""
    sens = decision.sensitivity
    th = sens.threshold
    headline = (th.get("remission") or {}).get("option")
    rows = [
        {"parameter": "p_remission", "option": r["option"], "compared_with": r["compared_with"],
         "value_now": r["p_remission_now"], "threshold": r["p_remission_threshold"],
         "preferred_now": r["preferred_now"], "headline": r["option"] == headline, "note": r["note"]}
        for r in th.get("per_option", [])
    ]
    pal = th.get("palliative_utility")
    if pal:
        rows.append({"parameter": "palliative_utility", "option": "palliative_focus", "compared_with": pal["compared_with"],
                     "value_now": pal["value_now"], "threshold": pal["threshold"], "preferred_now": pal["preferred_now"],
                     "headline": True, "note": pal["note"]})
    thresholds = pd.DataFrame(rows, columns=["parameter", "option", "compared_with", "value_now", "threshold",
                                             "preferred_now", "headline", "note"])
    thresholds["threshold"] = thresholds["threshold"].astype(float)
    voi = sens.evpi
    value_of_information = pd.DataFrame(
        [{"key": "total", "measure": "EVPI", "about": "everything uncertain", "value": voi["total"], "units": voi["units"]},
         {"key": "remission", "measure": "EVPPI", "about": "the remission chances", "value": voi["remission"],
          "units": voi["units"]}],
    )
    return SensitivityTables(sens.tornado, thresholds, value_of_information)


def _text_or_none(value: Any) -> str | None:
    return None if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA else str(value)
