"""Plans over time: time to run every default plan for the demo patient, warm, at 1,000 and 4,000 draws,
and the re-valuation a slider move needs (occupancies reused).

Target (issue "Plans over time"): all default plans in under 50 ms warm at 4,000 draws. Prints the
figures; asserts nothing.

    .venv/bin/python benchmarks/bench_horizon.py
"""
from __future__ import annotations

import statistics
import time


def main(repeats: int = 15) -> None:
    from futility.assessment import _gate_flags, _utilities, assess
    from futility.case import Values, demo_case_path, load_case
    from futility.horizon import HorizonAssumptions, plan_horizon

    a = assess(load_case(demo_case_path()))
    all_pass, qualitative_pass = _gate_flags(a.decision)
    kw = dict(guideline=a.policy.required_options(), tried=a.gate_context.tried_options, utilities=_utilities(a.decision),
              policy=a.policy, gates_all_pass=all_pass, gates_qualitative_pass=qualitative_pass)
    for draws in (1000, 4000):
        assumptions = HorizonAssumptions(draws=draws)
        h = plan_horizon(a.case, a.trials, a.prognosis, a.posterior, assumptions=assumptions, **kw)
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            h = plan_horizon(a.case, a.trials, a.prognosis, a.posterior, assumptions=assumptions, **kw)
            times.append(time.perf_counter() - start)
        start = time.perf_counter()
        h.to_dict()
        summary = time.perf_counter() - start
        steps = sum(len(p.plan.steps) for p in h.plans)
        print(f"{draws} draws, {len(h.plans)} plans ({steps} courses): median {statistics.median(times) * 1e3:.1f} ms, "
              f"max {max(times) * 1e3:.1f} ms; to_dict {summary * 1e3:.1f} ms")
    values = Values(remission=0.9, response=0.7, no_response=0.3, significant_burden=-0.2, palliative_focus=0.5)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        a.with_values(values)
        times.append(time.perf_counter() - start)
    print(f"with_values (decision re-decided, horizon re-valued): median {statistics.median(times) * 1e3:.1f} ms")


if __name__ == "__main__":
    main()
