"""The case store on PostgreSQL: round trip, append-only triggers, tamper check, concurrent writers.

Runs against a throw-away cluster (``initdb`` in a temporary folder, Unix socket only) when the
PostgreSQL server binaries and ``psycopg`` are installed; skipped otherwise.
"""
from __future__ import annotations

import multiprocessing as mp
import os
import shutil
import subprocess
import tempfile

import pytest
from sqlalchemy import text

from futility.store import CaseStore
from records_sample import demo_case, sample_assessment, variant_case

pytest.importorskip("psycopg")
if not (shutil.which("initdb") and shutil.which("pg_ctl")):
    pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) not installed", allow_module_level=True)


def _as_server_user(args: list[str]) -> list[str]:
    if os.geteuid() == 0:  # initdb refuses to run as root
        return ["runuser", "-u", "postgres", "--", *args]
    return args


@pytest.fixture(scope="module")
def pg_url():
    folder = tempfile.mkdtemp(prefix="futility-pg-")
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    data = os.path.join(folder, "data")
    try:
        subprocess.run(_as_server_user(["initdb", "--no-sync", "-D", data, "-A", "trust", "-U", "futility"]), check=True,
                       capture_output=True)
        subprocess.run(_as_server_user(["pg_ctl", "-D", data, "-w", "-l", os.path.join(folder, "log"),
                                        "-o", f"-k {folder} -c listen_addresses='' -c fsync=off", "start"]),
                       check=True, capture_output=True)
        subprocess.run(_as_server_user(["createdb", "-h", folder, "-U", "futility", "futility_test"]), check=True,
                       capture_output=True)
    except (subprocess.CalledProcessError, OSError, LookupError) as exc:
        shutil.rmtree(folder, ignore_errors=True)
        pytest.skip(f"cannot start a throw-away PostgreSQL: {exc}")
    yield f"postgresql+psycopg://futility@/futility_test?host={folder}"
    subprocess.run(_as_server_user(["pg_ctl", "-D", data, "-m", "immediate", "stop"]), capture_output=True)
    shutil.rmtree(folder, ignore_errors=True)


def test_round_trip_and_history_on_postgresql(pg_url):
    """Saved assessments read back unchanged and in order on PostgreSQL."""
    with CaseStore(pg_url) as store:
        case = variant_case(demo_case(), id="pg-round-trip")
        a = store.save_assessment(case, sample_assessment(case.id), author="dr_a")
        b = store.save_assessment(case, sample_assessment(case.id, shift=0.02), author="dr_b")
        assert [r.id for r in store.history(case.id)] == [a.id, b.id]
        assert store.get_assessment(a.id).assessment == sample_assessment(case.id)


@pytest.mark.parametrize("sql", ["DELETE FROM assessments", "UPDATE audit_log SET actor = 'x'",
                                 "TRUNCATE reviews CASCADE"])
def test_postgresql_refuses_changes(pg_url, sql):
    """UPDATE, DELETE and TRUNCATE are refused by triggers on PostgreSQL too."""
    with CaseStore(pg_url) as store:
        store.save_assessment(demo_case(), sample_assessment(), author="dr_a")
        with pytest.raises(Exception, match="append-only"):
            with store.engine.begin() as conn:
                conn.execute(text(sql))


def _writer(url: str, k: int, n: int) -> None:
    store = CaseStore(url)
    shared = variant_case(demo_case(), id="pg-shared")
    for i in range(n):
        record = store.save_assessment(shared, sample_assessment(shared.id, shift=0.001 * i), author=f"pg-{k}")
        store.add_review(record.id, f"pg-{k}", "endorse", "")
    store.close()


def test_concurrent_writers_on_postgresql(pg_url):
    """Four processes writing the same new case at once: nothing lost, audit chain intact."""
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(pg_url, k, 5)) for k in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0, 0, 0]
    with CaseStore(pg_url) as store:
        assert len(store.history("pg-shared")) == 20
        assert sum(1 for e in store.audit_log(case_id="pg-shared") if e.action == "add_review") == 20
        assert store.verify() == []
