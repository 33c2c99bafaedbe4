"""Per-patient prognosis from stored population draws: numpy only, no MCMC, no PyMC.

For each stored draw s of the population parameters, the patient's own latent responsiveness u has
prior Normal(0, sigma_u[s]). Each *adequate* trial with a known outcome is evidence about u through the
ordinal model (docs/model.md)::

    eta_t = alpha[kind_t] + x . beta - lam * min(adequate failures before t, 3) + u
    P(remission) = logistic(eta_t);  P(response, no remission) = logistic(eta_t + kappa) - logistic(eta_t)
    P(no response) = 1 - logistic(eta_t + kappa)          (partial and non-response alike)

The posterior of u is computed per draw by numerical integration: a fixed grid of z = u / sigma_u
locates it, then adaptive Gauss-Hermite nodes centred on it carry the exact posterior weights; the
predictive probability for each candidate next option integrates the option's remission and response
probabilities over those nodes, with f = the patient's adequate failures so far. Side-effect
burden works the same way with the tolerability v, updated by every trial whose FIBSER burden was
recorded (adequate or not: stopping early for side effects is burden evidence). The result keeps one
value per draw, so every summary carries a 94% highest-density interval.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

import numpy as np

from futility.draws import OptionDraws
from futility.posterior import PosteriorDraws

__all__ = ["CANDIDATE_OPTIONS", "HDI_PROB", "Prognosis", "cohort_rate", "hdi", "prognose", "summarise"]

#: Credible-interval mass used everywhere in the output (ArviZ's default).
HDI_PROB = 0.94

#: Option kinds offered as candidate next options: those with cited outcome rows in the evidence base
#: (futility/evidence/outcomes.csv). rTMS, psychotherapy, serotonin modulators and agomelatine have no
#: cohort row with a denominator in the bundle yet, so they are not offered (docs/model.md).
CANDIDATE_OPTIONS: tuple[str, ...] = (
    "ssri",
    "snri",
    "ndri",
    "nassa",
    "tca",
    "maoi",
    "lithium_augmentation",
    "thyroid_augmentation",
    "antipsychotic_augmentation",
    "ect",
    "esketamine",
    "ketamine",
)

#: z = u / sigma_u grid: 49 points on [-6, 6] (step 0.25); prior weights are the normal density.
_Z = np.linspace(-6.0, 6.0, 49)
#: Gauss-Hermite nodes for the predictive integral (adaptive: centred on each draw's posterior).
_GH_Z, _GH_W = np.polynomial.hermite_e.hermegauss(11)
_OUTCOME_CODE = {"remission": 2, "response": 1, "partial_response": 0, "non_response": 0}


def hdi(draws: np.ndarray, prob: float = HDI_PROB) -> tuple[float, float]:
    """Narrowest interval holding ``prob`` of the draws."""
    x = np.sort(np.asarray(draws, dtype=float))
    n = x.size
    width = int(np.floor(prob * n))
    if n == 0:
        return (float("nan"), float("nan"))
    if width < 1 or width >= n:
        return (float(x[0]), float(x[-1]))
    lows = x[: n - width]
    highs = x[width:]
    i = int(np.argmin(highs - lows))
    return (float(lows[i]), float(highs[i]))


def summarise(draws: np.ndarray, prob: float = HDI_PROB) -> dict[str, float]:
    """``{mean, hdi_low, hdi_high}`` of a draw array."""
    low, high = hdi(draws, prob)
    return {"mean": float(np.mean(draws)), "hdi_low": low, "hdi_high": high}


@dataclass(frozen=True)
class Prognosis:
    """Predictive draws for every candidate next option, and the options excluded with their reason."""

    options: dict[str, OptionDraws]
    contraindicated: dict[str, str]
    responsiveness: dict[str, float] = field(default_factory=dict)  # posterior of u: mean, sd
    tolerability: dict[str, float] = field(default_factory=dict)  # posterior of v: mean, sd
    adequate_failures: int = 0
    hdi_prob: float = HDI_PROB

    def to_list(self) -> list[dict[str, Any]]:
        """The ``prognosis`` part of the JSON contract, one entry per option (excluded ones included)."""
        rows: list[dict[str, Any]] = []
        for name, od in self.options.items():
            rows.append(
                {
                    "option": name,
                    "p_remission": summarise(od.p_remission, self.hdi_prob),
                    "p_response": summarise(od.p_response, self.hdi_prob),
                    "p_burden": summarise(od.p_burden, self.hdi_prob),
                    "contraindicated": False,
                }
            )
        for name, reason in self.contraindicated.items():
            rows.append(
                {"option": name, "p_remission": None, "p_response": None, "p_burden": None, "contraindicated": reason}
            )
        return rows

    def table(self):
        """One row per option: mean and HDI of each probability, and the contraindication if any."""
        import pandas as pd

        records = []
        for row in self.to_list():
            rec: dict[str, Any] = {"option": row["option"]}
            for key in ("p_remission", "p_response", "p_burden"):
                summary = row[key] or {}
                for part in ("mean", "hdi_low", "hdi_high"):
                    rec[f"{key}_{part}"] = summary.get(part, np.nan)
            rec["contraindicated"] = row["contraindicated"] or ""
            records.append(rec)
        return pd.DataFrame.from_records(records)


def _factor_values(case, posterior: PosteriorDraws) -> np.ndarray:
    """x for this patient in the posterior's factor order (missing diagnosis fields count as absent)."""
    diagnosis = getattr(case, "diagnosis", None)
    values = {
        "severe": float(getattr(diagnosis, "severity", None) == "severe"),
        "psychotic_features": float(bool(getattr(diagnosis, "psychotic_features", False))),
        "comorbid_anxiety": float(bool(getattr(diagnosis, "comorbid_anxiety", False))),
        "episode_months": min(float(getattr(diagnosis, "episode_months", 0.0) or 0.0), posterior.episode_months_cap),
    }
    return np.array([values.get(name, 0.0) for name in posterior.factors])


def _kind_column(posterior: PosteriorDraws, kind: str, which: str) -> np.ndarray:
    """alpha/delta draws of a kind; a kind outside the model takes the population mean (mu)."""
    idx = posterior.option_index(kind)
    if which == "alpha":
        return posterior.alpha[:, idx] if idx is not None else posterior.mu_alpha
    return posterior.delta[:, idx] if idx is not None else posterior.mu_delta


def _expit(x: np.ndarray) -> np.ndarray:
    """Logistic function in numpy (importing scipy.special would cost the CLI a second or more)."""
    out = np.negative(x, dtype=float)
    with np.errstate(over="ignore"):
        np.exp(out, out=out)
    out += 1.0
    np.reciprocal(out, out=out)
    return out


def _normalise(log_w: np.ndarray) -> np.ndarray:
    log_w = log_w - log_w.max(axis=1, keepdims=True)
    w = np.exp(log_w)
    return w / w.sum(axis=1, keepdims=True)


def _adaptive_nodes(log_post, scale: np.ndarray) -> tuple[np.ndarray, np.ndarray, dict[str, float]]:
    """Per-draw quadrature nodes and weights for the posterior of a latent variable.

    ``log_post(latent)`` is the unnormalised log posterior at an (S, N) array of values. A fixed grid
    (z in [-6, 6], step 0.25) locates each draw's posterior (mean and sd); Gauss-Hermite nodes are then
    centred and scaled on it and weighted by the exact posterior over the normal they stand for
    (adaptive Gauss-Hermite quadrature, as in lme4's nAGQ). Returns nodes (S, N), weights (S, N)
    summing to one per draw, and the pooled posterior mean and sd.
    """
    grid = scale[:, None] * _Z[None, :]
    w = _normalise(log_post(grid))
    mean = (w * grid).sum(axis=1)
    sd = np.sqrt(np.maximum((w * grid**2).sum(axis=1) - mean**2, 0.0))
    sd = np.maximum(sd, 0.02 * scale)
    nodes = mean[:, None] + sd[:, None] * _GH_Z[None, :]
    log_q = -0.5 * _GH_Z[None, :] ** 2 - np.log(sd)[:, None]
    weights = _normalise(np.log(_GH_W)[None, :] + log_post(nodes) - log_q)
    pooled_mean = float(mean.mean())
    pooled_var = float((sd**2 + mean**2).mean() - pooled_mean**2)
    return nodes, weights, {"mean": pooled_mean, "sd": float(np.sqrt(max(pooled_var, 0.0)))}


def prognose(
    case,
    trial_assessments: Iterable,
    contraindications: Iterable,
    posterior: PosteriorDraws,
    candidates: Iterable[str] = CANDIDATE_OPTIONS,
) -> Prognosis:
    """Predictive remission, response and burden draws for each candidate next option.

    ``trial_assessments`` are the rules' TrialAssessments (only adequate trials with a known outcome
    update responsiveness); ``contraindications`` are objects with ``option``, ``reason`` and
    ``severity``: only ``severity == "contraindicated"`` excludes an option.
    """
    trials = sorted(trial_assessments, key=lambda t: t.index)
    x = _factor_values(case, posterior)
    xb = posterior.beta @ x  # (S,)

    # Responsiveness: each adequate trial with a known outcome, with the failures before it.
    evidence = []
    failures = 0
    for ta in trials:
        code = _OUTCOME_CODE.get(ta.outcome)
        if not ta.adequate or code is None:
            continue
        f_eff = min(failures, posterior.max_failures_effect)
        evidence.append((_kind_column(posterior, ta.drug_class, "alpha") + xb - posterior.lam * f_eff, code))
        if code in (0, 1):
            failures += 1
    kappa = posterior.kappa[:, None]
    su = posterior.sigma_u[:, None]

    def log_post_u(u: np.ndarray) -> np.ndarray:
        out = -0.5 * (u / su) ** 2
        for a, code in evidence:
            eta = a[:, None] + u
            if code == 2:
                lik = _expit(eta)
            elif code == 1:
                lik = _expit(eta + kappa) - _expit(eta)
            else:
                lik = _expit(-(eta + kappa))
            out = out + np.log(np.clip(lik, 1e-300, None))
        return out

    u_nodes, w_u, responsiveness = _adaptive_nodes(log_post_u, posterior.sigma_u)

    # Tolerability: every trial with a recorded burden (adequate or not).
    burden_evidence = [
        (_kind_column(posterior, ta.drug_class, "delta"), bool(ta.significant_burden))
        for ta in trials
        if getattr(ta, "significant_burden", None) is not None
    ]
    sv = posterior.sigma_v[:, None]

    def log_post_v(v: np.ndarray) -> np.ndarray:
        out = -0.5 * (v / sv) ** 2
        for d, burdened in burden_evidence:
            z = d[:, None] + v
            out = out + np.log(np.clip(_expit(z if burdened else -z), 1e-300, None))
        return out

    v_nodes, w_v, tolerability = _adaptive_nodes(log_post_v, posterior.sigma_v)

    excluded = {}
    for ci in contraindications:
        if getattr(ci, "severity", "contraindicated") == "contraindicated" and ci.option not in excluded:
            excluded[ci.option] = ci.reason
    names = [c for c in candidates if c not in excluded and posterior.option_index(c) is not None]

    options: dict[str, OptionDraws] = {}
    if names:
        idx = [posterior.option_index(c) for c in names]
        f_next = min(failures, posterior.max_failures_effect)
        base = posterior.alpha[:, idx] + (xb - posterior.lam * f_next)[:, None]  # (S, K)
        eta = base[:, :, None] + u_nodes[:, None, :]  # (S, K, N)
        p_rem = np.matmul(_expit(eta), w_u[:, :, None])[..., 0]
        p_resp = np.matmul(_expit(eta + posterior.kappa[:, None, None]), w_u[:, :, None])[..., 0]
        p_bur = np.matmul(_expit(posterior.delta[:, idx][:, :, None] + v_nodes[:, None, :]), w_v[:, :, None])[..., 0]
        p_resp = np.maximum(p_resp, p_rem)
        for j, name in enumerate(names):
            options[name] = OptionDraws(name, p_rem[:, j].copy(), p_resp[:, j].copy(), p_bur[:, j].copy())
    contraindicated = {k: excluded[k] for k in excluded}
    return Prognosis(
        options=options,
        contraindicated=contraindicated,
        responsiveness=responsiveness,
        tolerability=tolerability,
        adequate_failures=failures,
    )


def cohort_rate(
    posterior: PosteriorDraws,
    option: dict[str, float],
    history: Iterable[dict[str, float]] = (),
    outcome: str = "remission",
    nodes: int = 40,
) -> np.ndarray:
    """Model-predicted rate for a published-style cohort, one value per draw.

    The cohort received ``option`` (a mixture of kinds, weights summing to one) after failing every
    step in ``history`` (each a mixture), exactly as the fit treats sequential cohorts: the rate is
    E[p(u) * prod_j (1 - p_j(u))] / E[prod_j (1 - p_j(u))] over u ~ Normal(0, sigma_u), with patient
    factors at the cohort's own mix (x = 0). Used for calibration against published rates.
    """
    z, w = np.polynomial.hermite_e.hermegauss(nodes)
    w = w / w.sum()
    u = posterior.sigma_u[:, None] * z[None, :]  # (S, G)
    lam = posterior.lam[:, None]

    def mixture_p(mix: dict[str, float], failures: int, shift: np.ndarray | float = 0.0) -> np.ndarray:
        total = np.zeros_like(u)
        for kind, weight in mix.items():
            f_eff = min(failures, posterior.max_failures_effect)
            total += weight * _expit(_kind_column(posterior, kind, "alpha")[:, None] - lam * f_eff + shift + u)
        return total

    survive = np.ones_like(u)
    steps = list(history)
    for j, step in enumerate(steps):
        survive *= 1.0 - mixture_p(step, j)
    shift = posterior.kappa[:, None] if outcome == "response" else 0.0
    p = mixture_p(option, len(steps), shift)
    return (survive * p) @ w / (survive @ w)
