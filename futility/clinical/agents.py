"""The agent table: each drug or non-drug option, its mechanistic class and minimum adequate dose.

The table lives in ``futility/data/agents.csv`` (data, not code); each row cites the source of its
minimum adequate dose and duration, tagged as in the evidence pack ([V] seen in the primary text, [S]
secondary text only, [R] commonly quoted but unverified).

Columns: ``min_dose_mg_day`` (blank for non-drug options), ``min_weeks`` (blank: use the default of
:class:`futility.clinical.adequacy.AdequacyCriteria`, 6 weeks; filled only where the option has its own
minimum, e.g. lithium 2 weeks), ``min_sessions`` (ECT, rTMS, ketamine, esketamine, psychotherapy),
``min_level_mmol_l`` (serum level that makes a trial adequate whatever the dose: lithium 0.5).
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources


@dataclass(frozen=True)
class Agent:
    """One treatment option as the rules see it."""

    name: str
    drug_class: str
    role: str  # antidepressant | augmenter | neurostimulation | rapid_acting | psychological
    min_dose_mg_day: float | None
    min_weeks: float | None
    min_sessions: int | None
    dose_source: str
    aliases: tuple[str, ...] = ()
    min_level_mmol_l: float | None = None
    dose_evidence: str = ""  # V (seen in the primary text) | S (secondary text) | R (unverified)
    rxnorm: str = ""  # RxNorm ingredient code (column rxnorm, with rxnorm_source), read by futility import fhir

    @property
    def session_based(self) -> bool:
        """True for options judged by number of sessions (ECT, rTMS, ketamine, esketamine, psychotherapy)."""
        return self.min_sessions is not None


def _opt_float(text: str) -> float | None:
    return float(text) if text.strip() else None


@lru_cache(maxsize=1)
def agent_table() -> dict[str, Agent]:
    """All agents keyed by canonical name (aliases are resolved by :func:`lookup_agent`)."""
    path = resources.files("futility") / "data" / "agents.csv"
    table: dict[str, Agent] = {}
    with path.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            sessions = row["min_sessions"].strip()
            table[row["agent"]] = Agent(
                name=row["agent"],
                drug_class=row["drug_class"],
                role=row["role"],
                min_dose_mg_day=_opt_float(row["min_dose_mg_day"]),
                min_weeks=_opt_float(row["min_weeks"]),
                min_sessions=int(sessions) if sessions else None,
                dose_source=row["dose_source"],
                aliases=tuple(a for a in row["aliases"].split("|") if a),
                min_level_mmol_l=_opt_float(row.get("min_level_mmol_l") or ""),
                dose_evidence=(row.get("dose_evidence") or "").strip(),
                rxnorm=(row.get("rxnorm") or "").strip(),
            )
    return table


@lru_cache(maxsize=1)
def _alias_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for agent in agent_table().values():
        index[agent.name] = agent.name
        for alias in agent.aliases:
            index[alias] = agent.name
    return index


def normalise_agent_name(name: str) -> str:
    """Lower-case, spaces and hyphens to underscores: 'Venlafaxine XR' -> 'venlafaxine_xr'."""
    return name.strip().lower().replace("-", "_").replace(" ", "_")


def lookup_agent(name: str) -> Agent | None:
    """The agent for a name or alias, or None when unknown."""
    canonical = _alias_index().get(normalise_agent_name(name))
    return agent_table()[canonical] if canonical else None


def known_agent_names() -> list[str]:
    """Canonical names, sorted, for error messages."""
    return sorted(agent_table())


def drug_classes() -> list[str]:
    """Every mechanistic class / option kind in the table, sorted."""
    return sorted({agent.drug_class for agent in agent_table().values()})
