"""Was each treatment trial adequate, and how did it end?

A trial is adequate when every criterion that applies to its option holds; each failed criterion is
listed in plain words, so a clinician sees exactly what is missing.

- Dose: at or above the agent's minimum adequate dose (``futility/data/agents.csv``, one cited source
  per row). Lithium: serum level >= 0.5 mmol/L *or* dose >= 800 mg/day, for >= 2 weeks (Bauer M,
  Dopfmer S. J Clin Psychopharmacol 1999;19:427-434, the adequacy rule of their meta-analysis).
- Duration: >= 6 weeks by default (MGH-ATRQ adequacy, "at least 6 weeks": Chandler 2010, CNS Neurosci
  Ther 16:322; MGH-S, Fava 2003, as summarised in PLoS One 2020;15:e0236434 Panel 1), unless the agent
  table gives the option its own minimum (lithium 2 weeks, esketamine 4 weeks ...).
- Adherence: >= 80% of doses taken by default. This is a common research convention, not a published
  threshold ([R]; evidence pack s4). A missing adherence is *not* assumed good: the trial is not adequate
  with the reason "adherence not recorded" (set ``missing_adherence_is_adequate=True`` to relax this).
- Sessions: ECT, rTMS, ketamine, esketamine and psychotherapy are judged by the number of sessions
  (agent table), not by adherence.
- Stopping for side effects (``stopped_for_side_effects`` or FIBSER burden "intolerable"): before the end
  of week 4 the trial does not count (Sforzini L et al., Mol Psychiatry 2022, PMC9095475 Table 1: "stopping
  before the end of week 4 without clear evidence of non-response is not a failure"); from week 4 on
  the duration criterion is waived, so a trial stopped for intolerance without response counts as
  failed. Dose and adherence still apply.

Augmentation trials (``augments`` set) are judged by the augmenting agent's own criteria; when the trial
they augment was itself inadequate the augmentation keeps its own verdict and carries a note.
"""
from __future__ import annotations

from dataclasses import dataclass

from futility.clinical.agents import Agent, lookup_agent
from futility.clinical.scales import classify_outcome, percent_reduction, response_line

__all__ = ["AdequacyCriteria", "SIGNIFICANT_BURDEN_MIN", "TrialAssessment", "assess_trials"]

#: FIBSER burden item >= 3 ("moderate" or worse) is significant burden (Wisniewski SR et al.,
#: J Psychiatr Pract 2006;12:71-79; action bands as in CANMAT guidance; evidence pack s6 [S]).
SIGNIFICANT_BURDEN_MIN = 3
#: FIBSER burden 6 ("intolerable") is read as stopping for side effects.
_INTOLERABLE = 6


@dataclass(frozen=True)
class AdequacyCriteria:
    """The adequacy thresholds; each default is sourced in the module docstring."""

    min_weeks: float = 6.0  # MGH-ATRQ (Chandler 2010); MGH-S (Fava 2003)
    min_adherence: float = 0.8  # research convention [R]
    missing_adherence_is_adequate: bool = False
    early_stop_min_weeks: float = 4.0  # Sforzini 2022: stopping before end of week 4 does not count
    use_agent_min_weeks: bool = True  # agent-specific minimum (e.g. lithium 2 weeks) overrides min_weeks

    def __post_init__(self) -> None:
        if self.min_weeks < 0 or self.early_stop_min_weeks < 0:
            raise ValueError("week thresholds must be >= 0")
        if not 0 <= self.min_adherence <= 1:
            raise ValueError("min_adherence must be a fraction between 0 and 1")


@dataclass(frozen=True)
class TrialAssessment:
    """One trial as the rules judge it. ``reasons`` lists every failed adequacy criterion."""

    index: int
    agent: str
    drug_class: str
    role: str
    adequate: bool
    reasons: tuple[str, ...]
    percent_reduction: float | None
    outcome: str  # remission | response | partial_response | non_response | unknown
    burden_score: int | None  # FIBSER burden item 0-6
    significant_burden: bool | None  # burden item >= 3; None when not recorded
    augments: int | None
    laterality: str | None = None  # ECT electrode placement when recorded
    stopped_for_side_effects: bool = False
    notes: tuple[str, ...] = ()  # remarks that do not change adequacy
    response_line: float | None = None  # the final score at or below which the trial is a response (scales.response_line)


def _num(value: float) -> str:
    return f"{value:g}"


def _weeks(value: float) -> str:
    return f"{_num(value)} week" + ("" if value == 1 else "s")


def _dose_reasons(trial, agent: Agent, case) -> list[str]:
    """Reasons the dose criterion failed (empty when met or not applicable)."""
    if agent.min_dose_mg_day is None and agent.min_level_mmol_l is None:
        return []
    dose = trial.dose_mg_day
    if agent.min_level_mmol_l is not None:
        level = trial.level_mmol_l if trial.level_mmol_l is not None else case.labs.lithium_level_mmol_l
        level_ok = level is not None and level >= agent.min_level_mmol_l
        dose_ok = dose is not None and agent.min_dose_mg_day is not None and dose >= agent.min_dose_mg_day
        if level_ok or dose_ok:
            return []
        parts = [
            f"{agent.name} level not recorded"
            if level is None
            else f"{agent.name} level {_num(level)} mmol/L is below {_num(agent.min_level_mmol_l)} mmol/L",
            "dose not recorded"
            if dose is None
            else f"dose {_num(dose)} mg/day is below {_num(agent.min_dose_mg_day or 0)} mg/day",
        ]
        return [f"{'; '.join(parts)}: neither the level nor the dose is adequate for {agent.name} ({agent.dose_source})"]
    min_dose = agent.min_dose_mg_day
    if min_dose is None:  # unreachable: an agent without a minimum level returned above unless it has a minimum dose
        raise AssertionError(f"{agent.name}: neither a minimum dose nor a minimum level")
    if dose is None:
        return ["dose not recorded"]
    if dose < min_dose:
        return [
            f"dose {_num(dose)} mg/day is below the minimum adequate {_num(min_dose)} mg/day "
            f"for {agent.name} ({agent.dose_source})"
        ]
    return []


def _required_weeks(agent: Agent, criteria: AdequacyCriteria) -> float | None:
    """Weeks needed: the agent's own minimum when the table gives one, none for a course judged by
    sessions, else the criteria default.
    """
    if criteria.use_agent_min_weeks and agent.min_weeks is not None:
        return agent.min_weeks
    if agent.session_based:
        return None
    return criteria.min_weeks


def _assess_one(index: int, trial, case, criteria: AdequacyCriteria) -> TrialAssessment:
    agent = lookup_agent(trial.agent)
    if agent is None:  # the case model validates names, so this only guards hand-built trials
        raise ValueError(f"trials[{index}].agent: unknown agent '{trial.agent}'")
    reasons: list[str] = []
    notes: list[str] = []
    burden = trial.burden_score
    stopped = trial.stopped_for_side_effects or (burden is not None and burden >= _INTOLERABLE)
    # Sforzini's week-4 rule is about medication trials; a course of sessions is judged by its sessions.
    early_rule = stopped and not agent.session_based
    outcome = classify_outcome(trial.scale, trial.baseline, trial.final)

    reasons += _dose_reasons(trial, agent, case)

    required = _required_weeks(agent, criteria)
    if early_rule and trial.weeks < criteria.early_stop_min_weeks:
        reasons.append(
            f"stopped for side effects after {_weeks(trial.weeks)}, before the end of week "
            f"{_num(criteria.early_stop_min_weeks)}: does not count as a failed trial (Sforzini 2022)"
        )
    elif early_rule and required is not None and trial.weeks < required:
        notes.append(
            f"stopped for side effects after {_weeks(trial.weeks)}: counts despite being shorter than "
            f"{_weeks(required)} (Sforzini 2022: stopping from week {_num(criteria.early_stop_min_weeks)} on counts)"
        )
    elif required is not None and trial.weeks < required:
        reasons.append(f"{_weeks(trial.weeks)} is shorter than the {_weeks(required)} required")

    if agent.session_based:
        if trial.sessions is None:
            reasons.append("number of sessions not recorded")
        elif trial.sessions < agent.min_sessions:
            reasons.append(
                f"{trial.sessions} session{'s' if trial.sessions != 1 else ''} are fewer than the "
                f"{agent.min_sessions} required for {agent.name} ({agent.dose_source})"
            )
    else:
        if trial.adherence is None:
            if not criteria.missing_adherence_is_adequate:
                reasons.append("adherence not recorded")
        elif trial.adherence < criteria.min_adherence:
            reasons.append(
                f"adherence {trial.adherence * 100:.0f}% is below {criteria.min_adherence * 100:.0f}%"
            )

    if agent.drug_class == "ect" and trial.laterality is None:
        notes.append("ECT electrode placement not recorded: not counted as bilateral ECT for Thase-Rush stage V")

    return TrialAssessment(
        index=index,
        agent=agent.name,
        drug_class=agent.drug_class,
        role=agent.role,
        adequate=not reasons,
        reasons=tuple(reasons),
        percent_reduction=percent_reduction(trial.baseline, trial.final),
        response_line=response_line(trial.baseline),
        outcome=outcome,
        burden_score=burden,
        significant_burden=None if burden is None else burden >= SIGNIFICANT_BURDEN_MIN,
        augments=trial.augments,
        laterality=trial.laterality,
        stopped_for_side_effects=stopped,
        notes=tuple(notes),
    )


def assess_trials(case, criteria: AdequacyCriteria = AdequacyCriteria()) -> list[TrialAssessment]:
    """Judge every trial of a case (oldest first): adequacy with reasons, outcome, burden.

    Sources: see the module docstring (agent table per row; Bauer & Dopfmer 1999 for lithium; Sforzini
    2022 for outcome bands and early stopping; Wisniewski 2006 for FIBSER burden).
    """
    assessments = [_assess_one(i, trial, case, criteria) for i, trial in enumerate(case.trials)]
    result = []
    for ta in assessments:
        if ta.augments is not None and 0 <= ta.augments < len(assessments) and not assessments[ta.augments].adequate:
            base = assessments[ta.augments]
            note = (
                f"augments trial {base.index} ({base.agent}), which was not itself adequate: "
                "judged on its own criteria, but the combination was not tested on an adequate base"
            )
            ta = TrialAssessment(**{**ta.__dict__, "notes": ta.notes + (note,)})
        result.append(ta)
    return result
