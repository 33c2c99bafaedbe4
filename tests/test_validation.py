"""A small leave-one-trial-out run (the full one generates docs/calibration.md: ``futility validate``).

The CN138-163 fold is the one real MCMC fit in the default test run (about 100 s on two shared
cores), kept so CI exercises PyMC and nutpie end to end; the other real fits are marked ``slow``.
"""
from __future__ import annotations

import numpy as np
import pytest

from futility.model.cohorts import arm_design, efficacy_rows, reference_mix
from futility.model.evidence import load_outcomes
from futility.model.validation import coverage_summary, leave_one_trial_out


@pytest.fixture(scope="module")
def cn138_fold():
    """CN138-163 left out: the model must predict its two arms from every other trial."""
    return leave_one_trial_out(trials=["cn138_163"], draws=150, tune=300, chains=1)


def test_the_left_out_trial_is_predicted_arm_by_arm(cn138_fold):
    rows = {r.id for r in efficacy_rows(load_outcomes()) if r.trial == "cn138_163"}
    assert {c.row for c in cn138_fold} == rows
    for c in cn138_fold:
        assert 0.0 <= c.low <= c.predicted <= c.high <= 1.0
        assert c.high - c.low > 0.05  # a new trial's interval carries the between-trial spread


def test_the_left_out_contrast_comes_from_the_other_trials(cn138_fold):
    """Aripiprazole augmentation is learnt from VAST-D and ESCAPE-TRD, placebo add-on from the lithium RCTs."""
    by_row = {c.row: c for c in cn138_fold}
    assert by_row["cn138_163_aripiprazole_remission"].predicted > by_row["cn138_163_placebo_remission"].predicted


def test_coverage_summary_counts_arms_inside_and_errors(cn138_fold):
    summary = coverage_summary(cn138_fold)
    assert summary["arms"] == 2
    assert summary["coverage"] == np.mean([c.inside for c in cn138_fold])
    assert summary["mae_points"] == pytest.approx(100 * np.mean([c.error for c in cn138_fold]))
    assert summary["expected_mae_points"] == pytest.approx(100 * np.mean([c.expected_error for c in cn138_fold]))
    # binomial noise alone is smaller than the predictive spread, which adds the between-trial spread
    assert 0.0 < summary["sampling_mae_points"] < summary["expected_mae_points"]


def test_expected_and_sampling_errors_follow_their_definitions():
    """A predictive spread of rates gives a larger expected error than one fixed rate, and the floor is
    the binomial mean absolute deviation: about sqrt(2 / pi) sqrt(p (1 - p) / n) for a large arm."""
    from dataclasses import replace

    from futility.model.validation import arm_checks

    row = next(r for r in efficacy_rows(load_outcomes()) if r.id == "stard_l1_remission")
    rng = np.random.default_rng(3)
    fixed = np.full((4000, 1), row.events / row.n)
    spread = np.clip(rng.normal(row.events / row.n, 0.1, (4000, 1)), 0.01, 0.99)
    (narrow,), (wide,) = arm_checks(fixed, [row]), arm_checks(spread, [row])
    assert wide.expected_error > 5 * narrow.expected_error
    p, n = row.events / row.n, row.n
    assert narrow.sampling_error == pytest.approx(np.sqrt(2 / np.pi) * np.sqrt(p * (1 - p) / n), rel=0.1)
    small = replace(row, n=20, count=None)
    assert arm_checks(fixed, [small])[0].sampling_error > 3 * narrow.sampling_error


def test_left_out_rows_get_no_weight():
    """The fold's weights zero exactly the held trial's rows (one compiled model, data switched per fold)."""
    outcomes = load_outcomes()
    design = arm_design(efficacy_rows(outcomes), reference_mix(outcomes))
    held = design.rows_of("cn138_163")
    assert len(held) == 2
    assert all(design.row_ids[i].startswith("cn138_163") for i in held)
