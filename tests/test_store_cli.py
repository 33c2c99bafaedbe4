"""CLI over the case store: cases list|show|history|compare|audit, review, report; user errors exit 2 in one line."""
from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from futility.cli import app
from futility.store import CaseStore
from records_sample import demo_case, sample_assessment, variant_case

runner = CliRunner()


@pytest.fixture
def db(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    with CaseStore(url) as store:
        store.save_assessment(demo_case(), sample_assessment(), author="dr_a")
        store.save_assessment(demo_case(), sample_assessment(shift=0.03), author="dr_b")
        store.save_assessment(variant_case(demo_case(), id="case-77"), sample_assessment("case-77"), author="dr_c")
    monkeypatch.setenv("FUTILITY_DB", url)
    monkeypatch.setenv("FUTILITY_AUTHOR", "cli_user")
    return url


def _run(*args: str):
    return runner.invoke(app, list(args))


def test_cases_list_shows_every_case(db):
    """`cases list --json` gives one row per case with its number of assessments."""
    result = _run("cases", "list", "--json")
    assert result.exit_code == 0, result.output
    rows = {r["case_id"]: r for r in json.loads(result.stdout)}
    assert rows["demo-001"]["assessments"] == 2 and rows["case-77"]["assessments"] == 1


def test_cases_history_and_show(db):
    """`cases history` lists a case's assessments in order; `cases show CASE` shows the latest."""
    history = _run("cases", "history", "demo-001", "--json")
    assert [r["author"] for r in json.loads(history.stdout)] == ["dr_a", "dr_b"]
    shown = _run("cases", "show", "demo-001")
    assert shown.exit_code == 0 and "Assessment 2 of case demo-001" in shown.stdout
    as_json = json.loads(_run("cases", "show", "1", "--json").stdout)
    assert as_json["id"] == 1 and as_json["case"]["id"] == "demo-001" and as_json["reviews"] == []


def test_cases_compare_lists_changed_probabilities(db):
    """`cases compare 1 2` names the remission chance that moved."""
    result = _run("cases", "compare", "1", "2", "--json")
    changes = json.loads(result.stdout)["changes"]
    ect = next(c for c in changes if c["item"] == "[ect].p_remission.mean")
    assert ect["after"] > ect["before"]


def test_review_is_recorded_and_audited(db):
    """`review` stores the committee's decision with the reviewer, and the audit log shows it."""
    result = _run("review", "2", "--decision", "request_more_information", "--comment", "sleep study first",
                  "--reviewer", "Ethics committee", "--date", "2026-03-01")
    assert result.exit_code == 0, result.output
    shown = _run("cases", "show", "2")
    assert "2026-03-01  Ethics committee: request_more_information - sleep study first" in shown.stdout
    audit = json.loads(_run("cases", "audit", "--json").stdout)
    assert audit["problems"] == []
    assert audit["entries"][-1]["actor"] == "Ethics committee" and audit["entries"][-1]["action"] == "add_review"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("review", "1", "--decision", "approve"), "decision: 'approve' is not one of"),
        (("review", "42", "--decision", "endorse"), "no assessment 42"),
        (("review", "1", "--decision", "endorse", "--date", "2999-01-01"), "in the future"),
        (("cases", "history", "nobody"), "no case 'nobody'"),
        (("cases", "show", "99"), "no assessment 99"),
        (("report", "99", "--out", "x.html"), "no assessment 99"),
        (("report", "1", "--out", "x.docx"), "must end in .html or .pdf"),
        (("report", "not-a-thing", "--out", "x.html"), "neither a case file"),
        (("report", "missing.yaml", "--out", "x.html"), "case file not found"),
    ],
)
def test_user_errors_exit_2_with_one_line(db, args, message):
    """Bad ids, words, dates or output names exit with status 2 and one error line, no traceback."""
    result = _run(*args)
    assert result.exit_code == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:") and message in lines[0]
    assert "Traceback" not in result.output


def test_report_of_a_stored_assessment_is_written_and_logged(db, tmp_path):
    """`report ID --out f.html` writes the stored assessment's report and records who exported it."""
    out = tmp_path / "r.html"
    result = _run("report", "1", "--out", str(out))
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert "demo-001" in html and "futility report 1 --out" in html
    with CaseStore(db) as store:
        last = store.audit_log(limit=1)[0]
    assert (last.action, last.actor, last.object_id) == ("render_report", "cli_user", 1)


def test_unreachable_store_is_one_line(tmp_path, monkeypatch):
    """A store path that cannot be created gives one error line and exit 2."""
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("FUTILITY_DB", f"sqlite:///{blocker}/sub/db.sqlite")
    result = _run("cases", "list")
    assert result.exit_code == 2 and result.stderr.startswith("error: case store")


def test_report_of_a_case_id_uses_its_latest_assessment(db, tmp_path):
    """`report CASE_ID` renders the case's most recent stored assessment."""
    out = tmp_path / "latest.html"
    result = _run("report", "demo-001", "--out", str(out))
    assert result.exit_code == 0 and "assessment 2 of case demo-001" in result.stdout
    assert "futility report 2 --out" in out.read_text(encoding="utf-8")


def test_report_of_a_case_file_assesses_saves_and_renders(db, tmp_path):
    """`report CASE.yaml --save` runs the real assessment, stores it and writes a report naming the new id."""
    from futility.case import demo_case_path

    out = tmp_path / "new.html"
    result = _run("report", str(demo_case_path()), "--out", str(out), "--save", "--author", "dr_new")
    if result.exit_code == 2 and "posterior" in result.stderr:
        pytest.skip("no posterior installed yet")
    assert result.exit_code == 0, result.output
    assert "assessment 4 saved" in result.stdout
    assert "futility report 4 --out" in out.read_text(encoding="utf-8")
    with CaseStore(db) as store:
        assert store.get_assessment(4).author == "dr_new"
        assert [e.action for e in store.audit_log(limit=2)] == ["save_assessment", "render_report"]


HUGE = "99999999999999999999"


def _one_error_line(result, message):
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:") and message in lines[0], result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("cases", "show", HUGE), f"no assessment {HUGE}"),
        (("cases", "show", "1²"), "no case '1²'"),
        (("cases", "compare", "1", HUGE), f"no assessment {HUGE}"),
        (("review", HUGE, "--decision", "endorse"), f"no assessment {HUGE}"),
        (("report", HUGE, "--out", "x.html"), f"no assessment {HUGE}"),
        (("cases", "audit", "--verify-against", "no-such-head.json"), "--verify-against: cannot read"),
    ],
)
def test_out_of_range_ids_and_missing_files_exit_2_with_one_line(db, args, message):
    """Ids beyond SQLite's integer range and unreadable head files are one-line user errors, not tracebacks."""
    _one_error_line(_run(*args), message)


@pytest.mark.parametrize(("content", "message"), [
    ("not json", "not JSON"),
    ('{"format": "other"}', "(format)"),
    ('{"format": "futility-audit-head-1", "lines": "6", "entry_hash": "' + "0" * 64 + '"}', "lines: must be"),
    ('{"format": "futility-audit-head-1", "lines": 6, "entry_hash": "xyz"}', "entry_hash: must be 64 hex"),
])
def test_a_bad_head_file_is_one_line(db, tmp_path, content, message):
    head = tmp_path / "head.json"
    head.write_text(content)
    _one_error_line(_run("cases", "audit", "--verify-against", str(head)), message)


@pytest.mark.parametrize("value", ["two", "", "1.5", "-3", "٣"])
def test_a_damaged_schema_version_is_one_line(db, tmp_path, value):
    """A non-numeric schema version in store_meta: one line naming the store and the field."""
    import sqlite3

    path = db.removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE store_meta SET value = ? WHERE key = 'schema_version'", (value,))
    _one_error_line(_run("cases", "list"), "schema version")


@pytest.mark.parametrize("url", [
    "postgresql+psycopg2://alice:hunter2@localhost/futility",  # driver not installed
    "postgresql+nosuchdriver://alice:hunter2@localhost/futility",
    "mysql://alice:hunter2@localhost/futility",
    "postgresql://alice:hunter2@localhost:notaport/futility",
])
def test_the_database_password_never_reaches_a_message(db, url):
    result = _run("cases", "list", "--db", url)
    _one_error_line(result, "case store")
    assert "hunter2" not in result.output and "alice:***@localhost" in result.stderr


def test_a_short_audit_key_is_one_line(db, monkeypatch):
    monkeypatch.setenv("FUTILITY_AUDIT_KEY", "short")
    _one_error_line(_run("review", "1", "--decision", "endorse"), "audit key FUTILITY_AUDIT_KEY: shorter than 32")


EVIL = "dr\x1b]0;owned\x07\x1b[2J\x9b31m\u202eevil\x7f"


@pytest.fixture
def evil_db(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'evil.db'}"
    with CaseStore(url) as store:
        record = store.save_assessment(demo_case(), sample_assessment(), author=EVIL)
        store.add_review(record.id, EVIL, "endorse", "line one\nline two\r" + EVIL)
    monkeypatch.setenv("FUTILITY_DB", url)
    return url


@pytest.mark.parametrize("args", [
    ("cases", "list"), ("cases", "show", "1"), ("cases", "show", "demo-001"), ("cases", "history", "demo-001"),
    ("cases", "audit"), ("cases", "list", "--json"), ("cases", "show", "1", "--json"),
    ("cases", "history", "demo-001", "--json"), ("cases", "audit", "--json"),
    ("review", "1", "--decision", "endorse", "--reviewer", EVIL),
])
def test_control_characters_from_the_store_never_reach_the_terminal(evil_db, args):
    """Escape sequences, bell, C1 CSI, bidi override and DEL in names and comments are shown escaped."""
    result = _run(*args)
    assert result.exit_code == 0, result.output
    for char in "\x1b\x07\x9b\u202e\x7f\r":
        assert char not in result.stdout
    assert "\\u001b" in result.stdout
    if "--json" in args:
        data = json.loads(result.stdout)  # still valid JSON, and the same data
        assert EVIL in _strings(data)


def _strings(value):
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [value] if isinstance(value, str) else []


def test_show_escapes_newlines_inside_a_comment(evil_db):
    """A comment cannot forge extra lines (e.g. a fake review) in `cases show`."""
    shown = _run("cases", "show", "1").stdout
    assert "line one\\u000aline two\\u000d" in shown


def test_report_never_follows_a_planted_symlink(db, tmp_path):
    """A symlink planted at the old predictable temp path is left alone; its target is not overwritten."""
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    out = tmp_path / "r.html"
    (tmp_path / ".r.html.partial").symlink_to(victim)
    result = _run("report", "1", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert victim.read_text() == "precious"
    assert "demo-001" in out.read_text(encoding="utf-8") and not out.is_symlink()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".r.html")) == [".r.html.partial"]
