"""Tamper evidence: `cases audit` fails, naming the row, for every way of editing or removing stored rows.

Each scenario drops the append-only triggers with plain sqlite3 (what someone holding the file can do)
and changes the store behind futility's back; the audit must then exit 1 and name the row or line.
"""
from __future__ import annotations

import json
import os
import sqlite3
import stat

import pytest
from typer.testing import CliRunner

from futility.cli import app
from futility.errors import StoreError
from futility.store import CaseStore, canonical_json
from futility.store._audit import GENESIS, _line
from futility.store._records import review_hash, sha256_text
from futility.store._store import _content
from records_sample import demo_case, sample_assessment, variant_case

runner = CliRunner()


@pytest.fixture
def db(tmp_path, monkeypatch):
    """Assessments 1, 2 (demo-001) and 3 (case-77); review 1 (endorse, of 1) and review 2 (of 3); a report line."""
    path = tmp_path / "tamper.db"
    with CaseStore(f"sqlite:///{path}") as store:
        a1 = store.save_assessment(demo_case(), sample_assessment(), author="dr_a")  # audit line 1
        store.save_assessment(demo_case(), sample_assessment(shift=0.03), author="dr_b")  # 2
        store.add_review(a1.id, "Ethics committee", "endorse", "agreed")  # 3
        store.log_event("render_report", "dr_a", case_id="demo-001", object_type="assessment", object_id=1)  # 4
        a3 = store.save_assessment(variant_case(demo_case(), id="case-77"), sample_assessment("case-77"),
                                   author="dr_c")  # 5
        store.add_review(a3.id, "Ethics committee", "request_more_information", "")  # 6
    monkeypatch.setenv("FUTILITY_DB", str(path))
    monkeypatch.setenv("FUTILITY_AUTHOR", "auditor")
    return path


def _sql(path, *statements, params=()):
    """Run SQL on the store file with the append-only triggers removed."""
    conn = sqlite3.connect(path)
    try:
        for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
            conn.execute(f"DROP TRIGGER {name}")
        for statement in statements:
            conn.execute(statement, params) if params else conn.execute(statement)
        conn.commit()
    finally:
        conn.close()


def _rechain(path):
    """Recompute every audit line's plain hash chain, as someone without the audit key would."""
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    prev = GENESIS
    for row in conn.execute("SELECT * FROM audit_log ORDER BY id").fetchall():
        entry = sha256_text(prev + _line(row["at"], row["actor"], row["action"], row["case_id"], row["object_type"],
                                         row["object_id"], json.loads(row["details"])))
        conn.execute("UPDATE audit_log SET prev_hash = ?, entry_hash = ? WHERE id = ?", (prev, entry, row["id"]))
        prev = entry
    conn.commit()
    conn.close()


def _audit(*extra):
    result = runner.invoke(app, ["cases", "audit", *extra])
    assert "Traceback" not in result.output and result.exception is None or isinstance(result.exception, SystemExit)
    return result


def _rehash_assessment(path, assessment_id, payload):
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    r = conn.execute("SELECT * FROM assessments WHERE id = ?", (assessment_id,)).fetchone()
    new_json = canonical_json(payload)
    new_hash = sha256_text(_content(r["case_id"], r["created_at"], r["author"], r["package_version"],
                                    r["model_version"], r["posterior_hash"], r["case_json"], new_json))
    conn.close()
    _sql(path, "UPDATE assessments SET assessment_json = ?, content_hash = ? WHERE id = ?",
         params=(new_json, new_hash, assessment_id))
    return new_hash


def test_a_clean_store_passes(db):
    """Nothing tampered: the audit exits 0 and says intact."""
    result = _audit()
    assert result.exit_code == 0, result.output
    assert "integrity: intact" in result.stdout


def test_edited_review_decision_is_found(db):
    """endorse -> do_not_endorse in SQLite: the review's hash no longer matches."""
    _sql(db, "UPDATE reviews SET decision = 'do_not_endorse' WHERE id = 1")
    result = _audit()
    assert result.exit_code == 1
    assert "review 1: integrity check failed" in result.stdout
    with CaseStore(str(db)) as store, pytest.raises(StoreError, match="review 1: integrity check failed"):
        store.reviews(1)  # the report and the committee view refuse it too


def test_edited_review_with_its_hash_recomputed_is_found(db):
    """The review's own hash recomputed: it no longer matches the hash its audit line recorded."""
    conn = sqlite3.connect(db)
    r = conn.execute("SELECT assessment_id, reviewer, comment, review_date, recorded_at FROM reviews WHERE id = 1").fetchone()
    a_hash = conn.execute("SELECT content_hash FROM assessments WHERE id = ?", (r[0],)).fetchone()[0]
    conn.close()
    new = review_hash(r[0], a_hash, r[1], "do_not_endorse", r[2], r[3], r[4])
    _sql(db, "UPDATE reviews SET decision = 'do_not_endorse', content_hash = ? WHERE id = 1", params=(new,))
    result = _audit()
    assert result.exit_code == 1
    assert "review 1: its hash differs from the one audit line 3 recorded" in result.stdout


def test_edited_assessment_with_its_hash_recomputed_is_found(db):
    """Payload edited and its row hash recomputed: the audit line recorded another hash."""
    tampered = sample_assessment()
    tampered["decision"]["quantitative_futility"]["met"] = True
    _rehash_assessment(db, 1, tampered)
    result = _audit()
    assert result.exit_code == 1
    assert "assessment 1: its hash differs from the one audit line 1 recorded" in result.stdout


def test_edited_assessment_with_audit_line_and_chain_recomputed_is_found(db):
    """Row hash, its audit line and the whole plain chain recomputed: the keyed hashes give it away."""
    tampered = sample_assessment()
    tampered["decision"]["quantitative_futility"]["met"] = True
    new_hash = _rehash_assessment(db, 1, tampered)
    details = canonical_json({"content_hash": new_hash, "model_version": "trd-pop-1"})
    _sql(db, "UPDATE audit_log SET details = ? WHERE id = 1", params=(details,))
    _rechain(db)
    result = _audit()
    assert result.exit_code == 1
    assert "audit line 1: its keyed hash does not match" in result.stdout


def test_deleted_review_is_found(db):
    _sql(db, "DELETE FROM reviews WHERE id = 1")
    result = _audit()
    assert result.exit_code == 1
    assert "review 1: missing, but audit line 3 records it" in result.stdout


def test_deleted_assessment_is_found(db):
    _sql(db, "DELETE FROM assessments WHERE id = 2")
    result = _audit()
    assert result.exit_code == 1
    assert "assessment 2: missing, but audit line 2 records it" in result.stdout


def test_deleted_audit_line_of_an_existing_row_is_found(db):
    """A row whose audit line was removed (and the chain recomputed) has no audit line and breaks the keys."""
    _sql(db, "DELETE FROM audit_log WHERE id = 3")
    _rechain(db)
    result = _audit()
    assert result.exit_code == 1
    assert "review 1: no audit line records it" in result.stdout
    assert "keyed hash does not match" in result.stdout


def test_row_added_outside_futility_is_found(db):
    """A review inserted with a correct row hash but no audit line."""
    conn = sqlite3.connect(db)
    a_hash = conn.execute("SELECT content_hash FROM assessments WHERE id = 2").fetchone()[0]
    conn.close()
    h = review_hash(2, a_hash, "mallory", "endorse", "", "2026-01-01", "2026-01-01T00:00:00.000000Z")
    _sql(db, "INSERT INTO reviews (assessment_id, reviewer, decision, comment, review_date, recorded_at, content_hash) "
             "VALUES (2, 'mallory', 'endorse', '', '2026-01-01', '2026-01-01T00:00:00.000000Z', ?)", params=(h,))
    result = _audit()
    assert result.exit_code == 1 and "review 3: no audit line records it" in result.stdout


def test_deleted_last_records_with_their_audit_lines_are_found_by_the_exported_head(db, tmp_path):
    """Removing the newest assessment and review with their audit lines leaves a valid prefix; the head catches it."""
    head = tmp_path / "head.json"
    exported = _audit("--export-head", str(head))
    assert exported.exit_code == 0, exported.output
    assert json.loads(head.read_text())["lines"] == 6
    assert _audit("--verify-against", str(head)).exit_code == 0
    _sql(db, "DELETE FROM reviews WHERE id = 2", "DELETE FROM assessments WHERE id = 3",
         "DELETE FROM cases WHERE case_id = 'case-77'", "DELETE FROM audit_log WHERE id >= 5")
    result = _audit("--verify-against", str(head))
    assert result.exit_code == 1
    assert "audit log: has 4 line(s), but the head exported at" in result.stdout and "had 6" in result.stdout


def test_rewritten_history_is_found_by_the_exported_head(db, tmp_path):
    """Lines removed from the end and new ones written in their place: the line at the head's position differs."""
    head = tmp_path / "head.json"
    assert _audit("--export-head", str(head)).exit_code == 0
    _sql(db, "DELETE FROM reviews WHERE id = 2", "DELETE FROM audit_log WHERE id = 6")
    with CaseStore(str(db)) as store:
        store.add_review(3, "Ethics committee", "do_not_endorse", "")
    result = _audit("--verify-against", str(head))
    assert result.exit_code == 1
    assert "audit line 6: is not the line exported" in result.stdout  # SQLite reuses id 6


def test_export_head_is_refused_for_a_broken_store(db, tmp_path):
    _sql(db, "UPDATE reviews SET comment = 'x' WHERE id = 1")
    head = tmp_path / "head.json"
    result = _audit("--export-head", str(head))
    assert result.exit_code == 1 and not head.exists() and "chain head not written" in result.stdout


@pytest.mark.parametrize(("column", "value", "message"), [
    ("details", "{not json", "audit line 4: its details are not valid JSON"),
    ("details", "[1, 2]", "audit line 4: its details are not valid JSON"),
    ("entry_hash", "zz", "audit line 4: its content was changed"),
    ("object_id", "abc", "audit line 4: its content was changed"),
    ("mac", None, "audit line 4: has no keyed hash"),
])
def test_corrupt_audit_line_is_reported_not_a_traceback(db, column, value, message):
    _sql(db, f"UPDATE audit_log SET {column} = ? WHERE id = 4", params=(value,))
    result = _audit()
    assert result.exit_code == 1, result.output
    assert message in result.stdout
    assert _audit("--json").exit_code == 1


def test_stripping_every_keyed_hash_is_found(db):
    """Someone without the key cannot pass the store off as an unkeyed (schema-1) one."""
    _sql(db, "UPDATE audit_log SET mac = NULL")
    result = _audit()
    assert result.exit_code == 1 and "audit lines 1-6: have no keyed hash" in result.stdout


def test_audit_without_the_key_fails_and_creates_none(db, tmp_path, monkeypatch):
    monkeypatch.setenv("FUTILITY_AUDIT_KEY_FILE", str(tmp_path / "elsewhere" / "audit.key"))
    result = _audit()
    assert result.exit_code == 1 and "audit key: not found" in result.stdout
    assert not (tmp_path / "elsewhere").exists()


def test_another_key_cannot_write_and_cannot_vouch(db, monkeypatch):
    monkeypatch.setenv("FUTILITY_AUDIT_KEY", "x" * 40)
    result = _audit()
    assert result.exit_code == 1 and "this store was keyed with key" in result.stdout
    wrote = runner.invoke(app, ["review", "1", "--decision", "endorse"])
    assert wrote.exit_code == 2 and "everyone writing to one store must use the same key" in wrote.stderr
    monkeypatch.delenv("FUTILITY_AUDIT_KEY")
    assert _audit().exit_code == 0  # the refused write left nothing behind


def test_key_file_is_created_private_and_a_shared_one_refused(tmp_path, monkeypatch):
    key = tmp_path / "cfg" / "audit.key"
    monkeypatch.setenv("FUTILITY_AUDIT_KEY_FILE", str(key))
    with CaseStore(f"sqlite:///{tmp_path / 'k.db'}") as store:
        assert not key.exists()  # opening a store creates no key
        store.save_assessment(demo_case(), sample_assessment(), author="dr_a")
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and len(key.read_text().strip()) == 64
    assert [p.name for p in key.parent.iterdir()] == ["audit.key"]  # no temp file left
    os.chmod(key, 0o644)
    with CaseStore(f"sqlite:///{tmp_path / 'k.db'}") as store, pytest.raises(StoreError, match="chmod 600"):
        store.save_assessment(demo_case(), sample_assessment(), author="dr_a")


def test_key_from_the_environment_must_be_long(tmp_path, monkeypatch):
    monkeypatch.setenv("FUTILITY_AUDIT_KEY", "short")
    with CaseStore(f"sqlite:///{tmp_path / 'e.db'}") as store, pytest.raises(StoreError, match="shorter than 32"):
        store.save_assessment(demo_case(), sample_assessment(), author="dr_a")


def test_log_event_cannot_forge_row_lines(tmp_path):
    with CaseStore(f"sqlite:///{tmp_path / 'f.db'}") as store, pytest.raises(StoreError, match="recorded by the store"):
        store.log_event("add_review", "mallory", object_type="review", object_id=1)


def _downgrade_to_schema_1(path):
    """Make the store look like one written by futility with schema 1 (no keyed hashes)."""
    _sql(path, "ALTER TABLE audit_log DROP COLUMN mac", "DELETE FROM store_meta WHERE key = 'audit_key_id'",
         "UPDATE store_meta SET value = '1' WHERE key = 'schema_version'")


def test_a_schema_1_store_is_upgraded_and_stays_verifiable(db):
    """An existing store keeps working: opened, it gains the keyed column and one line vouching for the old ones."""
    _downgrade_to_schema_1(db)
    with CaseStore(str(db)) as store:
        log = store.audit_log()
        assert [e.mac is None for e in log] == [True] * 6 + [False]
        assert log[-1].action == "start_keyed_chain" and log[-1].details["unkeyed_lines"] == 6
        assert store.verify() == []
        store.add_review(2, "panel", "endorse", "")
        assert store.verify() == []
        assert store.get_assessment(1).author == "dr_a" and [r.decision for r in store.reviews(1)] == ["endorse"]
    with CaseStore(str(db)):  # opening again adds nothing
        pass
    with CaseStore(str(db)) as store:
        assert len(store.audit_log()) == 8
    assert _audit().exit_code == 0


def test_rewriting_an_upgraded_stores_old_lines_is_found(db):
    """The upgrade line's keyed hash covers the unkeyed lines before it."""
    _downgrade_to_schema_1(db)
    CaseStore(str(db)).close()
    _sql(db, "UPDATE reviews SET decision = 'do_not_endorse' WHERE id = 1",
         "UPDATE audit_log SET actor = 'mallory' WHERE id = 3")
    conn = sqlite3.connect(db)
    r = conn.execute("SELECT assessment_id, reviewer, comment, review_date, recorded_at FROM reviews WHERE id = 1").fetchone()
    a_hash = conn.execute("SELECT content_hash FROM assessments WHERE id = 1").fetchone()[0]
    conn.close()
    new = review_hash(r[0], a_hash, r[1], "do_not_endorse", r[2], r[3], r[4])
    details = canonical_json({"assessment_id": 1, "decision": "do_not_endorse", "content_hash": new})
    _sql(db, "UPDATE reviews SET content_hash = ? WHERE id = 1", params=(new,))
    _sql(db, "UPDATE audit_log SET details = ? WHERE id = 3", params=(details,))
    _rechain(db)
    result = _audit()
    assert result.exit_code == 1 and "audit line 7: its keyed hash does not match" in result.stdout
