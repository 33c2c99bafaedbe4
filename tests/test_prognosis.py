"""Per-patient prognosis: exact integration against an independent quadrature, monotonicity, exclusions."""
from __future__ import annotations

import dataclasses
import math

from hypothesis import given, settings
from hypothesis import strategies as st
from dataclasses import dataclass, replace

import numpy as np
import pytest
from scipy import integrate
from scipy.special import expit

from futility.clinical.adequacy import TrialAssessment
from futility.prognosis.posterior import PosteriorDraws
from futility.prognosis.predict import CANDIDATE_OPTIONS, hdi, prognose
from futility.tables import prognosis_records, prognosis_table

KINDS = ("ssri", "snri", "ect", "lithium_augmentation")
FACTORS = ("severe", "psychotic_features", "comorbid_anxiety", "episode_months", "age_decades")


def make_posterior(n: int = 3, seed: int = 1, sigma_u: float = 1.2, lam: float = 0.2, kappa: float = 0.7) -> PosteriorDraws:
    rng = np.random.default_rng(seed)
    return PosteriorDraws(
        alpha=rng.normal([-0.6, -0.7, 0.5, -0.4], 0.1, size=(n, 4)),
        delta=rng.normal([-2.0, -1.8, -1.5, -1.0], 0.1, size=(n, 4)),
        beta=np.tile([-1.0, -0.8, -0.5, -0.02, 0.0], (n, 1)),
        beta_ect=np.zeros((n, 3)),
        mu_alpha=np.full(n, -0.5),
        mu_delta=np.full(n, -1.7),
        lam=np.full((n, 5), lam),
        rho=np.zeros(n),
        sigma_u=np.full(n, sigma_u) * rng.uniform(0.9, 1.1, n),
        kappa=np.full(n, kappa),
        sigma_v=np.full(n, 0.8),
        trial_new=np.zeros(n),
        option_kinds=KINDS,
        factors=FACTORS,
        ect_factors=("severe", "psychotic_features", "age_50_plus"),
        decline_groups=("oral", "add_on", "neurostimulation", "rapid_acting", "psychological"),
        kind_groups=("oral", "oral", "neurostimulation", "add_on"),
        reference_mix=np.zeros(5),
        ect_reference_mix=np.zeros(3),
        offered_kinds=KINDS,
        burden_evidence_kinds=("ssri",),
        trials=(),
        episode_months_cap=60.0,
        max_failures_effect=3,
        version="test",
        file_hash="0" * 64,
        data_hash="",
        diagnostics={"max_rhat": 1.0, "min_ess_bulk": 1000, "divergences": 0},
    )


@dataclass(frozen=True)
class Diagnosis:
    episode_months: float = 0.0
    psychotic_features: bool = False
    comorbid_anxiety: bool = False
    severity: str | None = None


@dataclass(frozen=True)
class Case:
    diagnosis: Diagnosis = Diagnosis()


@dataclass(frozen=True)
class Contra:
    option: str
    reason: str
    severity: str = "contraindicated"


def trial(index: int, kind: str, outcome: str, adequate: bool = True, burden: bool | None = None) -> TrialAssessment:
    return TrialAssessment(
        index=index, agent=kind, drug_class=kind, role="antidepressant", adequate=adequate, reasons=(),
        percent_reduction=None, outcome=outcome, burden_score=None, significant_burden=burden, augments=None,
    )


def reference_p_remission(post: PosteriorDraws, s: int, trials, kind: str, xb: float = 0.0) -> float:
    """Brute-force quadrature of the same model (scipy.integrate.quad), for one draw.

    ECT's loading on u, its own responsiveness e (spread s = sigma_u sqrt(1 - w^2), shared by every ECT
    course and the next one) and its one-step decline apply when the posterior carries them: then the
    integral is over (u, e) (scipy.integrate.dblquad)."""
    a = dict(zip(post.option_kinds, post.alpha[s]))
    lam, su, kap = post.lam[s, 0], post.sigma_u[s], post.kappa[s]
    own = 0.0 if post.ect_loading is None else su * math.sqrt(1.0 - float(post.ect_loading[s]) ** 2)

    def load(k: str) -> float:
        return float(post.ect_loading[s]) if k == "ect" and post.ect_loading is not None else 1.0

    def trait(k: str, e: float) -> float:
        return own * e if k == "ect" else 0.0

    def cap(k: str) -> int:
        return post.ect_failures_effect if k == "ect" and post.ect_failures_effect is not None else 3

    def likelihood(u: float, e: float) -> float:
        out, f = 1.0, 0
        for t in trials:
            eta = a[t.drug_class] + xb - lam * min(f, cap(t.drug_class)) + load(t.drug_class) * u + trait(t.drug_class, e)
            if t.outcome == "remission":
                out *= expit(eta)
            elif t.outcome == "response":
                out *= expit(eta + kap) - expit(eta)
            else:
                out *= 1 - expit(eta + kap)
            if t.outcome != "remission":
                f += 1
        return out

    f_next = sum(t.outcome != "remission" for t in trials)
    eta_next = lambda u, e: a[kind] + xb - lam * min(f_next, cap(kind)) + load(kind) * u + trait(kind, e)  # noqa: E731
    if own == 0.0 or (kind != "ect" and all(t.drug_class != "ect" for t in trials)):  # e plays no part
        dens = lambda u: likelihood(u, 0.0) * math.exp(-0.5 * (u / su) ** 2)  # noqa: E731
        num = integrate.quad(lambda u: dens(u) * expit(eta_next(u, 0.0)), -12 * su, 12 * su, limit=200)[0]
        den = integrate.quad(dens, -12 * su, 12 * su, limit=200)[0]
        return num / den
    dens2 = lambda e, u: likelihood(u, e) * math.exp(-0.5 * (u / su) ** 2 - 0.5 * e * e)  # noqa: E731
    opts = {"epsabs": 1e-11, "epsrel": 1e-9}
    num = integrate.dblquad(lambda e, u: dens2(e, u) * expit(eta_next(u, e)), -12 * su, 12 * su, -9, 9, **opts)[0]
    den = integrate.dblquad(dens2, -12 * su, 12 * su, -9, 9, **opts)[0]
    return num / den


@pytest.mark.parametrize(
    "history",
    [
        [],
        [("ssri", "non_response")],
        [("ssri", "non_response"), ("snri", "partial_response"), ("lithium_augmentation", "response")],
        [("ssri", "non_response")] * 7,
    ],
)
def test_matches_independent_quadrature(history):
    """Per-draw p_remission equals a brute-force integral of the same model to 1e-4."""
    _assert_matches_quadrature(make_posterior(), history)


def _assert_matches_quadrature(post: PosteriorDraws, history) -> None:
    """Per draw, ECT's and an SSRI's remission equal the brute-force integral to 1e-4."""
    trials = [trial(i, k, o) for i, (k, o) in enumerate(history)]
    result = prognose(Case(), trials, [], post, candidates=KINDS)
    for s in range(post.n_draws):
        for kind in ("ssri", "ect"):
            expected = reference_p_remission(post, s, trials, kind)
            assert result.options[kind].p_remission[s] == pytest.approx(expected, abs=1e-4)


@pytest.mark.parametrize(
    "history",
    [
        [],
        [("ssri", "non_response"), ("snri", "non_response"), ("lithium_augmentation", "partial_response")],
        [("ssri", "non_response"), ("ect", "non_response")],
        [("ect", "response"), ("ssri", "non_response")] + [("snri", "non_response")] * 5,
    ],
)
def test_ect_loading_and_one_step_decline_match_independent_quadrature(history):
    """With ECT tracking u only in part (a loading below 1, per draw) and its own decline capped at one
    step, per-draw remission for ECT and for a drug still equals a brute-force integral to 1e-4, also
    when an ECT course is part of the history (it then says less about u than a drug trial)."""
    post = replace(make_posterior(n=4), ect_loading=np.array([0.3, 0.5, 0.7, 0.45]), ect_failures_effect=1)
    _assert_matches_quadrature(post, history)


def test_drug_failures_lower_ect_less_when_it_tracks_responsiveness_in_part():
    """The structure that keeps ECT open after drug failures: with a loading of 0.4 and a one-step
    decline, three failed drug trials lower ECT's odds of remission less than a drug's; with a loading
    of 1 and the drugs' cap they lower both alike (the same decline), so this test fails without it."""
    base = make_posterior(n=3)
    history = [trial(i, k, "non_response") for i, k in enumerate(("ssri", "snri", "lithium_augmentation"))]

    def log_odds_drop(post, kind):
        before = prognose(Case(), [], [], post, candidates=KINDS).options[kind].p_remission
        after = prognose(Case(), history, [], post, candidates=KINDS).options[kind].p_remission
        logit = lambda p: np.log(p / (1 - p))  # noqa: E731
        return float(np.mean(logit(before) - logit(after)))

    partial = replace(base, ect_loading=np.full(3, 0.4), ect_failures_effect=1)
    assert log_odds_drop(partial, "ect") < 0.6 * log_odds_drop(partial, "ssri")
    assert log_odds_drop(base, "ect") == pytest.approx(log_odds_drop(base, "ssri"), rel=0.15)


def test_more_failures_lower_remission():
    """Each further adequate non-response lowers the predicted remission of every option."""
    post = make_posterior()
    previous = None
    for n_fail in range(5):
        trials = [trial(i, "ssri", "non_response") for i in range(n_fail)]
        p = prognose(Case(), trials, [], post, candidates=KINDS).options["ect"].p_remission
        if previous is not None:
            assert np.all(p < previous)
        previous = p


def test_outcome_order_orders_the_update():
    """A past remission predicts more than a response, which predicts more than a non-response."""
    post = make_posterior()
    means = {
        outcome: prognose(Case(), [trial(0, "ssri", outcome), trial(1, "snri", "non_response")], [], post,
                          candidates=KINDS).options["ect"].p_remission.mean()
        for outcome in ("remission", "response", "partial_response")
    }
    assert means["remission"] > means["response"] > means["partial_response"]


def test_inadequate_and_unknown_trials_do_not_update_responsiveness():
    """Only adequate trials with a known outcome count as evidence about responsiveness."""
    post = make_posterior()
    base = prognose(Case(), [], [], post, candidates=KINDS).options["ssri"].p_remission
    ignored = [trial(0, "ssri", "non_response", adequate=False), trial(1, "snri", "unknown")]
    again = prognose(Case(), ignored, [], post, candidates=KINDS).options["ssri"].p_remission
    np.testing.assert_allclose(again, base)


def test_risk_factors_lower_remission():
    """A severe, psychotic, anxious, chronic presentation predicts less remission (negative betas)."""
    post = make_posterior()
    plain = prognose(Case(), [], [], post, candidates=KINDS).options["ect"].p_remission
    heavy = Case(Diagnosis(episode_months=72, psychotic_features=True, comorbid_anxiety=True, severity="severe"))
    assert np.all(prognose(heavy, [], [], post, candidates=KINDS).options["ect"].p_remission < plain)


def test_burden_history_raises_predicted_burden():
    """Significant burden in past trials raises p_burden; none recorded leaves the prior."""
    post = make_posterior()
    none = prognose(Case(), [], [], post, candidates=KINDS).options["ect"].p_burden
    burdened = [trial(i, "ssri", "non_response", burden=True) for i in range(3)]
    tolerant = [trial(i, "ssri", "non_response", burden=False) for i in range(3)]
    assert np.all(prognose(Case(), burdened, [], post, candidates=KINDS).options["ect"].p_burden > none)
    assert np.all(prognose(Case(), tolerant, [], post, candidates=KINDS).options["ect"].p_burden < none)


def test_response_at_least_remission_and_probabilities_valid():
    """p_response >= p_remission draw by draw, and all probabilities lie in [0, 1]."""
    post = make_posterior(n=50)
    result = prognose(Case(), [trial(0, "ssri", "response")], [], post, candidates=KINDS)
    for od in result.options.values():
        assert np.all(od.p_response >= od.p_remission)
        for arr in (od.p_remission, od.p_response, od.p_burden):
            assert np.all((arr >= 0) & (arr <= 1)) and arr.shape == (50,)


def test_contraindicated_excluded_caution_kept():
    """Only severity 'contraindicated' removes an option; it is listed with its reason."""
    post = make_posterior()
    contra = [Contra("lithium_augmentation", "eGFR < 30"), Contra("ect", "anaesthetic risk", "caution")]
    result = prognose(Case(), [], contra, post, candidates=KINDS)
    assert "lithium_augmentation" not in result.options
    assert result.contraindicated == {"lithium_augmentation": "eGFR < 30"}
    assert "ect" in result.options
    rows = {r["option"]: r for r in prognosis_records(prognosis_table(result))}
    assert rows["lithium_augmentation"]["contraindicated"] == "eGFR < 30"
    assert rows["ect"]["contraindicated"] is False
    assert rows["ect"]["p_remission"]["hdi_low"] <= rows["ect"]["p_remission"]["mean"] <= rows["ect"]["p_remission"]["hdi_high"]


def test_table_has_one_row_per_option():
    """The summary table lists every candidate and every excluded option once."""
    post = make_posterior()
    table = prognosis_table(prognose(Case(), [], [Contra("ect", "x")], post, candidates=KINDS))
    assert sorted(table["option"].unique()) == sorted(KINDS)
    assert len(table) == 3 * len(KINDS)  # remission, response, burden per option
    assert {"mean", "hdi_low", "hdi_high", "contraindication"} <= set(table.columns)
    assert table.loc[table["option"] == "ect", "contraindication"].eq("x").all()


def test_unknown_kind_in_history_uses_population_mean():
    """A trial of a kind outside the model (e.g. rTMS) still counts, through the population mean effect."""
    post = make_posterior()
    rtms = prognose(Case(), [trial(0, "rtms", "non_response")], [], post, candidates=KINDS)
    mean_kind = replace(post, alpha=post.alpha.copy())
    assert rtms.adequate_failures == 1
    none = prognose(Case(), [], [], mean_kind, candidates=KINDS)
    assert np.all(rtms.options["ssri"].p_remission < none.options["ssri"].p_remission)


def test_responsiveness_summary_moves_down_after_failures():
    """The patient's latent responsiveness posterior mean falls below zero after failures."""
    post = make_posterior()
    result = prognose(Case(), [trial(i, "ssri", "non_response") for i in range(4)], [], post, candidates=KINDS)
    assert result.responsiveness["mean"] < 0 < result.responsiveness["sd"]


def test_hdi_of_uniform_draws():
    """The 94% HDI of evenly spaced draws spans about 94% of their range and contains the mean."""
    low, high = hdi(np.linspace(0, 1, 10001))
    assert high - low == pytest.approx(0.94, abs=1e-3)


def test_candidates_are_model_kinds():
    """Every default candidate option is a kind the shipped model estimates."""
    from futility.model.fit import OPTION_KINDS

    assert set(CANDIDATE_OPTIONS) <= set(OPTION_KINDS)


def _rated(index: int, drug_class: str, outcome: str | None):
    return TrialAssessment(
        index=index, agent=drug_class, drug_class=drug_class, role="antidepressant", adequate=True, reasons=(),
        percent_reduction=None, outcome=outcome or "unknown", burden_score=None, significant_burden=None, augments=None,
    )


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["ssri", "snri", "lithium_augmentation"]), st.sampled_from(["non_response", "partial_response", "response"])), max_size=4),
       st.sampled_from(["ssri", "snri", "lithium_augmentation", "ect"]))
def test_one_more_failure_never_raises_any_option(history, extra):
    """Adding one more failed adequate trial never raises any option's predicted remission (same draws)."""
    post = make_posterior(n=3, seed=4)
    post = dataclasses.replace(post, rho=np.full(3, 0.2))
    before = [_rated(i, k, o) for i, (k, o) in enumerate(history)]
    after = [*before, _rated(len(before), extra, "non_response")]
    a = prognose(Case(), before, [], post)
    b = prognose(Case(), after, [], post)
    for name in a.options:
        assert np.all(b.options[name].p_remission <= a.options[name].p_remission + 1e-9), name


def test_same_class_failure_lowers_that_class_more():
    """A failed SSRI lowers a second SSRI's chance more than an SNRI's (same-class resistance, rho > 0)."""
    post = dataclasses.replace(make_posterior(n=3, seed=5), rho=np.full(3, 0.4))
    none = prognose(Case(), [], [], post)
    after = prognose(Case(), [_rated(0, "ssri", "non_response")], [], post)
    drop = {k: none.options[k].p_remission.mean() / after.options[k].p_remission.mean() for k in ("ssri", "snri")}
    assert drop["ssri"] > drop["snri"]


def test_unscored_adequate_trial_followed_by_another_counts_as_a_failure():
    """An adequate trial without a final score, followed by another, is a failure of unknown degree, not no trial."""
    post = make_posterior(n=3, seed=6)
    none = prognose(Case(), [], [], post)
    two = prognose(Case(), [_rated(0, "ssri", None), _rated(1, "snri", None)], [], post)
    assert two.adequate_failures == 1  # the latest one may still be open
    for name in none.options:
        assert np.all(two.options[name].p_remission < none.options[name].p_remission)


def test_new_setting_spread_widens_the_interval():
    """The between-trial effect drawn for a new setting makes the predictive interval wider than without it."""
    post = make_posterior(n=400, seed=7)
    spread = dataclasses.replace(post, trial_new=np.random.default_rng(1).normal(0, 0.7, 400))
    narrow = prognose(Case(), [], [], post).options["ect"].p_remission
    wide = prognose(Case(), [], [], spread).options["ect"].p_remission
    assert np.std(wide) > 2 * np.std(narrow)


def test_a_failed_ect_course_lowers_the_next_course_more_than_a_failed_drug():
    """ECT's own responsiveness e: after a failed ECT course, a second course's odds fall more than
    after a failed drug trial (the failed course informs e, which only ECT carries). With one trait and
    a loading of 0.4 a failed course would say less about ECT than a failed drug does, so this test
    fails without e. Same number of failures and no same-class term, so the declines are equal."""
    post = replace(make_posterior(n=3), ect_loading=np.full(3, 0.4), ect_failures_effect=1)
    logit = lambda p: np.log(p / (1 - p))  # noqa: E731

    def ect_log_odds(history):
        trials = [trial(i, k, o) for i, (k, o) in enumerate(history)]
        return logit(prognose(Case(), trials, [], post, candidates=KINDS).options["ect"].p_remission)

    after_ect = ect_log_odds([("ssri", "non_response"), ("ect", "non_response")])
    after_drug = ect_log_odds([("ssri", "non_response"), ("snri", "non_response")])
    assert np.all(after_drug - after_ect > 0.3)


@pytest.mark.parametrize("scale", [1.0, 400.0])  # 400: the product of odds overflows, the sum of terms is taken
def test_ect_course_likelihood_matches_the_direct_log_logistic_sum(scale):
    """The factorised likelihood of ECT courses on the (u, e) grid equals -sum log(1 + exp(-sign value))."""
    from futility.prognosis.predict import _Evidence, _own_log_lik

    rng = np.random.default_rng(3)
    cuts = rng.normal(0, 1, (2, 5)) * scale
    own = _Evidence(cuts, np.array([True, False]), None)
    u_part, e_part = rng.normal(0, 1, (7, 5)) * scale, rng.normal(0, 1, (10, 5))
    signs = np.array([1.0, -1.0])[:, None, None, None]
    value = cuts[:, None, None, :] + u_part[None, :, None, :] + e_part[None, None, :, :]
    expected = -np.logaddexp(0.0, -signs * value).sum(axis=0)
    np.testing.assert_allclose(_own_log_lik(own, u_part, e_part), expected, rtol=1e-9, atol=1e-9)
