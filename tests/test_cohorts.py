"""Cohort rates (the fit's likelihood and the checks' predictions) against a brute-force integral."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from scipy import integrate
from scipy.special import expit

from futility.model.cohorts import (
    ECT_COLUMNS,
    FACTORS,
    KIND_GROUP_INDEX,
    ECT_FAILURES_EFFECT,
    MAX_FAILURES_EFFECT,
    arm_design,
    arm_rates,
    cohort_factors,
    efficacy_rows,
    numpy_namespace,
    reference_mix,
)
from futility.model.evidence import OPTION_KINDS, load_outcomes

ROWS = {r.id: r for r in load_outcomes()}


def _params(rng: np.random.Generator) -> dict:
    k = len(OPTION_KINDS)
    return {
        "alpha": rng.normal(-0.5, 0.6, (1, k)),
        "lam": rng.uniform(0.1, 0.8, (1, 5)),
        "rho": rng.uniform(0.0, 0.5, 1),
        "sigma_u": rng.uniform(0.3, 1.5, 1),
        "kappa": rng.uniform(0.3, 1.0, 1),
        "ect_loading": rng.uniform(0.2, 0.8, 1),
        "d_madrs12": rng.uniform(0.0, 0.5, 1),
        "d_other": rng.normal(0.0, 0.3, 1),
        "d_single_blind": rng.normal(0.0, 0.3, 1),
        "d_double_blind": rng.normal(0.0, 0.3, 1),
        "beta": rng.normal(0.0, 0.3, (1, len(FACTORS))),
        "beta_ect": rng.normal(0.5, 0.2, (1, 3)),
    }


def _brute(row, p: dict, x_ref: np.ndarray, b: float) -> float:
    """The row's rate by direct quadrature over u, written from the formula in docs/model.md."""
    dx = cohort_factors(row.covariates or {}, x_ref) - x_ref
    lam = p["lam"][0][KIND_GROUP_INDEX]

    def lin(kind: int) -> float:
        value = p["alpha"][0, kind] + dx @ p["beta"][0]
        if OPTION_KINDS[kind] == "ect":
            value -= dx[ECT_COLUMNS] @ p["beta"][0][ECT_COLUMNS]
        return value

    def mix(step: dict) -> list[tuple[int, float]]:
        return [(OPTION_KINDS.index(k), w) for k, w in step.items()]

    def load(kind: int) -> float:  # ECT tracks u only in part
        return p["ect_loading"][0] if OPTION_KINDS[kind] == "ect" else 1.0

    def cap(kind: int) -> int:  # ECT's own decline is one step
        return ECT_FAILURES_EFFECT if OPTION_KINDS[kind] == "ect" else MAX_FAILURES_EFFECT

    offset = b
    if row.outcome == "response":
        offset += p["kappa"][0]
    offset += {"madrs12": p["d_madrs12"][0], "other": p["d_other"][0]}.get(row.definition_class, 0.0)
    offset += {"single_blind": p["d_single_blind"][0], "double_blind": p["d_double_blind"][0]}.get(row.blinding, 0.0)
    total = 0.0
    for share, history in row.entry_histories():
        # chance that kind k failed at an earlier step: 1 - prod_j (1 - weight of k at step j)
        not_yet = {k: 1.0 for k in range(len(OPTION_KINDS))}
        failed_before: list[dict[int, float]] = []
        for step in history:
            failed_before.append({k: 1.0 - v for k, v in not_yet.items()})
            for k, w in mix(step):
                not_yet[k] *= 1.0 - w
        failed = {k: 1.0 - v for k, v in not_yet.items()}

        def surv(u: float) -> float:
            out = 1.0
            for j, step in enumerate(history):
                b_in = b if row.history else 0.0
                success = sum(
                    w * expit(lin(k) - lam[k] * min(j, cap(k)) - p["rho"][0] * failed_before[j][k] + b_in + load(k) * u)
                    for k, w in mix(step)
                )
                out *= 1.0 - success
            return out

        def p_kind(k: int, eta: float) -> float:
            """ECT: w u + s e with its own trait e ~ Normal(0, 1) integrated out; a drug: u alone."""
            if OPTION_KINDS[k] != "ect":
                return expit(eta)
            s = p["sigma_u"][0] * np.sqrt(1.0 - p["ect_loading"][0] ** 2)
            phi = lambda e: np.exp(-0.5 * e * e) / np.sqrt(2 * np.pi)  # noqa: E731
            return integrate.quad(lambda e: phi(e) * expit(eta + s * e), -10, 10)[0]

        def p_opt(u: float) -> float:
            return sum(
                w * p_kind(k, lin(k) - lam[k] * min(len(history), cap(k)) - p["rho"][0] * failed[k] + offset + load(k) * u)
                for k, w in mix(row.option)
            )

        sd = p["sigma_u"][0]
        density = lambda u: np.exp(-0.5 * (u / sd) ** 2) / (sd * np.sqrt(2 * np.pi))  # noqa: E731
        num = integrate.quad(lambda u: density(u) * surv(u) * p_opt(u), -10 * sd, 10 * sd, limit=200)[0]
        den = integrate.quad(lambda u: density(u) * surv(u), -10 * sd, 10 * sd, limit=200)[0]
        total += share * num / den
    return total


@pytest.mark.parametrize(
    "row_id",
    [
        "stard_l1_remission",
        "stard_l2_sertraline_remission",  # same class as the failed step
        "stard_l3_t3_remission",
        "stard_l4_venlafaxine_mirtazapine_remission",
        "escape_trd_esketamine_remission",
        "transform1_esk56_remission",  # lenient bar, double blind, covariates
        "ect_after_medication_failure_remission",
        "nygren2023_ect_trd_response",  # ECT after two failures: one-step decline, partial loading
        "nygren2023_ect_non_trd_response",  # a failure distribution (none or one)
        "vastd_augment_bupropion_remission",
        "li_katona_1995_lithium_response",
    ],
)
def test_arm_rate_matches_brute_force_quadrature(row_id):
    """The vectorised rate equals a direct integral of the sequential-failure formula (to 24 nodes' accuracy)."""
    outcomes = load_outcomes()
    x_ref = reference_mix(outcomes)
    row = ROWS[row_id]
    rng = np.random.default_rng(abs(hash(row_id)) % 2**32)
    p = _params(rng)
    b = float(rng.normal(0, 0.4))
    design = arm_design([row], x_ref)
    got = arm_rates(numpy_namespace(), design, p, np.array([[b]]))[0, 0]
    assert got == pytest.approx(_brute(row, p, x_ref, b), abs=2e-4)


def test_failure_distribution_mixes_conditional_rates():
    """A row whose entrants failed 2 or 4 steps is the share-weighted mix of the two single-count rows."""
    outcomes = load_outcomes()
    x_ref = reference_mix(outcomes)
    base = ROWS["escape_trd_esketamine_remission"]
    mixed = dataclasses.replace(base, failures=((2, 0.25), (4, 0.75)))
    two = dataclasses.replace(base, failures=((2, 1.0),))
    four = dataclasses.replace(base, failures=((4, 1.0),))
    p = _params(np.random.default_rng(1))
    rates = arm_rates(numpy_namespace(), arm_design([mixed, two, four], x_ref), p, np.zeros((1, 3)))[0]
    assert rates[0] == pytest.approx(0.25 * rates[1] + 0.75 * rates[2])
    assert rates[2] < rates[1]  # more failures at entry, a lower rate


def test_reference_cohort_has_no_covariate_offset():
    """The reference cohort (STAR*D level 1) sits at the reference mix: its covariate effects cancel (centring)."""
    outcomes = load_outcomes()
    x_ref = reference_mix(outcomes)
    row = ROWS["stard_l1_remission"]
    p = _params(np.random.default_rng(2))
    design = arm_design([row], x_ref)
    with_beta = arm_rates(numpy_namespace(), design, p, np.zeros((1, 1)))[0, 0]
    p["beta"] = p["beta"] * 0.0
    assert arm_rates(numpy_namespace(), design, p, np.zeros((1, 1)))[0, 0] == pytest.approx(with_beta)
    assert x_ref[FACTORS.index("episode_months")] == pytest.approx(17.6)


def test_every_fitted_row_has_a_trial_and_a_known_design():
    """Every fitted efficacy row names its trial, a definition class and a blinding the model knows."""
    for row in efficacy_rows(load_outcomes()):
        assert row.trial
        assert row.definition_class in ("strict", "madrs12", "other", "response"), row.id
        assert (row.definition_class == "response") == (row.outcome == "response"), row.id
        assert row.blinding in ("open", "single_blind", "double_blind"), row.id


def test_a_pooled_figure_carries_the_mean_of_its_studies_effects():
    """Heijnen 2010 pools 7 cohort studies, Han 2016 9 RCTs: their trial effect is a mean of 7 or 9."""
    from futility.model.cohorts import trial_effect_scale

    design = arm_design(efficacy_rows(load_outcomes()), reference_mix(load_outcomes()))
    studies = dict(zip(design.trials, design.trial_studies))
    assert studies["heijnen2010"] == 7 and studies["han2016"] == 9 and studies["stard"] == 1
    single = trial_effect_scale(0.6, 0.0, 1.0, 0.0)
    assert trial_effect_scale(0.6, 0.0, 9.0, 0.0) == pytest.approx(single / 3.0)


def test_per_study_definitions_add_their_own_spread():
    """Trials that used each study's own definition spread more than a setting; standard ones do not."""
    from futility.model.cohorts import trial_effect_scale

    design = arm_design(efficacy_rows(load_outcomes()), reference_mix(load_outcomes()))
    per = dict(zip(design.trials, design.trial_per_study))
    assert per["li_saini_2016"] == 1 and per["optms_george2010"] == 1
    assert per["stard"] == 0 and per["escape_trd"] == 0 and per["transform2"] == 0
    assert trial_effect_scale(0.6, 0.5, 1.0, 1.0) == pytest.approx(np.hypot(0.6, 0.5))
    assert trial_effect_scale(0.6, 0.5, 1.0, 0.0) == pytest.approx(0.6)


def test_a_new_trial_in_validation_takes_its_own_scale():
    """A left-aside per-study row is predicted with the wider spread; a standard row with tau_trial alone."""
    from futility.model.validation import new_trial_effect

    rows = [ROWS["stard_l1_remission"], ROWS["li_saini_2016_lithium_response"]]
    design = arm_design(rows, reference_mix(load_outcomes()))
    raw = np.array([1.0, -2.0])
    draws = {"trial_new": 0.6 * raw, "tau_trial": np.array([0.6, 0.6]), "tau_definition": np.array([0.8, 0.8])}
    effect = new_trial_effect(draws, design)
    assert effect[:, 0] == pytest.approx(0.6 * raw)
    assert effect[:, 1] == pytest.approx(1.0 * raw)
