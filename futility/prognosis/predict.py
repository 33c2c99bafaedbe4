"""Per-patient prognosis from stored population draws: numpy only, no MCMC, no PyMC.

For each stored draw s of the population parameters, the patient's own latent responsiveness u has
prior Normal(0, sigma_u[s]). Each *adequate* trial is evidence about u through the ordinal model
(docs/model.md), with kind k, f adequate failures before it, and the patient's factors centred on the
reference cohort (STAR*D level 1; ECT on the ECT population's mix)::

    eta_t = alpha[k] + (x - x_ref) . beta_k - lam[group(k)] * min(f, cap_k) - rho * [k failed before] + b + w_k u

``w_k`` is 1 for every kind but ECT (``ect_loading``: ECT's chance tracks the responsiveness shown on
drug trials only in part) and ``cap_k`` is 4 for every kind but ECT (one step: medication resistance
or not). ECT's log odds also carry its own responsiveness ``s e`` (``e ~ Normal(0, 1)``,
``s = sigma_u sqrt(1 - w^2)``), shared by the patient's ECT courses: with no ECT in the history ``e``
integrates out of ECT's prediction on its own nodes; after an ECT course the posterior is over
``(u, e)`` on a product grid, so a failed course lowers the next course's chance through both.
    P(remission) = logistic(eta_t);  P(response, no remission) = logistic(eta_t + kappa) - logistic(eta_t)
    P(no response) = 1 - logistic(eta_t + kappa)          (partial and non-response alike)

``b`` is a new trial's (setting's) effect drawn from the between-trial distribution, so every
prediction carries the spread between trials. An adequate trial without a final score that was
followed by another trial counts as a failure of unknown degree: it says only that remission did not
happen (P = 1 - logistic(eta_t)), and it counts among the failures. The posterior of u is computed
per draw by numerical integration on a per-draw grid: Newton steps locate its mode and curvature (the
likelihood is log-concave), then adaptive Gauss-Hermite nodes centred there carry the exact posterior
weights; the predictive probability for each candidate next option integrates the option's
remission and response probabilities over those nodes. Side-effect burden works the same way with
the tolerability v, updated by every trial whose FIBSER burden was recorded (adequate or not). The
result keeps one value per draw, so every summary carries a 94% highest-density interval.

Speed (a few ms for every option and 4000 draws): the likelihood is handled as one product of binary
logistic factors, and odds exp(-eta) split into a per-draw part at the grid's centre and a per-node
part, so exponentials are taken over (options, draws) and (nodes, draws), never over all three.
"""
from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from typing import Iterable

import numpy as np

from futility.clinical.screening import by_severity
from futility.model.cohorts import ECT_REPLACES, ECT_TRAIT_NODES, ect_factors, ect_own_spread
from futility.model.evidence import offered_kinds
from futility.prognosis.draws import OptionDraws
from futility.prognosis.intervals import HDI_PROB, hdi, summarise
from futility.prognosis.posterior import PosteriorDraws

__all__ = [
    "CANDIDATE_OPTIONS", "HDI_PROB", "REMISSION_DEFINITION", "Prognosis", "StepDraws", "hdi", "option_kind", "plan_step_draws", "plans_step_draws",
    "prognose", "summarise",
]


#: Option kinds offered as candidate next options: those with a fitted remission row of their own
#: (comparator arms such as placebo augmentation and sham stimulation are never offered).
CANDIDATE_OPTIONS: tuple[str, ...] = offered_kinds()

#: What every remission probability means (docs/model.md, "Which remission").
REMISSION_DEFINITION = {
    "outcome": "remission",
    "definition": "strict remission: HRSD17 <= 7, QIDS-SR16 <= 5, MADRS <= 10 or PHQ-9 < 5",
    "time_frame": "at the end of an adequate course of the option (about 8-12 weeks; IV ketamine: day 7)",
    "setting": "routine care, a new setting drawn from the spread between published trials",
    "response": "response or better: a reduction of 50% or more in the rating-scale score",
    "burden": "significant side-effect burden: FIBSER burden item 3 or more (moderate impairment or worse) during the course",
}

#: Said beside an option whose figure rests on no evidence of its own (docs/model.md, known limits).
REPEAT_ECT_NOTE = (
    "a repeat course after an adequate ECT course that did not bring remission: no study we hold reports how "
    "often a second course works, and this figure may be too high (docs/model.md, known limits)"
)

#: Gauss-Hermite nodes for the per-draw integrals (adaptive: centred on each draw's posterior).
_GH_Z, _GH_W = np.polynomial.hermite_e.hermegauss(7)
#: Nodes and normalised weights over ECT's own responsiveness e ~ Normal(0, 1) (not adaptive: one or
#: two ECT courses move it little against its prior).
_E_Z, _E_W = np.polynomial.hermite_e.hermegauss(ECT_TRAIT_NODES)
_E_W = _E_W / _E_W.sum()
#: log w_n + z_n^2 / 2: the node part of the log weight of adaptive quadrature, as a (N, 1) column.
_GH_LOG_W = (np.log(_GH_W) + 0.5 * _GH_Z**2)[:, None]
_NEWTON_STEPS = 25
_OUTCOME_CODE = {"remission": 2, "response": 1, "partial_response": 0, "non_response": 0}
#: Code of an adequate trial with no final score that was followed by another trial: not a remission,
#: degree unknown (the response cut is integrated out).
_NOT_REMITTED = -1


@dataclass(frozen=True)
class Prognosis:
    """Predictive draws for every candidate next option, and the options excluded with their reason."""

    options: dict[str, OptionDraws]
    contraindicated: dict[str, str]
    burden_known: dict[str, bool] = field(default_factory=dict)  # option -> has burden evidence of its own
    responsiveness: dict[str, float] = field(default_factory=dict)  # posterior of u: mean, sd
    tolerability: dict[str, float] = field(default_factory=dict)  # posterior of v: mean, sd
    adequate_failures: int = 0
    hdi_prob: float = HDI_PROB
    evidence_notes: dict[str, str] = field(default_factory=dict)  # option -> what its figure cannot rest on


def _factor_values(case, posterior: PosteriorDraws) -> np.ndarray:
    """The factor values x of this patient in the posterior's factor order (missing diagnosis fields count as absent)."""
    diagnosis = getattr(case, "diagnosis", None)
    age = getattr(case, "age", None)
    values = {
        "severe": float(getattr(diagnosis, "severity", None) == "severe"),
        "psychotic_features": float(bool(getattr(diagnosis, "psychotic_features", False))),
        "comorbid_anxiety": float(bool(getattr(diagnosis, "comorbid_anxiety", False))),
        "episode_months": min(float(getattr(diagnosis, "episode_months", 0.0) or 0.0), posterior.episode_months_cap),
        "age_decades": float(age) / 10.0 if age is not None else np.nan,
    }
    x = np.array([values.get(name, 0.0) for name in posterior.factors])
    return np.where(np.isnan(x), posterior.reference_mix, x)


def _linear_parts(case, posterior: PosteriorDraws) -> tuple[np.ndarray, np.ndarray]:
    """Covariate part of the log odds per draw: (general, ECT), each (S,), centred on the reference mixes."""
    x = _factor_values(case, posterior)
    dx = x - posterior.reference_mix
    general = posterior.beta @ dx
    replaced = [posterior.factors.index(f) for f in ECT_REPLACES]
    dx_ect = ect_factors(x) - posterior.ect_reference_mix
    ect = general - posterior.beta[:, replaced] @ dx[replaced] + posterior.beta_ect @ dx_ect
    return general, ect


def _kind_column(posterior: PosteriorDraws, kind: str | None, which: str) -> np.ndarray:
    """alpha/delta draws of a kind; a kind outside the model takes the population mean (mu)."""
    idx = posterior.option_index(kind) if kind is not None else None
    if which == "alpha":
        return posterior.alpha[:, idx] if idx is not None else posterior.mu_alpha
    return posterior.delta[:, idx] if idx is not None else posterior.mu_delta


def option_kind(ta) -> str | None:
    """The model's option kind for a rated trial: the agent's class, or its add-on kind when it augments.

    Bupropion added to an antidepressant is bupropion augmentation (STAR*D level 2, VAST-D), mirtazapine
    added is the mirtazapine combination (STAR*D level 4), psychotherapy added is psychotherapy
    augmentation (STAR*D level 2 cognitive therapy); lithium, T3 and antipsychotics are add-on classes
    already.
    """
    kind: str | None = getattr(ta, "drug_class", None)
    if kind is not None and getattr(ta, "augments", None) is not None:
        kind = {"ndri": "bupropion_augmentation", "nassa": "mirtazapine_combination",
                "psychotherapy": "psychotherapy_augmentation"}.get(kind, kind)
    return kind


def _expit(x: np.ndarray) -> np.ndarray:
    """Logistic function in numpy (importing scipy.special would cost the CLI a second or more)."""
    out = np.negative(x, dtype=x.dtype if x.dtype == np.float32 else float)
    with np.errstate(over="ignore"):
        np.exp(out, out=out)
    out += 1.0
    np.reciprocal(out, out=out)
    return out


#: One piece of evidence about a latent variable L, per draw: ``(a, code, gap)`` or ``(a, code, gap, w)``
#: with P(y = 2) = logistic(a + w L), P(y >= 1) = logistic(a + gap + w L); code 2, 1 or 0 as observed;
#: the loading w is 1 unless given (ECT: ``ect_loading``, per draw).
Term = tuple


@dataclass(frozen=True)
class _Evidence:
    """Evidence about a latent L as binary logistic factors: row c says the outcome lay ``above[c]``
    (or below) a cut, with P(above) = logistic(cuts[c] + L); cuts is (C, S), one value per draw.

    An ordinal term gives one or two rows: remission is above ``a``; no response is below ``a + gap``;
    response is below ``a`` and above ``a + gap``, because
    logistic(a + gap + L) - logistic(a + L) = logistic(a + gap + L) (1 - logistic(a + L)) (1 - exp(-gap))
    and the last factor does not depend on L (it cancels when the quadrature weights are normalised).
    The likelihood is then one product of logistic factors, which the Newton steps and the
    quadrature evaluate with one array operation per step instead of one per trial.
    """

    cuts: np.ndarray
    above: np.ndarray
    #: (C, S) loading of L in each factor, or None when every loading is 1 (the fast path).
    loading: np.ndarray | None = None

    @classmethod
    def from_terms(cls, terms: list[Term]) -> "_Evidence":
        """The rows of a non-empty list of ordinal terms, in order."""
        cuts, above, loads = [], [], []
        for term in terms:
            a, code, gap = term[:3]
            load = term[3] if len(term) > 3 else 1.0
            if code == _NOT_REMITTED:  # a failure of unknown degree: below the remission cut only
                cuts.append(a)
                above.append(False)
                loads.append(load)
                continue
            if code >= 1:  # remission or response: above the remission cut, or below it
                cuts.append(a)
                above.append(code == 2)
                loads.append(load)
            if code <= 1:  # response or no response: above the response cut, or below it
                cuts.append(a + gap)
                above.append(code == 1)
                loads.append(load)
        cut_arr = np.array(cuts, dtype=float).reshape(len(cuts), -1)
        loading = None
        if any(not (np.isscalar(w) and w == 1.0) for w in loads):
            loading = np.stack([np.broadcast_to(np.asarray(w, dtype=float), cut_arr.shape[1:]) for w in loads])
        return cls(cut_arr, np.array(above, dtype=bool), loading)

    def odds_against(self, latent: np.ndarray) -> np.ndarray:
        """exp(-s_c (cuts_c + w_c latent)) for a per-draw latent (S,), s_c = +1 above, -1 below: (C, S).

        Each factor's likelihood is 1 / (1 + this), so its log is -log1p(this).
        """
        signed = self.cuts + (latent if self.loading is None else self.loading * latent)
        np.negative(signed, out=signed, where=self.above[:, None])
        with np.errstate(over="ignore"):
            return np.exp(signed, out=signed)


@dataclass(frozen=True)
class _Grid:
    """Per-draw quadrature grid for a latent L: nodes ``centre + spread * z_n`` with ``weights`` (N, S).

    ``node_odds`` = exp(-spread z_n), (N, S): the factor by which each node moves odds exp(-(a + L))
    away from their value at the centre, so that odds at the nodes cost a multiply, not an exponential.
    """

    centre: np.ndarray  # (S,)
    spread: np.ndarray  # (S,)
    weights: np.ndarray  # (N, S), summing to one per draw
    node_odds: np.ndarray  # (N, S)


def _node_odds(spread: np.ndarray) -> np.ndarray:
    """exp(-spread z_n) per node and draw, (N, S)."""
    return np.exp(-spread * _GH_Z[:, None])


def _laplace(evidence: _Evidence, scale: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mode and curvature sd of each draw's posterior of L ~ Normal(0, scale) given ``evidence``.

    Newton's method from L = 0 (the log-likelihood is a sum of log-logistic terms, hence concave).
    With p_c = logistic(cuts_c + L), the gradient is n_above - sum_c p_c - L / scale^2 and the
    curvature sum_c p_c (1 - p_c) + 1 / scale^2. exp(-(cut + L)) = exp(-cut) exp(-L): the
    exponentials of the cuts are taken once, so a step costs one exponential per draw.
    """
    with np.errstate(over="ignore"):
        exp_neg_cuts = np.exp(-evidence.cuts)
    load = evidence.loading
    n_above = float(evidence.above.sum()) if load is None else (load * evidence.above[:, None]).sum(axis=0)
    prec0 = 1.0 / scale**2
    mode = np.zeros_like(scale)
    p = np.empty_like(exp_neg_cuts)
    for _ in range(_NEWTON_STEPS):
        with np.errstate(over="ignore"):
            np.multiply(exp_neg_cuts, np.exp(-mode if load is None else -load * mode), out=p)
        p += 1.0
        np.reciprocal(p, out=p)
        if load is None:
            sum_p = p.sum(axis=0)
            curvature = prec0 + sum_p - np.einsum("cs,cs->s", p, p)
        else:  # factor c contributes w_c (above_c - p_c) to the gradient and w_c^2 p_c (1 - p_c) to the curvature
            sum_p = np.einsum("cs,cs->s", load, p)
            curvature = prec0 + np.einsum("cs,cs,cs->s", load * load, p, 1.0 - p)
        step = np.clip((n_above - sum_p - mode * prec0) / curvature, -2.0 * scale, 2.0 * scale)
        mode += step
        if np.max(np.abs(step) / scale) < 1e-9:
            break
    return mode, 1.0 / np.sqrt(curvature)


def _log_lik(evidence: _Evidence, centre: np.ndarray, spread: np.ndarray, node_odds: np.ndarray) -> np.ndarray:
    """Log-likelihood of ``evidence`` at the nodes centre + spread z_n, (N, S), up to a per-draw constant.

    The odds against each factor split as exp(-s (cut + centre)) exp(-s spread z_n), so only (C, S) and
    (N, S) exponentials are needed and the sum over factors of -log1p(odds) is the log of one product.
    The product could overflow only for absurd histories; then the terms are summed one by one.
    """
    at_centre = evidence.odds_against(centre)
    inverse_odds = 1.0 / node_odds  # for factors below a cut, whose odds move the other way
    product = np.ones_like(node_odds)
    with np.errstate(over="ignore"):
        for c, (odds, above) in enumerate(zip(at_centre, evidence.above)):
            if evidence.loading is None:
                moved = node_odds if above else inverse_odds
            else:  # exp(-w spread z) = node_odds ** w
                moved = (node_odds if above else inverse_odds) ** evidence.loading[c]
            product *= 1.0 + odds * moved
    if np.all(np.isfinite(product)):
        return -np.log(product)
    nodes = centre + spread * _GH_Z[:, None]
    signs = np.where(evidence.above, 1.0, -1.0)[:, None, None]
    load = 1.0 if evidence.loading is None else evidence.loading[:, None, :]
    return -np.logaddexp(0.0, -signs * (evidence.cuts[:, None, :] + load * nodes)).sum(axis=0)


def _adaptive_grid(evidence: _Evidence | None, scale: np.ndarray) -> tuple[_Grid, dict[str, float]]:
    """Per-draw quadrature grid for the posterior of a latent variable L ~ Normal(0, scale).

    Gauss-Hermite nodes are centred on each draw's posterior mode and scaled by its curvature
    (Laplace), then weighted by the exact posterior relative to that normal: adaptive Gauss-Hermite
    quadrature, as lme4 (nAGQ) uses for the same integrals. Returns the grid and the pooled
    posterior mean and sd of L.
    """
    if evidence is None:
        weights = np.broadcast_to((_GH_W / _GH_W.sum())[:, None], (_GH_Z.size, scale.size))
        grid = _Grid(np.zeros_like(scale), scale, weights, _node_odds(scale))
        return grid, {"mean": 0.0, "sd": float(np.sqrt(np.mean(scale**2)))}
    mode, sd = _laplace(evidence, scale)
    node_odds = _node_odds(sd)
    nodes = mode + sd * _GH_Z[:, None]
    # log weight: log w_n + log prior - log q, where q is the Laplace normal (its log sd is per draw: dropped)
    log_w = _GH_LOG_W - 0.5 * (nodes / scale) ** 2 + _log_lik(evidence, mode, sd, node_odds)
    log_w -= log_w.max(axis=0)
    weights = np.exp(log_w, out=log_w)
    weights /= weights.sum(axis=0)
    mean = np.einsum("ns,ns->s", weights, nodes)
    second = np.einsum("ns,ns,ns->s", weights, nodes, nodes)
    pooled_mean = float(mean.mean())
    summary = {"mean": pooled_mean, "sd": float(np.sqrt(max(second.mean() - pooled_mean**2, 0.0)))}
    return _Grid(mode, sd, weights, node_odds), summary


def _own_trait_grid(
    evidence: _Evidence | None, own: _Evidence | None, scale: np.ndarray, loading: np.ndarray, spread: np.ndarray
) -> tuple[_Grid, _Grid, dict[str, float]]:
    """Posterior of (u, e) given drug trials (``evidence`` minus ECT) and ECT courses (``own``), on a product grid.

    Drug factors are logistic(cut + u); ECT factors logistic(cut + w u + s e), ``loading`` w and
    ``spread`` s per draw (S,). The u nodes are adaptive (centred by Newton on every factor, ECT's read
    with loading w); the e nodes are the prior's. Each (u_n, e_m) node then carries the exact posterior
    weight. Returns the grid over u (weights summed over e: for every drug), the grid over w u + s e
    (for ECT) and the pooled posterior mean and sd of u.
    """
    both = _Evidence(
        np.concatenate([x.cuts for x in (evidence, own) if x is not None]),
        np.concatenate([x.above for x in (evidence, own) if x is not None]),
        np.concatenate([(x.loading if x.loading is not None else np.ones_like(x.cuts)) for x in (evidence, own) if x is not None]),
    )
    mode, sd = _laplace(both, scale)
    node_odds = _node_odds(sd)
    nodes = mode + sd * _GH_Z[:, None]  # (N, S)
    log_w = _GH_LOG_W - 0.5 * (nodes / scale) ** 2  # (N, S)
    if evidence is not None:
        log_w = log_w + _log_lik(evidence, mode, sd, node_odds)
    joint = log_w[:, None, :] + np.log(_E_W)[None, :, None]  # (N, M, S)
    if own is not None:
        joint = joint + _own_log_lik(own, loading * nodes, spread * _E_Z[:, None])
    joint -= joint.max(axis=(0, 1))
    weights = np.exp(joint)
    weights /= weights.sum(axis=(0, 1))
    u_weights = weights.sum(axis=1)  # (N, S)
    mean = np.einsum("ns,ns->s", u_weights, nodes)
    second = np.einsum("ns,ns,ns->s", u_weights, nodes, nodes)
    pooled_mean = float(mean.mean())
    summary = {"mean": pooled_mean, "sd": float(np.sqrt(max(second.mean() - pooled_mean**2, 0.0)))}
    return _Grid(mode, sd, u_weights, node_odds), _ect_grid(mode, sd, weights, loading, spread), summary


def _own_log_lik(own: _Evidence, u_part: np.ndarray, e_part: np.ndarray) -> np.ndarray:
    """Log-likelihood of the ECT courses ``own`` at the nodes (u_n, e_m), (N, M, S).

    ``u_part`` is w u_n (N, S), ``e_part`` s e_m (M, S). A course's odds against its factor split as
    exp(-sign (cut + w u_n)) exp(-sign s e_m): two small exponentials, one product over courses and one
    log of the (N, M, S) block. Should the product overflow (absurd histories only), the terms are
    summed one by one.
    """
    product = np.ones((u_part.shape[0], e_part.shape[0], u_part.shape[1]))
    with np.errstate(over="ignore"):
        for cut, above in zip(own.cuts, own.above):
            sign = 1.0 if above else -1.0
            product *= 1.0 + np.exp(-sign * (cut + u_part))[:, None, :] * np.exp(-sign * e_part)[None, :, :]
    if np.all(np.isfinite(product)):
        return -np.log(product)
    signs = np.where(own.above, 1.0, -1.0)[:, None, None, None]
    value = own.cuts[:, None, None, :] + u_part[None, :, None, :] + e_part[None, None, :, :]
    return -np.logaddexp(0.0, -signs * value).sum(axis=0)


def _ect_grid(centre: np.ndarray, sd: np.ndarray, weights: np.ndarray, loading: np.ndarray, spread: np.ndarray) -> _Grid:
    """The grid of ECT's latent part w u + s e, from u nodes ``centre + sd z_n`` and joint weights (N, M, S)."""
    node_odds = _node_odds(loading * sd)[:, None, :] * np.exp(-spread * _E_Z[:, None])[None, :, :]  # (N, M, S)
    n = _GH_Z.size * _E_Z.size
    return _Grid(loading * centre, loading * sd, weights.reshape(n, -1), node_odds.reshape(n, -1))


def _mean_logistic(odds: np.ndarray, node_odds: np.ndarray, weights: np.ndarray, out: np.ndarray) -> np.ndarray:
    """sum_n weights[n] / (1 + odds[k] node_odds[n]) per option and draw, (K, S), using ``out`` (K, N, S).

    With exp(-eta) split as odds (at the grid's centre) times node_odds, this is E[logistic(eta)]:
    one multiply, add and divide over the (K, N, S) block, in place.
    """
    np.multiply(odds[:, None, :], node_odds[None, :, :], out=out)
    out += 1.0
    np.divide(weights, out, out=out)
    return out.sum(axis=1)


#: exp(-alpha) and exp(-delta) per kind, (K, S) float32, derived once per posterior object.
_KIND_ODDS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _kind_odds(posterior: PosteriorDraws, which: str) -> np.ndarray:
    """exp(-alpha) (``which="alpha"``) or exp(-delta) per kind and draw, (K, S) float32, cached per posterior."""
    cached = _KIND_ODDS.setdefault(posterior, {})
    if which not in cached:
        with np.errstate(over="ignore"):
            cached[which] = np.exp(-getattr(posterior, which).T).astype(np.float32)
    return cached[which]


def _predict(kind_odds: np.ndarray, shift: np.ndarray | float, grid: _Grid, gap: np.ndarray | None = None):
    """E[logistic(a_k + shift + L)] per option and draw, (K, S) float64, from kind_odds = exp(-a_k) (K, S).

    exp(-(a + shift + centre + spread z_n)) = exp(-a) exp(-(shift + centre)) exp(-spread z_n), so the
    (K, N, S) step needs no exponentials, only a multiply and a division. With ``gap`` (S,), also
    E[logistic(a_k + shift + gap + L)] (the odds shrink by exp(-gap)). Computed in float32 (error
    < 1e-6, far below Monte Carlo error).
    """
    with np.errstate(over="ignore"):
        odds = kind_odds * np.exp(-(shift + grid.centre)).astype(np.float32)
    node_odds = grid.node_odds.astype(np.float32)
    weights = grid.weights.astype(np.float32)
    work = np.empty((odds.shape[0],) + node_odds.shape, dtype=np.float32)
    p = _mean_logistic(odds, node_odds, weights, work).astype(float)
    if gap is None:
        return p
    odds *= np.exp(-gap).astype(np.float32)
    return p, _mean_logistic(odds, node_odds, weights, work).astype(float)


def prognose(
    case,
    trial_assessments: Iterable,
    contraindications: Iterable,
    posterior: PosteriorDraws,
    candidates: Iterable[str] | None = None,
) -> Prognosis:
    """Predictive remission, response and burden draws for each candidate next option.

    ``trial_assessments`` are the rules' TrialAssessments (adequate trials update responsiveness; an
    adequate trial without a final score counts as a failure of unknown degree when another trial
    followed it); ``contraindications`` are objects with ``option``, ``reason`` and ``severity``: only
    ``severity == "contraindicated"`` excludes an option. ``candidates`` defaults to the posterior's
    offered kinds.
    """
    trials = sorted(trial_assessments, key=lambda t: t.index)
    hist = _history(case, trials, posterior)
    general, ect, b, failures, failed = hist.general, hist.ect, hist.b, hist.failures, hist.failed
    u_grid, ect_grid, responsiveness = hist.u_grid, hist.ect_grid, hist.responsiveness

    # Tolerability: every trial with a recorded burden (adequate or not); binary, so no gap.
    v_terms: list[Term] = [
        (_kind_column(posterior, option_kind(ta), "delta"), 2 if ta.significant_burden else 0, 0.0)
        for ta in trials
        if getattr(ta, "significant_burden", None) is not None
    ]
    v_grid, tolerability = _adaptive_grid(_Evidence.from_terms(v_terms) if v_terms else None, posterior.sigma_v)

    excluded = {o: reasons[0] for o, reasons in by_severity(contraindications, "contraindicated").items()}
    pool = posterior.offered_kinds if candidates is None else tuple(candidates)
    indexed = [(c, posterior.option_index(c)) for c in pool if c not in excluded]
    names = [c for c, i in indexed if i is not None]
    idx = [i for _, i in indexed if i is not None]  # the names' columns in alpha/delta

    options: dict[str, OptionDraws] = {}
    if names:
        # Per-option shifts that are not shared by every option: ECT's own factors, the decline of the
        # option's group (ECT: one step) and same-class resistance, folded into the per-kind odds.
        extra = np.stack(
            [
                (ect - general) * (c == "ect")
                - posterior.lam_of(c) * min(failures, posterior.failures_cap_of(c))
                - posterior.rho * float(c in failed)
                for c in names
            ]
        )  # (K', S)
        with np.errstate(over="ignore"):
            kind_odds = _kind_odds(posterior, "alpha")[idx] * np.exp(-extra).astype(np.float32)
        # Each option on the grid of its own latent part: a drug on u, ECT on w u + s e.
        groups = [(list(range(len(names))), u_grid)]
        if "ect" in names and ect_grid is not None:
            j = names.index("ect")
            groups = [([i for i in range(len(names)) if i != j], u_grid), ([j], ect_grid)]
        p_rem = np.empty((len(names), posterior.n_draws))
        p_resp = np.empty_like(p_rem)
        for rows, grid in groups:
            if rows:
                p_rem[rows], p_resp[rows] = _predict(kind_odds[rows], general + b, grid, gap=posterior.kappa)
        p_bur = _predict(_kind_odds(posterior, "delta")[idx], _burden_setting(posterior), v_grid)
        np.maximum(p_resp, p_rem, out=p_resp)
        for j, name in enumerate(names):
            options[name] = OptionDraws(name, p_rem[j], p_resp[j], p_bur[j])
    known = set(posterior.burden_evidence_kinds)
    return Prognosis(
        options=options,
        contraindicated=excluded,
        burden_known={name: name in known for name in [*names, *excluded]},
        responsiveness=responsiveness,
        tolerability=tolerability,
        adequate_failures=failures,
        evidence_notes={"ect": REPEAT_ECT_NOTE} if "ect" in failed and "ect" in options else {},
    )



@dataclass(frozen=True)
class _History:
    """The patient's history as the model reads it: covariate parts, setting, failures, and the posterior
    grids of responsiveness (u for drugs; w u + s e for ECT, None without an ECT loading).
    """

    general: np.ndarray
    ect: np.ndarray
    b: np.ndarray
    failures: int
    failed: frozenset
    u_grid: _Grid
    ect_grid: _Grid | None
    responsiveness: dict[str, float]


def _history(case, trials: list, posterior: PosteriorDraws) -> _History:
    """Evidence of the rated trials (oldest first) about responsiveness, integrated per draw (see the module docstring)."""
    general, ect = _linear_parts(case, posterior)
    b = posterior.trial_new  # (S,): this patient's setting, drawn from the between-trial spread

    def linear(kind: str | None) -> np.ndarray:
        return ect if kind == "ect" else general

    # Responsiveness: each adequate trial, with the failures (and failed kinds) before it.
    u_terms: list[Term] = []
    ect_terms: list[Term] = []  # ECT courses, which also inform ECT's own responsiveness e
    # ECT's loading w and the spread s of its own responsiveness; None when the posterior has no loading.
    ect_trait = None if posterior.ect_loading is None else (posterior.ect_loading, ect_own_spread(posterior.sigma_u, posterior.ect_loading))
    failures = 0
    failed: set[str | None] = set()  # a trial's kind is None outside the model
    for pos, ta in enumerate(trials):
        if not ta.adequate:
            continue
        code = _OUTCOME_CODE.get(ta.outcome)
        if code is None:
            if pos == len(trials) - 1:
                continue  # the latest trial without a score: its outcome may still be open
            code = _NOT_REMITTED
        kind = option_kind(ta)
        a = (
            _kind_column(posterior, kind, "alpha")
            + linear(kind)
            - posterior.lam_of(kind) * min(failures, posterior.failures_cap_of(kind))
            - posterior.rho * float(kind in failed)
            + b
        )
        (ect_terms if kind == "ect" and ect_trait is not None else u_terms).append(
            (a, code, posterior.kappa, posterior.loading_of(kind))
        )
        if code != 2:
            failures += 1
            failed.add(kind)
    drug_evidence = _Evidence.from_terms(u_terms) if u_terms else None
    ect_grid = None
    if ect_trait is not None and ect_terms:  # an ECT course in the history: the posterior of (u, e)
        loading, own_spread = ect_trait
        u_grid, ect_grid, responsiveness = _own_trait_grid(
            drug_evidence, _Evidence.from_terms(ect_terms), posterior.sigma_u, loading, own_spread
        )
    else:
        u_grid, responsiveness = _adaptive_grid(drug_evidence, posterior.sigma_u)
        if ect_trait is not None:  # e integrates out of ECT's prediction on its own nodes
            loading, own_spread = ect_trait
            joint = u_grid.weights[:, None, :] * _E_W[None, :, None]
            ect_grid = _ect_grid(u_grid.centre, u_grid.spread, joint, loading, own_spread)

    return _History(general, ect, b, failures, frozenset(failed), u_grid, ect_grid, responsiveness)



@dataclass(frozen=True)
class StepDraws:
    """One course of a plan: its chance of remission and of response or better, given that every earlier
    course of the plan did not bring remission, one value per posterior draw (S,).
    """

    option: str
    p_remission: np.ndarray
    p_response: np.ndarray


def plan_step_draws(case, trial_assessments: Iterable, posterior: PosteriorDraws, kinds: list[str]) -> list[StepDraws]:
    """Per-draw chances of each course of one plan (see :func:`plans_step_draws`)."""
    return plans_step_draws(case, trial_assessments, posterior, [kinds])[0]


def plans_step_draws(case, trial_assessments: Iterable, posterior: PosteriorDraws, plans: list[list[str]]) -> list[list[StepDraws]]:
    """Per-draw remission and response chances of each course of a plan, the courses given in order.

    Course j is reached only when courses 0..j-1 of the plan did not bring remission, and each of those
    counts as a failure of unknown degree (as an unscored adequate trial does in the history): it adds
    to the failures behind the decline ``lam``, marks its kind as failed (``rho``) and is evidence
    about the patient's responsiveness. That evidence is applied on the history's own quadrature grid
    (the joint grid over u and ECT's own e): the weight of node g for course j is the history's posterior
    weight times prod_{i<j} (1 - p_i(g)), so course j's chance is
    sum_g W_j(g) p_j(g) / sum_g W_j(g), the same integral the next-option prognosis computes
    (course 0 of a plan is exactly the next-option figure, to float32 rounding). Computed in float32
    (error < 1e-6). Kinds outside the posterior raise ValueError.
    """
    trials = sorted(trial_assessments, key=lambda t: t.index)
    hist = _history(case, trials, posterior)  # once for every plan
    return [_plan_steps(hist, posterior, kinds) for kinds in plans]


def _plan_steps(hist: _History, posterior: PosteriorDraws, kinds: list[str]) -> list[StepDraws]:
    u_grid, ect_grid = hist.u_grid, hist.ect_grid
    n_u, n_draws = u_grid.weights.shape
    # Joint weights over (u node n, e node m) per draw, (N, M, S) float32; M = 1 without ECT's own trait.
    if ect_grid is not None:
        weights = ect_grid.weights.reshape(n_u, -1, n_draws).astype(np.float32)
        ect_node_odds = ect_grid.node_odds.reshape(n_u, -1, n_draws).astype(np.float32)
    else:
        weights = np.asarray(u_grid.weights, dtype=np.float32)[:, None, :]
        ect_node_odds = None
    drug_node_odds = u_grid.node_odds.astype(np.float32)  # (N, S): a drug's chance depends on u only
    failures, failed = hist.failures, set(hist.failed)
    gap = np.exp(-np.asarray(posterior.kappa, dtype=float)).astype(np.float32)  # (S,): odds factor of the response cut
    steps: list[StepDraws] = []
    for kind in kinds:
        idx = posterior.option_index(kind)
        if idx is None:
            raise ValueError(f"plan step {kind!r}: not an option kind of the model")
        on_ect = kind == "ect" and ect_node_odds is not None
        assert ect_grid is not None or not on_ect
        centre = ect_grid.centre if on_ect else u_grid.centre  # type: ignore[union-attr]
        shift = (
            posterior.alpha[:, idx]
            + (hist.ect if kind == "ect" else hist.general)
            - posterior.lam_of(kind) * min(failures, posterior.failures_cap_of(kind))
            - posterior.rho * float(kind in failed)
            + hist.b
            + centre
        )
        with np.errstate(over="ignore"):
            odds = np.exp(-shift).astype(np.float32)  # (S,)
        if on_ect:  # ECT's chance varies over both u and e: work on the joint block
            p_node = 1.0 / (1.0 + odds * ect_node_odds)  # (N, M, S)
            q_node = 1.0 / (1.0 + (odds * gap) * ect_node_odds)
            p_rem = np.einsum("nms,nms->s", weights, p_node)
            p_resp = np.einsum("nms,nms->s", weights, q_node)
            weights = weights * (1.0 - p_node)
            weights /= weights.sum(axis=(0, 1))
        else:  # a drug's chance varies over u only: the u-marginal suffices, and the update is one pass
            marginal = weights.sum(axis=1)  # (N, S), summing to one per draw
            p_node = 1.0 / (1.0 + odds * drug_node_odds)
            q_node = 1.0 / (1.0 + (odds * gap) * drug_node_odds)
            p_rem = np.einsum("ns,ns->s", marginal, p_node)
            p_resp = np.einsum("ns,ns->s", marginal, q_node)
            weights *= ((1.0 - p_node) / (1.0 - p_rem))[:, None, :]  # renormalised: sum_n marginal (1 - p) = 1 - p_rem
        steps.append(StepDraws(kind, p_rem.astype(float), np.maximum(p_resp, p_rem).astype(float)))
        failures += 1  # this course did not bring remission
        failed.add(kind)
    return steps


def _burden_setting(posterior: PosteriorDraws) -> float:
    """Burden has no between-trial effect in this model version (too few burden trials; docs/model.md)."""
    return 0.0
