"""Rating scales: percent reduction, outcome words, severity bands, against the published cut-offs."""
from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from futility.clinical.scales import (
    OUTCOME_RANK,
    classify_outcome,
    msm_severity,
    percent_reduction,
    scale_table,
    severity_band,
)
from tests.strategies import SCALE_NAMES, scale_scores


def test_qids_worked_example_16_to_12_is_partial_response():
    """QIDS-SR16 16 -> 12 is a 25% reduction: partial response, not response, not remission (seed example)."""
    assert percent_reduction(16, 12) == pytest.approx(25.0)
    assert classify_outcome("QIDS-SR16", 16, 12) == "partial_response"


def test_phq9_remission_is_below_five():
    """PHQ-9 remission is < 5 (Kroenke 2001; SUSTAIN-3): 4 remits, 5 does not."""
    assert classify_outcome("PHQ-9", 20, 4) == "remission"
    assert classify_outcome("PHQ-9", 20, 5) != "remission"


@pytest.mark.parametrize(
    ("scale", "cutoff"), [("QIDS-SR16", 5), ("HAMD-17", 7), ("MADRS", 10), ("BDI-II", 13), ("PHQ-9", 4)]
)
def test_remission_cutoff_is_inclusive(scale, cutoff):
    """A final score equal to the scale's remission cut-off is remission; one point above is not."""
    assert classify_outcome(scale, 40 if scale != "PHQ-9" and scale != "QIDS-SR16" else 27, cutoff) == "remission"
    assert classify_outcome(scale, cutoff + 1, cutoff + 1) == "non_response"


def test_response_bands():
    """>= 50% is response, 25-49% partial response, < 25% non-response (Sforzini 2022)."""
    assert classify_outcome("MADRS", 40, 20) == "response"  # exactly 50%
    assert classify_outcome("MADRS", 40, 21) == "partial_response"  # 47.5%
    assert classify_outcome("MADRS", 40, 30) == "partial_response"  # exactly 25%
    assert classify_outcome("MADRS", 40, 31) == "non_response"  # 22.5%
    assert classify_outcome("MADRS", 30, 36) == "non_response"  # worse


def test_unknown_when_scores_missing():
    """Missing scale, baseline or final gives 'unknown' unless the final alone shows remission."""
    assert classify_outcome(None, 20, 10) == "unknown"
    assert classify_outcome("QIDS-SR16", None, 12) == "unknown"
    assert classify_outcome("QIDS-SR16", 16, None) == "unknown"
    assert classify_outcome("QIDS-SR16", None, 3) == "remission"


def test_percent_reduction_baseline_zero_is_none():
    """A baseline of 0 leaves no room to improve: percent reduction is None, not a division error."""
    assert percent_reduction(0, 0) is None
    assert percent_reduction(0, 5) is None
    assert percent_reduction(None, 5) is None


def test_percent_reduction_negative_when_worse():
    """A rising score gives a negative reduction."""
    assert percent_reduction(10, 15) == pytest.approx(-50.0)


@pytest.mark.parametrize(
    ("scale", "score", "band"),
    [
        ("PHQ-9", 4, "none"), ("PHQ-9", 5, "mild"), ("PHQ-9", 17, "moderately_severe"), ("PHQ-9", 20, "severe"),
        ("QIDS-SR16", 16, "severe"), ("QIDS-SR16", 21, "very_severe"), ("MADRS", 35, "severe"),
        ("HAMD-17", 14, "moderate"), ("BDI-II", 13, "minimal"), ("BDI-II", 29, "severe"),
    ],
)
def test_severity_bands(scale, score, band):
    """Scores fall in the published bands (Kroenke 2001; Rush 2003; Snaith; Beck 1996)."""
    assert severity_band(scale, score) == band


def test_severity_band_rejects_out_of_range():
    """A score outside the scale range is an error, not a silent band."""
    with pytest.raises(ValueError):
        severity_band("PHQ-9", 28)


def test_bands_cover_each_scale_without_gaps():
    """Every scale's bands run from its minimum to its maximum, contiguous."""
    for scale in scale_table().values():
        assert scale.bands[0][1] == scale.minimum and scale.bands[-1][2] == scale.maximum
        for (_, _, high), (_, low, _) in zip(scale.bands, scale.bands[1:]):
            assert low == high + 1
        assert scale.minimum <= scale.remission_max < scale.maximum
        for label, *_ in scale.bands:
            assert scale.msm_severity[label] in {"subsyndromal", "mild", "moderate", "severe"}


def test_msm_severity_mapping():
    """QIDS-SR16 very severe maps to MSM 'severe'; PHQ-9 moderately severe to 'moderate'."""
    assert msm_severity("QIDS-SR16", 24) == "severe"
    assert msm_severity("PHQ-9", 17) == "moderate"
    assert msm_severity("BDI-II", 5) == "subsyndromal"


@given(st.floats(0, 100, allow_nan=False), st.floats(0, 100, allow_nan=False))
@example(41.4574561071914, 0.0)  # once rounded to 100.00000000000001
def test_percent_reduction_bounds(baseline, final):
    """Percent reduction is never above 100, and lies in [0, 100] when the score did not rise."""
    pct = percent_reduction(baseline, final)
    if baseline == 0:
        assert pct is None
        return
    assert pct <= 100.0
    if final <= baseline:
        assert 0.0 <= pct <= 100.0


@given(scale_scores(), st.data())
def test_outcome_is_monotone_in_final_score(scores, data):
    """For a fixed baseline, a lower final score never gives a worse outcome."""
    scale, baseline, final = scores
    table = scale_table()[scale]
    other = data.draw(st.integers(table.minimum, table.maximum))
    low, high = sorted((final, other))
    better, worse = classify_outcome(scale, baseline, low), classify_outcome(scale, baseline, high)
    if better == "unknown" or worse == "unknown":
        assert baseline == 0
        return
    assert OUTCOME_RANK[better] >= OUTCOME_RANK[worse]


@given(st.sampled_from(SCALE_NAMES), st.data())
def test_every_score_in_range_has_a_band(scale, data):
    """Every whole score in range maps to a band of that scale."""
    table = scale_table()[scale]
    score = data.draw(st.integers(table.minimum, table.maximum))
    assert severity_band(scale, score) in {b[0] for b in table.bands}


def test_response_line_is_half_the_baseline_and_none_without_one():
    """The response line is the baseline reduced by the response cut-off (50%): a final score on it is a response."""
    from futility.clinical.scales import RESPONSE_MIN_PCT, classify_outcome, response_line

    assert response_line(24.0) == 24.0 * (1 - RESPONSE_MIN_PCT / 100) == 12.0
    assert response_line(None) is None and response_line(0.0) is None
    # a final score exactly on the line is a response (not remission: 12 is above the HAMD-17 cut-off of 7)
    assert classify_outcome("HAMD-17", 24.0, response_line(24.0)) == "response"
