"""Issue 10 in the dashboard, without a browser: no wrong patient, no leak, no crash.

A failed upload is a draft of *its* case (never merged onto the previous one), any crash while reading an
upload is a problem on screen and nothing in the log, every view redraws on every case change, and every
user-derived string is escaped. The browser versions are in tests/browser/test_browser_issue10.py.
"""
from __future__ import annotations

import json
import logging

import pytest
import yaml

from futility.dashboards import log_redaction
from futility.dashboards.app import create_app, header_html
from futility.dashboards.case_input import frame_trials
from futility.dashboards.state import CaseSession
from futility.case import demo_case_path
from dashboard_cases import demo, other_case, seven_trials
from test_dashboard_support import stand_in_assess

HOSTILE = '<img src=x onerror="window.__pwned=1">.yaml'


def dump(data: dict) -> str:
    return yaml.safe_dump(data, sort_keys=False)


def upload(app, text: str, name: str) -> None:
    app.case_input.upload.filename = name
    app.case_input.upload.value = text.encode("utf-8")


@pytest.fixture
def app():
    s = CaseSession(assess_fn=stand_in_assess)
    assert s.load_path(demo_case_path())
    return create_app(session=s)


def shown_ids(app) -> dict[str, str]:
    """The case id each of header, text box and session names."""
    text_data = yaml.safe_load(app.case_input.text.value) if app.case_input.text.value else {}
    return {"text": str((text_data or {}).get("id", "")), "header": app.header.object}


# ----- 1. wrong-patient merge ---------------------------------------------------------------------------
def test_fixing_a_failed_upload_uses_that_patient_not_the_previous_one(app) -> None:
    """Upload v-bad with a bad trial, fix the trial in the table, use it: the case is v-bad, whole."""
    bad = other_case()
    bad["trials"][1]["weeks"] = -3
    upload(app, dump(bad), "v-bad.yaml")
    s = app.session
    assert s.pending and s.draft_id == "v-bad"
    assert s.case is None, "the previous patient must not stay on screen under a draft of another"
    assert "v-bad" in app.header.object and "demo-001" not in app.header.object
    assert "id: v-bad" in app.case_input.text.value
    assert list(app.case_input.table.value["agent"]) == ["escitalopram", "venlafaxine"]
    assert "weeks" in app.case_input.table.value.loc[1, "check"]
    # the consultation shows no other patient's numbers meanwhile
    assert "No valid case" in app.consultation.journey_text.object
    assert app.consultation.journey.segments.data["x0"] == []

    frame = app.case_input.table.value.copy()
    frame.loc[1, "weeks"] = "7"
    app.case_input.table.value = frame
    app.case_input._apply_table(None)
    assert s.problems == [] and not s.pending
    case = s.case
    assert case.id == "v-bad"
    assert case.age == 33 and case.conditions == ["epilepsy"]
    assert case.labs.egfr == 95 and [sc.value for sc in case.scores] == [22]
    assert case.values.palliative_focus == pytest.approx(0.25)
    assert [t.agent for t in case.trials] == ["escitalopram", "venlafaxine"] and case.trials[1].weeks == 7
    assert "Case v-bad" in app.header.object and "demo-001" not in app.header.object
    assert yaml.safe_load(app.case_input.text.value)["id"] == "v-bad"
    assert yaml.safe_load(app.case_input.text.value)["age"] == 33


def test_failed_edit_of_the_same_case_keeps_its_last_valid_version(app) -> None:
    """A broken version of the case on screen is a draft of that case; the case stays assessed."""
    typed = demo_case_path().read_text(encoding="utf-8").replace("weeks: 10", "weeks: -3")
    upload(app, typed, "demo-edit.yaml")
    s = app.session
    assert s.pending and s.case is not None and s.case.id == "demo-001"
    assert "demo-001" in app.header.object and "draft" in app.header.object
    assert app.case_input.text.value == typed
    assert app.case_input.table.value.loc[1, "weeks"] == -3


def test_after_failed_uploads_header_table_and_text_name_one_case(app) -> None:
    """A sequence of failed uploads: after each, the header, the text and the table are of that upload."""
    bad = other_case()
    bad["age"] = 5
    upload(app, dump(bad), "v-bad.yaml")
    assert shown_ids(app)["text"] == "v-bad" and "v-bad" in app.header.object
    assert list(app.case_input.table.value["agent"]) == ["escitalopram", "venlafaxine"]
    unreadable = "id: w-broken\nage: [1, 2\ntrials: {\n"
    upload(app, unreadable, "w-broken.yaml")
    assert app.case_input.text.value == unreadable
    assert "w-broken" in app.header.object and "v-bad" not in app.header.object
    assert len(app.case_input.table.value) == 0, "the table must not keep another case's trials"
    assert app.session.problems


def test_unreadable_file_empties_the_text_box(app) -> None:
    """A file that is not UTF-8 leaves no other case's text under its name."""
    app.case_input.upload.filename = "binary.yaml"
    app.case_input.upload.value = b"\xff\xfe\x00garbage"
    assert app.session.case is None and app.case_input.text.value == ""
    assert len(app.case_input.table.value) == 0
    assert "binary.yaml" in app.header.object


# ----- 2. crashes: on screen, never in the log ---------------------------------------------------------
@pytest.mark.parametrize("date", ["2026-13-45", "2026-02-30"])
def test_impossible_dates_are_field_problems_and_log_nothing(app, caplog, date: str) -> None:
    caplog.set_level(logging.DEBUG)
    data = other_case(id="crash-777", age=61)
    text = dump(data).replace("2026-02-10", date)
    upload(app, text, "crash-777-secret.yaml")
    fields = [f for f, _ in app.session.problems]
    assert "scores[0].date" in fields
    assert "crash-777" in app.header.object
    logged = " ".join(r.getMessage() + str(r.exc_info or "") for r in caplog.records)
    for secret in ("crash-777", "61", date, "escitalopram", "secret"):
        assert secret not in logged


def test_any_loader_crash_is_a_problem_on_screen_not_an_exception(app, caplog, monkeypatch) -> None:
    """Whatever the loader raises, the upload shows a problem and nothing of the file reaches a log."""
    import futility.dashboards.state as state

    def crash(text, **_kw):
        raise ValueError(f"boom {text[:40]}")

    monkeypatch.setattr(state, "case_from_text", crash)
    caplog.set_level(logging.DEBUG)
    data = other_case(id="crash-888", age=62)
    data["scores"][0]["date"] = "2026-13-45"
    upload(app, dump(data), "crash-888.yaml")  # must not raise
    assert app.session.pending and app.session.problems
    assert "scores[0].date" in [f for f, _ in app.session.problems]  # the date-free re-read names the field
    assert "Please correct" in app.case_input.problems.object
    assert "crash-888" in app.header.object
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "crash-888" not in logged and "boom" not in logged and "62" not in logged


@pytest.mark.parametrize("text", [
    "id: deep-1\nage: " + "[" * 5000 + "]" * 5000 + "\n",
    "id: tag-1\nage: !!python/object/apply:os.system ['echo hi']\n",
    "id: tag-2\nscores: [{date: !!timestamp 2026-13-45, scale: PHQ-9, value: 3}]\n",
    "\x00\x01 not yaml: [",
])
def test_hostile_inputs_never_raise(app, text: str) -> None:
    upload(app, text, "hostile.yaml")
    assert app.session.pending and app.session.problems
    assert app.session.case is None


def test_a_failing_panel_callback_is_logged_without_its_payload(app, caplog) -> None:
    """Panel logs a failed callback with the property change (an upload: the whole file); the redaction
    filter create_app installs keeps the record but drops the payload, the exception and its text."""
    import panel as pn

    assert log_redaction.installed()
    caplog.set_level(logging.DEBUG)
    widget = pn.widgets.TextInput(name="probe")

    def explode(event):
        raise ValueError(f"cannot use {event.new}")

    widget.param.watch(explode, "value")
    with pytest.raises(ValueError):
        widget._process_events({"value": "id: demo-001 age: 54 secret-payload"})
    records = [r for r in caplog.records if r.name.startswith("panel")]
    assert records, "Panel logged nothing: the test would not see a leak"
    for r in records:
        text = r.getMessage()
        assert "secret-payload" not in text and "demo-001" not in text and "54" not in text
        assert r.exc_info is None and r.exc_text is None
        assert log_redaction.REDACTED in text


def test_record_factory_redacts_loggers_created_later(caplog) -> None:
    previous = logging.getLogRecordFactory()
    try:
        log_redaction.install(record_factory=True)
        caplog.set_level(logging.DEBUG)
        late = logging.getLogger("tornado.brand_new_child_for_test")
        try:
            raise RuntimeError("demo-001 in the exception text")
        except RuntimeError:
            late.exception("failed with %s", "age 54 payload")
        own = logging.getLogger("futility.dashboard")
        own.info("case loaded (%d trials)", 3)
        by_name = {r.name: r for r in caplog.records}
        assert "payload" not in by_name["tornado.brand_new_child_for_test"].getMessage()
        assert "RuntimeError" in by_name["tornado.brand_new_child_for_test"].getMessage()
        assert by_name["tornado.brand_new_child_for_test"].exc_info is None
        assert by_name["futility.dashboard"].getMessage() == "case loaded (3 trials)"
    finally:
        logging.setLogRecordFactory(previous)
        log_redaction._previous_factory = None


# ----- 3. every view redraws on every case change ------------------------------------------------------
def test_journey_chart_range_follows_each_case(app) -> None:
    chart = app.consultation.journey
    upload(app, dump(seven_trials()), "seven.yaml")
    assert app.session.case.id == "seven-007"
    assert len(chart.segments.data["x0"]) == 7
    total = sum(t["weeks"] for t in seven_trials()["trials"])
    assert chart.figure.x_range.start <= 0 and chart.figure.x_range.end >= total
    assert max(chart.segments.data["x1"]) <= chart.figure.x_range.end
    upload(app, demo_case_path().read_text(encoding="utf-8"), "demo.yaml")
    demo_total = sum(t["weeks"] for t in demo()["trials"])
    assert len(chart.segments.data["x0"]) == 3
    assert demo_total <= chart.figure.x_range.end < total, "the axis must shrink for a shorter case"


def test_an_edit_that_leaves_the_assessment_unchanged_is_redrawn(app) -> None:
    """Lithium 6 -> 3 weeks: the same report, a different journey; the chart and words follow."""
    chart = app.consultation.journey
    before_end = max(chart.segments.data["x1"])
    report_before = app.session.output
    frame = app.case_input.table.value.copy()
    frame.loc[2, "weeks"] = 3
    app.case_input.table.value = frame
    app.case_input._apply_table(None)
    assert app.session.case.trials[2].weeks == 3
    assert app.session.output == report_before  # the stand-in assessment does not see weeks
    assert max(chart.segments.data["x1"]) == pytest.approx(before_end - 3)
    assert "lithium, 3 weeks" in app.consultation.journey_text.object
    assert chart.figure.x_range.end == pytest.approx(before_end - 3 + 1)


def test_json_upload_is_shown_as_yaml(app) -> None:
    """The box labelled YAML holds YAML after a JSON upload."""
    upload(app, json.dumps(other_case()), "v-ok.json")
    assert app.session.case.id == "v-bad"
    shown = app.case_input.text.value
    assert not shown.lstrip().startswith("{")
    assert yaml.safe_load(shown)["id"] == "v-bad"
    assert "YAML" in app.case_input.text.name
    app.case_input._apply_text(None)  # the YAML text applies although the source was .json
    assert not app.session.pending and app.session.case.id == "v-bad"


# ----- 4. escaping ---------------------------------------------------------------------------------------
def test_hostile_file_name_is_escaped_everywhere(app) -> None:
    upload(app, demo_case_path().read_text(encoding="utf-8"), HOSTILE)
    assert "&lt;img" in app.header.object and "<img" not in app.header.object
    assert "<img" not in app.case_input.status.object
    bad = other_case()
    bad["age"] = 5
    upload(app, dump(bad), HOSTILE)
    assert "&lt;img" in app.header.object and "<img" not in app.header.object
    assert "<img" not in app.case_input.status.object and "<img" not in app.case_input.problems.object


def test_header_html_escapes_every_field() -> None:
    s = CaseSession(assess_fn=stand_in_assess)
    s.param.update(pending=True, draft_id="<b>x</b>", source_name="<script>alert(1)</script>")
    out = header_html(s)
    assert "<script>" not in out and "<b>x" not in out
    assert "&lt;script&gt;" in out


def test_round_trip_of_draft_trials_through_the_table(app) -> None:
    bad = other_case()
    bad["trials"][0]["adherence"] = 1.5
    upload(app, dump(bad), "v-bad.yaml")
    assert frame_trials(app.case_input.table.value)[0]["adherence"] == 1.5


def test_served_configuration_keeps_payloads_out_of_stderr(tmp_path) -> None:
    """In a process set up as `futility serve` sets itself up (quiet_logs), a failing Panel callback and a
    Tornado error carrying case data leave only redacted lines on stderr."""
    import subprocess
    import sys
    from pathlib import Path

    script = tmp_path / "probe.py"
    script.write_text(
        "import logging, sys\n"
        "logging.basicConfig(stream=sys.stderr, level=logging.DEBUG, format='%(levelname)s %(name)s %(message)s')\n"
        "from futility.dashboards.serving import quiet_logs\n"
        "quiet_logs()\n"
        "import panel as pn\n"
        "w = pn.widgets.TextInput(name='Case file')\n"
        "def boom(event):\n"
        "    raise ValueError('cannot read ' + event.new)\n"
        "w.param.watch(boom, 'value')\n"
        "try:\n"
        "    w._process_events({'value': 'id: leak-555 age: 77 secret-name.yaml'})\n"
        "except ValueError:\n"
        "    pass\n"
        "try:\n"
        "    raise KeyError('leak-555')\n"
        "except KeyError:\n"
        "    logging.getLogger('tornado.application').exception('Uncaught exception %s', 'leak-555 age 77')\n"
        "logging.getLogger('bokeh.server.protocol_handler').error('error handling message %r', {'age': 77, 'id': 'leak-555'})\n"
        "print('probe finished', file=sys.stderr)\n",
        encoding="utf-8",
    )
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, str(script)], cwd=root, capture_output=True, text=True, timeout=120)
    err = done.stderr + done.stdout
    assert "probe finished" in err, err[-2000:]
    assert err.count(log_redaction.REDACTED) >= 3, err[-2000:]  # the three records are there, redacted
    # the age as each payload carries it (a bare '77' also matches a log line's timestamp, 13:48:52,770)
    for secret in ("leak-555", "age: 77", "age 77", "'age': 77", "secret-name", "cannot read", "Traceback"):
        assert secret not in err, f"{secret!r} reached stderr"


def test_closing_a_case_resets_the_sliders_to_the_defaults(app) -> None:
    """The values of the closed patient are not left on the sliders under another patient's draft."""
    s = app.session
    s.palliative_focus = 0.93
    bad = other_case()
    bad["age"] = 5
    upload(app, dump(bad), "v-bad.yaml")
    assert s.case is None
    assert s.palliative_focus == pytest.approx(s.param["palliative_focus"].default)
    assert app.consultation.values.sliders["palliative_focus"].value == pytest.approx(10 * s.param["palliative_focus"].default)  # 0-10


def test_reset_values_keeps_a_pending_draft_of_the_same_case(app) -> None:
    typed = demo_case_path().read_text(encoding="utf-8").replace("weeks: 10", "weeks: -3")
    s = app.session
    s.palliative_focus = 0.93
    upload(app, typed, "demo-edit.yaml")
    s.reset_values()
    assert s.palliative_focus == pytest.approx(s.case.values.palliative_focus)
    assert s.pending and app.case_input.text.value == typed
    assert app.case_input.table.value.loc[1, "weeks"] == -3
    assert "draft" in app.header.object


def test_table_edits_are_kept_when_the_draft_text_cannot_be_read(app) -> None:
    """With an unreadable draft, "use these trials" says why and keeps the table as typed."""
    upload(app, "id: w-broken\nage: [1, 2\n", "w-broken.yaml")
    app.case_input._add_row(None)
    frame = app.case_input.table.value.copy()
    frame.loc[0, "agent"] = "sertraline"
    app.case_input.table.value = frame
    app.case_input._apply_table(None)
    assert app.session.case is None and app.session.pending
    assert any("text box" in p for _, p in app.session.problems)
    assert app.case_input.table.value.loc[0, "agent"] == "sertraline"
    assert app.case_input.text.value == "id: w-broken\nage: [1, 2\n"


def test_an_assessment_crash_is_a_problem_and_the_text_box_shows_that_case() -> None:
    """If assessing a valid case fails in any way, the screen says so; text and header name that case."""
    def crashing(case):
        if case.id == "v-bad":
            raise RuntimeError("posterior exploded for v-bad age 33")
        return stand_in_assess(case)

    s = CaseSession(assess_fn=crashing)
    assert s.load_path(demo_case_path())
    app = create_app(session=s)
    upload(app, json.dumps(other_case()), "v-bad.json")
    assert s.pending and s.case is None and s.problems
    assert "v-bad" in app.header.object
    assert yaml.safe_load(app.case_input.text.value)["id"] == "v-bad"
    assert "exploded" not in " ".join(p for _, p in s.problems)
