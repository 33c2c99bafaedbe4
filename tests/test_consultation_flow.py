"""Issue 14: a consultation a distressed patient can follow (real assessments of small cases, no browser).

Order of sections, the shortlist and "show all" in one order, values that pass the gate only when confirmed,
tried options marked, the bipolar and no-treatment cases, the side-effect band, the hopelessness prompt.
"""
from __future__ import annotations

import copy

import pytest

from futility.case import case_from_dict
from futility.dashboards.app import create_app
from futility.dashboards.state import VALUE_NAMES, CaseSession
from futility.render.consultation import (
    COMFORT,
    SHORTLIST_SIZE,
    VALUE_QUESTIONS,
    comfort_not_compared,
    default_shortlist,
    from_scale,
    option_order,
    to_scale,
    tried_adequately,
    well_known,
)
from tests.dashboard_cases import demo


def _app(data: dict):
    s = CaseSession()
    assert s.load_case(case_from_dict(data)), s.problems
    return create_app(session=s)


@pytest.fixture(scope="module")
def demo_app():
    return _app(demo())


def _gate(session: CaseSession) -> bool:
    return next(g.passed for g in session.decision.gates if g.gate == "patient_values_missing")


def _layout_text(view) -> list[str]:
    return [str(getattr(o, "object", "")) for o in view._layout.objects]


def test_sections_come_in_the_ipdas_order(demo_app):
    """Situation, options, what matters to you, comparison, the years ahead, next steps with questions."""
    texts = _layout_text(demo_app.consultation)
    objects = demo_app.consultation._layout.objects
    values_at = next(i for i, o in enumerate(objects) if o is demo_app.consultation.values._layout)
    marks = ["## 1. Where things stand", "## 2. The options", "## 4. How the options compare", "## 5. Over the next",
             "6. Next steps"]
    where = [next(i for i, t in enumerate(texts) if m in t) for m in marks]
    assert where == sorted(where)
    assert where[1] < values_at < where[2]  # what matters to you comes after the options, before the comparison
    assert "If you need help now" in " ".join(texts[:3])
    assert "Questions you may want to ask" in texts[where[4]]


def test_the_shortlist_is_the_leading_untried_options_and_comfort_care(demo_app):
    """At most four options not tried adequately, in the one order, then comfort care; 'show all' shows every one."""
    view, output = demo_app.consultation, demo_app.session.output
    order = option_order(output)
    shortlist = default_shortlist(output)
    treatments = [o for o in shortlist if o != COMFORT]
    assert shortlist[-1] == COMFORT and 1 <= len(treatments) <= SHORTLIST_SIZE
    assert not set(treatments) & tried_adequately(output)
    assert treatments == [o for o in order if o not in tried_adequately(output)][: len(treatments)]
    assert view.shown() == shortlist
    cards = view.cards.object
    positions = [cards.index(f'data-option="{o}"') for o in shortlist]
    assert positions == sorted(positions)  # the cards in the one order, comfort care among them
    assert "not shown" in cards
    view.show_all.value = True
    try:
        assert view.shown() == order
        assert all(f'data-option="{o}"' in view.cards.object for o in order)
    finally:
        view.show_all.value = False


def test_the_clinician_can_change_the_shortlist(demo_app):
    view = demo_app.consultation
    before = list(view.shortlist.value)
    try:
        view.shortlist.value = ["ssri", COMFORT]
        assert view.shown() == [o for o in option_order(demo_app.session.output) if o in {"ssri", COMFORT}]
        assert 'data-option="ssri"' in view.cards.object and 'data-option="ect"' not in view.cards.object
    finally:
        view.shortlist.value = before


def test_tried_options_are_marked_with_their_outcome(demo_app):
    view = demo_app.consultation
    view.show_all.value = True
    try:
        cards = view.cards.object
        lithium = cards[cards.index('data-option="lithium_augmentation"'):]
        lithium = lithium[: lithium.index("</section>")]
        assert 'data-tried="true"' in lithium and "Tried before" in lithium and "lithium (treatment 3)" in lithium
        ect = cards[cards.index('data-option="ect"'):]
        assert "Tried before" not in ect[: ect.index("</section>")]
    finally:
        view.show_all.value = False
    assert any(label.endswith("(tried before)") for label in view.shortlist.options)


def test_a_nudged_slider_never_passes_the_values_gate_and_confirmation_does():
    """Nudging a value and moving it back makes it the patient's, but the gate waits for "these are my answers"."""
    data = demo()
    data.pop("values")
    app = _app(data)
    s, panel = app.session, app.consultation.values
    assert panel.confirm.disabled and not _gate(s)
    for name, slider in panel.sliders.items():
        start = slider.value
        slider.value = start + 0.5 if start < 10 else start - 0.5
        slider.value = start
    assert sorted(s.stated) == sorted(VALUE_NAMES)
    assert not _gate(s), "nudged values must not pass the gate"
    assert "appears here once you have answered" in app.consultation.comparison_text.object
    assert not panel.confirm.disabled
    panel.confirm.clicks += 1
    assert s.confirmed is not None and _gate(s)
    assert "The comparison in words" in app.consultation.comparison_text.object
    values = s.case_with_values().values
    assert values.confirmed.by == "patient"
    assert {n: r.method for n, r in values.recorded.items()} == {n: "rating_scale" for n in VALUE_NAMES}
    # the saved case validates and reproduces the confirmed gate
    again = case_from_dict(s.case_with_values().model_dump(mode="json"))
    assert again.values == values
    panel.sliders["palliative_focus"].value = 2
    assert s.confirmed is None and not _gate(s)


def test_confirming_with_an_unanswered_value_is_refused():
    data = demo()
    data["values"] = {"remission": 0.9}
    app = _app(data)
    assert not app.session.confirm_values()
    assert "first answer" in app.session.message and app.session.confirmed is None


def test_a_gamble_answer_is_recorded_as_such(demo_app):
    s, panel = demo_app.session, demo_app.consultation.values
    panel.gamble_state.value = "palliative_focus"
    panel.gamble_chance.value = 37
    panel.gamble_use.clicks += 1
    assert s.recorded["palliative_focus"]["method"] == "standard_gamble"
    assert "with the question about chances" in panel.status.object
    s.reset_values()


def test_a_case_without_treatment_is_not_offered_comfort_care():
    data = demo()
    data["trials"] = []
    data["id"] = "no-treatment-1"
    app = _app(data)
    output = app.session.output
    assert not output.trd.meets_criteria
    why = comfort_not_compared(output)
    assert why and "no adequate treatment has been tried yet" in why
    assert COMFORT not in option_order(output) and COMFORT not in app.consultation.shown()
    assert f'data-option="{COMFORT}"' not in app.consultation.cards.object
    assert "is not compared here" in app.consultation.situation.object
    app.session.confirm_values()
    assert "comfort" not in app.consultation.comparison_text.object.lower()


def test_a_bipolar_case_says_why_the_options_may_not_apply():
    data = demo()
    data["id"] = "bipolar-1"
    data["diagnosis"] = {**data["diagnosis"], "polarity": "bipolar"}
    app = _app(data)
    text = app.consultation.situation.object
    assert "bipolar disorder" in text and "may not apply to you" in text


def test_an_unknown_screen_is_named_in_plain_words():
    data = demo()
    data["id"] = "screens-1"
    data["screening"] = {**data["screening"], "thyroid": "not_done", "adhd": "not_done"}
    app = _app(data)
    assert "not done yet (the thyroid and ADHD)" in app.consultation.situation.object


def test_a_side_effect_chance_that_is_not_well_known_is_a_band(demo_app):
    """An interval spanning most of 0-100 is drawn as a band with words, never as a count of people."""
    view = demo_app.consultation
    view.show_all.value = True
    try:
        cards = view.cards.object
        for row in demo_app.session.output.prognosis:
            if row.contraindicated or row.p_burden is None or not row.burden_known:
                continue
            card = cards[cards.index(f'data-option="{row.option}"'):]
            card = card[: card.index("</section>")]
            if well_known(row.p_burden):
                assert "fu-band" not in card
            else:
                assert "fu-band" in card and "is not well known" in card and "have significant side effects" not in card
    finally:
        view.show_all.value = False


def test_well_known_is_about_the_width_of_the_interval():
    from futility.contract import ProbabilitySummary

    assert well_known(ProbabilitySummary(mean=0.3, hdi_low=0.1, hdi_high=0.55))
    assert not well_known(ProbabilitySummary(mean=0.5, hdi_low=0.1, hdi_high=0.87))
    assert not well_known(None)


def test_feeling_well_rated_below_life_now_prompts_the_clinician():
    data = demo()
    data["id"] = "hopeless-1"
    data["values"] = {"remission": 0.2, "response": 0.25, "no_response": 0.4, "significant_burden": -0.1, "palliative_focus": 0.5}
    app = _app(data)
    hint = app.consultation.values.hopeless
    assert hint.visible and "For the clinician" in hint.object and "hopelessness" in hint.object
    demo_view = _app(demo()).consultation.values.hopeless
    assert not demo_view.visible


@pytest.mark.parametrize("q", VALUE_QUESTIONS, ids=lambda q: q.name)
def test_the_0_to_10_scale_maps_back_to_the_stored_value(q):
    for utility in ([-1.0, -0.35, 0.0] if q.name == "significant_burden" else [0.0, 0.45, 1.0]):
        assert from_scale(q.name, to_scale(q.name, utility)) == pytest.approx(utility)
    assert q.question.endswith("?") and q.low.startswith("0") and q.high.startswith("10")


def test_values_in_a_case_file_are_given_but_not_confirmed(demo_app):
    """The demo's values are the patient's on the sliders, but nothing is weighed until confirmed."""
    s = demo_app.session
    assert s.confirmed is None and not _gate(s)
    assert "appears here once you have answered" in demo_app.consultation.comparison_text.object
    data = copy.deepcopy(demo())
    data["values"]["confirmed"] = {"by": "patient", "on": "2026-11-30"}
    confirmed = _app(data)
    assert _gate(confirmed.session) and "The comparison in words" in confirmed.consultation.comparison_text.object


def test_who_set_each_value_reaches_the_committee_and_the_report():
    """A confirmed, recorded value is shown with who, how and when in the committee table and the report."""
    from futility.dashboards.committee import utilities_html
    from futility.render.report import render_html

    data = demo()
    data["id"] = "recorded-1"
    data["values"] = {**data["values"], "confirmed": {"by": "patient", "on": "2026-11-30"},
                      "recorded": {"palliative_focus": {"set_by": "proxy", "method": "standard_gamble", "on": "2026-11-29"}}}
    app = _app(data)
    table = utilities_html(app.session.decision)
    assert "someone speaking for the patient" in table and "standard-gamble question" in table and "2026-11-29" in table
    assert table.count("<td>confirmed</td>") == 5
    report = render_html(app.session.current, app.session.case)
    assert "someone speaking for the patient, standard-gamble question, 2026-11-29" in report


def test_the_comparison_in_brief_caps_certainty_and_says_when_ranges_overlap():
    """Two or three sentences: the best fit with its range (comfort care: the patient's own rating, no range), the next
    one and whether the ranges overlap; 'more than 99 in 100' at most."""
    from futility.contract import Decision
    from futility.render.consultation import comparison_brief

    decision = _app(demo()).session.decision
    data = decision.model_dump()
    for o in data["options"]:
        if o["option"] == "ect":
            o.update(expected_utility={"mean": 0.9, "hdi_low": 0.85, "hdi_high": 0.95}, p_best=1.0)
        elif o["option"] == COMFORT:
            o.update(expected_utility={"mean": 0.45, "hdi_low": 0.45, "hdi_high": 0.45}, p_best=0.0)
    brief = comparison_brief(Decision.model_validate(data), ["ect", COMFORT])
    assert len(brief) == 2
    assert "ECT fits best: 90 out of 100 (range 85 to 95)" in brief[0] and "more than 99 in 100" in brief[0]
    assert "Care focused on comfort comes next at 45 out of 100 (your own rating, so no range)" in brief[1]
    assert "do not overlap" in brief[1]
