"""Measurement-based care: the course of the rating-scale time series in a case.

From ``case.scores`` the scale with the most ratings is followed (ties: the scale rated most recently);
the change from its first to its latest rating is classified with the same cut-offs as a trial
(:func:`futility.clinical.scales.classify_outcome`: remission at or below the scale's cut-off, response
>= 50% reduction, partial response 25-49%, non-response < 25%; Rush 2006, Sforzini 2022), and the latest
rating gets its severity band (scales.csv, one source per scale). Measurement-based care itself: Trivedi
MH, J Clin Psychiatry 2009;70(suppl 6):26-31.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from futility.clinical.scales import classify_outcome, percent_reduction, response_line, severity_band

__all__ = ["ScoreTrajectory", "score_trajectory"]


@dataclass(frozen=True)
class ScoreTrajectory:
    """First-to-latest change on one scale."""

    scale: str
    n_points: int
    first_date: dt.date
    latest_date: dt.date
    first: float
    latest: float
    change_points: float  # latest - first (negative = better)
    percent_reduction: float | None  # (first - latest) / first * 100; None when first is 0
    weeks_elapsed: float
    status: str  # remission | response | partial_response | non_response | unknown
    severity_band: str  # band of the latest rating
    response_line: float | None = None  # half the first rating: at or below it a rating is a response

    def to_dict(self) -> dict:
        """JSON-ready form (dates as ISO text)."""
        return {
            "scale": self.scale,
            "n_points": self.n_points,
            "first_date": self.first_date.isoformat(),
            "latest_date": self.latest_date.isoformat(),
            "first": self.first,
            "latest": self.latest,
            "change_points": self.change_points,
            "percent_reduction": self.percent_reduction,
            "weeks_elapsed": self.weeks_elapsed,
            "status": self.status,
            "severity_band": self.severity_band,
            "response_line": self.response_line,
        }


def score_trajectory(case) -> ScoreTrajectory | None:
    """Trajectory of the most-rated scale in ``case.scores``; None when there are no scores.

    With a single rating the change is 0 and the status is remission if that rating is in the remission
    range, otherwise unknown (no baseline to compare with).
    """
    if not case.scores:
        return None
    by_scale: dict[str, list] = {}
    for score in case.scores:
        by_scale.setdefault(score.scale, []).append(score)
    scale = max(by_scale, key=lambda name: (len(by_scale[name]), max(s.date for s in by_scale[name])))
    series = sorted(by_scale[scale], key=lambda s: s.date)  # stable: same-day ratings keep file order
    first, latest = series[0], series[-1]
    if len(series) == 1:
        status = classify_outcome(scale, None, latest.value)
    else:
        status = classify_outcome(scale, first.value, latest.value)
    return ScoreTrajectory(
        scale=scale,
        n_points=len(series),
        first_date=first.date,
        latest_date=latest.date,
        first=first.value,
        latest=latest.value,
        change_points=latest.value - first.value,
        percent_reduction=percent_reduction(first.value, latest.value) if len(series) > 1 else None,
        weeks_elapsed=(latest.date - first.date).days / 7.0,
        status=status,
        severity_band=severity_band(scale, latest.value),
        response_line=response_line(first.value),
    )
