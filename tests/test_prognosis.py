"""Per-patient prognosis: exact integration against an independent quadrature, monotonicity, exclusions."""
from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import pytest
from scipy import integrate
from scipy.special import expit

from futility.clinical.adequacy import TrialAssessment
from futility.posterior import PosteriorDraws
from futility.prognosis import CANDIDATE_OPTIONS, cohort_rate, hdi, prognose

KINDS = ("ssri", "snri", "ect", "lithium_augmentation")
FACTORS = ("severe", "psychotic_features", "comorbid_anxiety", "episode_months")


def make_posterior(n: int = 3, seed: int = 1, sigma_u: float = 1.2, lam: float = 0.2, kappa: float = 0.7) -> PosteriorDraws:
    rng = np.random.default_rng(seed)
    return PosteriorDraws(
        alpha=rng.normal([-0.6, -0.7, 0.5, -0.4], 0.1, size=(n, 4)),
        delta=rng.normal([-2.0, -1.8, -1.5, -1.0], 0.1, size=(n, 4)),
        beta=np.tile([-1.0, -0.8, -0.5, -0.02], (n, 1)),
        mu_alpha=np.full(n, -0.5),
        mu_delta=np.full(n, -1.7),
        lam=np.full(n, lam),
        sigma_u=np.full(n, sigma_u) * rng.uniform(0.9, 1.1, n),
        kappa=np.full(n, kappa),
        sigma_v=np.full(n, 0.8),
        option_kinds=KINDS,
        factors=FACTORS,
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
    """Brute-force quadrature of the same model (scipy.integrate.quad), for one draw."""
    a = dict(zip(post.option_kinds, post.alpha[s]))
    lam, su, kap = post.lam[s], post.sigma_u[s], post.kappa[s]

    def likelihood(u: float) -> float:
        out, f = 1.0, 0
        for t in trials:
            eta = a[t.drug_class] + xb - lam * min(f, 3) + u
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
    dens = lambda u: likelihood(u) * math.exp(-0.5 * (u / su) ** 2)  # noqa: E731
    num = integrate.quad(lambda u: dens(u) * expit(a[kind] + xb - lam * min(f_next, 3) + u), -12 * su, 12 * su, limit=200)[0]
    den = integrate.quad(dens, -12 * su, 12 * su, limit=200)[0]
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
    post = make_posterior()
    trials = [trial(i, k, o) for i, (k, o) in enumerate(history)]
    result = prognose(Case(), trials, [], post, candidates=KINDS)
    for s in range(post.n_draws):
        for kind in ("ssri", "ect"):
            expected = reference_p_remission(post, s, trials, kind)
            assert result.options[kind].p_remission[s] == pytest.approx(expected, abs=1e-4)


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
    rows = {r["option"]: r for r in result.to_list()}
    assert rows["lithium_augmentation"]["contraindicated"] == "eGFR < 30"
    assert rows["ect"]["contraindicated"] is False
    assert rows["ect"]["p_remission"]["hdi_low"] <= rows["ect"]["p_remission"]["mean"] <= rows["ect"]["p_remission"]["hdi_high"]


def test_table_has_one_row_per_option():
    """The summary table lists every candidate and every excluded option once."""
    post = make_posterior()
    table = prognose(Case(), [], [Contra("ect", "x")], post, candidates=KINDS).table()
    assert sorted(table["option"]) == sorted(KINDS)
    assert {"p_remission_mean", "p_response_hdi_low", "p_burden_hdi_high", "contraindicated"} <= set(table.columns)


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


def test_cohort_rate_without_history_is_marginal_probability():
    """A cohort with no history gets E[logistic(alpha + u)], checked by quadrature."""
    post = make_posterior(n=2)
    rate = cohort_rate(post, {"ect": 1.0})
    for s in range(2):
        su, a = post.sigma_u[s], post.alpha[s, 2]
        expected = integrate.quad(lambda u: expit(a + u) * math.exp(-0.5 * (u / su) ** 2) / (su * math.sqrt(2 * math.pi)),
                                  -12 * su, 12 * su)[0]
        assert rate[s] == pytest.approx(expected, abs=1e-6)


def test_candidates_are_model_kinds():
    """Every default candidate option is a kind the shipped model estimates."""
    from futility.model import OPTION_KINDS

    assert set(CANDIDATE_OPTIONS) <= set(OPTION_KINDS)
