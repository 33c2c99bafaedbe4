"""Properties of the decision analysis that must hold for any draws, values and gate facts."""
from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from futility.decision import PALLIATIVE, GateContext, decide, resolve_utilities
from futility.decision._expected import DrawStack, all_eu
from tests.strategies import gate_contexts, option_draw_sets, patient_values

OPEN = GateContext(screening_complete=True, meets_trd=True)
FAST = settings(max_examples=60, deadline=None)


@FAST
@given(option_draw_sets(), patient_values())
def test_p_best_sums_to_one(options, values):
    """The probabilities that each option is best add up to 1 (palliative-focused care included)."""
    d = decide(options, values, OPEN)
    assert np.isclose(d.table["p_best"].sum(), 1.0)
    assert (d.table["p_best"] >= 0).all()


@FAST
@given(option_draw_sets(), patient_values(), st.floats(-0.5, 0.5))
def test_adding_a_constant_to_every_utility_changes_no_choice(options, values, c):
    """Shifting remission, response, no-response and palliative utilities by c leaves choices unchanged."""
    u = resolve_utilities(values)
    shifted = u
    for name in ("remission", "response", "no_response", "palliative_focus"):
        shifted = shifted.replace(name, u.value(name) + c)
    a, b = decide(options, u, OPEN), decide(options, shifted, OPEN)
    assert np.allclose(b.table["eu_mean"], a.table["eu_mean"] + c)
    assert np.allclose(a.table["p_best"], b.table["p_best"])
    assert np.allclose(a.table["expected_loss"], b.table["expected_loss"])
    assert a.quantitative_futility.probability == b.quantitative_futility.probability
    assert a.qualitative_futility.probability == b.qualitative_futility.probability


@FAST
@given(option_draw_sets(), patient_values(), st.floats(0, 1))
def test_raising_the_remission_utility_never_lowers_an_active_options_eu(options, values, bump):
    """A higher remission utility gives every active option an equal or higher EU in every draw."""
    u = resolve_utilities(values)
    higher = u.replace("remission", u.remission.value + bump)
    stack = DrawStack.from_options(options)
    low, high = all_eu(stack, u)[:-1], all_eu(stack, higher)[:-1]
    assert np.all(high >= low - 1e-12)


@FAST
@given(option_draw_sets(), patient_values(), gate_contexts())
def test_gates_block_as_specified(options, values, context):
    """A statement is met only if no gate that applies to it fails, and held_back_by lists exactly those."""
    d = decide(options, values, context)
    failing_all = {g.gate for g in d.gates if not g.passed and g.applies_to == "all"}
    failing_qual = {g.gate for g in d.gates if not g.passed}
    assert set(d.quantitative_futility.held_back_by) == failing_all
    assert set(d.qualitative_futility.held_back_by) == failing_qual
    expected_fail = set()
    if not context.screening_complete:
        expected_fail.add("screening_incomplete")
    if context.screening_flags:
        expected_fail.add("screening_positive")
    if not context.meets_trd:
        expected_fail.add("not_trd")
    if "ect" not in context.tried_options | context.contraindicated:
        expected_fail.add("guideline_options_untried")
    assert expected_fail <= failing_all
    if failing_all:
        assert not d.quantitative_futility.met and not d.qualitative_futility.met
    out = d.to_dict()
    assert out["quantitative_futility"]["met"] == (d.quantitative_futility.met_before_gates and not failing_all)


@FAST
@given(option_draw_sets(), patient_values())
def test_preferred_option_has_the_smallest_expected_loss(options, values):
    """Expected losses are non-negative and the option with the highest mean EU loses least."""
    d = decide(options, values, OPEN)
    t = d.table
    assert (t["expected_loss"] >= -1e-12).all()
    assert np.isclose(t.set_index("option").loc[d.preferred, "expected_loss"], t["expected_loss"].min())
    assert (t["eu_hdi_low"] <= t["eu_hdi_high"] + 1e-12).all()


@FAST
@given(option_draw_sets(), patient_values())
def test_value_of_information_is_bounded(options, values):
    """0 <= EVPPI(remission) <= EVPI <= the largest expected loss."""
    d = decide(options, values, OPEN)
    v = d.sensitivity.evpi
    assert 0.0 <= v["remission"] <= v["total"] + 1e-12
    assert v["total"] <= d.table["expected_loss"].max() + 1e-12


@FAST
@given(option_draw_sets(), patient_values())
def test_palliative_row_is_deterministic(options, values):
    """Palliative-focused care has the same utility in every draw: its HDI is a single point."""
    r = decide(options, values, OPEN).table.set_index("option").loc[PALLIATIVE]
    assert r.eu_hdi_low == r.eu_hdi_high == r.eu_mean
