"""Case store and report timings: save, read, history, list, concurrent writers, HTML and PDF rendering.

Uses a SQLite file in a temporary folder (WAL, synchronous=FULL: every commit reaches the disk) and the
contract-shaped sample assessment of ``tests/records_sample.py`` (the real ``assess`` output when the
posterior is installed). Prints figures; asserts nothing.

    .venv/bin/python benchmarks/bench_store.py
"""
from __future__ import annotations

import multiprocessing as mp
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from records_sample import demo_case, real_assessment, sample_assessment, variant_case  # noqa: E402

from futility.store import CaseStore  # noqa: E402


def _ms(values: list[float]) -> str:
    values = sorted(values)
    p95 = values[min(len(values) - 1, int(0.95 * len(values)))]
    return f"median {1000 * statistics.median(values):7.2f} ms   p95 {1000 * p95:7.2f} ms   (n={len(values)})"


def _timed(fn, n: int) -> list[float]:
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def _writer(url: str, k: int, n: int, assessment: dict) -> None:
    store = CaseStore(url)
    case = variant_case(demo_case(), id=f"bench-{k}")
    assessment = {**assessment, "case_id": case.id}
    for _ in range(n):
        rec = store.save_assessment(case, assessment, author=f"w{k}")
        store.add_review(rec.id, f"r{k}", "endorse", "")


def main() -> None:
    case = demo_case()
    assessment = real_assessment(case) or sample_assessment()
    size = len(__import__("json").dumps(assessment))
    print(f"assessment JSON: {size / 1024:.1f} kB ({'real assess()' if real_assessment(case) else 'sample'})")
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        t = time.perf_counter()
        store = CaseStore(url)
        print(f"open new store:            {1000 * (time.perf_counter() - t):7.2f} ms")
        saves = _timed(lambda: store.save_assessment(case, assessment, author="bench"), 100)
        print(f"save_assessment:           {_ms(saves)}")
        ids = [r.id for r in store.history(case.id)]
        reads = _timed(lambda: store.get_assessment(ids[len(ids) // 2]), 200)
        print(f"get_assessment (verified): {_ms(reads)}")
        hist = _timed(lambda: store.history(case.id), 20)
        print(f"history of 100:            {_ms(hist)}")
        reviews = _timed(lambda: store.add_review(ids[0], "panel", "endorse", "ok"), 50)
        print(f"add_review:                {_ms(reviews)}")
        others = [variant_case(case, id=f"c{i:04d}") for i in range(300)]
        for other in others:
            store.save_assessment(other, {**assessment, "case_id": other.id}, author="bench")
        lists = _timed(store.list_cases, 10)
        print(f"list_cases (301 cases):    {_ms(lists)}")
        cmp = _timed(lambda: store.compare(ids[0], ids[-1]), 50)
        print(f"compare:                   {_ms(cmp)}")
        verify = _timed(store.verify, 3)
        print(f"verify whole store ({len(store.audit_log())} audit lines, 400 assessments): {_ms(verify)}")
        store.close()

        writers, per = 4, 25
        ctx = mp.get_context("spawn")
        procs = [ctx.Process(target=_writer, args=(url, k, per, assessment)) for k in range(writers)]
        t = time.perf_counter()
        for p in procs:
            p.start()
        for p in procs:
            p.join()
        wall = time.perf_counter() - t
        with CaseStore(url) as check:
            got = sum(len(check.history(f"bench-{k}")) for k in range(writers))
        print(f"{writers} concurrent writers x {per} (save + review): {wall:.2f} s wall incl. process start; "
              f"{got}/{writers * per} assessments present")

    from futility.render.report import html_to_pdf, render_html

    case_dict = case.model_dump(mode="json")
    render_html(assessment, case_dict)
    html_times = _timed(lambda: render_html(assessment, case_dict), 10)
    print(f"render HTML:               {_ms(html_times)}   ({len(render_html(assessment, case_dict)) / 1024:.0f} kB)")
    pdf_html = render_html(assessment, case_dict, for_pdf=True)
    pdf_times = _timed(lambda: html_to_pdf(pdf_html), 3)
    print(f"render PDF:                {_ms(pdf_times)}   ({len(html_to_pdf(pdf_html)) / 1024:.0f} kB)")


if __name__ == "__main__":
    main()
