"""Cohort rates: what the model predicts for a published trial arm, written once for the fit and for checks.

A trial arm is a group of patients who received option kind(s) ``k`` after failing earlier steps, at
the arm's own mix of patient factors, in a trial with its own effect ``b_t``, with an outcome
definition and a design. Its rate is conditional on the entrants having failed every earlier step
(they are a selected group), integrated over the latent responsiveness ``u ~ Normal(0, sigma_u)``::

    eta_k(f)  = alpha_k + (x_c - x_ref) . beta_k - lam_g(k) min(f, cap_k) - rho same_k + w_k u [+ s e for ECT]
    P_row     = sum_f share_f  E_u[ p_k(u, f) prod_{j<f} (1 - p_j(u, j)) ] / E_u[ prod_{j<f} (1 - p_j(u, j)) ]
    p_k(u, f) = logistic(eta_k(f) + kappa [response row] + d_definition + d_design + b_t)

``x_ref`` is the covariate mix of the reference cohort (STAR*D level 1), so a cohort (or a patient) at
that mix has no covariate offset; ``beta_k`` is ``beta`` with ECT's own effects of psychotic features
and age; ``same_k`` is the chance that kind ``k`` was among the failed steps (same-class resistance);
``share_f`` the published distribution of failures at entry. ``w_k`` is 1 for every kind but ECT, whose
chance tracks the responsiveness shown on drug trials only in part (``ect_loading``, between 0 and 1): the
rest is ECT's own responsiveness ``s e``, ``e ~ Normal(0, 1)``, ``s = sigma_u sqrt(1 - w^2)``
(:func:`ect_own_spread`), so ECT's latent part has the same spread as a drug's and correlation ``w``
with it, and a failed ECT course lowers the next course's chance through ``e`` as well as ``u``. No
cohort has ECT among its earlier failed steps, so ``e`` integrates out of an ECT arm's rate on its own
(:data:`ECT_TRAIT_NODES` Gauss-Hermite nodes). ``cap_k`` is :data:`MAX_FAILURES_EFFECT` for every kind but ECT, whose own decline is one step
(medication resistance or not, :data:`ECT_FAILURES_EFFECT`). Earlier steps of the same trial (STAR*D
levels) carry the trial effect; failures before entry to another trial (routine care) do not.

The arithmetic is written once, over an array namespace (numpy, or pytensor.tensor for the fit), with
parameters carrying a leading draw axis (length 1 in the fit): :func:`arm_rates`. The design arrays
come from the evidence rows: :func:`arm_design`. Mathematics: docs/model.md.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np

from futility.model.evidence import (
    BLINDING,
    DECLINE_GROUPS,
    KIND_GROUP,
    OPTION_KINDS,
    Outcome,
)

__all__ = [
    "ARM_NODES",
    "ECT_FACTORS",
    "FACTORS",
    "ECT_FAILURES_EFFECT",
    "ECT_TRAIT_NODES",
    "MAX_FAILURES_EFFECT",
    "MAX_HISTORY",
    "REFERENCE_ROW",
    "ArmDesign",
    "arm_design",
    "arm_rates",
    "covariate_offsets",
    "ect_own_spread",
    "ect_reference_mix",
    "reference_mix",
]

#: Patient factors (x): baseline severity rated severe, psychotic features, comorbid anxiety, months of
#: the current episode (up to :data:`EPISODE_MONTHS_CAP`) and age in decades.
FACTORS: tuple[str, ...] = ("severe", "psychotic_features", "comorbid_anxiety", "episode_months", "age_decades")
#: ECT's own patient factors. The evidence gives them the opposite direction to drugs: severe
#: depression, psychotic features and age 50 or over raise ECT's chance of response (Nordenskjold 2012,
#: Swedish ECT register; van Diermen 2018). For ECT they replace the general factors in
#: :data:`ECT_REPLACES`; a psychotic depression counts as severe, as in the register's grouping.
ECT_FACTORS: tuple[str, ...] = ("severe", "psychotic_features", "age_50_plus")
ECT_REPLACES: tuple[str, ...] = ("severe", "psychotic_features", "age_decades")
#: Rows of the Swedish ECT register whose group sizes give the ECT population's mix (the centre of
#: ECT's own factors): response by severity group and by age group (context rows).
_ECT_MIX_ROWS = {
    "psychotic": "nord2012_ect_psychotic_response",
    "severe": "nord2012_ect_severe_nonpsychotic_response",
    "mild": "nord2012_ect_mild_moderate_response",
    "old": "nord2012_ect_age_50plus_response",
    "young": "nord2012_ect_age_under50_response",
}
#: Cohort covariate column -> factor (age in years becomes decades).
_COVARIATE_FACTOR = {
    "severe_share": "severe",
    "psychotic_share": "psychotic_features",
    "anxiety_share": "comorbid_anxiety",
    "episode_months": "episode_months",
    "age_mean": "age_decades",
}
#: The cohort whose covariate mix is the reference: the option effects are log-odds at this mix.
REFERENCE_ROW = "stard_l1_remission"
#: The per-month episode effect is applied up to 5 years (a modelling choice: no cohort's mean episode
#: is longer, so the effect is not extrapolated beyond the evidence).
EPISODE_MONTHS_CAP = 60.0
#: The explicit decline ``lam * f`` stops at this many earlier failures: the fitted cohorts reach six
#: (ESCAPE-TRD), but few entrants had more than four. Further failures still lower a prediction
#: through the posterior of the patient's own responsiveness.
MAX_FAILURES_EFFECT = 4
#: ECT's own decline is one step: every ECT source measures medication resistance as resistant or not
#: (Heijnen 2010: at least one failure, OR 0.52; Nygren 2023: at least two, adjusted OR 0.64; Haq 2015:
#: OR 0.56 for response), and the contrast after two or more failures is no larger than after one, so
#: a count beyond one is not evidence of a further decline (docs/model.md).
ECT_FAILURES_EFFECT = 1
#: Longest history of failed steps a cohort row may have.
MAX_HISTORY = 8
#: Gauss-Hermite nodes over u for cohort rates.
ARM_NODES = 24
#: Gauss-Hermite nodes over ECT's own responsiveness e (cohort rates, the registry and the patient path).
ECT_TRAIT_NODES = 10


def ect_own_spread(sigma_u, ect_loading, sqrt=np.sqrt):
    """The spread s = sigma_u sqrt(1 - w^2) of ECT's own responsiveness, so that w u + s e has sd sigma_u."""
    return sigma_u * sqrt(1.0 - ect_loading * ect_loading)

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


def reference_mix(outcomes: tuple[Outcome, ...]) -> np.ndarray:
    """x_ref: the reference cohort's covariate mix in :data:`FACTORS` order (its row must give every one)."""
    rows = [o for o in outcomes if o.id == REFERENCE_ROW]
    if not rows:
        raise ValueError(f"the evidence has no reference row {REFERENCE_ROW!r}")
    cov = rows[0].covariates or {}
    missing = [c for c in _COVARIATE_FACTOR if c not in cov]
    if missing:
        raise ValueError(f"{REFERENCE_ROW}: the reference cohort lacks covariate(s) {', '.join(missing)}")
    return cohort_factors(cov, np.zeros(len(FACTORS)))


def ect_reference_mix(outcomes: tuple[Outcome, ...]) -> np.ndarray:
    """The ECT population's mix of ECT_FACTORS, from the register's group sizes (Nordenskjold 2012)."""
    n: dict[str, int] = {}
    for key, row in _ECT_MIX_ROWS.items():
        size = next((o.n for o in outcomes if o.id == row), None)
        if size is None:
            raise ValueError("the evidence lacks the ECT register's group sizes (nord2012_* rows)")
        n[key] = size
    total = n["psychotic"] + n["severe"] + n["mild"]
    return np.array([(n["psychotic"] + n["severe"]) / total, n["psychotic"] / total, n["old"] / (n["old"] + n["young"])])


def ect_factors(x: np.ndarray) -> np.ndarray:
    """ECT_FACTORS from general factors x (..., F): severe or psychotic, psychotic, age >= 50 (NaN age stays NaN)."""
    x = np.asarray(x, dtype=float)
    sev = np.maximum(x[..., FACTORS.index("severe")], x[..., FACTORS.index("psychotic_features")])
    psy = x[..., FACTORS.index("psychotic_features")]
    dec = x[..., FACTORS.index("age_decades")]
    with np.errstate(invalid="ignore"):
        old = np.where(np.isnan(dec), np.nan, (dec >= 5.0).astype(float))
    return np.stack([sev, psy, old], axis=-1)


def cohort_factors(covariates: dict[str, float], x_ref: np.ndarray) -> np.ndarray:
    """A cohort's mix in FACTORS order; a covariate the paper does not give is taken at the reference."""
    x = np.array(x_ref, dtype=float)
    for column, factor in _COVARIATE_FACTOR.items():
        if column in covariates:
            value = covariates[column]
            if factor == "age_decades":
                value = value / 10.0
            if factor == "episode_months":
                value = min(value, EPISODE_MONTHS_CAP)
            x[FACTORS.index(factor)] = value
    return x


def covariate_offsets(x: np.ndarray, x_ref: np.ndarray) -> np.ndarray:
    """The offset x - x_ref of a patient's or a cohort's factors from the reference mix."""
    return np.asarray(x, dtype=float) - np.asarray(x_ref, dtype=float)


@dataclass(frozen=True)
class ArmDesign:
    """Evidence rows (remission or response) as arrays; sub-rows expand a failure distribution.

    Q sub-rows, R rows, J history steps, F factors. Mixtures are stored sparsely, one *entry* per
    (sub-row, step, kind) with its weight, so the cost grows with the kinds actually named, not with
    every kind at every step.
    """

    row_ids: tuple[str, ...]
    trials: tuple[str, ...]
    parent: np.ndarray  # (Q,) row of each sub-row
    share: np.ndarray  # (Q,) share of the row's entrants with this history
    failures: np.ndarray  # (Q,) failed steps at entry
    history_in_trial: np.ndarray  # (Q,) 1 when the earlier steps belong to the same trial
    dx: np.ndarray  # (Q, F) covariate offset from the reference mix
    step_slot: np.ndarray  # (E,) slot (one per existing (sub-row, step) pair) of each history entry
    slot_sub: np.ndarray  # (L,) sub-row of each slot
    step_kind: np.ndarray  # (E,)
    step_index: np.ndarray  # (E,) earlier failures at that step
    step_weight: np.ndarray  # (E,)
    step_same: np.ndarray  # (E,) chance the entry's kind failed at an earlier step
    option_sub: np.ndarray  # (O,) sub-row of each option entry
    option_kind: np.ndarray  # (O,)
    option_weight: np.ndarray  # (O,)
    option_same: np.ndarray  # (O,) chance the kind was among the failed steps
    trial: np.ndarray  # (R,) trial index
    trial_studies: np.ndarray  # (T,) studies pooled in each trial's figures (1 for a single trial)
    trial_per_study: np.ndarray  # (T,) 1 when each pooled study used its own outcome definition
    is_response: np.ndarray  # (R,)
    madrs12: np.ndarray  # (R,) remission bar MADRS <= 12
    other_definition: np.ndarray  # (R,) per-study remission definitions
    single_blind: np.ndarray  # (R,)
    double_blind: np.ndarray  # (R,)
    n: np.ndarray  # (R,)
    events: np.ndarray  # (R,)

    @property
    def n_rows(self) -> int:
        return len(self.row_ids)

    @property
    def n_sub(self) -> int:
        return int(self.parent.size)

    def rows_of(self, trial: str) -> np.ndarray:
        """Indices of the rows of one trial."""
        t = self.trials.index(trial)
        return np.flatnonzero(self.trial == t)


def trial_effect_scale(tau_trial, tau_definition, studies, per_study):
    """Scale of each trial's effect: the setting spread, plus the spread of per-study definitions, over the
    square root of the studies pooled (a meta-analysis's pooled rate carries the mean of its studies' effects).

    Works on floats, numpy arrays and PyTensor tensors alike.
    """
    return ((tau_trial**2 + tau_definition**2 * per_study) / studies) ** 0.5


def efficacy_rows(outcomes: tuple[Outcome, ...], uses: tuple[str, ...] = ("fit",)) -> list[Outcome]:
    """Remission and response rows with the given ``use`` and a denominator."""
    return [o for o in outcomes if o.use in uses and o.outcome in ("remission", "response") and o.n]


def arm_design(rows: list[Outcome], x_ref: np.ndarray, trials: tuple[str, ...] | None = None) -> ArmDesign:
    """Design arrays for ``rows``; ``trials`` fixes the trial order (new trials are appended)."""
    k = len(OPTION_KINDS)
    trial_names = list(trials or ())
    for o in rows:
        if o.trial not in trial_names:
            trial_names.append(o.trial)
    parent: list[int] = []
    share: list[float] = []
    failures: list[int] = []
    in_trial: list[float] = []
    dx: list[np.ndarray] = []
    steps: list[tuple[int, int, int, float, float]] = []
    slot_sub: list[int] = []
    opts: list[tuple[int, int, float, float]] = []
    for r, o in enumerate(rows):
        x = cohort_factors(o.covariates or {}, x_ref)
        for w, history in o.entry_histories():
            if len(history) > MAX_HISTORY:
                raise ValueError(f"{o.id}: at most {MAX_HISTORY} failed steps are supported")
            q = len(parent)
            not_yet = np.ones(k)
            for j, step in enumerate(history):
                vec = _mixture_vector(step)
                slot = len(slot_sub)
                slot_sub.append(q)
                for kind in np.flatnonzero(vec):
                    steps.append((slot, int(kind), j, float(vec[kind]), float(1.0 - not_yet[kind])))
                not_yet = not_yet * (1.0 - vec)
            vec = _mixture_vector(o.option)
            for kind in np.flatnonzero(vec):
                opts.append((q, int(kind), float(vec[kind]), float(1.0 - not_yet[kind])))
            parent.append(r)
            share.append(w)
            failures.append(len(history))
            in_trial.append(float(bool(o.history)))
            dx.append(covariate_offsets(x, x_ref))
    definition = [o.definition_class for o in rows]
    blinding = [o.blinding for o in rows]
    for b in blinding:
        if b not in BLINDING:
            raise ValueError(f"unknown blinding {b!r}")
    st = np.array(steps, dtype=float).reshape(-1, 5)
    op = np.array(opts, dtype=float).reshape(-1, 4)
    return ArmDesign(
        row_ids=tuple(o.id for o in rows),
        trials=tuple(trial_names),
        parent=np.array(parent, dtype=int),
        share=np.array(share, dtype=float),
        failures=np.array(failures, dtype=float),
        history_in_trial=np.array(in_trial, dtype=float),
        dx=np.array(dx).reshape(-1, len(FACTORS)),
        step_slot=st[:, 0].astype(int),
        slot_sub=np.array(slot_sub, dtype=int),
        step_kind=st[:, 1].astype(int),
        step_index=st[:, 2],
        step_weight=st[:, 3],
        step_same=st[:, 4],
        option_sub=op[:, 0].astype(int),
        option_kind=op[:, 1].astype(int),
        option_weight=op[:, 2],
        option_same=op[:, 3],
        trial=np.array([trial_names.index(o.trial) for o in rows], dtype=int),
        trial_studies=np.array([max([o.studies for o in rows if o.trial == t] or [1]) for t in trial_names], dtype=float),
        trial_per_study=np.array(
            [float(any(o.per_study_definitions for o in rows if o.trial == t)) for t in trial_names], dtype=float
        ),
        is_response=np.array([o.outcome == "response" for o in rows], dtype=float),
        madrs12=np.array([d == "madrs12" for d in definition], dtype=float),
        other_definition=np.array([d == "other" for d in definition], dtype=float),
        single_blind=np.array([b == "single_blind" for b in blinding], dtype=float),
        double_blind=np.array([b == "double_blind" for b in blinding], dtype=float),
        n=np.array([o.n for o in rows], dtype=int),
        events=np.array([o.events for o in rows], dtype=int),
    )


#: Column of each kind's decline group, for lam (K,) from the per-group lam (G,).
KIND_GROUP_INDEX = np.array([DECLINE_GROUPS.index(KIND_GROUP[k]) for k in OPTION_KINDS], dtype=int)
#: Columns of the general factors that ECT's own factors replace.
ECT_COLUMNS = np.array([FACTORS.index(f) for f in ECT_REPLACES], dtype=int)
ECT_MASK = np.array([k == "ect" for k in OPTION_KINDS], dtype=float)
#: Cap of the explicit decline per kind (ECT's own decline is one step).
FAILURES_CAP = np.where(ECT_MASK > 0, ECT_FAILURES_EFFECT, MAX_FAILURES_EFFECT).astype(float)


def loading_by_kind(ect_loading):
    """w_k per draw and kind, (S, K): 1 for every kind, ``ect_loading`` (S,) for ECT."""
    return 1.0 + (ect_loading[:, None] - 1.0) * ECT_MASK[None, :]


def numpy_namespace() -> SimpleNamespace:
    """The array operations :func:`arm_rates` needs, in numpy."""
    return SimpleNamespace(
        sigmoid=lambda x: 1.0 / (1.0 + np.exp(-x)), log=np.log, exp=np.exp, matmul=np.matmul, left=np.matmul,
        sqrt=np.sqrt,
    )


def pytensor_namespace() -> SimpleNamespace:
    """The array operations :func:`arm_rates` needs, in PyTensor (for the fit)."""
    import pytensor.tensor as pt

    # The fit has one "draw" (a leading axis of length 1): a constant matrix times it is a 2-D dot.
    return SimpleNamespace(
        sigmoid=pt.sigmoid, log=pt.log, exp=pt.exp, matmul=pt.matmul, left=lambda m, x: pt.dot(m, x[0])[None],
        sqrt=pt.sqrt,
    )


def _scatter(index: np.ndarray, size: int, weight: np.ndarray) -> np.ndarray:
    """(size, E) matrix summing weighted entries into their slots."""
    out = np.zeros((size, index.size))
    out[index, np.arange(index.size)] = weight
    return out


def _linear(p: dict, design: ArmDesign, sub: np.ndarray, kind: np.ndarray, xb, ect_extra):
    """alpha_k + covariate part for entries (sub-row, kind): (S, E)."""
    return p["alpha"][:, kind] + xb[:, sub] + ect_extra[:, sub] * ECT_MASK[kind][None, :]


def arm_rates(xp, design: ArmDesign, p: dict, trial_effect, nodes: int = ARM_NODES):
    """Predicted rate of every row, (S, R), for parameters ``p`` with a leading draw axis S.

    ``p`` holds ``alpha`` (S, K), ``lam`` (S, G), ``rho``, ``sigma_u``, ``kappa``, ``ect_loading``,
    ``d_madrs12``, ``d_other``, ``d_single_blind``, ``d_double_blind`` (S,), ``beta`` (S, F), ``beta_ect`` (S, E);
    ``trial_effect`` is (S, R), the effect of each row's trial.
    """
    z, w = _gauss_hermite(nodes)
    lam_k = p["lam"][:, KIND_GROUP_INDEX]  # (S, K)
    load_k = loading_by_kind(p["ect_loading"])  # (S, K)
    xb = xp.matmul(p["beta"], design.dx.T)  # (S, Q)
    # ECT: its own factors replace the general ones. No ECT cohort reports its mix, so every ECT row
    # sits at the ECT population's mix (offset 0 on ECT's factors); only the general part is removed.
    ect_extra = -xp.matmul(p["beta"][:, ECT_COLUMNS], design.dx[:, ECT_COLUMNS].T)  # (S, Q)
    u = p["sigma_u"][:, None] * z[None, :]  # (S, G)
    b_sub = trial_effect[:, design.parent]  # (S, Q)
    q_of_step = design.slot_sub[design.step_slot]
    if np.any(ECT_MASK[design.step_kind]):
        raise ValueError(
            "a cohort with ECT among its earlier failed steps is not supported: ECT's own trait would tie the step to the option"
        )

    # Earlier failed steps, one entry per (sub-row, step, kind): P(success) summed into its slot.
    eta_step = (
        _linear(p, design, q_of_step, design.step_kind, xb, ect_extra)
        - lam_k[:, design.step_kind] * np.minimum(design.step_index, FAILURES_CAP[design.step_kind])[None, :]
        - p["rho"][:, None] * design.step_same[None, :]
        + b_sub[:, q_of_step] * design.history_in_trial[q_of_step][None, :]
    )  # (S, E)
    p_step = xp.sigmoid(eta_step[:, :, None] + load_k[:, design.step_kind][:, :, None] * u[:, None, :])  # (S, E, G)
    slots = design.slot_sub.size
    success = xp.left(_scatter(design.step_slot, slots, design.step_weight), p_step)  # (S, L, G)
    log_fail = xp.log(1.0 - success)
    # log P(failed every earlier step | u), (S, Q, G): sum over each sub-row's slots
    log_surv = xp.left(_scatter(design.slot_sub, design.n_sub, np.ones(slots)), log_fail)
    surv = xp.exp(log_surv)

    offset = (
        p["kappa"][:, None] * design.is_response[None, :]
        + p["d_madrs12"][:, None] * design.madrs12[None, :]
        + p["d_other"][:, None] * design.other_definition[None, :]
        + p["d_single_blind"][:, None] * design.single_blind[None, :]
        + p["d_double_blind"][:, None] * design.double_blind[None, :]
        + trial_effect
    )[:, design.parent]  # (S, Q)
    sub = design.option_sub
    eta = (
        _linear(p, design, sub, design.option_kind, xb, ect_extra)
        - lam_k[:, design.option_kind] * np.minimum(design.failures[sub], FAILURES_CAP[design.option_kind])[None, :]
        - p["rho"][:, None] * design.option_same[None, :]
        + offset[:, sub]
    )  # (S, O)
    p_entry = xp.sigmoid(eta[:, :, None] + load_k[:, design.option_kind][:, :, None] * u[:, None, :])  # (S, O, G)
    ect_entries = np.flatnonzero(ECT_MASK[design.option_kind])
    if ect_entries.size:  # ECT entries: w u + s e, with e integrated out on its own nodes
        ze, we = _gauss_hermite(ECT_TRAIT_NODES)
        w_ect = p["ect_loading"][:, None, None, None]
        s_ect = ect_own_spread(p["sigma_u"], p["ect_loading"], xp.sqrt)[:, None, None, None]
        inner = eta[:, ect_entries][:, :, None, None] + w_ect * u[:, None, :, None] + s_ect * ze[None, None, None, :]
        p_ect = xp.matmul(xp.sigmoid(inner), we)  # (S, O_e, G)
        keep = 1.0 - ECT_MASK[design.option_kind]
        place = _scatter(ect_entries, design.option_kind.size, np.ones(ect_entries.size))  # (O, O_e)
        p_entry = p_entry * keep[None, :, None] + xp.left(place, p_ect)
    p_opt = xp.left(_scatter(sub, design.n_sub, design.option_weight), p_entry)  # (S, Q, G)
    cond = xp.matmul(surv * p_opt, w) / xp.matmul(surv, w)  # (S, Q)
    # Rows mix their sub-rows by the share of entrants with each history: (S, Q) @ (Q, R)
    return xp.matmul(cond, _scatter(design.parent, design.n_rows, design.share).T)
