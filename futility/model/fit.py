"""The population prognostic model (PyMC): latent responsiveness and tolerability, fit to published aggregates.

This is the only module that imports PyMC. It is used offline, by ``futility fit`` and
``scripts/build_posterior.py``; the per-patient path reads the stored draws with
:mod:`futility.prognosis.posterior` and never imports this module. The mathematics is written out in
``docs/model.md``; in short, for patient *i* and a trial of option kind *k* after *f* adequate failures::

    eta        = alpha_k + x_i . beta - lam_g(k) * min(f, cap_k) + w_k u_i   u_i ~ Normal(0, sigma_u)
                 (w_k = 1, cap_k = 4; ECT: w = ect_loading in (0, 1), cap 1)
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
from typing import TYPE_CHECKING

import numpy as np

from futility.errors import PosteriorError, UserError
from futility.model.cohorts import (
    ARM_NODES,
    ECT_FACTORS,
    ECT_FAILURES_EFFECT,
    EPISODE_MONTHS_CAP,
    FACTORS,
    FAILURES_CAP,
    KIND_GROUP_INDEX,
    MAX_FAILURES_EFFECT,
    _gauss_hermite,
    _mixture_vector,
    arm_design,
    arm_rates,
    ect_reference_mix,
    efficacy_rows,
    pytensor_namespace,
    reference_mix,
    trial_effect_scale,
)
from futility.model.evidence import (
    DECLINE_GROUPS,
    OPTION_KINDS,
    Effect,
    Outcome,
    burden_evidence_kinds,
    evidence_hash,
    load_effects,
    load_outcomes,
    offered_kinds,
)

# The model version and the convergence gate are defined once, PyMC-free, where posteriors are read.
from futility.model.spec import GATE, MODEL_VERSION

if TYPE_CHECKING:
    from arviz import InferenceData

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


#: Gauss-Hermite nodes for integrating the latent variables in the fit (evidence rows; registry).
QUADRATURE_NODES = ARM_NODES
REGISTRY_NODES = 12
#: Gauss-Hermite nodes over ECT's own responsiveness in the registry likelihood (used when it holds ECT).
REGISTRY_ECT_TRAIT_NODES = 6
#: Degrees of freedom of the between-trial effects (robust to outlying trials; docs/model.md).
TRIAL_EFFECT_NU = 4.0
#: Trials whose effect is sampled centred (their data pin it down; see :func:`_trial_effects`).
CENTRED_TRIALS = ("nygren2023",)


@dataclass(frozen=True)
class BurdenData:
    """Burden rows (FIBSER >= 3, or stopping because of side effects) as arrays for the likelihood."""

    row_ids: tuple[str, ...]
    trials: tuple[str, ...]
    option: np.ndarray  # (B, K)
    is_stopping: np.ndarray  # (B,) 1 for "stopped because of side effects" rows (cut gamma)
    trial: np.ndarray  # (B,) trial index
    n: np.ndarray
    events: np.ndarray


def burden_data(outcomes: tuple[Outcome, ...], uses: tuple[str, ...] = ("fit",)) -> BurdenData:
    """Arrays for the burden rows with the given ``use``."""
    rows = [o for o in outcomes if o.use in uses and o.outcome in ("burden", "discontinuation") and o.n]
    trials: list[str] = []
    for o in rows:
        if o.trial not in trials:
            trials.append(o.trial)
    return BurdenData(
        row_ids=tuple(o.id for o in rows),
        trials=tuple(trials),
        option=np.array([_mixture_vector(o.option) for o in rows]).reshape(-1, len(OPTION_KINDS)),
        is_stopping=np.array([o.outcome == "discontinuation" for o in rows], dtype=float),
        trial=np.array([trials.index(o.trial) for o in rows], dtype=int),
        n=np.array([o.n for o in rows], dtype=int),
        events=np.array([o.events for o in rows], dtype=int),
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


def patient_factors(
    severe: bool, psychotic: bool, anxiety: bool, episode_months: float | None, age: float | None = None
) -> np.ndarray:
    """x_i in the order of :data:`FACTORS` (age in decades; NaN when unknown, then taken at the reference)."""
    months = min(float(episode_months or 0.0), EPISODE_MONTHS_CAP)
    decades = float(age) / 10.0 if age is not None else float("nan")
    return np.array([float(severe), float(psychotic), float(anxiety), months, decades])


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
                            float(row["age"]) if (row.get("age") or "").strip() else None,
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
        if not np.isnan(x[4]):
            x[4] = float(round(x[4]))  # whole decades, so that patients share cells
        seq, bseq = [], []
        failures = 0
        for _, option, adequate, outcome, burden in trials:
            kind = OPTION_KINDS.index(option) if option in OPTION_KINDS else len(OPTION_KINDS)
            if adequate and outcome != "unknown":
                y = _OUTCOME_CODE[outcome]
                key_x = tuple(None if np.isnan(v) else float(v) for v in x)  # NaN never equals itself
                cell = cells.setdefault((kind, min(failures, MAX_FAILURES_EFFECT), key_x), len(cells))
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
    order = sorted(cells, key=cells.__getitem__)
    eff_keys = sorted(efficacy)
    bur_keys = sorted(tolerability)
    return Registry(
        cell_kind=np.array([c[0] for c in order], dtype=int),
        cell_failures=np.array([c[1] for c in order], dtype=float),
        cell_x=np.array([[np.nan if v is None else v for v in c[2]] for c in order], dtype=float).reshape(
            len(order), len(FACTORS)
        ),
        obs=_padded(eff_keys),
        count=np.array([efficacy[k] for k in eff_keys], dtype=float),
        burden_obs=_padded(bur_keys),
        burden_count=np.array([tolerability[k] for k in bur_keys], dtype=float),
        n_patients=len(patients),
        n_trials=n_trials,
    )


# ------------------------------------------------------------------------------------------------ model
def _factor_priors(effects: tuple[Effect, ...], parameter: str = "beta", factors=FACTORS) -> tuple[np.ndarray, np.ndarray]:
    """Prior mean and sd of per-trial log odds of remission per factor, from published odds ratios.

    ``beta`` rows of ``effects.csv`` with ratio ``OR_TRD`` are odds ratios for *being* treatment
    resistant (Kautzky 2019), so their sign is reversed; other ratios are odds ratios of remission or
    response per unit of the factor and are used as they are. A factor without a row has a weakly
    informative Normal(0, 0.5) (a modelling choice, docs/model.md).
    """
    mean = np.zeros(len(factors))
    sd = np.full(len(factors), 0.5)
    for eff in effects:
        if eff.parameter == parameter and eff.option in factors:
            i = factors.index(eff.option)
            sign = -1.0 if eff.ratio == "OR_TRD" else 1.0
            mean[i] = sign * eff.log_estimate
            sd[i] = eff.log_se if eff.log_se is not None else 0.5 * abs(eff.log_estimate)
    return mean, sd


def build_model(
    outcomes: tuple[Outcome, ...] | None = None,
    effects: tuple[Effect, ...] | None = None,
    registry: Registry | None = None,
    quadrature_nodes: int = QUADRATURE_NODES,
    registry_geometry: bool | None = None,
    parts: tuple[str, ...] = ("efficacy", "burden"),
):
    """The PyMC model over the evidence base (and a registry, when given).

    ``parts`` chooses the efficacy part (remission and response), the burden part, or both: they share
    no parameter, so fitting them apart gives the same posterior (leave-one-trial-out refits use the
    efficacy part alone). The efficacy rows carry a ``row_weight`` data vector (1 = in the fit, 0 =
    left out), so one compiled model serves every fold. ``registry_geometry`` chooses the
    parameterisation (same model, different sampler geometry; see :func:`_hierarchical`).
    """
    import pymc as pm
    import pytensor.tensor as pt

    outcomes = load_outcomes() if outcomes is None else outcomes
    effects = load_effects() if effects is None else effects
    registry_geometry = registry is not None if registry_geometry is None else registry_geometry
    x_ref = reference_mix(outcomes)
    design = arm_design(efficacy_rows(outcomes), x_ref)
    bdata = burden_data(outcomes)
    beta_mean, beta_sd = _factor_priors(effects)
    ect_mean, ect_sd = _factor_priors(effects, "beta_ect", ECT_FACTORS)
    coords = {
        "option": list(OPTION_KINDS),
        "factor": list(FACTORS),
        "ect_factor": list(ECT_FACTORS),
        "decline_group": list(DECLINE_GROUPS),
        "trial": list(design.trials),
    }

    with pm.Model(coords=coords) as model:
        if "efficacy" in parts:
            # Weakly informative hyperpriors (modelling choices, not clinical figures; docs/model.md).
            mu_alpha = pm.Normal("mu_alpha", -0.5, 1.5)
            tau_alpha = pm.HalfNormal("tau_alpha", 1.0)
            alpha = _hierarchical("alpha", mu_alpha, tau_alpha, centred=registry_geometry)
            # Decline per earlier failure, by group of kinds, partially pooled on the log scale (> 0).
            mu_log_lam = pm.Normal("mu_log_lam", math.log(0.3), 0.75)
            tau_lam = pm.HalfNormal("tau_lam", 0.5)
            lam_raw = pm.Normal("lam_raw", 0.0, 1.0, dims="decline_group")
            lam = pm.Deterministic("lam", pt.exp(mu_log_lam + tau_lam * lam_raw), dims="decline_group")
            rho = pm.HalfNormal("rho", 0.5)  # same-class resistance
            # How far ECT's chance tracks the responsiveness shown on drug trials (1 = as a drug's does).
            # Beta(2, 2): weakly informative, away from the edges; the ECT contrasts by medication
            # resistance (Heijnen 2010, Nygren 2023) inform it (docs/model.md).
            ect_loading = pm.Beta("ect_loading", 2.0, 2.0)
            # Signed spread: the aggregates leave real mass near sigma_u = 0, where a log-scale spread
            # makes a funnel (divergences); |s| keeps the prior and the likelihood (see _spread).
            signed_u = _spread("sigma_u", 1.5, signed=True)
            kappa = pm.HalfNormal("kappa", 1.5)
            beta = pm.Normal("beta", beta_mean, beta_sd, dims="factor")
            beta_ect = pm.Normal("beta_ect", ect_mean, ect_sd, dims="ect_factor")
            d_madrs12 = pm.HalfNormal("d_madrs12", 0.5)  # a lenient remission bar can only raise rates
            d_other = pm.Normal("d_other", 0.0, 0.5)
            d_single_blind = pm.Normal("d_single_blind", 0.0, 0.5)
            d_double_blind = pm.Normal("d_double_blind", 0.0, 0.5)
            # Between-trial effects, Student-t with 4 degrees of freedom: a few outlying small trials
            # (e.g. the lithium add-on RCTs at 0% and 100% response) do not inflate the spread every
            # new prediction carries, as a normal would make them do (docs/model.md).
            tau_trial = pm.HalfNormal("tau_trial", 0.5)
            # Trials whose arms used each study's own outcome definition (the lithium add-on RCTs as a
            # meta-analysis tabulates them, "remission as defined in each cohort") spread more than a
            # setting does; a pooled figure of k studies carries the mean of k effects (docs/model.md).
            tau_definition = pm.HalfNormal("tau_definition", 0.5)
            scale = trial_effect_scale(tau_trial, tau_definition, design.trial_studies, design.trial_per_study)
            trial_effect = pm.Deterministic("trial_effect", _trial_effects(design, scale), dims="trial")
            # The effect of a new trial (or a new patient's setting): sampled from its prior given tau,
            # so predictions for a new patient integrate the between-trial spread.
            trial_new_raw = pm.StudentT("trial_new_raw", nu=TRIAL_EFFECT_NU, mu=0.0, sigma=1.0)
            pm.Deterministic("trial_new", tau_trial * trial_new_raw)

            params = {
                "alpha": alpha[None, :],
                "lam": lam[None, :],
                "rho": rho[None],
                "sigma_u": signed_u[None],
                "kappa": kappa[None],
                "ect_loading": ect_loading[None],
                "beta": beta[None, :],
                "beta_ect": beta_ect[None, :],
                "d_madrs12": d_madrs12[None],
                "d_other": d_other[None],
                "d_single_blind": d_single_blind[None],
                "d_double_blind": d_double_blind[None],
            }
            rates = arm_rates(
                pytensor_namespace(), design, params, trial_effect[design.trial][None, :], quadrature_nodes
            )[0]
            row_weight = pm.Data("row_weight", np.ones(design.n_rows))
            logp = pm.logp(pm.Binomial.dist(n=design.n, p=pt.clip(rates, 1e-9, 1 - 1e-9)), design.events)
            pm.Potential("cohorts", pt.sum(row_weight * logp))

            _effect_observations(effects, "alpha", alpha)

            if registry is not None:
                _registry_efficacy(
                    registry, x_ref, ect_reference_mix(outcomes), alpha, mu_alpha, lam, kappa, beta, beta_ect, signed_u,
                    ect_loading,
                )

        if "burden" in parts:
            z, w = _gauss_hermite(quadrature_nodes)
            mu_delta = pm.Normal("mu_delta", -2.0, 1.5)
            tau_delta = pm.HalfNormal("tau_delta", 1.0)
            delta = _hierarchical("delta", mu_delta, tau_delta, centred=registry_geometry)
            # Signed, as sigma_u: the aggregates leave mass near sigma_v = 0 (a funnel on the log scale).
            signed_v = _spread("sigma_v", 1.0, signed=True)
            # Stopping for side effects is a stricter cut of the burden scale than FIBSER >= 3; STAR*D
            # level 1 reports both for one cohort, which identifies the gap.
            gamma = pm.HalfNormal("gamma", 2.0)
            v = signed_v * z
            eta_bur = delta[None, None, :] - gamma * bdata.is_stopping[:, None, None] + v[None, :, None]
            p_bur = (bdata.option[:, None, :] * pm.math.sigmoid(eta_bur)).sum(-1)
            p_bur = (p_bur * w).sum(-1)
            pm.Binomial("burden_cohorts", n=bdata.n, p=pt.clip(p_bur, 1e-9, 1 - 1e-9), observed=bdata.events)
            _effect_observations(effects, "delta", delta)
            if registry is not None and registry.burden_count.size:
                zr, wr = _gauss_hermite(REGISTRY_NODES)
                _registry_burden(registry, delta, mu_delta, signed_v * zr, wr)
    return model


def _trial_effects(design, scale):
    """The trial effects ``b_t ~ StudentT(nu, 0, scale_t)``: non-centred (``scale_t * raw_t``) for most trials,
    centred for :data:`CENTRED_TRIALS`.

    Same model either way. A trial whose arms pin its effect down (the Swedish ECT register: 4,244
    patients in two arms, against an ECT level that Heijnen 2010 fixes) makes the non-centred form a
    funnel between ``tau_trial`` and its raw effect: version 6 left 1-4 divergences in 8,000-12,000 draws
    at target acceptance 0.97-0.99 until that trial was centred.
    """
    import pymc as pm
    import pytensor.tensor as pt

    centred = np.array([t in CENTRED_TRIALS for t in design.trials])
    out = pt.zeros(len(design.trials))
    if (~centred).any():
        idx = np.flatnonzero(~centred)
        raw = pm.StudentT("trial_raw", nu=TRIAL_EFFECT_NU, mu=0.0, sigma=1.0, shape=idx.size)
        out = pt.set_subtensor(out[idx], scale[idx] * raw)
    if centred.any():
        idx = np.flatnonzero(centred)
        direct = pm.StudentT("trial_centred", nu=TRIAL_EFFECT_NU, mu=0.0, sigma=scale[idx], shape=idx.size)
        out = pt.set_subtensor(out[idx], direct)
    return out


def _effect_observations(effects: tuple[Effect, ...], parameter: str, effect) -> None:
    """Published odds ratios as normal pseudo-observations on contrasts of ``effect`` (alpha or delta):
    ``log OR ~ N(effect[option] - mean(effect[reference]), se)``, se from the 95% CI.
    """
    import pymc as pm

    for eff in effects:
        if eff.parameter != parameter or eff.log_se is None:
            continue
        ref = [OPTION_KINDS.index(r) for r in eff.reference]
        contrast = effect[OPTION_KINDS.index(eff.option)] - effect[ref].mean()
        pm.Normal(f"effect_{eff.id}", contrast, eff.log_se, observed=eff.log_estimate)


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


def _registry_efficacy(reg: Registry, x_ref, ect_ref, alpha, mu_alpha, lam, kappa, beta, beta_ect, signed_u, ect_loading) -> None:
    """Exact marginal likelihood of the registry's efficacy histories, weighted by the patients sharing them.

    The log-likelihood of every (cell, outcome) is tabulated once per quadrature node, (3C, G), with
    closed forms in softplus: remission ``eta - sp(eta)``, response without remission
    ``eta + log(expm1 kappa) - sp(eta) - sp(eta + kappa)``, no response ``-sp(eta + kappa)``. A
    history's log-likelihood at each node is then a sum of table rows, and a log-sum-exp over the
    nodes integrates u: both in one fused loop with its gradient
    (:func:`futility.model.marginal_loglik.history_logsumexp`). Cost grows with cells x nodes plus
    histories x trials x nodes of additions, not with patients x trials x nodes of transcendental work.
    Cells are centred on the reference mix (an unknown age is taken at the reference); a kind outside
    the model takes the population mean effect and the oral decline. When any cell is ECT, the nodes
    are the product of :data:`REGISTRY_NODES` nodes over u and :data:`REGISTRY_ECT_TRAIT_NODES` over
    ECT's own responsiveness e: an ECT cell's log odds is ``a + w u + s e`` (``s`` from
    :func:`futility.model.cohorts.ect_own_spread`), a drug cell's ``a + u``, so a history's ECT courses share
    ``e`` as its drug trials share ``u``.
    """
    import pymc as pm
    import pytensor.tensor as pt

    from futility.model.cohorts import ECT_COLUMNS, ect_factors, ect_own_spread
    from futility.model.marginal_loglik import history_logsumexp

    if not reg.count.size:
        return
    zu, wu = _gauss_hermite(REGISTRY_NODES)
    is_ect = (reg.cell_kind == OPTION_KINDS.index("ect")).astype(float)
    if is_ect.any():  # a product grid over (u, e)
        ze, we = _gauss_hermite(REGISTRY_ECT_TRAIT_NODES)
        zu, ze = np.repeat(zu, ze.size), np.tile(ze, zu.size)
        w = np.repeat(wu, we.size) * np.tile(we, wu.size)
    else:
        ze, w = np.zeros_like(zu), wu
    u = signed_u * zu
    own = ect_own_spread(signed_u, ect_loading, pt.sqrt) * ze  # ECT's own responsiveness at each node
    log_w = np.log(w)
    dx = np.nan_to_num(reg.cell_x - x_ref[None, :], nan=0.0)
    alpha_ext = pt.concatenate([alpha, mu_alpha[None]])
    lam_ext = pt.concatenate([lam[KIND_GROUP_INDEX], lam[DECLINE_GROUPS.index("oral")][None]])
    dx_ect = ect_factors(reg.cell_x) - ect_ref[None, :]
    dx_ect = np.where(np.isnan(dx_ect), 0.0, dx_ect)
    xb = pt.dot(dx, beta) + is_ect * (pt.dot(dx_ect, beta_ect) - pt.dot(dx[:, ECT_COLUMNS], beta[ECT_COLUMNS]))
    # The per-kind cap (ECT: one step); a kind outside the model (the last index) takes the general cap.
    failures = np.minimum(reg.cell_failures, np.append(FAILURES_CAP, MAX_FAILURES_EFFECT)[reg.cell_kind])
    a = alpha_ext[reg.cell_kind] + xb - lam_ext[reg.cell_kind] * failures  # (C,)
    loading = 1.0 + (ect_loading - 1.0) * is_ect  # ECT tracks drug responsiveness in part
    eta = a[:, None] + loading[:, None] * u[None, :] + is_ect[:, None] * own[None, :]  # (C, G)
    sp0 = _softplus(eta)
    sp1 = _softplus(eta + kappa)
    table = pt.stack([-sp1, eta + pt.log(pt.expm1(kappa)) - sp0 - sp1, eta - sp0], axis=1)  # (C, 3, G)
    table = table.reshape((-1, table.shape[-1]))  # row cell * 3 + outcome
    pm.Potential("registry_efficacy", history_logsumexp(table, reg.obs, reg.count, log_w))


def _registry_burden(reg: Registry, delta, mu_delta, v, w) -> None:
    """Exact marginal likelihood of the registry's burden histories (binary FIBSER >= 3 per trial)."""
    import pymc as pm
    import pytensor.tensor as pt

    from futility.model.marginal_loglik import history_logsumexp

    log_w = np.log(w)
    delta_ext = pt.concatenate([delta, mu_delta[None]])
    z = delta_ext[:, None] + v[None, :]  # (K + 1, G)
    btable = pt.stack([-_softplus(z), z - _softplus(z)], axis=1)  # (K + 1, 2, G): no burden, burden
    btable = btable.reshape((-1, btable.shape[-1]))  # row kind * 2 + burden
    pm.Potential("registry_burden", history_logsumexp(btable, reg.burden_obs, reg.burden_count, log_w))


# ------------------------------------------------------------------------------------------ fit & save
#: Parameters stored in a posterior file (the per-patient path reads them).
EFFICACY_VARS = (
    "alpha", "mu_alpha", "tau_alpha", "lam", "mu_log_lam", "tau_lam", "rho", "sigma_u", "kappa", "ect_loading", "beta", "beta_ect",
    "d_madrs12", "d_other", "d_single_blind", "d_double_blind", "tau_trial", "tau_definition", "trial_effect",
    "trial_new",
)
BURDEN_VARS = ("delta", "mu_delta", "tau_delta", "sigma_v", "gamma")
SAVED_VARS = EFFICACY_VARS + BURDEN_VARS


def convergence_diagnostics(idata) -> dict:
    """Max R-hat, min bulk ESS and divergences over the saved parameters."""
    import arviz as az

    post = idata.posterior[[v for v in SAVED_VARS if v in idata.posterior]]
    rhat = az.rhat(post)
    ess = az.ess(post, method="bulk")
    max_rhat = max(float(np.nanmax(rhat[v].values)) for v in rhat.data_vars)
    min_ess = min(float(np.nanmin(ess[v].values)) for v in ess.data_vars)
    div = 0
    if hasattr(idata, "sample_stats") and "diverging" in idata.sample_stats:
        div = int(idata.sample_stats["diverging"].values.sum())
    return {"max_rhat": round(max_rhat, 5), "min_ess_bulk": round(min_ess, 1), "divergences": div}


def fit_diagnostics(idata) -> dict:
    """The diagnostics :func:`fit` computed on every draw (before any thinning); the gate reads these."""
    attrs = getattr(idata, "attrs_futility", None)
    if attrs and "diagnostics" in attrs:
        return json.loads(attrs["diagnostics"])
    return convergence_diagnostics(idata)


def passes_gate(diagnostics: dict) -> bool:
    """True when the diagnostics meet :data:`GATE`."""
    return (
        diagnostics["max_rhat"] <= GATE["max_rhat"]
        and diagnostics["min_ess_bulk"] >= GATE["min_ess_bulk"]
        and diagnostics["divergences"] <= GATE["divergences"]
    )


def sampler_defaults(with_registry: bool, part: str = "efficacy") -> dict:
    """Warm-up, target acceptance and mass matrix that pass :data:`GATE` for one part (measured; docs/model.md).

    Efficacy: the option effects and the trial effects share one level (a ridge the low-rank mass
    matrix follows), 1,000 tuning steps at 0.98. Version 5 sampled at 0.97 (61 leapfrog steps per draw);
    version 6 (ECT's loading, the Swedish register's large arms) left 1-4 divergences in 8,000-12,000 draws
    at 0.97-0.99 until the register's trial effect was sampled centred (:func:`_trial_effects`).
    Burden: the aggregates leave a curved ridge between the burden cut ``gamma`` and ``sigma_v``, which needs
    a long warm-up and small steps (1,500 tuning steps at 0.9 gave 4-10 divergences; 3,000 at 0.95 none on the
    machine version 5 was built on, 1 in 12,000 on this one; 3,000 at 0.98 none). A registry pins the
    parameters down: 500 tuning steps at 0.9.
    """
    if with_registry:
        return {"tune": 500, "target_accept": 0.9, "low_rank": True}
    if part == "efficacy":
        return {"tune": 1000, "target_accept": 0.98, "low_rank": True}
    return {"tune": 3000, "target_accept": 0.98, "low_rank": False}


def _sample(model, *, draws, tune, chains, cores, random_seed, sampler, target_accept, low_rank):
    """Sample one model with nutpie (PyMC's NUTS when nutpie cannot be used); returns (idata, sampler used)."""
    import pymc as pm

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
            return idata, "nutpie"
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
    return idata, "pymc"


def _merge_parts(parts: list) -> InferenceData:
    """One InferenceData from independently sampled parts (they share no parameter, so any pairing of
    draws is a draw from the joint posterior); divergences are summed.
    """
    import arviz as az
    import xarray as xr

    posterior = xr.merge([p.posterior for p in parts], compat="override", join="override")
    diverging = sum(p.sample_stats["diverging"].astype(int) for p in parts)
    return az.InferenceData(posterior=posterior, sample_stats=xr.Dataset({"diverging": diverging}))


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
    thin: int = 1,
):
    """Sample the posterior; returns an InferenceData with diagnostics and provenance in its attrs.

    The efficacy part and the burden part share no parameter, so they are sampled apart (each with its
    own settings from :func:`sampler_defaults`) and merged. ``sampler`` is ``"nutpie"`` (default) or
    ``"pymc"``; nutpie falls back to PyMC's NUTS when it cannot be imported or compiled. ``tune``,
    ``target_accept`` and ``low_rank`` override the defaults for both parts. Diagnostics are computed on
    every draw; ``thin`` keeps every ``thin``-th draw afterwards (a smaller file for the patient path).
    """
    outcomes = load_outcomes() if outcomes is None else outcomes
    effects = load_effects() if effects is None else effects
    started = time.perf_counter()
    sampled = []
    used = sampler
    for i, part in enumerate(("efficacy", "burden")):
        settings = sampler_defaults(registry is not None, part)
        model = build_model(outcomes, effects, registry, parts=(part,))
        idata, used = _sample(
            model,
            draws=draws,
            tune=settings["tune"] if tune is None else tune,
            chains=chains,
            cores=cores,
            random_seed=random_seed + i,
            sampler=sampler,
            target_accept=settings["target_accept"] if target_accept is None else target_accept,
            low_rank=settings["low_rank"] if low_rank is None else low_rank,
        )
        sampled.append(idata)
    idata = _merge_parts(sampled)
    elapsed = time.perf_counter() - started
    diagnostics = convergence_diagnostics(idata)
    if thin > 1:
        idata = idata.isel(draw=slice(None, None, thin))
    attrs = {
        "model_version": MODEL_VERSION,
        "data_hash": data_hash or evidence_hash(),
        "diagnostics": json.dumps(diagnostics, sort_keys=True),
        "option_kinds": json.dumps(list(OPTION_KINDS)),
        "factors": json.dumps(list(FACTORS)),
        "ect_factors": json.dumps(list(ECT_FACTORS)),
        "decline_groups": json.dumps(list(DECLINE_GROUPS)),
        "kind_groups": json.dumps([DECLINE_GROUPS[i] for i in KIND_GROUP_INDEX]),
        "ect_reference_mix": json.dumps([float(v) for v in ect_reference_mix(outcomes)]),
        "reference_mix": json.dumps([float(v) for v in reference_mix(outcomes)]),
        "offered_kinds": json.dumps(list(offered_kinds(outcomes))),
        "burden_evidence_kinds": json.dumps(list(burden_evidence_kinds(outcomes, effects))),
        "thin": thin,
        "trials": json.dumps(list(arm_design(efficacy_rows(outcomes), reference_mix(outcomes)).trials)),
        "episode_months_cap": EPISODE_MONTHS_CAP,
        "max_failures_effect": MAX_FAILURES_EFFECT,
        "ect_failures_effect": ECT_FAILURES_EFFECT,
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
    names = [v for v in SAVED_VARS if v in idata.posterior]
    post = idata.posterior[names].astype("float64")
    post = xr.Dataset({name: post[name] for name in names})
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
