"""Plans over time in the dashboard: the consultation's icon arrays in words, the committee's curves, table and
assumptions, all read from the typed contract (and redrawn under new values where the numbers depend on them)."""
from __future__ import annotations

import pytest

from futility.case import demo_case_path
from futility.dashboards.app import create_app
from futility.dashboards.horizon_views import horizon_cards_html, horizon_judgements_html, plans_table_html
from futility.dashboards.state import CaseSession


@pytest.fixture(scope="module")
def app():
    s = CaseSession()
    assert s.load_path(demo_case_path())
    return create_app(session=s)


def test_consultation_shows_every_plan_at_one_two_and_five_years(app):
    page = app.consultation.horizon.object
    h = app.session.output.horizon
    for plan in h.plans:
        assert f'data-plan="{plan.plan}"' in page
    assert page.count('<img class="fu-icons"') == 3 * len(h.plans)
    for when in ("In 1 year", "In 2 years", "In 5 years"):
        assert when in page
    usual = next(p for p in h.plans if p.plan == "usual_care")
    year = next(o for o in usual.outcomes if o.month == 12)
    low, high = round(100 * year.p_ever_remitted.hdi_low), round(100 * year.p_ever_remitted.hdi_high)
    assert f"between {low} and {high} in 100" in page
    assert "No study reports how often people get well under care focused on comfort" in page


def test_committee_shows_curves_table_and_assumptions(app):
    c = app.committee
    assert c.horizon_curves.object.count("<svg") == 2
    h = app.session.current.horizon
    table = c.horizon_table.object
    for plan in h.plans:
        assert plan.label in table.replace("&#x27;", "'")
    notes = c.horizon_notes.object
    assert "no published figure" in notes and "deaths not counted" in notes
    assert "Quantitative futility within 12 months under usual care" in notes


def test_a_slider_move_revalues_the_plans_not_their_chances(app):
    s = app.session
    before_table = app.committee.horizon_table.object
    before_cards = app.consultation.horizon.object
    before = s.current.horizon
    s.palliative_focus = 0.9
    after = s.current.horizon
    assert after.plans[0].outcomes[-1].qalys.mean != before.plans[0].outcomes[-1].qalys.mean
    assert after.plans[0].outcomes[-1].p_ever_remitted == before.plans[0].outcomes[-1].p_ever_remitted
    assert app.committee.horizon_table.object != before_table
    assert app.consultation.horizon.object == before_cards  # chances, drawn once per case


def test_no_horizon_is_said_not_hidden():
    assert "not computed" in horizon_cards_html(None) and "not computed" in plans_table_html(None)
    assert horizon_judgements_html(None) == ""


def test_the_patient_page_names_the_decision_not_the_product_and_says_who_to_call(app, monkeypatch):
    """Neutral framing (the title is the decision, 'futility' is not the first word) and crisis text, site-configurable."""
    from futility.dashboards.app import header_html
    from futility.render.report import render_html
    from futility.render.vocabulary import DEFAULT_CRISIS_TEXT, PATIENT_TITLE, crisis_text

    header = header_html(app.session)
    assert PATIENT_TITLE in header and "<h1>futility" not in header
    first = app.consultation._layout.objects[0].object
    assert "should you try another treatment" in first and "comfort" in first
    texts = " ".join(str(getattr(o, "object", "")) for o in app.consultation._layout.objects[:4])
    assert DEFAULT_CRISIS_TEXT in texts
    assert DEFAULT_CRISIS_TEXT in render_html(app.session.current, app.session.case)
    monkeypatch.setenv("FUTILITY_CRISIS_TEXT", "Call the ward on 0123.")
    assert crisis_text() == "Call the ward on 0123."
    assert "Call the ward on 0123." in render_html(app.session.current, app.session.case)
