"""Decision analysis: hand-computed expected utilities, defaults, the seed's example, gates, contract."""
from __future__ import annotations

import json

import numpy as np
import pytest

import futility.case
from futility.case import Values
from futility.decision import PALLIATIVE, Decision, GateContext, Policy, decide, resolve_utilities
from futility.prognosis.draws import OptionDraws

GUIDELINE = frozenset(
    {"ssri", "snri", "ndri", "nassa", "tca", "maoi", "lithium_augmentation", "antipsychotic_augmentation", "ect", "esketamine"}
)
ALL_CLEAR = GateContext(screening_complete=True, screening_flags=(), meets_trd=True, tried_options=GUIDELINE)
DEMO_VALUES = Values(remission=1.0, response=0.7, no_response=0.3, significant_burden=-0.15, palliative_focus=0.45)


def od(name, rem, resp, bur):
    return OptionDraws(name, np.asarray(rem, float), np.asarray(resp, float), np.asarray(bur, float))


def beta_draws(mean, n=4000, k=200, seed=0):
    return np.random.default_rng(seed).beta(mean * k, (1 - mean) * k, n)


def row(d: Decision, option: str):
    return d.table.set_index("option").loc[option]


# --- hand-computed example -------------------------------------------------------------------------------
# Option A, two draws: rem (0.2, 0.4), response-or-better (0.5, 0.6), burden (0.1, 0.3).
# With U = remission 1, response 0.7, no response 0.3, burden -0.15:
#   draw 1: 0.2*1 + 0.3*0.7 + 0.5*0.3 - 0.15*0.1 = 0.545 ; draw 2: 0.4 + 0.2*0.7 + 0.4*0.3 - 0.045 = 0.615
# Option B, both draws: rem 0.05, resp 0.1, burden 0:  0.05 + 0.05*0.7 + 0.9*0.3 = 0.355
# Palliative-focused care valued at 0.56: A is best in draw 2, palliative in draw 1.
HAND = {
    "ssri": od("ssri", [0.2, 0.4], [0.5, 0.6], [0.1, 0.3]),
    "maoi": od("maoi", [0.05, 0.05], [0.1, 0.1], [0.0, 0.0]),
}
HAND_VALUES = Values(remission=1.0, response=0.7, no_response=0.3, significant_burden=-0.15, palliative_focus=0.56)


def test_expected_utility_matches_hand_computation():
    """Mean EU per option equals the hand-computed draw-by-draw arithmetic."""
    d = decide(HAND, HAND_VALUES, ALL_CLEAR)
    assert row(d, "ssri").eu_mean == pytest.approx((0.545 + 0.615) / 2)
    assert row(d, "maoi").eu_mean == pytest.approx(0.355)
    assert row(d, PALLIATIVE).eu_mean == pytest.approx(0.56)


def test_p_best_and_expected_loss_match_hand_computation():
    """P(best) splits the two draws; expected loss is the mean shortfall from the best in each draw."""
    d = decide(HAND, HAND_VALUES, ALL_CLEAR)
    assert row(d, "ssri").p_best == pytest.approx(0.5)
    assert row(d, PALLIATIVE).p_best == pytest.approx(0.5)
    assert row(d, "maoi").p_best == pytest.approx(0.0)
    assert row(d, "ssri").expected_loss == pytest.approx((0.56 - 0.545) / 2)
    assert row(d, PALLIATIVE).expected_loss == pytest.approx((0.615 - 0.56) / 2)
    assert row(d, "maoi").expected_loss == pytest.approx(((0.56 - 0.355) + (0.615 - 0.355)) / 2)


def test_evpi_matches_hand_computation():
    """EVPI = E[max EU] - max E[EU] = (0.56 + 0.615)/2 - 0.58 on the hand example."""
    d = decide(HAND, HAND_VALUES, ALL_CLEAR)
    assert d.sensitivity.evpi["total"] == pytest.approx((0.56 + 0.615) / 2 - 0.58)
    assert 0.0 <= d.sensitivity.evpi["remission"] <= d.sensitivity.evpi["total"] + 1e-12


def test_qualitative_probability_is_share_of_draws_where_palliative_is_not_beaten():
    """Palliative care is not beaten in one of the two draws, so the probability is one half."""
    d = decide(HAND, HAND_VALUES, ALL_CLEAR)
    assert d.qualitative_futility.probability == pytest.approx(0.5)
    assert not d.qualitative_futility.met


def test_hdi_is_the_narrowest_interval():
    """With draws 0..9 and an outlier at 100, the 90% HDI excludes the outlier."""
    from futility.prognosis.intervals import hdi_rows as hdi

    lo, hi = hdi(np.array([[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 100.0]]), 0.9)
    assert (lo[0], hi[0]) == (0.0, 9.0)


# --- utilities -----------------------------------------------------------------------------------------------


def test_defaults_are_sapin_values_and_marked_default():
    """Without patient values the EQ-5D defaults (Sapin 2004) are used and marked as defaults."""
    u = resolve_utilities(None)
    assert (u.remission.value, u.response.value, u.no_response.value) == (0.85, 0.72, 0.58)
    assert u.significant_burden.value == pytest.approx(-0.10)
    for name in ("remission", "response", "no_response", "significant_burden", "palliative_focus"):
        assert getattr(u, name).source == "default"
    assert "Sapin" in u.remission.citation and "Revicki" in u.significant_burden.citation
    assert "proxy" in u.significant_burden.citation
    assert "no published value" in u.palliative_focus.citation and "ask the patient" in u.palliative_focus.citation


def test_palliative_default_follows_the_non_response_utility_in_use():
    """The palliative-focus default equals the non-response utility, the patient's when given."""
    u = resolve_utilities(Values(no_response=0.3))
    assert u.palliative_focus.value == 0.3 and u.palliative_focus.source == "default"
    assert u.no_response.source == "patient" and u.remission.source == "default"


def test_defaults_are_marked_in_the_output_contract():
    """Each utility in to_dict() carries source patient|default and a citation."""
    d = decide(HAND, Values(remission=0.9), ALL_CLEAR).to_dict()
    assert d["utilities"]["remission"]["source"] == "patient"
    assert d["utilities"]["response"]["source"] == "default"
    assert "Sapin" in d["utilities"]["response"]["citation"]
    assert any("same scale" in w for w in d["warnings"])


# --- the seed's worked example ------------------------------------------------------------------------------

SEED = {"maoi": od("maoi", beta_draws(0.06, seed=1), beta_draws(0.06, seed=1) + 0.09, beta_draws(0.30, seed=2))}


def test_seed_example_palliative_focus_ranks_first_with_the_demo_values():
    """Remission about 6%, burden about 30%: with the demo patient's values palliative-focused care ranks first."""
    d = decide(SEED, DEMO_VALUES, ALL_CLEAR)
    # by hand: 0.3 + 0.06*(1-0.7) + 0.15*(0.7-0.3) - 0.3*0.15 = 0.333 < 0.45
    assert row(d, "maoi").eu_mean == pytest.approx(0.333, abs=0.005)
    assert d.preferred == PALLIATIVE
    assert row(d, PALLIATIVE).p_best > 0.99


def test_seed_example_trial_ranks_first_when_palliative_care_is_valued_low():
    """The same prognosis with palliative-focused care valued at 0.2 puts the next trial first."""
    values = DEMO_VALUES.model_copy(update={"palliative_focus": 0.2})
    assert decide(SEED, values, ALL_CLEAR).preferred == "maoi"


def test_seed_example_ect_outranks_palliative_focus():
    """An option with remission about 48% (ECT after medication failure) beats palliative care valued 0.45."""
    opts = dict(SEED, ect=od("ect", beta_draws(0.48, seed=3), beta_draws(0.48, seed=3) + 0.10, beta_draws(0.3, seed=4)))
    d = decide(opts, DEMO_VALUES, ALL_CLEAR)
    order = d.table.sort_values("eu_mean", ascending=False)["option"].tolist()
    assert order == ["ect", PALLIATIVE, "maoi"]


def test_seed_example_is_not_futile_by_schneiderman_but_is_at_a_looser_threshold():
    """6% remission is not below Schneiderman's 1 in 100; under a 10 in 100 policy it would be."""
    strict = decide(SEED, DEMO_VALUES, ALL_CLEAR)
    assert strict.quantitative_futility.threshold == 0.01
    assert strict.quantitative_futility.probability < 0.01 and not strict.quantitative_futility.met
    loose = decide(SEED, DEMO_VALUES, ALL_CLEAR, Policy(futility_threshold=0.10))
    assert loose.quantitative_futility.probability > 0.95 and loose.quantitative_futility.met


# --- gates ------------------------------------------------------------------------------------------------------

FUTILE = {"maoi": od("maoi", np.full(50, 0.003), np.full(50, 0.01), np.full(50, 0.3))}
#: palliative 0.45 beats EU 0.3 + ... in every draw; confirmed by the patient, so the values gate passes
FUTILE_VALUES = Values(**DEMO_VALUES.model_dump(exclude={"recorded", "confirmed"}), confirmed={"by": "patient", "on": "2026-11-30"})


def test_all_gates_pass_and_both_statements_are_met_for_a_clear_case():
    """With every gate passed and remission 0.3 in 100 in every draw, both futility statements are met."""
    d = decide(FUTILE, FUTILE_VALUES, ALL_CLEAR)
    assert all(g.passed for g in d.gates)
    assert d.quantitative_futility.met and d.qualitative_futility.met
    assert d.quantitative_futility.held_back_by == ()


@pytest.mark.parametrize(
    "context, gate",
    [
        (GateContext(False, (), True, GUIDELINE), "screening_incomplete"),
        (GateContext(True, ("bipolar",), True, GUIDELINE), "screening_positive"),
        (GateContext(True, (), False, GUIDELINE), "not_trd"),
        (GateContext(True, (), True, GUIDELINE - {"ect"}), "guideline_options_untried"),
    ],
)
def test_each_gate_holds_back_both_statements(context, gate):
    """A failing gate sets met False, names itself in held_back_by, and the raw probability is still reported."""
    d = decide(FUTILE, FUTILE_VALUES, context)
    out = d.to_dict()
    for key in ("quantitative_futility", "qualitative_futility"):
        assert out[key]["met"] is False
        assert out[key]["held_back_by"] == [gate]
        assert out[key]["probability"] == pytest.approx(1.0)
        assert out[key]["met_before_gates"] is True
    assert [g["gate"] for g in out["gates"] if not g["passed"]] == [gate]


def test_untried_ect_is_named_in_the_gate_reason():
    """When only ECT is left untried, the gate's reason names ECT."""
    d = decide(FUTILE, FUTILE_VALUES, GateContext(True, (), True, GUIDELINE - {"ect"}))
    gate = next(g for g in d.gates if g.gate == "guideline_options_untried")
    assert not gate.passed and gate.reason.endswith(": ect")


def test_contraindicated_ect_counts_as_no_longer_open():
    """An untried guideline option that is contraindicated does not hold the statement back."""
    d = decide(FUTILE, FUTILE_VALUES, GateContext(True, (), True, GUIDELINE - {"ect"}, frozenset({"ect"})))
    assert d.quantitative_futility.met


def test_values_given_but_not_confirmed_hold_back_the_qualitative_statement():
    """All five values given but not confirmed (a slider nudged, a file written): the values gate holds."""
    d = decide(FUTILE, DEMO_VALUES, ALL_CLEAR)
    gate = next(g for g in d.gates if g.gate == "patient_values_missing")
    assert not gate.passed and "not yet confirmed" in gate.reason
    assert d.quantitative_futility.met and not d.qualitative_futility.met
    assert d.qualitative_futility.held_back_by == ("patient_values_missing",)
    assert all(u["confirmed"] is False for u in d.to_dict()["utilities"].values())


def test_confirmed_values_carry_who_when_and_how():
    """Each recorded value's provenance reaches the decision's utilities."""
    values = FUTILE_VALUES.model_copy(update={"recorded": {
        "palliative_focus": futility.case.ValueRecord(set_by="patient_with_clinician", method="standard_gamble", on="2026-11-29"),
    }})
    u = decide(FUTILE, values, ALL_CLEAR).to_dict()["utilities"]
    assert u["palliative_focus"] == {**u["palliative_focus"], "confirmed": True, "set_by": "patient_with_clinician",
                                     "method": "standard_gamble", "set_on": "2026-11-29"}
    assert u["remission"]["set_by"] is None and u["remission"]["confirmed"] is True


def test_feeling_well_rated_below_life_now_prompts_the_clinician():
    """Remission valued below no response: a hopelessness prompt among the warnings, nothing else changed."""
    low = FUTILE_VALUES.model_copy(update={"remission": 0.2, "response": 0.25})
    d = decide(FUTILE, low, ALL_CLEAR)
    assert any("hopelessness" in w for w in d.warnings)
    assert not any("hopelessness" in w for w in decide(FUTILE, FUTILE_VALUES, ALL_CLEAR).warnings)


def test_missing_palliative_value_holds_back_only_the_qualitative_statement():
    """With a default palliative utility, the qualitative statement is held back, the quantitative is not."""
    values = FUTILE_VALUES.model_copy(update={"palliative_focus": None, "no_response": 0.6})
    d = decide(FUTILE, values, ALL_CLEAR)
    assert d.quantitative_futility.met
    assert not d.qualitative_futility.met
    assert d.qualitative_futility.held_back_by == ("patient_values_missing",)


def test_contraindicated_option_is_excluded_from_the_comparison():
    """An option listed as contraindicated is left out of the table and reported in excluded."""
    ctx = GateContext(True, (), True, GUIDELINE, frozenset({"ssri"}))
    d = decide(HAND, HAND_VALUES, ctx)
    assert "ssri" not in set(d.table["option"]) and d.excluded == {"ssri": "contraindicated"}


# --- policy ------------------------------------------------------------------------------------------------------


def test_most_promising_rule_picks_highest_mean_remission():
    """The default next option is the active option with the highest posterior mean remission."""
    assert decide(HAND, HAND_VALUES, ALL_CLEAR).quantitative_futility.option == "ssri"


def test_all_active_rule_is_no_more_likely_than_any_single_option():
    """P(every option below the line) is at most each option's own probability."""
    opts = {"a": od("a", [0.005, 0.02, 0.004], [0.1] * 3, [0.1] * 3), "b": od("b", [0.02, 0.005, 0.003], [0.1] * 3, [0.1] * 3)}
    d = decide(opts, DEMO_VALUES, ALL_CLEAR, Policy(next_option="all_active"))
    q = d.quantitative_futility
    assert q.option == "all_active" and q.probability == pytest.approx(1 / 3)
    assert q.probability <= min(q.per_option.values())


def test_named_next_option_and_unknown_name():
    """A named next option is used; a name that is not an active option is refused."""
    assert decide(HAND, HAND_VALUES, ALL_CLEAR, Policy(next_option="maoi")).quantitative_futility.option == "maoi"
    with pytest.raises(ValueError, match="next_option"):
        decide(HAND, HAND_VALUES, ALL_CLEAR, Policy(next_option="ect"))


@pytest.mark.parametrize("field", ["futility_threshold", "futility_certainty", "qualitative_certainty", "hdi_prob"])
def test_policy_refuses_probabilities_outside_zero_one(field):
    """Policy probabilities must lie strictly between 0 and 1."""
    with pytest.raises(ValueError, match=field):
        Policy(**{field: 1.5})


def test_misaligned_draws_are_refused():
    """Options with different numbers of draws cannot be compared draw by draw."""
    with pytest.raises(ValueError, match="aligned"):
        decide({"a": od("a", [0.1], [0.2], [0.1]), "b": od("b", [0.1, 0.2], [0.2, 0.3], [0.1, 0.1])}, None, ALL_CLEAR)


def test_no_active_option_left():
    """With every option contraindicated, only palliative-focused care remains and nothing is judged futile."""
    d = decide(HAND, HAND_VALUES, GateContext(True, (), True, GUIDELINE, frozenset({"ssri", "maoi"})))
    assert d.table["option"].tolist() == [PALLIATIVE]
    assert d.quantitative_futility.probability is None and not d.quantitative_futility.met
    json.dumps(d.to_dict(), allow_nan=False)


# --- sensitivity ---------------------------------------------------------------------------------------------------


def test_remission_threshold_is_where_the_option_ties():
    """At the reported remission threshold the option's mean EU equals its comparator's."""
    d = decide(SEED, DEMO_VALUES, ALL_CLEAR)
    thr = d.sensitivity.threshold["remission"]
    assert thr["option"] == "maoi" and thr["compared_with"] == PALLIATIVE
    r = row(d, "maoi")
    t = thr["p_remission_threshold"]
    partial = r.p_response_mean - r.p_remission_mean
    moved = {"maoi": od("maoi", [t], [t + partial], [r.p_burden_mean])}
    assert row(decide(moved, DEMO_VALUES, ALL_CLEAR), "maoi").eu_mean == pytest.approx(0.45)


def test_palliative_utility_threshold_flips_the_preferred_option():
    """Just above the palliative threshold palliative care is preferred, just below it is not."""
    d = decide(SEED, DEMO_VALUES.model_copy(update={"palliative_focus": 0.2}), ALL_CLEAR)
    t = d.sensitivity.threshold["palliative_utility"]["threshold"]
    above = decide(SEED, DEMO_VALUES.model_copy(update={"palliative_focus": t + 0.001}), ALL_CLEAR)
    below = decide(SEED, DEMO_VALUES.model_copy(update={"palliative_focus": t - 0.001}), ALL_CLEAR)
    assert above.preferred == PALLIATIVE and below.preferred == "maoi"


def test_tornado_covers_every_utility_and_agrees_with_a_direct_rerun():
    """One row per utility; the margin at the high end equals a rerun of decide at that value."""
    d = decide(SEED, DEMO_VALUES, ALL_CLEAR)
    tor = d.sensitivity.tornado
    assert sorted(tor["utility"]) == sorted(["remission", "response", "no_response", "significant_burden", "palliative_focus"])
    assert list(tor["swing"]) == sorted(tor["swing"], reverse=True)
    r = tor.set_index("utility").loc["remission"]
    rerun = decide(SEED, DEMO_VALUES.model_copy(update={"remission": r.high}), ALL_CLEAR)
    t = rerun.table.set_index("option")
    assert r.margin_high == pytest.approx(t.loc["maoi", "eu_mean"] - t.loc[PALLIATIVE, "eu_mean"])
    pal = tor.set_index("utility").loc["palliative_focus"]
    assert pal.margin_high < pal.margin_low  # valuing palliative care more favours it


def test_evpi_is_zero_when_one_option_dominates_in_every_draw():
    """If the same option is best in every draw, perfect information cannot change the choice."""
    d = decide(SEED, DEMO_VALUES, ALL_CLEAR)
    assert d.sensitivity.evpi["total"] == pytest.approx(0.0, abs=1e-12)


# --- contract ------------------------------------------------------------------------------------------------------


def test_to_dict_has_the_contract_shape_and_is_json():
    """to_dict() holds the contract keys, plain JSON types and no NaN."""
    d = decide(SEED, DEMO_VALUES, GateContext(False, (), True, GUIDELINE)).to_dict()
    json.dumps(d, allow_nan=False)
    for key in ("options", "quantitative_futility", "qualitative_futility", "gates", "sensitivity", "utilities", "summary", "technical_summary"):
        assert key in d
    opt = d["options"][0]
    assert set(opt["expected_utility"]) == {"mean", "hdi_low", "hdi_high"}
    assert {"option", "p_best", "expected_loss"} <= set(opt)
    q = d["quantitative_futility"]
    assert {"threshold", "probability", "met", "option", "held_back_by"} <= set(q)
    assert q["held_back_by"] == ["screening_incomplete"]
    assert {"met", "reason", "probability"} <= set(d["qualitative_futility"])
    assert {"threshold", "tornado", "evpi"} <= set(d["sensitivity"])
    assert [o["option"] for o in d["options"]][-1] == PALLIATIVE


def test_gate_context_from_rules_counts_adequate_trials_and_hard_contraindications_only():
    """from_rules: tried = adequate trials' kinds; a 'caution' does not close an option, 'contraindicated' does."""
    from types import SimpleNamespace as NS

    ctx = GateContext.from_rules(
        NS(complete=True, flags=[]),
        NS(meets_criteria=True),
        [NS(drug_class="ssri", adequate=True), NS(drug_class="tca", adequate=False)],
        [NS(option="ect", severity="caution", reason="epilepsy"), NS(option="maoi", severity="contraindicated", reason="x")],
    )
    assert ctx.tried_options == frozenset({"ssri"})
    assert ctx.contraindicated == frozenset({"maoi"})
    assert dict(ctx.cautions) == {"ect": "epilepsy"}
    gate = next(g for g in decide(HAND, HAND_VALUES, ctx).gates if g.gate == "guideline_options_untried")
    assert "ect" in gate.items and "tca" in gate.items and "maoi" not in gate.items


def test_decision_imports_neither_pymc_nor_panel():
    """The per-patient decision path loads neither PyMC nor Panel (checked in a fresh interpreter)."""
    import subprocess
    import sys

    code = "import sys, futility.decision; print('pymc' in sys.modules, 'panel' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_evppi_equals_evpi_when_remission_is_the_only_uncertainty():
    """With response-without-remission and burden fixed, all uncertainty is in remission, so EVPPI = EVPI."""
    rng = np.random.default_rng(7)
    a, b = rng.uniform(0.05, 0.4, 500), rng.uniform(0.05, 0.4, 500)
    opts = {"ect": od("ect", a, a + 0.1, np.full(500, 0.3)), "tca": od("tca", b, b + 0.1, np.full(500, 0.3))}
    v = decide(opts, DEMO_VALUES, ALL_CLEAR).sensitivity.evpi
    assert v["total"] > 0.001
    assert v["remission"] == pytest.approx(v["total"], rel=1e-6)


def test_identical_options_share_p_best_equally():
    """Two options with identical draws that both beat palliative care split P(best) half and half."""
    rem = np.array([0.4, 0.5, 0.6])
    opts = {"ect": od("ect", rem, rem + 0.1, [0.1] * 3), "esketamine": od("esketamine", rem, rem + 0.1, [0.1] * 3)}
    t = decide(opts, DEMO_VALUES, ALL_CLEAR).table.set_index("option")
    assert t.loc["ect", "p_best"] == pytest.approx(0.5) and t.loc["esketamine", "p_best"] == pytest.approx(0.5)
    assert t.loc[PALLIATIVE, "p_best"] == 0.0
