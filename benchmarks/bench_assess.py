"""End-to-end per-patient path: time to assess the demo case, cold (new process) and warm (in process).

Targets (docs/architecture.md): warm assess well under a second; the CLI answer in about a second,
most of it Python start-up and imports. Prints the figures; asserts nothing.

    .venv/bin/python benchmarks/bench_assess.py
"""
from __future__ import annotations

import statistics
import subprocess
import sys
import time
import tracemalloc


def cold_cli(repeats: int = 3) -> list[float]:
    """Wall time of `python -m futility demo --json` in fresh processes."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "futility", "demo", "--json"], check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return times


def warm_assess(repeats: int = 50) -> tuple[list[float], float]:
    """In-process assess() of the demo case after a first call has loaded the posterior."""
    from futility.assessment import assess
    from futility.case import demo_case_path, load_case

    case = load_case(demo_case_path())
    assess(case)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        assess(case)
        times.append(time.perf_counter() - start)
    tracemalloc.start()
    assess(case)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return times, peak / 2**20


def main() -> None:
    cold = cold_cli()
    warm, peak_mib = warm_assess()
    warm_sorted = sorted(warm)
    print(f"cold CLI (futility demo --json): median {statistics.median(cold):.2f} s over {len(cold)} runs")
    print(
        f"warm assess(demo): median {statistics.median(warm) * 1e3:.1f} ms, "
        f"p95 {warm_sorted[int(0.95 * len(warm_sorted)) - 1] * 1e3:.1f} ms over {len(warm)} runs"
    )
    print(f"peak Python allocation during one warm assess: {peak_mib:.1f} MiB")


if __name__ == "__main__":
    main()
