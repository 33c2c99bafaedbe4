"""Case store under stress: several writer processes at once, a write that fails half-way, a writer killed mid-transaction."""
from __future__ import annotations

import multiprocessing as mp
import os
import signal
import time

import pytest
from sqlalchemy import text

import futility.store._audit as audit_module
from futility.store import CaseStore
from records_sample import demo_case, sample_assessment, variant_case

WRITERS = 4
PER_WRITER = 8


def _counts(store: CaseStore) -> dict[str, int]:
    with store.engine.connect() as conn:
        return {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar()
                for t in ("cases", "assessments", "reviews", "audit_log")}


def _writer(url: str, k: int, n: int) -> None:
    """One clinician's process: n assessments of its own case and of a shared case, each reviewed."""
    store = CaseStore(url)
    own = variant_case(demo_case(), id=f"case-{k}")
    shared = demo_case()
    for i in range(n):
        case = own if i % 2 else shared
        record = store.save_assessment(case, sample_assessment(case.id, shift=0.001 * i), author=f"writer-{k}")
        store.add_review(record.id, f"reviewer-{k}", "endorse", f"writer {k} item {i}")
    store.close()


def test_concurrent_writers_lose_nothing(tmp_path):
    """Four processes saving and reviewing at once: every assessment, review and audit line is there, chain intact."""
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    CaseStore(url).close()
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(url, k, PER_WRITER)) for k in range(WRITERS)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
    assert [p.exitcode for p in procs] == [0] * WRITERS
    store = CaseStore(url)
    total = WRITERS * PER_WRITER
    assert _counts(store) == {"cases": WRITERS + 1, "assessments": total, "reviews": total, "audit_log": 2 * total}
    for k in range(WRITERS):
        mine = [e for e in store.audit_log(actor=f"writer-{k}")]
        assert len(mine) == PER_WRITER and {e.action for e in mine} == {"save_assessment"}
        assert len(store.history(f"case-{k}")) == PER_WRITER // 2
    assert len(store.history("demo-001")) == WRITERS * (PER_WRITER - PER_WRITER // 2)
    assert store.verify() == []


def test_exception_inside_the_transaction_leaves_the_previous_state(tmp_path, monkeypatch):
    """If the audit line cannot be written after the assessment row was inserted, neither row remains."""
    store = CaseStore(f"sqlite:///{tmp_path / 's.db'}")
    first = store.save_assessment(demo_case(), sample_assessment(), author="dr_a")
    before = _counts(store)

    def broken_append(conn, **kwargs):
        # the assessment row is in this transaction already: prove it, then fail
        assert conn.execute(text("SELECT count(*) FROM assessments")).scalar() == before["assessments"] + 1
        raise RuntimeError("disk unplugged")

    monkeypatch.setattr(audit_module, "append", broken_append)
    new_case = variant_case(demo_case(), id="new-case")
    with pytest.raises(RuntimeError, match="disk unplugged"):
        store.save_assessment(new_case, sample_assessment("new-case"), author="dr_a")
    monkeypatch.undo()
    assert _counts(store) == before
    assert [r.id for r in store.history("demo-001")] == [first.id]
    assert [c.case_id for c in store.list_cases()] == ["demo-001"]
    assert store.verify() == []


def _stalled_writer(url: str, started) -> None:
    """Saves an assessment but stalls for ever inside the transaction, after the first insert."""
    import futility.store._audit as audit

    def stall(conn, **kwargs):
        started.set()
        time.sleep(600)

    audit.append = stall
    store = CaseStore(url)
    store.save_assessment(variant_case(demo_case(), id="half-written"), sample_assessment("half-written"), author="x")


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX SIGKILL")
def test_writer_killed_mid_transaction_leaves_previous_state(tmp_path):
    """A process killed in the middle of a save leaves the store as it was, unlocked and consistent."""
    url = f"sqlite:///{tmp_path / 's.db'}"
    store = CaseStore(url)
    store.save_assessment(demo_case(), sample_assessment(), author="dr_a")
    before = _counts(store)
    ctx = mp.get_context("spawn")
    started = ctx.Event()
    proc = ctx.Process(target=_stalled_writer, args=(url, started))
    proc.start()
    assert started.wait(60), "writer never reached the middle of its transaction"
    os.kill(proc.pid, signal.SIGKILL)
    proc.join(30)
    assert proc.exitcode == -signal.SIGKILL
    assert _counts(store) == before
    assert [c.case_id for c in store.list_cases()] == ["demo-001"]
    t0 = time.perf_counter()
    store.save_assessment(demo_case(), sample_assessment(), author="dr_b")  # the write lock was released
    assert time.perf_counter() - t0 < 10
    assert store.verify() == []
