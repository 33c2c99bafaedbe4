"""Pure clinical rules: scales, agents, adequacy, TRD, staging, screening, measurement-based care.

Every function takes plain data (a validated :class:`futility.case.Case`, or the trial assessments
derived from it) and returns frozen dataclasses; each names its published source in its docstring.
"""
from futility.clinical.adequacy import AdequacyCriteria, TrialAssessment, assess_trials
from futility.clinical.agents import Agent, agent_table, drug_classes, known_agent_names, lookup_agent
from futility.clinical.mbc import ScoreTrajectory, score_trajectory
from futility.clinical.scales import Scale, classify_outcome, percent_reduction, scale_table, severity_band
from futility.clinical.screening import (
    Contraindication,
    ScreeningStatus,
    adequacy_advisories,
    contraindications,
    inflammation_note,
    screen,
)
from futility.clinical.staging import MaudsleyStage, maudsley, thase_rush
from futility.clinical.trd import TRDStatus, assess_trd

__all__ = [
    "AdequacyCriteria",
    "Agent",
    "Contraindication",
    "MaudsleyStage",
    "Scale",
    "ScoreTrajectory",
    "ScreeningStatus",
    "TRDStatus",
    "TrialAssessment",
    "adequacy_advisories",
    "agent_table",
    "assess_trd",
    "assess_trials",
    "classify_outcome",
    "contraindications",
    "drug_classes",
    "inflammation_note",
    "known_agent_names",
    "lookup_agent",
    "maudsley",
    "percent_reduction",
    "scale_table",
    "score_trajectory",
    "screen",
    "severity_band",
    "thase_rush",
]
