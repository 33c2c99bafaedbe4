"""Staging of treatment resistance: Thase-Rush (0-V) and the Maudsley Staging Method (3-15).

Both count only *adequate* trials that *failed* (see :mod:`futility.clinical.trd`; failure definition
"no_response" = < 50% improvement by default). Adding an adequate failed trial never lowers either stage.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from futility.clinical.adequacy import TrialAssessment
from futility.clinical.scales import msm_severity
from futility.clinical.trd import is_failure

__all__ = ["MSM_SEVERITY_POINTS", "MaudsleyStage", "maudsley", "msm_category", "thase_rush"]


# ---------------------------------------------------------------------------------------------
# Thase-Rush
# ---------------------------------------------------------------------------------------------

def thase_rush(trial_assessments: Iterable[TrialAssessment], failure: str = "no_response") -> int:
    """Thase-Rush stage 0-5 (Thase ME, Rush AJ 1997; table as in the evidence pack s3 [S]).

    0 no adequate failure; I failure of >= 1 adequate trial of one major antidepressant class; II plus a
    failure in a distinctly different class; III plus a failed TCA; IV plus a failed MAOI; V plus a failed
    course of bilateral ECT.

    Decisions (the 1997 scheme does not define them):
    - only antidepressant medications count as "classes" (role ``antidepressant``); augmentation,
      esketamine/ketamine, rTMS and psychotherapy are outside the scheme and do not raise the stage;
    - each step adds a class: III needs a failed TCA *and* two other failed classes; IV needs a failed
      TCA, a failed MAOI and two further classes; a TCA or MAOI may serve as the second class of stage II;
    - V needs ECT recorded as ``bilateral``; ECT with unknown, right-unilateral or bifrontal placement
      does not count (the scheme names bilateral ECT; we do not assume it).
    """
    failed = [ta for ta in trial_assessments if is_failure(ta, failure)]
    classes = {ta.drug_class for ta in failed if ta.role == "antidepressant"}
    if not classes:
        return 0
    stage = 1
    if len(classes) >= 2:
        stage = 2
    if stage == 2 and "tca" in classes and len(classes - {"tca"}) >= 2:
        stage = 3
    if stage == 3 and "maoi" in classes and len(classes - {"tca", "maoi"}) >= 2:
        stage = 4
    if stage == 4 and any(ta.drug_class == "ect" and ta.laterality == "bilateral" for ta in failed):
        stage = 5
    return stage


# ---------------------------------------------------------------------------------------------
# Maudsley Staging Method
# ---------------------------------------------------------------------------------------------

#: Severity points (Fekadu, Donocik & Cleare, BMC Psychiatry 2018;18:100 Table 3 [V]; original MSM:
#: Fekadu A et al., J Clin Psychiatry 2009 [volume/pages not checked]); severe with psychosis scores 5.
MSM_SEVERITY_POINTS = {"subsyndromal": 1, "mild": 2, "moderate": 3, "severe": 4, "severe_psychotic": 5}
#: Roles counted as "failed antidepressants" in the MSM (augmentation and ECT are separate items).
_MSM_ANTIDEPRESSANT_ROLES = ("antidepressant", "rapid_acting")


@dataclass(frozen=True)
class MaudsleyStage:
    """MSM total (3-15), its band, and the points of each item (``failed_treatments`` is the raw count)."""

    score: int
    category: str  # mild 3-6 | moderate 7-10 | severe 11-15
    duration: int  # 1-3
    severity: int  # 1-5
    failures: int  # 1-5
    augmentation: int  # 0-1
    ect: int  # 0-1
    failed_treatments: int = 0
    severity_basis: str = ""

    def components(self) -> dict[str, int]:
        """Item points by name, for the JSON ``staging.maudsley.components``."""
        return {
            "duration": self.duration,
            "severity": self.severity,
            "failures": self.failures,
            "augmentation": self.augmentation,
            "ect": self.ect,
        }


def _duration_points(months: float) -> int:
    """<= 12 months 1; 13-24 months 2; > 24 months 3 (Fekadu 2018 Table 3 [V])."""
    if months <= 12:
        return 1
    if months <= 24:
        return 2
    return 3


def _failure_points(n: int) -> int:
    """1-2 failed antidepressants 1; 3-4: 2; 5-6: 3; 7-10: 4; > 10: 5 (Fekadu 2009 [S]).

    0 failures also scores 1: the MSM is defined for patients with at least one failed treatment and
    its total runs 3-15; the raw count is kept in ``MaudsleyStage.failed_treatments``.
    """
    if n <= 2:
        return 1
    if n <= 4:
        return 2
    if n <= 6:
        return 3
    if n <= 10:
        return 4
    return 5


def msm_category(score: int) -> str:
    """MSM band: mild 3-6, moderate 7-10, severe 11-15 (Fekadu 2018 Table 3 [V])."""
    if score <= 6:
        return "mild"
    if score <= 10:
        return "moderate"
    return "severe"


def _severity(case, trials: Sequence) -> tuple[int, str]:
    """Severity points and where they came from."""
    diagnosis = case.diagnosis
    if diagnosis.psychotic_features:
        return MSM_SEVERITY_POINTS["severe_psychotic"], "psychotic features (severe with psychosis)"
    if diagnosis.severity is not None:
        return MSM_SEVERITY_POINTS[diagnosis.severity], f"clinician-rated {diagnosis.severity}"
    rated = [(t.scale, t.baseline, f"{t.scale} baseline {t.baseline:g}") for t in trials
             if t.scale is not None and t.baseline is not None]
    rated += [(s.scale, s.value, f"{s.scale} {s.value:g} on {s.date.isoformat()}") for s in case.scores]
    if rated:
        points, label = max(
            ((MSM_SEVERITY_POINTS[msm_severity(scale, value)], f"{text} ({msm_severity(scale, value)})")
             for scale, value, text in rated),
            key=lambda pair: pair[0],
        )
        return points, f"most severe rating in the episode: {label}"
    return MSM_SEVERITY_POINTS["subsyndromal"], "not recorded: scored as subsyndromal (lowest) so as not to overstate"


def maudsley(case, trial_assessments: Iterable[TrialAssessment], failure: str = "no_response") -> MaudsleyStage:
    """Maudsley Staging Method (Fekadu et al., J Clin Psychiatry 2009; standardised in Fekadu, Donocik &
    Cleare, BMC Psychiatry 2018;18:100 Table 3 [V] for duration, severity and bands; failure points [S]).

    - duration from ``diagnosis.episode_months``;
    - severity from ``diagnosis.severity`` (psychotic features score 5), else the most severe rating of
      the episode (trial baselines and measurement-based-care scores, each via its scale band in
      scales.csv). We take the most severe rather than the latest rating so that adding a trial can
      never lower the stage; with no rating at all severity scores 1 (subsyndromal) and says so;
    - failures: adequate failed antidepressant medications (esketamine/ketamine included; augmentation,
      ECT, rTMS and psychotherapy are not antidepressant failures here: augmentation and ECT have their
      own items, so counting them again would count them twice);
    - augmentation +1 when an adequate augmentation or combination trial was used; ECT +1 when an
      adequate ECT course was used (any outcome).
    """
    tas = list(trial_assessments)
    duration = _duration_points(case.diagnosis.episode_months)
    severity, basis = _severity(case, case.trials)
    n_failed = sum(1 for ta in tas if ta.role in _MSM_ANTIDEPRESSANT_ROLES and is_failure(ta, failure))
    failures = _failure_points(n_failed)
    augmentation = int(any(ta.adequate and (ta.role == "augmenter" or ta.augments is not None) for ta in tas))
    ect = int(any(ta.adequate and ta.drug_class == "ect" for ta in tas))
    score = duration + severity + failures + augmentation + ect
    return MaudsleyStage(
        score=score,
        category=msm_category(score),
        duration=duration,
        severity=severity,
        failures=failures,
        augmentation=augmentation,
        ect=ect,
        failed_treatments=n_failed,
        severity_basis=basis,
    )
