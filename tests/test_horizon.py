"""Plans over time (futility.horizon): the chain by hand, its invariants, and its anchors in the evidence."""
from __future__ import annotations

import math

import numpy as np
import pytest

import futility
from futility.case import CaseError, case_from_dict, demo_case_path
from futility.horizon import COMFORT, USUAL_CARE, HorizonAssumptions
from futility.horizon import evidence as ev
from futility.horizon.chain import SUSTAINED_CYCLES, CourseStep, run_plans
from futility.prognosis.predict import plan_step_draws

S = 5


def _step(r=0.3, q=0.5, b=0.2, cycles=3, early=0.05, late=0.02, resp=0.2, kind="ssri"):
    return CourseStep(kind, cycles, np.full(S, r), np.full(S, q), np.full(S, b), early, late, resp)


def test_two_state_case_by_hand():
    """One course of one cycle then comfort care that never remits: remission r at the end of cycle 1, then
    each cycle a fraction h relapses (into comfort care, which never remits), so P(in remission at t) = r (1-h)^(t-1).
    """
    r, h = 0.4, 0.1
    run = run_plans([[_step(r=r, q=r, cycles=1, early=h, late=h, resp=0.0)]], np.zeros(S), 0.0, 20)[0]
    for t in range(1, 20):
        assert run.remission[t] == pytest.approx(r * (1 - h) ** (t - 1), rel=1e-5)
        assert run.comfort[t] == pytest.approx(1 - r * (1 - h) ** (t - 1), rel=1e-5)
    assert run.on_course[0] == pytest.approx(1.0) and run.on_course[1] == pytest.approx(0.0)
    assert run.ever_remitted[-1] == pytest.approx(r, rel=1e-5)  # comfort care never remits: ever = r
    # well 6 months: surviving SUSTAINED_CYCLES cycles without relapse
    assert run.well_6m[-1] == pytest.approx(r * (1 - h) ** SUSTAINED_CYCLES, rel=1e-5)
    assert run.relapses[-1] == pytest.approx(r * (1 - (1 - h) ** 18), rel=1e-4)  # boundaries 2..19


def test_mass_is_conserved_and_ever_remitted_never_falls():
    steps = [_step(r=0.2, q=0.4, cycles=3), _step(r=0.3, q=0.5, cycles=2, kind="ect"), _step(r=0.1, q=0.2, cycles=1)]
    runs = run_plans([steps, [], steps[:1]], np.full(S, 0.02), 0.08, 66)
    for run in runs:
        total = run.remission + run.response + run.on_course + run.comfort
        assert np.allclose(total, 1.0, atol=1e-5)
        assert np.all(np.diff(run.ever_remitted, axis=0) >= -1e-7)
        assert np.all(np.diff(run.well_6m, axis=0) >= -1e-7)
        assert np.all(run.ever_remitted >= run.remission - 1e-6)  # never below in remission
        assert np.all(run.ever_remitted >= run.well_6m - 1e-6)


def test_zero_comfort_remission_never_remits():
    run = run_plans([[]], np.zeros(S), 0.1, 66)[0]
    assert np.all(run.ever_remitted == 0.0) and np.all(run.remission == 0.0) and np.allclose(run.comfort, 1.0)


def test_higher_relapse_hazards_never_help():
    """Monotone in the relapse hazards: more relapse gives no more time in remission and no higher chance in remission."""
    base = run_plans([[_step(early=0.03, late=0.02, resp=0.1)]], np.full(S, 0.01), 0.05, 66)[0]
    worse = run_plans([[_step(early=0.08, late=0.06, resp=0.3)]], np.full(S, 0.01), 0.05, 66)[0]
    assert np.all(worse.remission <= base.remission + 1e-7)
    assert worse.remission.sum() < base.remission.sum()
    assert np.all(worse.well_6m <= base.well_6m + 1e-7)


@pytest.fixture(scope="module")
def demo():
    return futility.assess(futility.load_case(demo_case_path()))


def test_one_course_plan_reproduces_the_next_option_prognosis(demo):
    """A plan of one course gives, at the course's end, exactly the next-option remission chance (same draws)."""
    for kind in ("ect", "esketamine", "lithium_augmentation"):
        if kind not in demo.prognosis.options:
            continue
        step = plan_step_draws(demo.case, demo.trials, demo.posterior, [kind])[0]
        assert np.allclose(step.p_remission, demo.prognosis.options[kind].p_remission, atol=1e-6)
    plan = demo.horizon.plan("try_ect")
    cycles = ev.course("ect").cycles
    idx = np.arange(0, demo.posterior.n_draws, demo.posterior.n_draws // demo.horizon.assumptions.draws)
    assert plan.run.ever_remitted[cycles].mean() == pytest.approx(demo.prognosis.options["ect"].p_remission[idx].mean(), abs=1e-5)


def test_failures_within_a_plan_lower_the_next_course(demo):
    """The sequence is not independent trials: after a failed course, the same kind's chance is lower."""
    first, second = plan_step_draws(demo.case, demo.trials, demo.posterior, ["esketamine", "esketamine"])
    assert second.p_remission.mean() < first.p_remission.mean()
    assert np.all(second.p_remission <= first.p_remission + 1e-6)


def test_contract_has_usual_care_and_comfort_focus(demo):
    h = demo.to_dict()["horizon"]
    names = [p["plan"] for p in h["plans"]]
    assert USUAL_CARE in names and COMFORT in names
    assert h["months"] == [6, 12, 24, 60]
    usual = next(p for p in h["plans"] if p["plan"] == USUAL_CARE)
    assert usual["steps"] and not set(usual["steps"]) & set(demo.gate_context.tried_options)
    for p in h["plans"]:
        for o in p["outcomes"]:
            for key in ("p_ever_remitted", "p_in_remission", "p_well_6m", "months_in_remission", "qalys"):
                s = o[key]
                assert s["hdi_low"] <= s["mean"] + 1e-9 and s["mean"] <= s["hdi_high"] + 1e-9, (p["plan"], key)
    assert abs(sum(p["p_best"] for p in h["plans"]) - 1.0) < 1e-9


def test_first_episode_usual_care_lands_in_stard_range():
    """Patients entering care as STAR*D's did (no failed trial; its mix: 49% severe, 53% comorbid anxiety,
    episode 17.6 months, age 41): usual care's chance of remission within 12 months, averaged over that mix,
    lies in the range STAR*D gives (level 1 36.8%; cumulative over the four levels 67%, theoretical, no
    drop-outs; clinical-evidence.md §1). "About": the bound is 0.70; the model has no drop-out, as the 67% has none.
    """
    total = 0.0
    for severe, anxiety in ((True, True), (True, False), (False, True), (False, False)):
        weight = (0.49 if severe else 0.51) * (0.532 if anxiety else 0.468)
        data = {"id": "stard-like", "age": 41, "diagnosis": {"episode_months": 17.6, "severity": "severe" if severe else "moderate",
                                                              "comorbid_anxiety": anxiety}}
        a = futility.assess(case_from_dict(data))
        total += weight * float(a.horizon.plan(USUAL_CARE).draws["p_ever_remitted"][a.horizon.months.index(12)].mean())
    assert 0.35 <= total <= 0.70, total


def test_comfort_remission_assumption_is_adjustable_and_visible(demo):
    none = futility.assess(demo.case, horizon=HorizonAssumptions(comfort_remission_monthly=(0.0, 0.0)))
    comfort = none.horizon.plan(COMFORT)
    assert np.all(comfort.draws["p_ever_remitted"] == 0.0)
    shown = none.to_dict()["horizon"]["assumptions"]["comfort_remission_monthly"]
    assert shown["high"] == 0.0 and shown["default"] is False
    default = demo.to_dict()["horizon"]["assumptions"]["comfort_remission_monthly"]
    ceiling, _ = ev.comfort_remission_ceiling()
    assert default["default"] is True and default["high"] == pytest.approx(ceiling)
    assert ceiling == pytest.approx(1 - (1 - 0.602) ** (1 / 39))  # Fekadu 2010: 60.2% over a mean 39 months


def test_mortality_lowers_every_occupancy(demo):
    dying = futility.assess(demo.case, horizon=HorizonAssumptions(monthly_mortality=0.002))
    a, b = demo.horizon.plan(USUAL_CARE).run, dying.horizon.plan(USUAL_CARE).run
    assert np.all(b.remission <= a.remission + 1e-9) and b.remission[-1].mean() < a.remission[-1].mean()


def test_values_change_qalys_not_chances(demo):
    from futility.case import Values

    other = demo.with_values(Values(remission=0.95, response=0.8, no_response=0.2, significant_burden=-0.3, palliative_focus=0.6))
    a, b = demo.horizon.plan(USUAL_CARE), other.horizon.plan(USUAL_CARE)
    assert np.array_equal(a.draws["p_ever_remitted"], b.draws["p_ever_remitted"])
    assert not np.allclose(a.draws["qalys"], b.draws["qalys"])


def test_case_plans_are_validated_with_the_field_named():
    base = {"id": "x", "age": 40, "diagnosis": {"episode_months": 6}}
    with pytest.raises(CaseError) as err:
        case_from_dict({**base, "plans": [["ect", "ectt"]]})
    assert err.value.problems[0][0] == "plans[0][1]"
    with pytest.raises(CaseError):
        case_from_dict({**base, "plans": [[]]})
    case = case_from_dict({**base, "plans": [["lithium_augmentation", "ect"]]})
    h = futility.assess(case).to_dict()["horizon"]
    custom = [p for p in h["plans"] if p["origin"] == "case"]
    assert custom and custom[0]["steps"] == ["lithium_augmentation", "ect"]


def test_every_horizon_number_comes_from_a_table_row():
    """The relapse and course figures are read from the evidence tables, not typed in."""
    assert ev.relapse("ect", 3).early == pytest.approx(ev.figure("jelovac_cpharm_relapse_monthly_m1_6").value / 100)
    assert ev.relapse("ssri", 0).early == pytest.approx(ev.figure("stard_l1_relapse_monthly").value / 100)
    assert ev.relapse("ssri", 5).early == pytest.approx(ev.figure("stard_l4_relapse_monthly").value / 100)
    ratio, _ = ev.response_hazard_ratio()
    assert ratio == pytest.approx(math.log(0.24) / math.log(0.75))
    assert ev.course("esketamine").cycles == 1 and ev.course("ect").cycles == 2 and ev.course("ssri").cycles == 3


def test_horizon_table_is_what_the_json_reads(demo):
    """One computation: the JSON's horizon outcomes equal the long table's rows."""
    table = demo.tables.horizon
    h = demo.to_dict()["horizon"]
    assert len(table) == len(h["plans"]) * len(h["months"]) * 8
    for p in h["plans"]:
        for o in p["outcomes"]:
            for k, v in o.items():
                if k == "month":
                    continue
                row = table[(table.plan == p["plan"]) & (table.month == o["month"]) & (table.quantity == k)].iloc[0]
                assert (row["mean"], row["hdi_low"], row["hdi_high"]) == (v["mean"], v["hdi_low"], v["hdi_high"])


def test_comfort_sensitivity_moves_the_right_way(demo):
    """A higher remission chance under comfort-focused care narrows the margin of the plans with courses."""
    sens = demo.to_dict()["horizon"]["sensitivity"]
    assert sens["parameter"] == "comfort_remission_monthly"
    assert sens["high_tenth"]["monthly"] > sens["low_tenth"]["monthly"]
    assert sens["high_tenth"]["margin"] < sens["low_tenth"]["margin"] and sens["slope"] < 0
    fixed = futility.assess(demo.case, horizon=HorizonAssumptions(comfort_remission_monthly=(0.01, 0.01)))
    assert fixed.to_dict()["horizon"]["sensitivity"] is None  # no range, nothing to vary


def test_usual_care_order_follows_the_guideline_until_trd_then_the_most_promising(demo):
    """Before TRD criteria: the guideline's stepped order; after: most promising first, so weak switches do not
    come ahead of ECT and understate continued care."""
    from futility.decision._policy import guideline_table

    assert demo.trd.meets_criteria
    steps = demo.horizon.plan(USUAL_CARE).plan.steps
    means = [float(demo.prognosis.options[k].p_remission.mean()) for k in steps]
    assert means == sorted(means, reverse=True)
    fresh = futility.assess(case_from_dict({"id": "fresh", "age": 40, "diagnosis": {"episode_months": 6}}))
    order = [row["option"] for row in guideline_table() if row["gate"] == "yes"]
    fresh_steps = list(fresh.horizon.plan(USUAL_CARE).plan.steps)
    assert fresh_steps == [k for k in order if k in fresh_steps]
