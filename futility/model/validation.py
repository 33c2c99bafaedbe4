"""Checking the model against trials: predicted arms, and leave-one-trial-out cross-validation.

``predict_arms`` gives, for published arms, the model's rate per posterior draw and a 94% predictive
interval for the observed proportion (binomial sampling included), from a stored posterior or from a
fresh fit. ``leave_one_trial_out`` refits the efficacy part once per fitted trial with that trial's
rows left out (one compiled model, its ``row_weight`` data switched per fold), and predicts the
left-out arms as a new trial: the left-out trial's effect has no data, so its draws are the
between-trial distribution. Coverage is the share of arms inside their interval; the error is the
mean absolute difference between the published and the predicted rate, in points. ``docs/calibration.md``
is generated from these (``futility validate``). Offline: imports PyMC only for the refits.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from futility.model.cohorts import (
    arm_design,
    arm_rates,
    efficacy_rows,
    numpy_namespace,
    reference_mix,
    trial_effect_scale,
)
from futility.model.evidence import Outcome, load_effects, load_outcomes

__all__ = ["ArmCheck", "arm_checks", "coverage_summary", "leave_one_trial_out", "predict_arms"]

#: Predictive interval mass (the same 94% as every other interval in the output).
INTERVAL = 0.94
#: Parameters of the efficacy part that arm predictions need.
_ARM_PARAMS = (
    "alpha", "lam", "rho", "sigma_u", "kappa", "ect_loading", "beta", "beta_ect", "d_madrs12", "d_other",
    "d_single_blind", "d_double_blind",
)


@dataclass(frozen=True)
class ArmCheck:
    """One published arm beside the model's prediction."""

    row: str
    trial: str
    outcome: str
    n: int
    observed: float
    predicted: float  # mean predicted rate
    low: float  # 94% predictive interval of the observed proportion
    high: float
    #: E|published - predicted| if the model were exactly right: the mean absolute distance of a
    #: proportion drawn from the predictive distribution (between-trial spread and arm size) to its mean.
    expected_error: float = float("nan")
    #: E|proportion - rate| from the arm's size alone, at the published rate: what even the true rate of
    #: this trial would miss by (binomial noise), the floor of any model's error on this arm.
    sampling_error: float = float("nan")

    @property
    def inside(self) -> bool:
        return self.low <= self.observed <= self.high

    @property
    def error(self) -> float:
        return abs(self.observed - self.predicted)


def draws_from_idata(idata) -> dict[str, Any]:
    """Posterior arrays with chains stacked into one leading draw axis, and ``trials``: the fitted trials (a tuple)."""
    post = idata.posterior
    out: dict[str, Any] = {}
    for name in (*_ARM_PARAMS, "trial_effect", "trial_new", "tau_trial", "tau_definition"):
        if name in post:
            arr = np.asarray(post[name].values, dtype=float)
            out[name] = arr.reshape((arr.shape[0] * arr.shape[1],) + arr.shape[2:])
    out["trials"] = tuple(str(t) for t in post["trial"].values) if "trial" in post.coords else ()
    return out


def draws_from_posterior(posterior) -> dict[str, np.ndarray]:
    """The same arrays from a stored posterior (:class:`futility.prognosis.posterior.PosteriorDraws`)."""
    out = {name: getattr(posterior, name) for name in ("alpha", "lam", "rho", "sigma_u", "kappa", "beta", "beta_ect")}
    out["ect_loading"] = posterior.ect_loading if posterior.ect_loading is not None else np.ones_like(posterior.sigma_u)
    out.update({k: v for k, v in posterior.extras.items() if k in _ARM_PARAMS})
    out["trial_new"] = posterior.trial_new
    out.update({k: posterior.extras[k] for k in ("tau_trial", "tau_definition") if k in posterior.extras})
    return out


def predict_arms(
    draws: dict[str, np.ndarray],
    rows: list[Outcome],
    x_ref: np.ndarray,
    trial_effect: np.ndarray | None = None,
    chunk: int = 500,
) -> np.ndarray:
    """Predicted rate of each row per draw, (S, R). ``trial_effect`` (S, R) defaults to a new trial's."""
    design = arm_design(rows, x_ref)
    s = draws["sigma_u"].shape[0]
    if trial_effect is None:
        trial_effect = new_trial_effect(draws, design)
    xp = numpy_namespace()
    out = np.empty((s, design.n_rows))
    for start in range(0, s, chunk):
        sl = slice(start, min(start + chunk, s))
        p = {name: draws[name][sl] for name in _ARM_PARAMS}
        out[sl] = arm_rates(xp, design, p, trial_effect[sl])
    return out


def new_trial_effect(draws: dict[str, np.ndarray], design) -> np.ndarray:
    """(S, R): each row's trial as a new one, its effect at that trial's own scale (studies pooled, definitions).

    ``trial_new`` is a new single setting with standard definitions; a pooled or per-study-definition
    row rescales the same standardised draw (:func:`futility.model.cohorts.trial_effect_scale`).
    """
    new = draws["trial_new"][:, None]
    tau = draws.get("tau_trial")
    if tau is None:
        return np.repeat(new, design.n_rows, axis=1)
    tau = np.maximum(tau, 1e-12)[:, None]
    tau_def = draws.get("tau_definition", np.zeros_like(draws["tau_trial"]))[:, None]
    scale = trial_effect_scale(tau, tau_def, design.trial_studies[None, :], design.trial_per_study[None, :])
    return (new / tau * scale)[:, design.trial]


def arm_checks(rates: np.ndarray, rows: list[Outcome], seed: int = 20260101) -> list[ArmCheck]:
    """Observed beside predicted, with a 94% predictive interval of the observed proportion."""
    rng = np.random.default_rng(seed)
    checks = []
    tail = (1.0 - INTERVAL) / 2.0
    for j, row in enumerate(rows):
        n, events = row.n, row.events
        if n is None or events is None:  # efficacy_rows keeps only arms with a denominator
            raise ValueError(f"{row.id}: an arm without a denominator cannot be checked")
        p = np.clip(rates[:, j], 0.0, 1.0)
        observed_props = rng.binomial(n, p) / n
        low, high = np.quantile(observed_props, [tail, 1.0 - tail])
        observed = events / n
        floor = rng.binomial(n, observed, size=p.size) / n
        checks.append(
            ArmCheck(
                row.id, row.trial, row.outcome, int(n), observed, float(p.mean()), float(low), float(high),
                expected_error=float(np.mean(np.abs(observed_props - p.mean()))),
                sampling_error=float(np.mean(np.abs(floor - observed))),
            )
        )
    return checks


def coverage_summary(checks: list[ArmCheck]) -> dict[str, float]:
    """Share of arms inside their interval and mean absolute error in percentage points, beside the error
    expected if the model were exactly right (``expected_mae_points``) and the error from the arms' sizes
    alone (``sampling_mae_points``): an observed error near the first is as small as the between-trial
    spread the evidence shows allows; the second is the floor of any model's error.
    """
    if not checks:
        nan = float("nan")
        return {"arms": 0, "coverage": nan, "mae_points": nan, "expected_mae_points": nan, "sampling_mae_points": nan}
    return {
        "arms": len(checks),
        "coverage": float(np.mean([c.inside for c in checks])),
        "mae_points": float(100.0 * np.mean([c.error for c in checks])),
        "expected_mae_points": float(100.0 * np.mean([c.expected_error for c in checks])),
        "sampling_mae_points": float(100.0 * np.mean([c.sampling_error for c in checks])),
    }


def leave_one_trial_out(
    outcomes: tuple[Outcome, ...] | None = None,
    effects=None,
    trials: list[str] | None = None,
    draws: int = 500,
    tune: int = 1000,
    chains: int = 2,
    random_seed: int = 20260101,
    progress=None,
) -> list[ArmCheck]:
    """Refit without each trial in turn and predict its arms as a new trial's (nutpie, one compile)."""
    import nutpie

    from futility.model.fit import build_model, sampler_defaults

    outcomes = load_outcomes() if outcomes is None else outcomes
    effects = load_effects() if effects is None else effects
    rows = efficacy_rows(outcomes)
    x_ref = reference_mix(outcomes)
    design = arm_design(rows, x_ref)
    compiled = nutpie.compile_pymc_model(build_model(outcomes, effects, parts=("efficacy",)))
    settings = sampler_defaults(False, "efficacy")
    folds = list(design.trials) if trials is None else list(trials)
    checks: list[ArmCheck] = []
    for i, trial in enumerate(folds):
        started = time.perf_counter()
        held = design.rows_of(trial)
        weight = np.ones(design.n_rows)
        weight[held] = 0.0
        idata = nutpie.sample(
            compiled.with_data(row_weight=weight),
            draws=draws,
            tune=tune,
            chains=chains,
            cores=chains,
            seed=random_seed + i,
            progress_bar=False,
            target_accept=settings["target_accept"],
            low_rank_modified_mass_matrix=settings["low_rank"],
        )
        fold = draws_from_idata(idata)
        t = fold["trials"].index(trial)
        held_rows = [rows[j] for j in held]
        effect = np.repeat(fold["trial_effect"][:, t][:, None], len(held_rows), axis=1)
        rates = predict_arms(fold, held_rows, x_ref, trial_effect=effect)
        fold_checks = arm_checks(rates, held_rows, seed=random_seed + i)
        checks.extend(fold_checks)
        if progress is not None:
            progress(trial, fold_checks, time.perf_counter() - started)
    return checks


def _interval_text(draws: np.ndarray) -> str:
    from futility.prognosis.predict import summarise

    s = summarise(draws)
    return f"{100 * s['mean']:.1f}% ({100 * s['hdi_low']:.1f}-{100 * s['hdi_high']:.1f}%)"


def _drug(agent: str, dose: float, **extra) -> dict:
    trial = {"agent": agent, "dose_mg_day": dose, "weeks": 8, "adherence": 0.95, "scale": "MADRS", "baseline": 34, "final": 31}
    trial.update(extra)
    return trial


#: Worked patients for the calibration page: what a clinician checking the tool would try.
PATIENT_EXAMPLES = (
    (
        "The demo case",
        "Age 54, episode 30 months, three adequate failures (sertraline, bupropion, lithium added); ECT not yet tried.",
        None,
    ),
    (
        "A typical ESCAPE-TRD entrant",
        "Age 45, episode 24 months, two adequate SSRI/SNRI failures in the episode (the trial enrolled 2-6).",
        {"id": "escape-like", "age": 45, "diagnosis": {"polarity": "unipolar", "episode_months": 24},
         "trials": [_drug("sertraline", 150), _drug("venlafaxine", 225)]},
    ),
    (
        "Two adequate trials, no final scores",
        "Age 40, episode 12 months, escitalopram then duloxetine at adequate dose and duration, no rating recorded: "
        "the first counts as a failure of unknown degree (another trial followed), the second is still open.",
        {"id": "no-scores", "age": 40, "diagnosis": {"polarity": "unipolar", "episode_months": 12},
         "trials": [{"agent": "escitalopram", "dose_mg_day": 20, "weeks": 8, "adherence": 0.9},
                    {"agent": "duloxetine", "dose_mg_day": 60, "weeks": 8, "adherence": 0.9}]},
    ),
    (
        "A long severe history",
        "Age 50, severe, episode 72 months, eight adequate failures across classes, augmentation and bilateral ECT.",
        {"id": "long-severe", "age": 50, "diagnosis": {"polarity": "unipolar", "episode_months": 72, "severity": "severe"},
         "trials": [_drug("sertraline", 150), _drug("venlafaxine", 225), _drug("bupropion", 300),
                    _drug("nortriptyline", 125), _drug("phenelzine", 60),
                    _drug("lithium", 900, augments=4, weeks=6), _drug("quetiapine", 300, augments=4),
                    {"agent": "ect", "weeks": 4, "sessions": 12, "laterality": "bilateral", "scale": "MADRS",
                     "baseline": 35, "final": 30}]},
    ),
)


def patient_predictions(posterior, case) -> list[dict]:
    """Each offered option's remission and burden for one case, most likely remission first."""
    from futility.clinical.adequacy import assess_trials
    from futility.clinical.screening import contraindications
    from futility.prognosis.predict import prognose

    result = prognose(case, assess_trials(case), contraindications(case), posterior)
    rows = [
        {
            "option": name,
            "mean": float(od.p_remission.mean()),
            "remission": _interval_text(od.p_remission),
            "burden": _interval_text(od.p_burden),
            "burden_known": result.burden_known.get(name, False),
        }
        for name, od in result.options.items()
    ]
    return sorted(rows, key=lambda r: -r["mean"])


def calibration_report(trials=None, draws=500, tune=1000, chains=2, progress=None, posterior=None) -> dict:
    """Everything ``docs/calibration.md`` shows: leave-one-trial-out checks, STAR*D levels, rows kept aside, patients."""
    from futility.case import case_from_dict, load_case
    from futility.prognosis.posterior import load_posterior

    outcomes = load_outcomes()
    posterior = load_posterior() if posterior is None else posterior
    rows = efficacy_rows(outcomes)
    known = {r.trial for r in rows}
    for t in trials or ():
        if t not in known:
            raise ValueError(f"unknown fitted trial {t!r} (one of: {', '.join(sorted(known))})")
    loo = leave_one_trial_out(outcomes, trials=trials, draws=draws, tune=tune, chains=chains, progress=progress)
    by_id = {r.id: r for r in rows}
    groups = {
        "every fitted arm": loo,
        "STAR*D arms": [c for c in loo if c.trial == "stard"],
        "arms of other trials": [c for c in loo if c.trial != "stard"],
        "arms after two or more failures": [c for c in loo if by_id[c.row].prior_failures >= 2],
    }
    x_ref = reference_mix(outcomes)
    stored = draws_from_posterior(posterior)
    levels = [r for r in outcomes if r.use == "calibration" and r.n]
    level_rows = []
    if levels:
        new = predict_arms(stored, levels, x_ref)
        effect = posterior.extras.get("trial_effect")
        if effect is not None and "stard" in posterior.trials:
            col = effect[:, posterior.trials.index("stard")]
            in_setting = predict_arms(stored, levels, x_ref, trial_effect=np.repeat(col[:, None], len(levels), axis=1))
        else:
            in_setting = new
        from futility.prognosis.intervals import hdi

        for j, r in enumerate(levels):
            lo, hi = hdi(in_setting[:, j])
            nlo, nhi = hdi(new[:, j])
            level_rows.append({
                "row": r.id, "n": r.n, "observed": r.rate, "in_setting": float(in_setting[:, j].mean()),
                "in_setting_low": lo, "in_setting_high": hi, "new_setting": float(new[:, j].mean()),
                "new_low": nlo, "new_high": nhi,
            })
    aside_rows = [r for r in efficacy_rows(outcomes, uses=("context",))]
    aside = arm_checks(predict_arms(stored, aside_rows, x_ref), aside_rows) if aside_rows else []
    patients = []
    for title, description, spec in PATIENT_EXAMPLES:
        if spec is None:
            from futility.case import demo_case_path

            case = load_case(demo_case_path())
        else:
            case = case_from_dict(spec)
        patients.append({"title": title, "description": description, "options": patient_predictions(posterior, case)})
    misfits = [
        f"{c.row} ({c.trial}): published {100 * c.observed:.1f}%, predicted {100 * c.predicted:.1f}% "
        f"(94% predictive interval {100 * c.low:.1f}-{100 * c.high:.1f}%)"
        for c in loo
        if not c.inside
    ] or ["Every left-out arm lies inside its predictive interval."]
    return {
        "model_version": posterior.version,
        "n_draws": posterior.n_draws,
        "diagnostics": posterior.diagnostics,
        "loo_settings": f"{chains} chains x {draws} draws after {tune} tuning steps per fold",
        "folds_run": len({c.trial for c in loo}),
        "folds_total": len(known),
        "loo": loo,
        "loo_summary": {k: coverage_summary(v) for k, v in groups.items()},
        "stard_levels": level_rows,
        "aside": aside,
        "patients": patients,
        "misfits": misfits,
    }


def report_to_dict(report: dict) -> dict:
    """The report with its checks as plain dicts (for JSON)."""
    out = dict(report)
    for key in ("loo", "aside"):
        out[key] = [dict(c.__dict__, inside=c.inside, error=c.error) for c in report[key]]
    return out
