"""The population prognostic model (PyMC): latent responsiveness and tolerability, fit to published aggregates.

This is the only module that imports PyMC. It is used offline, by ``futility fit`` and
``scripts/build_posterior.py``; the per-patient path reads the stored draws with
:mod:`futility.posterior` and never imports this module. The mathematics is written out in
``docs/model.md``; in short, for patient *i* and a trial of option kind *k* after *f* adequate failures::

    eta        = alpha_k + x_i . beta - lam * min(f, 3) + u_i  u_i ~ Normal(0, sigma_u)
    P(remission)          = logistic(eta)
    P(response or better) = logistic(eta + kappa)              kappa > 0 (ordinal cutpoint gap)
    P(significant burden) = logistic(delta_k + v_i)            v_i ~ Normal(0, sigma_v)   (FIBSER burden >= 3)
    P(stopping for side effects) = logistic(delta_k + v_i - gamma)  gamma > 0 (a stricter cut of the same scale)

Cohort results enter as binomial counts. A cohort that entered after failing earlier steps (STAR*D
level k, ECT after medication failure, esketamine trials in TRD) has its rate computed conditional on
having failed those steps, integrating u with Gauss-Hermite quadrature. Published odds ratios enter as
normal pseudo-observations on option contrasts; patient-factor effects as priors; the two arms of
TRANSFORM-2 share a trial offset so that trial informs a contrast, not absolute rates. An optional site
registry of patient-level trials updates the same parameters (exact marginal likelihood per patient,
identical histories aggregated into counts). Burden rows are FIBSER burden >= 3 (the tool's definition)
or stopping because of side effects, a stricter cut ``gamma`` on the same latent scale, identified by
STAR*D level 1, which reports both for the same cohort.
"""
from __future__ import annotations

import csv
import json
import math
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from futility.errors import PosteriorError, UserError
from futility.evidence import OPTION_KINDS, Effect, Outcome, evidence_hash, load_effects, load_outcomes

__all__ = [
    "EPISODE_MONTHS_CAP",
    "FACTORS",
    "GATE",
    "MODEL_VERSION",
    "OPTION_KINDS",
    "Registry",
    "build_model",
    "convergence_diagnostics",
    "fit",
    "read_registry",
    "save_posterior",
]

#: Bump when the parameterisation changes; stored posteriors with another version are refused.
MODEL_VERSION = "trd-latent-ordinal-4"


#: Patient factors (x_i). ``episode_months`` enters per month up to :data:`EPISODE_MONTHS_CAP`.
FACTORS: tuple[str, ...] = ("severe", "psychotic_features", "comorbid_anxiety", "episode_months")

#: The GSRD per-month odds ratio (Kautzky 2019) is applied up to 5 years: a modelling choice that
#: avoids extrapolating a per-month effect far beyond typical study episodes.
EPISODE_MONTHS_CAP = 60.0

#: Convergence gate: a posterior failing any of these is refused.
GATE = {"max_rhat": 1.01, "min_ess_bulk": 400.0, "divergences": 0}

#: Gauss-Hermite nodes for integrating the latent variables in the fit (evidence rows; registry).
QUADRATURE_NODES = 24
REGISTRY_NODES = 12

_MAX_HISTORY = 3

#: The explicit decline ``lam * f`` stops at the largest number of earlier failures in the fitted
#: evidence (STAR*D level 4: three). Beyond it the model does not extrapolate a straight line; further
#: failures still lower a patient's prediction through the posterior of their own responsiveness u.
MAX_FAILURES_EFFECT = 3

#: Rows of the placebo-controlled trial whose arms share an offset (docs/model.md).
CONTROLLED_TRIAL_PREFIX = "transform2_"


def _gauss_hermite(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights for E[g(Z)], Z ~ Normal(0, 1)."""
    z, w = np.polynomial.hermite_e.hermegauss(n)
    return z, w / math.sqrt(2 * math.pi)


def _mixture_vector(mixture: dict[str, float]) -> np.ndarray:
    vec = np.zeros(len(OPTION_KINDS))
    for kind, weight in mixture.items():
        if kind not in OPTION_KINDS:
            raise ValueError(f"evidence names unknown option kind {kind!r}")
        vec[OPTION_KINDS.index(kind)] = weight
    return vec


@dataclass(frozen=True)
class AggregateData:
    """Evidence rows as arrays for the likelihood."""

    option: np.ndarray  # (R, K) mixture weights
    history: np.ndarray  # (R, J, K) mixture weights of failed steps
    history_mask: np.ndarray  # (R, J) 1 where a step exists
    failures: np.ndarray  # (R,) number of failed steps
    is_response: np.ndarray  # (R,) 1 for response rows
    in_trial: np.ndarray  # (R,) 1 for rows of a placebo-controlled trial with its own offset (TRANSFORM-2)
    n: np.ndarray
    events: np.ndarray
    burden_option: np.ndarray  # (B, K)
    burden_is_stopping: np.ndarray  # (B,) 1 for "stopped because of side effects" rows (cut gamma)
    burden_n: np.ndarray
    burden_events: np.ndarray


def aggregate_data(outcomes: tuple[Outcome, ...]) -> AggregateData:
    """Arrays for every ``use == "fit"`` row of the evidence base."""
    eff = [o for o in outcomes if o.use == "fit" and o.outcome in ("remission", "response")]
    bur = [o for o in outcomes if o.use == "fit" and o.outcome in ("burden", "discontinuation")]
    k = len(OPTION_KINDS)
    option = np.array([_mixture_vector(o.option) for o in eff])
    history = np.zeros((len(eff), _MAX_HISTORY, k))
    mask = np.zeros((len(eff), _MAX_HISTORY))
    for r, o in enumerate(eff):
        if len(o.history) > _MAX_HISTORY:
            raise ValueError(f"{o.id}: at most {_MAX_HISTORY} history steps are supported")
        for j, step in enumerate(o.history):
            history[r, j] = _mixture_vector(step)
            mask[r, j] = 1.0
    return AggregateData(
        option=option,
        history=history,
        history_mask=mask,
        failures=np.array([o.prior_failures for o in eff], dtype=float),
        is_response=np.array([o.outcome == "response" for o in eff], dtype=float),
        in_trial=np.array([o.id.startswith(CONTROLLED_TRIAL_PREFIX) for o in eff], dtype=float),
        n=np.array([o.n for o in eff], dtype=int),
        events=np.array([o.events for o in eff], dtype=int),
        burden_option=np.array([_mixture_vector(o.option) for o in bur]),
        burden_is_stopping=np.array([o.outcome == "discontinuation" for o in bur], dtype=float),
        burden_n=np.array([o.n for o in bur], dtype=int),
        burden_events=np.array([o.events for o in bur], dtype=int),
    )


# --------------------------------------------------------------------------------------------- registry
REGISTRY_COLUMNS = (
    "patient_id",
    "order",
    "option",
    "adequate",
    "outcome",
    "significant_burden",
    "severe",
    "psychotic_features",
    "comorbid_anxiety",
    "episode_months",
)
_OUTCOME_CODE = {"non_response": 0, "partial_response": 0, "response": 1, "remission": 2}


@dataclass(frozen=True)
class Registry:
    """Patient-level trials as sufficient statistics.

    A *cell* is what the likelihood of one trial depends on: option kind, earlier failures (capped at
    :data:`MAX_FAILURES_EFFECT`) and the patient factors. ``cell_kind`` (C,) indexes OPTION_KINDS
    (``len(OPTION_KINDS)`` = a kind outside the model, which takes the population mean effect),
    ``cell_failures`` (C,), ``cell_x`` (C, F). A patient's efficacy evidence is the multiset of
    observations ``cell * 3 + y`` (y = 0 no response, 1 response without remission, 2 remission);
    ``obs`` (P, T) holds one row per distinct multiset (padding -1) and ``count`` (P,) the patients
    sharing it. Burden has no patient factors: its observations are ``kind * 2 + burden`` in
    ``burden_obs`` (Q, T) with ``burden_count``.
    """

    cell_kind: np.ndarray
    cell_failures: np.ndarray
    cell_x: np.ndarray
    obs: np.ndarray
    count: np.ndarray
    burden_obs: np.ndarray
    burden_count: np.ndarray
    n_patients: int
    n_trials: int


#: Episode duration is rounded to this many months in the registry (its per-month effect is small,
#: OR 1.022 per month: rounding moves the log odds by < 0.07) so that patients share cells.
REGISTRY_MONTHS_STEP = 6.0


def _padded(rows: list[tuple[int, ...]]) -> np.ndarray:
    width = max([len(r) for r in rows] + [1])
    out = np.full((len(rows), width), -1, dtype=int)
    for i, row in enumerate(rows):
        out[i, : len(row)] = row
    return out


def _truthy(text: str) -> bool | None:
    text = (text or "").strip().lower()
    if text == "":
        return None
    if text in ("1", "true", "yes", "y"):
        return True
    if text in ("0", "false", "no", "n"):
        return False
    raise ValueError(f"not a yes/no value: {text!r}")


def patient_factors(severe: bool, psychotic: bool, anxiety: bool, episode_months: float | None) -> np.ndarray:
    """x_i in the order of :data:`FACTORS`."""
    months = min(float(episode_months or 0.0), EPISODE_MONTHS_CAP)
    return np.array([float(severe), float(psychotic), float(anxiety), months])


def read_registry(path: str | Path) -> Registry:
    """Read a registry CSV (columns in ``REGISTRY_COLUMNS``, documented in docs/model.md).

    Raises :class:`UserError` naming the line and column of the first problem.
    """
    path = Path(path)
    if not path.exists():
        raise UserError(f"registry file not found: {path}")
    patients: dict[str, dict] = {}
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in REGISTRY_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise UserError(f"{path.name}: missing column(s) {', '.join(missing)}")
        for line, row in enumerate(reader, start=2):
            try:
                pid = row["patient_id"].strip()
                outcome = row["outcome"].strip() or "unknown"
                if outcome not in (*_OUTCOME_CODE, "unknown"):
                    raise ValueError(f"outcome: unknown value {outcome!r}")
                trial = (
                    float(row["order"]),
                    row["option"].strip(),
                    bool(_truthy(row["adequate"])),
                    outcome,
                    _truthy(row["significant_burden"]),
                )
                pat = patients.setdefault(
                    pid,
                    {
                        "x": patient_factors(
                            bool(_truthy(row["severe"])),
                            bool(_truthy(row["psychotic_features"])),
                            bool(_truthy(row["comorbid_anxiety"])),
                            float(row["episode_months"]) if row["episode_months"].strip() else 0.0,
                        ),
                        "trials": [],
                    },
                )
                pat["trials"].append(trial)
            except (ValueError, KeyError) as exc:
                raise UserError(f"{path.name} line {line}: {exc}") from None
    if not patients:
        raise UserError(f"{path.name}: no trials")
    cells: dict[tuple, int] = {}
    efficacy: dict[tuple, int] = {}
    tolerability: dict[tuple, int] = {}
    n_trials = 0
    for pat in patients.values():
        trials = sorted(pat["trials"], key=lambda t: t[0])
        n_trials += len(trials)
        x = pat["x"].copy()
        x[3] = REGISTRY_MONTHS_STEP * round(x[3] / REGISTRY_MONTHS_STEP)
        seq, bseq = [], []
        failures = 0
        for _, option, adequate, outcome, burden in trials:
            kind = OPTION_KINDS.index(option) if option in OPTION_KINDS else len(OPTION_KINDS)
            if adequate and outcome != "unknown":
                y = _OUTCOME_CODE[outcome]
                cell = cells.setdefault((kind, min(failures, MAX_FAILURES_EFFECT), tuple(x)), len(cells))
                seq.append(cell * 3 + y)
                if y in (0, 1):
                    failures += 1
            if burden is not None:
                bseq.append(kind * 2 + int(burden))
        if seq:
            key = tuple(sorted(seq))
            efficacy[key] = efficacy.get(key, 0) + 1
        if bseq:
            bkey = tuple(sorted(bseq))
            tolerability[bkey] = tolerability.get(bkey, 0) + 1
    order = sorted(cells, key=cells.get)
    eff_keys = sorted(efficacy)
    bur_keys = sorted(tolerability)
    return Registry(
        cell_kind=np.array([c[0] for c in order], dtype=int),
        cell_failures=np.array([c[1] for c in order], dtype=float),
        cell_x=np.array([c[2] for c in order], dtype=float).reshape(len(order), len(FACTORS)),
        obs=_padded(eff_keys),
        count=np.array([efficacy[k] for k in eff_keys], dtype=float),
        burden_obs=_padded(bur_keys),
        burden_count=np.array([tolerability[k] for k in bur_keys], dtype=float),
        n_patients=len(patients),
        n_trials=n_trials,
    )


# ------------------------------------------------------------------------------------------------ model
def _factor_priors(effects: tuple[Effect, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Prior mean and sd of beta (per-trial log odds of remission) from the published ORs for TRD."""
    mean = np.zeros(len(FACTORS))
    sd = np.ones(len(FACTORS))
    for eff in effects:
        if eff.parameter == "beta" and eff.option in FACTORS:
            i = FACTORS.index(eff.option)
            mean[i] = -eff.log_estimate  # a risk factor for resistance lowers remission
            sd[i] = eff.log_se if eff.log_se is not None else 0.5 * abs(eff.log_estimate)
    return mean, sd


def build_model(
    outcomes: tuple[Outcome, ...] | None = None,
    effects: tuple[Effect, ...] | None = None,
    registry: Registry | None = None,
    quadrature_nodes: int = QUADRATURE_NODES,
    registry_geometry: bool | None = None,
):
    """The PyMC model over the evidence base (and a registry, when given).

    ``registry_geometry`` chooses the parameterisation (same model, different sampler geometry):
    centred option effects and signed spreads, which sample a registry fit well, or non-centred
    effects and log-scale spreads, which sample the aggregates alone well (see :func:`_hierarchical`
    and :func:`_spread`). By default it follows whether a registry is given.
    """
    import pymc as pm
    import pytensor.tensor as pt

    outcomes = load_outcomes() if outcomes is None else outcomes
    effects = load_effects() if effects is None else effects
    registry_geometry = registry is not None if registry_geometry is None else registry_geometry
    data = aggregate_data(outcomes)
    z, w = _gauss_hermite(quadrature_nodes)
    k = len(OPTION_KINDS)
    beta_mean, beta_sd = _factor_priors(effects)
    coords = {"option": list(OPTION_KINDS), "factor": list(FACTORS)}

    with pm.Model(coords=coords) as model:
        # Weakly informative hyperpriors (modelling choices, not clinical figures; docs/model.md).
        mu_alpha = pm.Normal("mu_alpha", -0.5, 1.5)
        tau_alpha = pm.HalfNormal("tau_alpha", 1.0)
        alpha = _hierarchical("alpha", mu_alpha, tau_alpha, centred=registry_geometry)
        lam = pm.HalfNormal("lam", 0.5)
        signed_u = _spread("sigma_u", 1.5, signed=registry_geometry)
        kappa = pm.HalfNormal("kappa", 1.5)
        beta = pm.Normal("beta", beta_mean, beta_sd, dims="factor")
        mu_delta = pm.Normal("mu_delta", -2.0, 1.5)
        tau_delta = pm.HalfNormal("tau_delta", 1.0)
        delta = _hierarchical("delta", mu_delta, tau_delta, centred=registry_geometry)
        signed_v = _spread("sigma_v", 1.0, signed=registry_geometry)
        # TRANSFORM-2 differs from STAR*D in population, setting and remission bar (MADRS <= 12): a
        # shared offset for both of its arms carries the within-trial contrast (esketamine vs a new
        # SSRI/SNRI) onto the STAR*D scale instead of the trial's absolute rates.
        d_trial = pm.Normal("d_trial", 0.0, 1.0)
        # Stopping for side effects is a stricter cut of the burden scale than FIBSER >= 3; STAR*D
        # level 1 reports both for one cohort, which identifies the gap.
        gamma = pm.HalfNormal("gamma", 2.0)

        u = signed_u * z  # (G,)
        v = signed_v * z
        # Probability of remission for each history step j (j earlier failures): (J, G, K)
        steps = np.arange(_MAX_HISTORY)[:, None, None]
        p_step = pm.math.sigmoid(alpha[None, None, :] - lam * steps + u[None, :, None])
        fail = 1.0 - (data.history[:, :, None, :] * p_step[None]).sum(-1)  # (R, J, G)
        fail = pt.where(data.history_mask[:, :, None] > 0, fail, 1.0)
        surv = pt.prod(fail, axis=1)  # (R, G): P(failed every earlier step | u)
        eta = (
            alpha[None, None, :]
            - lam * data.failures[:, None, None]
            + kappa * data.is_response[:, None, None]
            + d_trial * data.in_trial[:, None, None]
            + u[None, :, None]
        )
        p_opt = (data.option[:, None, :] * pm.math.sigmoid(eta)).sum(-1)  # (R, G)
        p_row = (surv * p_opt * w).sum(-1) / (surv * w).sum(-1)
        pm.Binomial("cohorts", n=data.n, p=pt.clip(p_row, 1e-9, 1 - 1e-9), observed=data.events)

        eta_bur = delta[None, None, :] - gamma * data.burden_is_stopping[:, None, None] + v[None, :, None]
        p_bur = (data.burden_option[:, None, :] * pm.math.sigmoid(eta_bur)).sum(-1)
        p_bur = (p_bur * w).sum(-1)
        pm.Binomial("burden_cohorts", n=data.burden_n, p=pt.clip(p_bur, 1e-9, 1 - 1e-9), observed=data.burden_events)

        for eff in effects:
            if eff.parameter not in ("alpha", "delta") or eff.log_se is None:
                continue
            par = alpha if eff.parameter == "alpha" else delta
            ref = [OPTION_KINDS.index(r) for r in eff.reference]
            contrast = par[OPTION_KINDS.index(eff.option)] - par[ref].mean()
            pm.Normal(f"effect_{eff.id}", contrast, eff.log_se, observed=eff.log_estimate)

        if registry is not None:
            zr, wr = _gauss_hermite(REGISTRY_NODES)
            _registry_likelihood(registry, alpha, mu_alpha, delta, mu_delta, lam, kappa, beta, signed_u * zr, signed_v * zr, wr, k)
    return model


def _hierarchical(name: str, mu, tau, centred: bool):
    """Option effects ``name[k] ~ Normal(mu, tau)``, centred or non-centred.

    Both are the same model. Non-centred (``mu + tau * raw``) samples well when the data say little
    about each option, as with the published aggregates alone; centred samples well when every option
    is pinned down by its own data, as with a site registry, where the non-centred form ties ``mu``,
    ``tau`` and all the ``raw`` effects together (Betancourt & Girolami 2015, "Hamiltonian Monte
    Carlo for hierarchical models"). Measured: 10k registry trials, min bulk ESS of ``mu_alpha`` 105
    of 600 draws non-centred (diagonal mass matrix) against 665 centred (low-rank mass matrix).
    """
    import pymc as pm

    if centred:
        return pm.Normal(name, mu, tau, dims="option")
    raw = pm.Normal(f"{name}_raw", 0.0, 1.0, dims="option")
    return pm.Deterministic(name, mu + tau * raw, dims="option")


def _spread(name: str, sd: float, signed: bool):
    """A latent trait's spread ``name ~ HalfNormal(sd)``; returns the value that scales the quadrature nodes.

    With a registry the spread is sampled as ``s ~ Normal(0, sd)`` and recorded as ``name = |s|``: the
    same prior, and the same likelihood, since the Gauss-Hermite nodes are symmetric (scaling them by
    ``-s`` permutes them). Its point is geometry: a registry of a few thousand patients leaves real
    posterior mass near zero (10k trials: ``sigma_u`` 1% quantile 0.01, median 0.41), which the usual
    log transform stretches into a long tail (bulk ESS 284-335 of 2,000 draws, R-hat up to 1.018; the
    CLI's 4-chain fit was refused at 1.012); on ``s`` that region is an ordinary stretch of the real line.
    """
    import pymc as pm
    import pytensor.tensor as pt

    if not signed:
        return pm.HalfNormal(name, sd)
    signed_value = pm.Normal(f"{name}_signed", 0.0, sd)
    pm.Deterministic(name, pt.abs(signed_value))
    return signed_value


def _softplus(x):
    """log(1 + exp(x)), written with elementwise ops that PyTensor compiles to C (stable for large |x|)."""
    import pytensor.tensor as pt

    return pt.log1p(pt.exp(-pt.abs(x))) + pt.maximum(x, 0.0)


def _registry_likelihood(reg: Registry, alpha, mu_alpha, delta, mu_delta, lam, kappa, beta, u, v, w, k) -> None:
    """Exact marginal likelihood per distinct history, weighted by the patients sharing it.

    The log-likelihood of every (cell, outcome) is tabulated once per quadrature node, (3C, G), with
    closed forms in softplus: remission ``eta - sp(eta)``, response without remission
    ``eta + log(expm1 kappa) - sp(eta) - sp(eta + kappa)``, no response ``-sp(eta + kappa)``. A
    history's log-likelihood at each node is then a sum of table rows, and a log-sum-exp over the
    nodes integrates u: both in one fused loop with its gradient
    (:func:`futility.marginal_loglik.history_logsumexp`). Cost grows with cells x nodes plus
    histories x trials x nodes of additions, not with patients x trials x nodes of transcendental work.
    """
    import pymc as pm
    import pytensor.tensor as pt

    from futility.marginal_loglik import history_logsumexp

    log_w = np.log(w)
    if reg.count.size:
        alpha_ext = pt.concatenate([alpha, mu_alpha[None]])
        a = alpha_ext[reg.cell_kind] + pt.dot(reg.cell_x, beta) - lam * reg.cell_failures  # (C,)
        eta = a[:, None] + u[None, :]  # (C, G)
        sp0 = _softplus(eta)
        sp1 = _softplus(eta + kappa)
        table = pt.stack([-sp1, eta + pt.log(pt.expm1(kappa)) - sp0 - sp1, eta - sp0], axis=1)  # (C, 3, G)
        table = table.reshape((-1, table.shape[-1]))  # row cell * 3 + outcome
        pm.Potential("registry_efficacy", history_logsumexp(table, reg.obs, reg.count, log_w))
    if reg.burden_count.size:
        delta_ext = pt.concatenate([delta, mu_delta[None]])
        z = delta_ext[:, None] + v[None, :]  # (K + 1, G)
        btable = pt.stack([-_softplus(z), z - _softplus(z)], axis=1)  # (K + 1, 2, G): no burden, burden
        btable = btable.reshape((-1, btable.shape[-1]))  # row kind * 2 + burden
        pm.Potential("registry_burden", history_logsumexp(btable, reg.burden_obs, reg.burden_count, log_w))


# ------------------------------------------------------------------------------------------ fit & save
SAVED_VARS = (
    "alpha", "delta", "mu_alpha", "mu_delta", "lam", "sigma_u", "kappa", "beta", "sigma_v", "tau_alpha", "tau_delta",
    "d_trial", "gamma",
)


def convergence_diagnostics(idata) -> dict:
    """max R-hat, min bulk ESS and divergences over the saved parameters."""
    import arviz as az

    post = idata.posterior[list(SAVED_VARS)]
    rhat = az.rhat(post)
    ess = az.ess(post, method="bulk")
    max_rhat = max(float(np.nanmax(rhat[v].values)) for v in rhat.data_vars)
    min_ess = min(float(np.nanmin(ess[v].values)) for v in ess.data_vars)
    div = 0
    if hasattr(idata, "sample_stats") and "diverging" in idata.sample_stats:
        div = int(idata.sample_stats["diverging"].values.sum())
    return {"max_rhat": round(max_rhat, 5), "min_ess_bulk": round(min_ess, 1), "divergences": div}


def passes_gate(diagnostics: dict) -> bool:
    """True when the diagnostics meet :data:`GATE`."""
    return (
        diagnostics["max_rhat"] <= GATE["max_rhat"]
        and diagnostics["min_ess_bulk"] >= GATE["min_ess_bulk"]
        and diagnostics["divergences"] <= GATE["divergences"]
    )


def sampler_defaults(with_registry: bool) -> dict:
    """Warm-up length and target acceptance that pass :data:`GATE` (measured; docs/model.md).

    The aggregates alone leave a curved ridge between the burden cut ``gamma`` and ``sigma_v`` (two
    rates of one cohort identify the cut only given the spread), which needs a long warm-up and small
    steps: 4 x 1,000 draws after 1,500 tuning steps at 0.9 gave 4-10 divergences; 3,000 at 0.95 gave
    none (max R-hat 1.008, min bulk ESS 838). A registry pins the parameters down: 500 tuning steps at
    0.9 pass at 10k and 100k trials.
    """
    if with_registry:
        return {"tune": 500, "target_accept": 0.9}
    return {"tune": 3000, "target_accept": 0.95}


def fit(
    registry: Registry | None = None,
    *,
    draws: int = 500,
    tune: int | None = None,
    chains: int = 4,
    cores: int | None = None,
    random_seed: int = 20260101,
    sampler: str = "nutpie",
    data_hash: str | None = None,
    outcomes: tuple[Outcome, ...] | None = None,
    effects: tuple[Effect, ...] | None = None,
    target_accept: float | None = None,
    low_rank: bool | None = None,
):
    """Sample the posterior; returns an InferenceData with diagnostics and provenance in its attrs.

    ``sampler`` is ``"nutpie"`` (default) or ``"pymc"``; nutpie falls back to PyMC's NUTS when it
    cannot be imported or compiled. ``low_rank`` turns on nutpie's low-rank modified mass matrix,
    by default with a registry: its data correlate the option effects with ``sigma_u`` and ``lam``,
    which a diagonal mass matrix cannot follow (10k registry trials: 16 leapfrog steps per draw
    instead of 45). Without a registry the diagonal one samples better and stays the default.
    ``tune`` and ``target_accept`` default to :func:`sampler_defaults`.
    """
    import pymc as pm

    defaults = sampler_defaults(registry is not None)
    tune = defaults["tune"] if tune is None else tune
    target_accept = defaults["target_accept"] if target_accept is None else target_accept

    model = build_model(outcomes, effects, registry)
    low_rank = registry is not None if low_rank is None else low_rank
    started = time.perf_counter()
    used = sampler
    idata = None
    if sampler == "nutpie":
        try:
            import nutpie

            compiled = nutpie.compile_pymc_model(model)
        except Exception as exc:  # noqa: BLE001 - any nutpie/numba failure falls back to PyMC's NUTS
            import warnings

            warnings.warn(f"nutpie unavailable ({type(exc).__name__}: {exc}); using PyMC's NUTS", stacklevel=2)
            compiled = None
        if compiled is not None:
            idata = nutpie.sample(
                compiled,
                draws=draws,
                tune=tune,
                chains=chains,
                cores=cores or chains,
                seed=random_seed,
                progress_bar=False,
                target_accept=target_accept,
                low_rank_modified_mass_matrix=low_rank,
            )
    if idata is None:
        used = "pymc"
        with model:
            idata = pm.sample(
                draws=draws,
                tune=tune,
                chains=chains,
                cores=cores or min(chains, 2),
                random_seed=random_seed,
                progressbar=False,
                target_accept=target_accept,
                compute_convergence_checks=False,
            )
    elapsed = time.perf_counter() - started
    diagnostics = convergence_diagnostics(idata)
    attrs = {
        "model_version": MODEL_VERSION,
        "data_hash": data_hash or evidence_hash(),
        "diagnostics": json.dumps(diagnostics, sort_keys=True),
        "option_kinds": json.dumps(list(OPTION_KINDS)),
        "factors": json.dumps(list(FACTORS)),
        "episode_months_cap": EPISODE_MONTHS_CAP,
        "max_failures_effect": MAX_FAILURES_EFFECT,
        "sampler": used,
        "random_seed": random_seed,
        "registry_patients": registry.n_patients if registry else 0,
        "registry_trials": registry.n_trials if registry else 0,
    }
    idata.attrs_futility = attrs  # carried to save_posterior
    idata.fit_seconds = elapsed
    return idata


def save_posterior(idata, path: str | Path) -> Path:
    """Write the posterior (saved parameters only) and divergences as a small ArviZ netcdf file.

    Timestamps and library versions are left out so a rebuild with the same seed is byte-stable.
    """
    import arviz as az
    import xarray as xr

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    attrs = dict(getattr(idata, "attrs_futility", {}))
    post = idata.posterior[list(SAVED_VARS)].astype("float64")
    post = xr.Dataset({name: post[name] for name in SAVED_VARS})
    post.attrs = attrs
    stats = xr.Dataset({"diverging": idata.sample_stats["diverging"].astype("int8")})
    out = az.InferenceData(posterior=post, sample_stats=stats)
    for group in out._groups:
        getattr(out, group).attrs = attrs if group == "posterior" else {}
    if path.exists():
        path.unlink()
    out.to_netcdf(str(path))
    return path


def require_gate(diagnostics: dict) -> None:
    """Raise :class:`PosteriorError` when the diagnostics fail :data:`GATE`."""
    if not passes_gate(diagnostics):
        raise PosteriorError(
            "posterior failed the convergence gate "
            f"(max R-hat {diagnostics['max_rhat']} <= {GATE['max_rhat']}, "
            f"min bulk ESS {diagnostics['min_ess_bulk']} >= {GATE['min_ess_bulk']:g}, "
            f"divergences {diagnostics['divergences']} == 0 required); refit with more draws"
        )
