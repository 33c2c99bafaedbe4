"""Calibration of the shipped posterior against published rates (STAR*D levels, ECT, long histories)."""
from __future__ import annotations

import numpy as np
import pytest

from futility.case import case_from_dict
from futility.clinical.adequacy import assess_trials
from futility.model.evidence import load_outcomes
from futility.prognosis.posterior import load_posterior
from futility.prognosis.predict import prognose


@pytest.fixture(scope="module")
def posterior():
    return load_posterior()


def _rows(prefix: str):
    return [r for r in load_outcomes() if r.id.startswith(prefix)]


def _predict(posterior, rows, setting: str | None = None):
    """Predicted rates (S, R) of published rows: in a fitted trial's setting, or a new one's."""
    from futility.model.cohorts import reference_mix
    from futility.model.validation import draws_from_posterior, predict_arms

    effect = None
    if setting is not None:
        col = posterior.extras["trial_effect"][:, posterior.trials.index(setting)]
        effect = np.repeat(col[:, None], len(rows), axis=1)
    return predict_arms(draws_from_posterior(posterior), rows, reference_mix(load_outcomes()), trial_effect=effect)


def test_star_d_level_totals_held_out(posterior):
    """Held-out STAR*D level totals, in STAR*D's setting: within 7 points, and the fall from level 1 to 4 reproduced."""
    levels = sorted(_rows("stard_level"), key=lambda r: r.prior_failures)
    predicted = _predict(posterior, levels, "stard").mean(axis=0)
    for row, p in zip(levels, predicted):
        assert abs(p - row.rate) < 0.07, (row.id, p, row.rate)
    assert all(a > b for a, b in zip(predicted, predicted[1:]))


def test_ect_after_medication_failure(posterior):
    """ECT remission after medication failure is near Heijnen's 48% in that setting and below ECT without failure."""
    rows = [r for r in load_outcomes() if r.id in ("ect_after_medication_failure_remission", "ect_no_prior_failure_remission")]
    rates = _predict(posterior, rows, "heijnen2010")
    after = rates[:, [r.id for r in rows].index("ect_after_medication_failure_remission")]
    before = rates[:, [r.id for r in rows].index("ect_no_prior_failure_remission")]
    assert abs(after.mean() - 0.48) < 0.06
    assert np.mean(after < before) > 0.95


def test_ect_contrast_by_medication_resistance_in_the_swedish_register(posterior):
    """Nygren 2023: ECT response 65.9% after two or more trials vs 75.9% after fewer, in the register's
    own setting; the model reproduces both and the gap between them (a one-step decline with a partial
    loading; with one decline per failure and full loading the gap came out twice as wide)."""
    rows = _rows("nygren2023_")
    rates = _predict(posterior, rows, "nygren2023")
    by_id = {r.id: rates[:, i] for i, r in enumerate(rows)}
    trd, non = by_id["nygren2023_ect_trd_response"], by_id["nygren2023_ect_non_trd_response"]
    assert abs(trd.mean() - 0.659) < 0.05 and abs(non.mean() - 0.759) < 0.05
    assert 0.0 < (non - trd).mean() < 0.2


def test_demo_ect_keeps_the_published_range_after_medication_failure_in_view(posterior):
    """The demo (three adequate drug failures, 30-month episode): ECT series after medication failure
    report about 40-50% remission (Heijnen 2010: 48%; community settings 30-47%, Prudic 2004). The
    prediction's 94% interval must reach that range and its mean sit above every drug's."""
    from pathlib import Path

    from futility.case import load_case
    from futility.prognosis.predict import summarise

    case = load_case(Path(__file__).resolve().parents[1] / "futility" / "data" / "demo-case.yaml")
    result = prognose(case, assess_trials(case), [], posterior)
    ect = summarise(result.options["ect"].p_remission)
    assert ect["hdi_high"] >= 0.40
    drugs = ("ssri", "snri", "ndri", "tca", "maoi", "nassa")
    assert ect["mean"] > max(result.options[k].p_remission.mean() for k in drugs if k in result.options)


def _case(months: float, severity: str | None, trials: list[dict]):
    return case_from_dict({
        "id": "calibration", "age": 50,
        "diagnosis": {"polarity": "unipolar", "episode_months": months, "severity": severity},
        "trials": trials,
    })


def _drug(agent: str, dose: float, **extra) -> dict:
    return {"agent": agent, "dose_mg_day": dose, "weeks": 8, "adherence": 0.95, "scale": "MADRS",
            "baseline": 34, "final": 31, **extra}


LONG_SEVERE = [
    _drug("sertraline", 150), _drug("venlafaxine", 225), _drug("bupropion", 300),
    _drug("nortriptyline", 125), _drug("phenelzine", 60),
    _drug("lithium", 900, augments=4, weeks=6), _drug("quetiapine", 300, augments=4),
    {"agent": "ect", "weeks": 4, "sessions": 12, "laterality": "bilateral", "scale": "MADRS", "baseline": 35, "final": 30},
]


def test_long_severe_history_lands_in_low_single_digits_to_ten_percent(posterior):
    """Eight adequate failures across classes, augmentation and ECT, episode of 6 years: every option <= ~10%."""
    case = _case(72, "severe", LONG_SEVERE)
    trials = assess_trials(case)
    assert sum(t.adequate for t in trials) >= 6
    result = prognose(case, trials, [], posterior)
    means = {k: od.p_remission.mean() for k, od in result.options.items()}
    others = {k: v for k, v in means.items() if k != "ect"}  # a repeat of the failed ECT course: next test
    assert max(others.values()) <= 0.12, means
    assert min(means.values()) >= 0.002, means
    assert result.responsiveness["mean"] < 0


@pytest.mark.xfail(
    strict=True,
    reason="known miss (issue 11, docs/model.md known limits): a second ECT course after a failed adequate "
    "bilateral course at 72 with severe depression comes out at about 28% (version 6: 31%; the same history "
    "without the ECT course: 37%). Version 7 gives ECT its own responsiveness, which the failed course lowers, "
    "but one failed course is one binary observation: under any model with ECT's between-patient spread it "
    "lowers the next course's chance by the variance over the mean's complement (about 9 points here). No study "
    "we hold reports a second course after a failed one, so the figure carries a note on screen",
)
def test_repeat_ect_after_a_failed_course_stays_at_about_ten_percent(posterior):
    case = _case(72, "severe", LONG_SEVERE)
    result = prognose(case, assess_trials(case), [], posterior)
    assert result.options["ect"].p_remission.mean() <= 0.12


def test_a_failed_ect_course_lowers_the_next_course(posterior):
    """ECT's own responsiveness (version 7): the long severe history's repeat ECT course is at least
    5 points below the same history without the failed course, while esketamine (which does not load
    on ECT's own trait) falls by less."""
    def ect_and_esketamine(trials):
        case = _case(72, "severe", trials)
        result = prognose(case, assess_trials(case), [], posterior)
        return result.options["ect"].p_remission.mean(), result.options["esketamine"].p_remission.mean()

    ect_before, esk_before = ect_and_esketamine(LONG_SEVERE[:-1])
    ect_after, esk_after = ect_and_esketamine(LONG_SEVERE)
    assert ect_before - ect_after >= 0.05
    assert esk_before - esk_after < ect_before - ect_after


def test_star_d_like_patient_path_declines(posterior):
    """A patient failing citalopram, then sertraline, then nortriptyline has falling chances at each next step."""
    path = [_drug("citalopram", 40), _drug("sertraline", 150), _drug("nortriptyline", 125)]
    remission_next = []
    for k in range(len(path) + 1):
        case = _case(12, None, path[:k])
        remission_next.append(prognose(case, assess_trials(case), [], posterior).options["maoi"].p_remission.mean())
    assert all(a > b for a, b in zip(remission_next, remission_next[1:]))


def test_burden_scale_reproduces_both_star_d_level_one_rates():
    """One latent burden scale, two cuts: STAR*D level 1 FIBSER >= 3 (38.6%) and stopping (17.0%) from the same cohort.

    The shipped posterior's population rates for a first SSRI, integrating the tolerability v, sit within
    4 points of both published figures, and stopping is always the rarer event (gamma > 0).
    """
    import arviz as az
    from scipy.special import expit

    from futility.prognosis.posterior import default_posterior_path

    post = az.from_netcdf(default_posterior_path()).posterior
    ssri = post["delta"].sel(option="ssri").values.ravel()
    gamma = post["gamma"].values.ravel()
    sigma_v = post["sigma_v"].values.ravel()
    z, w = np.polynomial.hermite_e.hermegauss(40)
    w = w / w.sum()
    v = sigma_v[:, None] * z[None, :]
    fibser = (expit(ssri[:, None] + v) * w).sum(axis=1)
    stopping = (expit(ssri[:, None] - gamma[:, None] + v) * w).sum(axis=1)
    rows = {r.id: r for r in load_outcomes()}
    assert abs(fibser.mean() - rows["stard_l1_fibser_burden"].rate) < 0.04
    assert abs(stopping.mean() - rows["stard_l1_intolerance"].rate) < 0.04
    assert np.all(gamma > 0) and np.all(stopping < fibser)


def test_repeat_ect_figure_is_marked_where_the_evidence_is_missing(posterior):
    """After a failed adequate ECT course the repeat-ECT figure rests on no evidence of its own (and is
    too high, above): the JSON, the text, the report and the consultation say so beside it; a history
    without ECT carries no such note."""
    from futility.assessment import assess
    from futility.commands.assess import render_text
    from futility.render.report._context import _prognosis as report_rows

    case = _case(72, "severe", LONG_SEVERE)
    a = assess(case, posterior=posterior)
    out = a.to_dict()
    notes = {p["option"]: p.get("evidence_note") for p in out["prognosis"]}
    assert notes["ect"] and "second course" in notes["ect"]
    assert all(v is None for k, v in notes.items() if k != "ect")
    assert "note: a repeat course after an adequate ECT course" in render_text(a.to_json_model())
    rows, _ = report_rows(a.output)
    assert [r["note"] for r in rows if r.get("note")] == [notes["ect"]]
    from futility.dashboards.consultation import option_cards_html

    assert "second course of ECT after one that did not work" in option_cards_html(a.output.prognosis)
    plain = assess(_case(12, None, [_drug("sertraline", 150)]), posterior=posterior).to_dict()
    assert all(p.get("evidence_note") is None for p in plain["prognosis"])
