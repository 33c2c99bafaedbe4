"""Case store: round trips, history and comparison, reviews, refusal of bad input, immutability, integrity."""
from __future__ import annotations

import copy
import datetime as dt
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from futility.case import CaseError, case_from_dict
from futility.errors import StoreError
from futility.store import REVIEW_DECISIONS, CaseStore, canonical_json, resolve_author, resolve_db_url, to_frame
from records_sample import demo_case, sample_assessment, variant_case
from strategies import case_dicts


@pytest.fixture
def store(tmp_path):
    s = CaseStore(f"sqlite:///{tmp_path / 'store.db'}")
    yield s
    s.close()


@pytest.fixture(scope="module")
def memory_store():
    with CaseStore("sqlite://") as s:
        yield s


def _counts(store: CaseStore) -> tuple[int, int, int, int]:
    with store.engine.connect() as conn:
        return tuple(
            conn.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in ("cases", "assessments", "reviews", "audit_log")
        )


def test_round_trip_returns_exactly_what_was_saved(store):
    """A saved assessment reads back with the case as entered and the outputs unchanged, plus who and which model."""
    case = demo_case()
    saved = store.save_assessment(case, sample_assessment(), author="dr_a")
    got = store.get_assessment(saved.id)
    assert got.case == case.model_dump(mode="json")
    assert got.assessment == sample_assessment()
    assert (got.author, got.model_version, got.posterior_hash) == ("dr_a", "trd-pop-1", "a" * 64)
    assert got.content_hash == saved.content_hash and len(got.content_hash) == 64
    assert got.created_at.endswith("Z")
    assert got.package_version


def test_case_dict_is_validated_and_numpy_values_are_stored_as_plain_numbers(store):
    """A case mapping is validated like a case file, and numpy scalars in the outputs become JSON numbers."""
    np = pytest.importorskip("numpy")
    case = demo_case().model_dump(mode="json")
    assessment = sample_assessment()
    assessment["prognosis"][0]["p_remission"]["mean"] = np.float64(0.38)
    assessment["model"]["n_draws"] = np.int64(2000)
    record = store.save_assessment(case, assessment, author="dr_a")
    got = store.get_assessment(record.id).assessment
    assert got["prognosis"][0]["p_remission"]["mean"] == 0.38 and type(got["model"]["n_draws"]) is int


def test_history_lists_a_cases_assessments_oldest_first(store):
    """History holds every assessment of one case, in order, and no other case's."""
    case = demo_case()
    ids = [store.save_assessment(case, sample_assessment(shift=0.01 * i), author=f"dr_{i}").id for i in range(3)]
    other = variant_case(case, id="other-002")
    store.save_assessment(other, sample_assessment("other-002"), author="dr_x")
    history = store.history("demo-001")
    assert [r.id for r in history] == ids
    assert [r.author for r in history] == ["dr_0", "dr_1", "dr_2"]
    assert store.latest("demo-001").id == ids[-1]
    frame = to_frame(history)
    assert list(frame["id"]) == ids and set(frame["best_option"]) == {"ect"}


def test_record_output_is_the_typed_contract_read_once(store):
    """record.output is the stored assessment as AssessmentOutput, validated once and kept; the dict stays as stored
    and the summary fields read the model."""
    from futility.contract import AssessmentOutput

    record = store.get_assessment(store.save_assessment(demo_case(), sample_assessment(), author="dr_a").id)
    output = record.output
    assert isinstance(output, AssessmentOutput) and record.output is output
    assert output == AssessmentOutput.model_validate(sample_assessment())
    assert record.assessment == sample_assessment()  # the dict the content hash covers, untouched
    assert record.best_option == output.decision.preferred == "ect"
    assert record.quantitative_futility_met is output.decision.quantitative_futility.met is False
    row = record.summary_row()
    assert (row["trials"], row["thase_rush"], row["maudsley"]) == (3, 2, 8)
    assert (row["best_option"], row["quantitative_futility"]) == ("ect", False)


def test_a_record_that_breaks_the_contract_is_refused_naming_the_field(store):
    """No fall-back spellings: a record whose outputs the contract does not allow raises StoreError naming the field
    when its results are read (best option, summary row, comparison), not a silent None."""
    import dataclasses

    record = store.get_assessment(store.save_assessment(demo_case(), sample_assessment(), author="dr_a").id)
    broken = copy.deepcopy(record.assessment)
    broken["decision"]["best"] = broken["decision"].pop("preferred")
    bad = dataclasses.replace(record, assessment=broken)
    for read in (lambda: bad.best_option, bad.summary_row, lambda: bad.output):
        with pytest.raises(StoreError, match=rf"assessment {record.id} .*assessment\.decision\.preferred: Field required"):
            read()
    from futility.store._compare import compare_records

    with pytest.raises(StoreError, match=r"assessment\.decision\.best: Extra inputs"):
        compare_records(record, bad)


def test_comparison_follows_the_contract_not_the_stored_key_order(store):
    """The change list is the same whatever order the stored keys are in, and follows the contract's field order
    (mean, then the interval)."""
    import dataclasses

    from futility.store._compare import compare_records

    case = demo_case()
    first = store.get_assessment(store.save_assessment(case, sample_assessment(), author="dr_a").id)
    second = store.get_assessment(store.save_assessment(case, sample_assessment(shift=-0.05), author="dr_a").id)

    def reversed_keys(value):
        if isinstance(value, dict):
            return {k: reversed_keys(value[k]) for k in reversed(list(value))}
        if isinstance(value, list):
            return [reversed_keys(v) for v in value]
        return value

    shuffled = dataclasses.replace(second, assessment=reversed_keys(second.assessment))
    changes = compare_records(first, second).changes
    assert compare_records(first, shuffled).changes == changes
    items = [c.item for c in changes if c.section == "prognosis" and c.item.startswith("[ect].p_remission.")]
    assert items == ["[ect].p_remission.mean", "[ect].p_remission.hdi_low", "[ect].p_remission.hdi_high"]


def test_list_cases_counts_assessments_and_reviews(store):
    """The case list gives per case the number of assessments, the latest one and its reviews."""
    case = demo_case()
    a1 = store.save_assessment(case, sample_assessment(), author="dr_a")
    a2 = store.save_assessment(case, sample_assessment(), author="dr_b")
    store.save_assessment(variant_case(case, id="other-002"), sample_assessment("other-002"), author="dr_c")
    store.add_review(a1.id, "panel", "request_more_information", "screen for sleep apnoea")
    store.add_review(a2.id, "panel", "endorse_with_conditions", "review in three months")
    by_id = {s.case_id: s for s in store.list_cases()}
    assert by_id["demo-001"].assessments == 2 and by_id["demo-001"].last_assessment_id == a2.id
    assert by_id["demo-001"].last_author == "dr_b"
    assert by_id["demo-001"].reviews == 2 and by_id["demo-001"].last_review_decision == "endorse_with_conditions"
    assert by_id["other-002"].reviews == 0 and by_id["other-002"].last_review_decision is None


def test_compare_names_changed_trials_stage_probabilities_and_decision(store):
    """Comparing two assessments reports a new trial, a stage change, moved probabilities and a new best option."""
    case = demo_case()
    first = store.save_assessment(case, sample_assessment(), author="dr_a")
    data = case.model_dump(mode="json")
    data["trials"].append({"agent": "ect", "weeks": 4, "sessions": 12})
    later_case = variant_case(case, trials=data["trials"])
    later = sample_assessment(shift=-0.05)
    later["trials"].append(later["trials"][0] | {"index": 3, "agent": "ect", "drug_class": "ect", "role": "neurostimulation"})
    later["staging"]["thase_rush"] = 3
    for row in later["decision"]["options"]:
        if row["option"] == "palliative_focus":
            row["expected_utility"] = {"mean": 0.9, "hdi_low": 0.9, "hdi_high": 0.9}
    later["decision"]["preferred"] = "palliative_focus"
    second = store.save_assessment(later_case, later, author="dr_a")
    cmp = store.compare(first.id, second.id)
    items = {(c.section, c.item) for c in cmp.changes}
    assert ("trials", "[3].agent") in items
    assert any(c.section == "case" and c.item.startswith("trials[3]") for c in cmp.changes)
    assert ("staging", "thase_rush") in items
    ect = next(c for c in cmp.section("prognosis") if c.item == "[ect].p_remission.mean")
    assert ect.after < ect.before
    best = next(c for c in cmp.section("decision") if c.item == "best option")
    assert (best.before, best.after) == ("ect", "palliative_focus")
    assert not store.compare(first.id, first.id).changes


def test_reviews_attach_to_an_assessment_with_a_fixed_vocabulary(store):
    """Reviews are stored against their assessment; every decision word of the vocabulary is accepted."""
    record = store.save_assessment(demo_case(), sample_assessment(), author="dr_a")
    for i, word in enumerate(REVIEW_DECISIONS):
        store.add_review(record.id, f"member {i}", word, f"comment {i}", review_date="2026-01-10")
    got = store.reviews(record.id)
    assert [r.decision for r in got] == list(REVIEW_DECISIONS)
    assert got[0].review_date == "2026-01-10" and got[0].comment == "comment 0"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"decision": "approve"}, "decision"),
        ({"reviewer": "  "}, "reviewer"),
        ({"review_date": "next tuesday"}, "review date"),
        ({"review_date": (dt.date.today() + dt.timedelta(days=2)).isoformat()}, "future"),
        ({"comment": "x" * 20_001}, "comment"),
        ({"assessment_id": 999}, "no assessment 999"),
    ],
)
def test_invalid_reviews_are_refused_before_anything_is_written(store, kwargs, message):
    """A bad review (unknown word, no reviewer, bad or future date, unknown assessment) writes nothing."""
    record = store.save_assessment(demo_case(), sample_assessment(), author="dr_a")
    args = {"assessment_id": record.id, "reviewer": "panel", "decision": "endorse", "comment": ""} | kwargs
    before = _counts(store)
    with pytest.raises(StoreError, match=message):
        store.add_review(**args)
    assert _counts(store) == before


def _nan_in_prognosis(a):
    a["prognosis"][1]["p_burden"]["hdi_high"] = float("nan")


def _drop_decision(a):
    del a["decision"]


def _prob_above_one(a):
    a["prognosis"][0]["p_remission"]["mean"] = 1.4


def _other_case(a):
    a["case_id"] = "someone-else"


def _mean_outside_interval(a):
    a["prognosis"][0]["p_remission"].update(mean=0.5, hdi_low=0.1, hdi_high=0.2)


def _not_json(a):
    a["model"]["loaded_at"] = object()


@pytest.mark.parametrize(
    ("corrupt", "message"),
    [
        (_nan_in_prognosis, r"prognosis\[1\]\.p_burden\.hdi_high.*finite"),
        (_drop_decision, r"assessment\.decision"),
        (_prob_above_one, r"prognosis\[0\]\.p_remission\.mean"),
        (_other_case, "does not match"),
        (_mean_outside_interval, "outside its interval"),
        (_not_json, "cannot be stored as JSON"),
    ],
)
def test_invalid_assessments_are_refused_before_anything_is_written(store, corrupt, message):
    """Corrupt or contract-breaking outputs are refused with a message naming the field; the store is unchanged."""
    store.save_assessment(demo_case(), sample_assessment(), author="dr_a")
    before = _counts(store)
    bad = sample_assessment()
    corrupt(bad)
    with pytest.raises(StoreError, match=message):
        store.save_assessment(demo_case(), bad, author="dr_a")
    assert _counts(store) == before


def test_invalid_case_and_author_are_refused(store):
    """A case that fails validation, or an empty author, is refused and nothing is written."""
    bad_case = demo_case().model_dump(mode="json") | {"age": 7}
    with pytest.raises(CaseError, match="age"):
        store.save_assessment(bad_case, sample_assessment(), author="dr_a")
    with pytest.raises(StoreError, match="author"):
        store.save_assessment(demo_case(), sample_assessment(), author=" \n ")
    assert _counts(store) == (0, 0, 0, 0)


@pytest.mark.parametrize("sql", [
    "UPDATE assessments SET author = 'mallory'",
    "DELETE FROM assessments",
    "UPDATE audit_log SET actor = 'mallory'",
    "DELETE FROM audit_log",
    "DELETE FROM reviews",
    "UPDATE reviews SET decision = 'endorse'",
])
def test_database_refuses_updates_and_deletes(store, sql):
    """Stored assessments, reviews and audit lines cannot be changed or removed even with raw SQL."""
    record = store.save_assessment(demo_case(), sample_assessment(), author="dr_a")
    store.add_review(record.id, "panel", "do_not_endorse", "")
    before = _counts(store)
    with pytest.raises(Exception, match="append-only"):
        with store.engine.begin() as conn:
            conn.execute(text(sql))
    assert _counts(store) == before
    assert store.get_assessment(record.id).author == "dr_a"


def test_tampering_behind_the_triggers_is_detected_on_read(store):
    """An assessment or audit line edited with the triggers dropped fails its hash check when read."""
    record = store.save_assessment(demo_case(), sample_assessment(), author="dr_a")
    store.log_event("render_report", "dr_b", case_id="demo-001", object_type="assessment", object_id=record.id)
    assert store.verify() == []
    tampered = sample_assessment()
    tampered["decision"]["quantitative_futility"]["met"] = True
    with store.engine.begin() as conn:
        conn.execute(text("DROP TRIGGER assessments_no_update"))
        conn.execute(text("DROP TRIGGER audit_log_no_update"))
        conn.execute(text("UPDATE assessments SET assessment_json = :j"), {"j": canonical_json(tampered)})
        conn.execute(text("UPDATE audit_log SET actor = 'mallory' WHERE id = 2"))
    with pytest.raises(StoreError, match="integrity check failed"):
        store.get_assessment(record.id)
    problems = store.verify()
    assert any("audit line 2" in p for p in problems) and any("assessment 1" in p for p in problems)


def test_audit_log_records_who_did_what(store):
    """Saves, reviews and logged events each leave one audit line with actor, action and object, chained."""
    record = store.save_assessment(demo_case(), sample_assessment(), author="dr_a")
    review = store.add_review(record.id, "prof_b", "endorse", "")
    store.log_event("render_report", "dr_c", case_id="demo-001", object_type="assessment", object_id=record.id,
                    details={"format": "pdf"})
    log = store.audit_log()
    assert [(e.actor, e.action, e.object_type, e.object_id) for e in log] == [
        ("dr_a", "save_assessment", "assessment", record.id),
        ("prof_b", "add_review", "review", review.id),
        ("dr_c", "render_report", "assessment", record.id),
    ]
    assert log[0].details["content_hash"] == record.content_hash
    assert [e.prev_hash for e in log[1:]] == [e.entry_hash for e in log[:-1]]
    assert [e.action for e in store.audit_log(actor="prof_b")] == ["add_review"]
    assert [e.action for e in store.audit_log(limit=1)] == ["render_report"]


def test_unknown_ids_give_one_line_errors(store):
    """Unknown case or assessment ids are StoreErrors with a hint, not tracebacks or None."""
    with pytest.raises(StoreError, match="no case 'nobody'"):
        store.history("nobody")
    with pytest.raises(StoreError, match="no assessment 5"):
        store.get_assessment(5)
    with pytest.raises(StoreError, match="not a number"):
        store.get_assessment("five")


def test_a_file_that_is_not_a_database_is_refused(tmp_path):
    """Opening a corrupt store file fails with one line naming the store."""
    path = tmp_path / "garbage.db"
    path.write_bytes(b"this is not sqlite" * 500)
    with pytest.raises(StoreError, match="case store .*garbage.db"):
        CaseStore(f"sqlite:///{path}")


def test_a_store_from_a_newer_version_is_refused(tmp_path):
    """A store whose schema is newer than this futility's is refused instead of misread."""
    url = f"sqlite:///{tmp_path / 's.db'}"
    CaseStore(url).close()
    import sqlite3

    with sqlite3.connect(tmp_path / "s.db") as conn:
        conn.execute("DROP TRIGGER IF EXISTS store_meta_no_update")
        conn.execute("UPDATE store_meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(StoreError, match="newer futility"):
        CaseStore(url)


def test_store_location_and_author_come_from_option_then_environment(monkeypatch, tmp_path):
    """--db beats FUTILITY_DB beats the default file; --author beats FUTILITY_AUTHOR beats the OS user."""
    monkeypatch.setenv("FUTILITY_DB", str(tmp_path / "env.db"))
    assert resolve_db_url() == f"sqlite:///{tmp_path / 'env.db'}"
    assert resolve_db_url("postgresql://u:p@h/db") == "postgresql://u:p@h/db"
    monkeypatch.delenv("FUTILITY_DB")
    assert resolve_db_url().startswith("sqlite:///") and resolve_db_url().endswith("futility.db")
    monkeypatch.setenv("FUTILITY_AUTHOR", "dr_env")
    assert resolve_author() == "dr_env" and resolve_author("dr_opt") == "dr_opt"
    monkeypatch.delenv("FUTILITY_AUTHOR")
    assert resolve_author()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(store):
    """The SQLite store uses write-ahead logging and enforces foreign keys (a review needs its assessment)."""
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    with pytest.raises(Exception, match="FOREIGN KEY"):
        with store.engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO reviews (assessment_id, reviewer, decision, comment, review_date, recorded_at, "
                "content_hash) VALUES (42, 'x', 'endorse', '', '2026-01-01', 't', 'h')"
            ))


def test_in_memory_store_works_for_demonstrations():
    """``sqlite://`` gives a working throw-away store (the dashboard demo uses it)."""
    with CaseStore("sqlite://") as store:
        record = store.save_assessment(demo_case(), sample_assessment(), author="demo")
        assert store.history("demo-001")[0].id == record.id


def test_stored_json_is_canonical(store):
    """The stored text is canonical JSON (sorted keys, compact), so equal content gives equal hashes."""
    a = sample_assessment()
    b = json.loads(json.dumps(a))  # same content, new dict objects
    reordered = dict(reversed(list(b.items())))
    assert canonical_json(a) == canonical_json(reordered)
    record = store.save_assessment(demo_case(), reordered, author="dr_a")
    with store.engine.connect() as conn:
        stored = conn.execute(text("SELECT assessment_json FROM assessments WHERE id = :i"), {"i": record.id}).scalar()
    assert stored == canonical_json(copy.deepcopy(a))


@given(case=case_dicts(max_trials=4), shift=st.floats(-0.05, 0.05))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_valid_case_round_trips_through_the_store(memory_store, case, shift):
    """Every valid case (hypothesis) is stored and read back exactly as validated, and its hash verifies."""
    validated = case_from_dict(case).model_dump(mode="json")
    record = memory_store.save_assessment(case, sample_assessment(case["id"], shift=shift), author="prop")
    got = memory_store.get_assessment(record.id)
    assert got.case == validated
    assert got.assessment["case_id"] == case["id"]
    assert memory_store.history(case["id"])[-1].id == record.id


def test_case_reviews_collect_every_review_of_a_case(store):
    """case_reviews lists the reviews of all of a case's assessments, oldest first."""
    a = store.save_assessment(demo_case(), sample_assessment(), author="dr_a")
    b = store.save_assessment(demo_case(), sample_assessment(), author="dr_a")
    store.add_review(a.id, "panel", "request_more_information", "")
    store.add_review(b.id, "panel", "endorse", "")
    assert [(r.assessment_id, r.decision) for r in store.case_reviews("demo-001")] == [
        (a.id, "request_more_information"), (b.id, "endorse")]


def test_committee_table_joins_each_assessment_with_its_latest_review(store):
    """The committee table has one row per assessment with its latest review decision (none when unreviewed)."""
    import pandas as pd

    a = store.save_assessment(demo_case(), sample_assessment(), author="dr_a")
    b = store.save_assessment(demo_case(), sample_assessment(), author="dr_b")
    store.add_review(a.id, "panel", "request_more_information", "")
    store.add_review(a.id, "chair", "endorse", "")
    table = store.committee_table("demo-001")
    assert list(table["id"]) == [a.id, b.id]
    assert list(table["reviews"]) == [2, 0]
    assert table.loc[0, "review_decision"] == "endorse" and table.loc[0, "reviewer"] == "chair"
    assert pd.isna(table.loc[1, "review_decision"])
