"""Time ``decide`` on dashboard-sized input: ~4000 draws x ~12 options (target: well under 50 ms).

Run: ``.venv/bin/python benchmarks/bench_decision.py``. Prints median and 95th-percentile wall times of
the whole call (and its CPU time, steadier on a shared machine) (EU, HDI, P(best), gates, futility, threshold/tornado/EVPI analyses, both summaries) and
of ``Decision.to_dict()``. Figures only; no assertion.
"""
from __future__ import annotations

import statistics
import time

import numpy as np

from futility.case import Values
from futility.decision import GateContext, Policy, decide
from futility.prognosis.draws import OptionDraws

OPTIONS = ["ssri", "snri", "ndri", "nassa", "tca", "maoi", "lithium_augmentation", "antipsychotic_augmentation",
           "ect", "esketamine", "rtms", "psychotherapy"]


def fake_draws(n_draws: int, seed: int = 2026) -> dict[str, OptionDraws]:
    """Aligned Beta draws per option (illustrative numbers for timing only, not clinical figures)."""
    rng = np.random.default_rng(seed)
    out = {}
    for i, name in enumerate(OPTIONS):
        rem = rng.beta(2 + i, 30, n_draws)
        resp = np.minimum(rem + rng.beta(3, 20, n_draws), 1.0)
        out[name] = OptionDraws(name, rem, resp, rng.beta(5, 12, n_draws))
    return out


def timed(fn, repeat: int, clock=time.perf_counter) -> list[float]:
    times = []
    for _ in range(repeat):
        t0 = clock()
        fn()
        times.append((clock() - t0) * 1000)
    return times


def main() -> None:
    values = Values(remission=1.0, response=0.7, no_response=0.3, significant_burden=-0.15, palliative_focus=0.45)
    context = GateContext(True, (), True, frozenset({"ssri", "ndri", "lithium_augmentation"}))
    for n_draws in (1000, 4000, 8000):
        options = fake_draws(n_draws)
        decide(options, values, context)  # warm-up (CSV caches, imports)
        for slider in (0.3, 0.6):
            v = values.model_copy(update={"palliative_focus": slider})
            t = timed(lambda: decide(options, v, context, Policy()), 60)
            cpu = timed(lambda: decide(options, v, context, Policy()), 60, time.process_time)
            print(f"decide  {n_draws:5d} draws x {len(options)} options, palliative {slider}: "
                  f"wall median {statistics.median(t):6.2f} ms  p95 {np.percentile(t, 95):6.2f} ms; "
                  f"CPU median {statistics.median(cpu):6.2f} ms")
        d = decide(options, values, context)
        t = timed(d.to_dict, 60)
        print(f"to_dict {n_draws:5d} draws: median {statistics.median(t):6.2f} ms")


if __name__ == "__main__":
    main()
