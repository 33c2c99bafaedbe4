"""Measurement-based care: the first-to-latest course of the most-rated scale."""
from __future__ import annotations

import pytest
from hypothesis import given, settings

from futility.case import case_from_dict
from futility.clinical.mbc import score_trajectory
from futility.clinical.scales import OUTCOME_RANK
from tests.strategies import case_dicts, case_with


def scores(*rows):
    """Score dicts from (date, scale, value) rows."""
    return [{"date": d, "scale": s, "value": v} for d, s, v in rows]


def test_no_scores_gives_none():
    """A case without scores has no trajectory."""
    assert score_trajectory(case_from_dict(case_with())) is None


def test_phq9_course():
    """PHQ-9 20 -> 9 over 8 weeks: -11 points, 55% reduction, response, latest band mild."""
    case = case_from_dict(case_with(scores=scores(("2026-01-05", "PHQ-9", 20), ("2026-02-02", "PHQ-9", 14),
                                                  ("2026-03-02", "PHQ-9", 9))))
    t = score_trajectory(case)
    assert t.scale == "PHQ-9" and t.n_points == 3
    assert t.change_points == -11 and t.percent_reduction == pytest.approx(55.0)
    assert t.weeks_elapsed == pytest.approx(8.0)
    assert t.status == "response" and t.severity_band == "mild"


def test_most_rated_scale_is_followed_regardless_of_order():
    """Three QIDS ratings beat one later PHQ-9; input order does not matter."""
    rows = [("2026-03-01", "QIDS-SR16", 10), ("2026-01-01", "QIDS-SR16", 16), ("2026-04-01", "PHQ-9", 3),
            ("2026-02-01", "QIDS-SR16", 12)]
    t = score_trajectory(case_from_dict(case_with(scores=scores(*rows))))
    assert t.scale == "QIDS-SR16" and t.first == 16 and t.latest == 10
    assert t.status == "partial_response"


def test_single_rating():
    """One rating: no percent change; remission only if the rating is in the remission range."""
    t = score_trajectory(case_from_dict(case_with(scores=scores(("2026-01-05", "MADRS", 30)))))
    assert t.percent_reduction is None and t.status == "unknown" and t.severity_band == "moderate"
    t = score_trajectory(case_from_dict(case_with(scores=scores(("2026-01-05", "MADRS", 8)))))
    assert t.status == "remission"


def test_to_dict_is_json_ready():
    """to_dict gives ISO dates."""
    t = score_trajectory(case_from_dict(case_with(scores=scores(("2026-01-05", "PHQ-9", 20), ("2026-02-05", "PHQ-9", 4)))))
    d = t.to_dict()
    assert d["first_date"] == "2026-01-05" and d["status"] == "remission"


@settings(max_examples=60, deadline=None)
@given(case_dicts())
def test_trajectory_consistent(data):
    """Any case: trajectory is None iff no scores; change = latest - first; status a known outcome."""
    case = case_from_dict(data)
    t = score_trajectory(case)
    if not case.scores:
        assert t is None
        return
    assert t.change_points == t.latest - t.first
    assert t.weeks_elapsed >= 0
    assert t.status in OUTCOME_RANK
    assert t.latest_date == max(s.date for s in case.scores if s.scale == t.scale)
