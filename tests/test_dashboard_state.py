"""Dashboard state and views without a browser: load, values, validation, view switching."""
from __future__ import annotations

import logging

import pytest

from futility.dashboards.app import VIEWS, create_app
from futility.dashboards.case_input import frame_trials, row_problems, trials_frame
from futility.dashboards.charts import comparison_rows
from futility.dashboards.committee import futility_html
from futility.dashboards.state import CaseSession
from futility.case import demo_case_path
from test_dashboard_support import stand_in_assess


@pytest.fixture
def session() -> CaseSession:
    s = CaseSession(assess_fn=stand_in_assess)
    assert s.load_path(demo_case_path())
    return s


@pytest.fixture
def app(session: CaseSession):
    return create_app(session=session)


def _eu(decision, option: str) -> float:
    return next(o.expected_utility.mean for o in decision.options if o.option == option)


def test_demo_loads_with_the_case_values_on_the_sliders(session: CaseSession) -> None:
    """The demo case loads, and the sliders start at the values in the case file."""
    assert session.case.id == "demo-001"
    assert session.problems == []
    assert session.palliative_focus == pytest.approx(session.case.values.palliative_focus)
    assert session.remission == pytest.approx(session.case.values.remission)
    assert {o.option for o in session.decision.options} >= {"palliative_focus"}


def test_values_slider_changes_the_comparison(app, session: CaseSession) -> None:
    """Moving the palliative-focus value re-runs the decision and the comparison chart shows it."""
    assert session.confirm_values()  # the demo's values are all given: the comparison is drawn once confirmed
    before_chart = dict(app.consultation.comparison.source.data)
    before = _eu(session.decision, "palliative_focus")
    app.consultation.values.sliders["palliative_focus"].value = 9  # the 0-10 scale: 9 is a utility of 0.9
    after = _eu(session.decision, "palliative_focus")
    assert before != pytest.approx(after)
    assert after == pytest.approx(0.9)
    assert session.confirmed is None  # a changed answer withdraws the confirmation, and the comparison waits
    assert "appears here once you have answered" in app.consultation.comparison_text.object
    assert session.confirm_values()
    assert app.consultation.comparison.source.data["mean"] != before_chart["mean"]
    assert "care focused on comfort fits best: 90 out of 100 (your own rating" in app.consultation.comparison_text.object


def test_raising_remission_value_changes_active_options_only(session: CaseSession) -> None:
    """A higher remission value raises active options' fit and leaves palliative-focused care where it was."""
    before = {o.option: o.expected_utility.mean for o in session.decision.options}
    session.set_values(remission=min(session.remission + 0.2, 1.0) if session.remission < 1 else 1.0, response=0.5)
    after = {o.option: o.expected_utility.mean for o in session.decision.options}
    assert after["palliative_focus"] == pytest.approx(before["palliative_focus"])
    assert any(after[k] != pytest.approx(before[k]) for k in before if k != "palliative_focus")


def test_stated_at_load_is_what_the_decision_sources_as_the_patients(session: CaseSession) -> None:
    """At load the patient's own values are the decision's utilities with source 'patient', and only those."""
    patient = [n for n, u in session.decision.utilities if u.source == "patient"]
    assert patient, "the demo case states values"
    assert sorted(session.stated) == sorted(patient)


class _DecisionSaysDefault:
    """An assessment whose decision calls the case's remission value a default (a fake, to show whose word counts)."""

    def __init__(self, inner) -> None:
        self._inner = inner

    def __getattr__(self, name: str):
        return getattr(self._inner, name)

    @property
    def output(self):
        out = self._inner.output
        utilities = out.decision.utilities
        moved = utilities.model_copy(update={"remission": utilities.remission.model_copy(update={"source": "default"})})
        return out.model_copy(update={"decision": out.decision.model_copy(update={"utilities": moved})})


def test_stated_at_load_follows_the_decision_not_the_case_file() -> None:
    """The case file states remission, but the decision's source is the authority: not stated, still on the slider."""
    s = CaseSession(assess_fn=lambda case: _DecisionSaysDefault(stand_in_assess(case)))
    assert s.load_path(demo_case_path())
    assert s.case.values.remission is not None
    assert "remission" not in s.stated
    assert sorted(s.stated) == sorted(n for n, u in s.decision.utilities if u.source == "patient")
    assert s.remission == pytest.approx(s.decision.utilities.remission.value)


def test_moved_default_becomes_the_patients_value() -> None:
    """A case without values starts on defaults; moving one slider makes that one value the patient's own."""
    s = CaseSession(assess_fn=stand_in_assess)
    text = demo_case_path().read_text(encoding="utf-8").split("\nvalues:")[0] + "\n"
    assert s.load_text(text, name="no-values.yaml")
    assert s.stated == []
    assert s.decision.utilities.palliative_focus.source == "default"
    s.palliative_focus = 0.2
    assert s.stated == ["palliative_focus"]
    assert s.decision.utilities.palliative_focus.source == "patient"
    assert s.decision.utilities.remission.source == "default"


def test_bad_upload_reports_the_field_and_keeps_the_case_and_text(session: CaseSession) -> None:
    """A bad case names the field, keeps the previous case on screen and keeps the text as typed."""
    typed = demo_case_path().read_text(encoding="utf-8").replace("weeks: 10", "weeks: -3")
    assert not session.load_text(typed, name="bad.yaml")
    fields = [f for f, _ in session.problems]
    assert "trials[1].weeks" in fields
    assert session.case.id == "demo-001"
    assert session.case_text == typed


def test_upload_widget_reports_problems_next_to_the_trial_row(app, session: CaseSession) -> None:
    """Uploading a bad file through the widget shows the problem in that trial's check column."""
    bad = demo_case_path().read_text(encoding="utf-8").replace("adherence: 0.85", "adherence: 1.85")
    app.case_input.upload.filename = "bad.yaml"
    app.case_input.upload.value = bad.encode("utf-8")
    table = app.case_input.table.value
    checks = list(table["check"])
    assert "adherence" in checks[1] and checks[0] == "" and checks[2] == ""
    assert table.loc[1, "adherence"] == 1.85  # the uploaded value is shown beside its problem
    assert "trials[1].adherence" in app.case_input.problems.object


def test_table_edit_is_validated_and_not_lost(app, session: CaseSession) -> None:
    """An invalid edit in the trial table is reported and stays in the table; a valid one is used."""
    frame = app.case_input.table.value.copy()
    frame.loc[0, "weeks"] = "-1"  # typed as text in the table
    app.case_input.table.value = frame
    app.case_input._apply_table(None)
    assert ("trials[0].weeks", "must be >= 0") in session.problems
    assert app.case_input.table.value.loc[0, "weeks"] == "-1"
    assert "weeks: must be >= 0" in app.case_input.table.value.loc[0, "check"]
    frame = app.case_input.table.value.copy()
    frame.loc[0, "weeks"] = 12.0
    app.case_input.table.value = frame
    app.case_input._apply_table(None)
    assert session.problems == []
    assert session.case.trials[0].weeks == 12.0


def test_trial_table_round_trip(session: CaseSession) -> None:
    """Trials go into the editable table and come back unchanged."""
    trials = [t.model_dump(mode="json", exclude_none=True) for t in session.case.trials]
    back = frame_trials(trials_frame(trials))
    for original, restored in zip(trials, back, strict=True):
        for key, value in restored.items():
            assert original[key] == value
    assert [t["agent"] for t in back] == [t["agent"] for t in trials]


def test_row_problems_split_trial_and_case_fields() -> None:
    """Trial problems are grouped by row; other fields are kept apart."""
    by_row, other = row_problems([("trials[2].weeks", "must be >= 0"), ("age", "is required"), ("trials[0]", "bad")])
    assert by_row == {2: ["weeks: must be >= 0"], 0: ["trial: bad"]}
    assert other == ["age: is required"]


def test_switching_views(app) -> None:
    """The active view can be switched by name and follows the tabs."""
    app.active = "Committee"
    assert app.tabs.active == VIEWS.index("Committee")
    app.tabs.active = VIEWS.index("Case input")
    assert app.active == "Case input"


def test_bad_case_file_opens_on_case_input(tmp_path) -> None:
    """A case file that fails validation opens the app on the case-input view with the problems."""
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\nage: 5\n", encoding="utf-8")
    s = CaseSession(assess_fn=stand_in_assess)
    assert not s.load_path(bad)
    app = create_app(session=s)
    assert app.active == "Case input"
    assert {f for f, _ in s.problems} >= {"age", "diagnosis"}


def test_committee_lists_every_gate(session: CaseSession) -> None:
    """The committee view shows both futility judgements and every gate with its reason."""
    text = futility_html(session.decision)
    for gate in session.decision.gates:
        assert gate.reason.split(":")[0][:40] in text.replace("&#x27;", "'")
    assert "quantitative" in text and "qualitative" in text


def test_comparison_rows_include_palliative_focus(session: CaseSession) -> None:
    """The comparison always has a palliative-focused care row, with the decision's numbers."""
    rows = comparison_rows(session.decision)
    pal = next(r for r in rows if r["option"] == "palliative_focus")
    assert pal["mean"] == pytest.approx(_eu(session.decision, "palliative_focus"))
    assert len(rows) == len(session.decision.options)


def test_no_case_content_in_logs(caplog) -> None:
    """Loading and re-deciding logs no case content (no id, no agent names, no values)."""
    caplog.set_level(logging.DEBUG)
    s = CaseSession(assess_fn=stand_in_assess)
    s.load_path(demo_case_path())
    s.palliative_focus = 0.77
    s.load_text("id: secret-id-42\nage: 500\n")
    logged = " ".join(r.getMessage() for r in caplog.records)
    for secret in ("demo-001", "sertraline", "bupropion", "secret-id-42", "0.77", "500"):
        assert secret not in logged


def test_store_panel_saves_and_lists_history(app, session: CaseSession, tmp_path) -> None:
    """Saving from the committee view stores the assessment and the history lists it; a review is recorded."""
    from futility.dashboards.store_panel import StorePanel
    from futility.store import CaseStore

    url = f"sqlite:///{tmp_path / 'store.db'}"
    panel = StorePanel(session=session, db_url=url)
    panel._layout.collapsed = False
    panel.author.value = "dr_test"
    panel._save(None)
    assert "Saved as assessment" in panel.status.object
    assert "dr_test" in panel.history.object
    panel.reviewer.value = "ethics panel"
    panel.decision.value = "request_more_information"
    panel.comment.value = "please add the thyroid result"
    panel._review(None)
    assert "Review" in panel.status.object and "recorded" in panel.status.object
    with CaseStore(url) as store:
        records = store.history("demo-001")
        assert len(records) == 1
        assert store.reviews(records[0].id)[0].decision == "request_more_information"


def test_real_assessment_of_the_demo_case() -> None:
    """With the package's own assess(), the demo loads and a values move changes the comparison."""
    s = CaseSession()
    assert s.load_path(demo_case_path()), s.problems
    assert s.output.model.n_draws > 0
    app = create_app(session=s)
    assert s.confirm_values()
    before = app.consultation.comparison_text.object
    shown = {r["option"] for r in comparison_rows(s.decision)}
    assert shown == {o.option for o in s.output.decision.options}
    app.consultation.values.sliders["palliative_focus"].value = round(10 * (1.0 - s.palliative_focus), 1)
    assert s.confirm_values()
    assert app.consultation.comparison_text.object != before
    assert _eu(s.decision, "palliative_focus") == pytest.approx(s.palliative_focus)


def test_export_gives_the_html_case_report_under_current_values() -> None:
    """The committee export is the package's HTML report, with the values now on the sliders."""
    s = CaseSession()
    assert s.load_path(demo_case_path())
    app = create_app(session=s)
    s.palliative_focus = 0.61
    content = app.committee._export().read().decode("utf-8")
    assert content.lstrip().lower().startswith("<!doctype html")
    assert "demo-001" in content
    assert app.committee.download.filename == "demo-001-report.html"
    assert "0.61" in content


def test_standard_gamble_answer_sets_the_value(app, session: CaseSession) -> None:
    """Answering the standard-gamble question sets that state's value to p x value of remission."""
    values = app.consultation.values
    values.gamble_state.value = "no_response"
    values.gamble_chance.value = 40
    values._use_gamble(None)
    assert session.no_response == pytest.approx(round(0.40 * session.remission, 2))
    assert "no_response" in session.stated


def test_slider_defaults_are_the_decision_analysis_defaults():
    """Before any case is loaded (or after a rejected one) the sliders show the utilities the decision
    analysis would use by default (utilities.csv; palliative-focused care = no response), within the same
    bounds: once the dashboard had its own (1.0, 0.7, 0.3, -0.15, 0.45) and showed other numbers."""
    from futility.decision._utilities import BOUNDS, NAMES, default_table, resolve_utilities

    fresh = CaseSession(assess_fn=stand_in_assess)
    used = resolve_utilities(None)
    for name in NAMES:
        assert getattr(fresh, name) == pytest.approx(used.value(name)), name
        assert tuple(fresh.param[name].bounds) == BOUNDS[name]
    assert fresh.remission == pytest.approx(float(default_table()["remission"]["value"]))
    assert fresh.palliative_focus == pytest.approx(fresh.no_response)
