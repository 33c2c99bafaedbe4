"""Benchmarks of the prognostic model; prints figures, asserts nothing.

1. Default fit: wall time and ESS per second, nutpie vs PyMC's default NUTS, same model and settings.
2. Per-patient prognosis for every candidate option from the shipped posterior (warm; target < 20 ms).
3. Registry fits with 10k and 100k synthetic patient-trials (target: 100k under 2 minutes on 2 cores).

Usage: ``python benchmarks/bench_model.py [--skip-default] [--skip-pymc] [--sizes 10000 100000]``.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from futility.model import fit as model  # noqa: E402
from futility.prognosis.posterior import load_posterior  # noqa: E402
from futility.prognosis.predict import prognose  # noqa: E402

#: Guideline-like paths for synthetic patients: the kinds offered at each step.
STEPS = (
    ("ssri",),
    ("snri", "ndri", "ssri"),
    ("lithium_augmentation", "antipsychotic_augmentation", "nassa", "tca"),
    ("maoi", "ect", "esketamine"),
    ("ect", "ketamine"),
)


def synthetic_registry(n_trials: int, path: Path, seed: int = 11) -> Path:
    """Simulate patients along STEPS from the shipped posterior's mean parameters (until n_trials)."""
    post = load_posterior()
    rng = np.random.default_rng(seed)
    alpha = dict(zip(post.option_kinds, post.alpha.mean(0)))
    delta = dict(zip(post.option_kinds, post.delta.mean(0)))
    beta = post.beta.mean(0)
    lam, su, sv, kappa = post.lam.mean(), post.sigma_u.mean(), post.sigma_v.mean(), post.kappa.mean()
    rows = ["patient_id,order,option,adequate,outcome,significant_burden,severe,psychotic_features,comorbid_anxiety,episode_months"]
    written, pid = 0, 0
    while written < n_trials:
        pid += 1
        severe, psychotic, anxiety = rng.random() < 0.3, rng.random() < 0.05, rng.random() < 0.4
        months = int(rng.integers(1, 121))
        x = model.patient_factors(severe, psychotic, anxiety, months)
        u, v = rng.normal(0, su), rng.normal(0, sv)
        failures = 0
        for order, choices in enumerate(STEPS, start=1):
            kind = choices[rng.integers(len(choices))]
            adequate = rng.random() < 0.85
            eta = alpha[kind] + x @ beta - lam * failures + u
            r = rng.random()
            outcome = "remission" if r < 1 / (1 + np.exp(-eta)) else (
                "response" if r < 1 / (1 + np.exp(-eta - kappa)) else rng.choice(["partial_response", "non_response"]))
            burden = "" if rng.random() < 0.3 else str(int(rng.random() < 1 / (1 + np.exp(-delta[kind] - v))))
            rows.append(f"p{pid},{order},{kind},{int(adequate)},{outcome},{burden},{int(severe)},{int(psychotic)},{int(anxiety)},{months}")
            written += 1
            if adequate and outcome != "remission":
                failures += 1
            if outcome == "remission" or rng.random() < 0.15 or written >= n_trials:
                break
    path.write_text("\n".join(rows) + "\n")
    return path


def bench_default(skip_pymc: bool) -> None:
    settings = {"draws": 1000, "chains": 4, "cores": 2, "random_seed": 20260101}  # warm-up: model.sampler_defaults
    for sampler in ("nutpie", "pymc"):
        if sampler == "pymc" and skip_pymc:
            continue
        started = time.perf_counter()
        idata = model.fit(sampler=sampler, **settings)
        wall = time.perf_counter() - started
        diag = model.convergence_diagnostics(idata)
        print(f"default fit [{sampler}]: wall {wall:.1f} s, min bulk ESS {diag['min_ess_bulk']:.0f}, "
              f"ESS/s {diag['min_ess_bulk'] / wall:.1f}, max R-hat {diag['max_rhat']}, divergences {diag['divergences']}")


def _case(months: float, severity: str | None, trials: list[dict]):
    from futility.case import case_from_dict

    return case_from_dict({
        "id": "bench", "age": 50,
        "diagnosis": {"polarity": "unipolar", "episode_months": months, "severity": severity},
        "trials": trials,
    })


def bench_prognosis(repeats: int = 50) -> None:
    from futility.case import demo_case_path, load_case
    from futility.clinical.adequacy import assess_trials
    from futility.clinical.screening import contraindications

    started = time.perf_counter()
    post = load_posterior()
    print(f"posterior load (cold): {1000 * (time.perf_counter() - started):.1f} ms, {post.n_draws} draws, "
          f"{os.path.getsize(post.path) / 1e6:.2f} MB")
    demo = load_case(demo_case_path())
    long = _case(72, "severe", [
        {"agent": a, "dose_mg_day": d, "weeks": 8, "adherence": 0.95, "scale": "MADRS", "baseline": 34, "final": 31, "burden": "mild"}
        for a, d in (("sertraline", 150), ("venlafaxine", 225), ("bupropion", 300), ("nortriptyline", 125), ("phenelzine", 60))
    ] + [{"agent": "lithium", "dose_mg_day": 900, "weeks": 6, "adherence": 0.9, "scale": "MADRS", "baseline": 33, "final": 30, "augments": 4},
         {"agent": "ect", "weeks": 4, "sessions": 12, "laterality": "bilateral", "scale": "MADRS", "baseline": 35, "final": 30}])
    for name, case in (("demo case", demo), ("7-trial case", long)):
        trials, contra = assess_trials(case), contraindications(case)
        prognose(case, trials, contra, post)
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            result = prognose(case, trials, contra, post)
            times.append(time.perf_counter() - t0)
        print(f"prognosis [{name}], {len(result.options)} options: median {1000 * statistics.median(times):.1f} ms, "
              f"min {1000 * min(times):.1f} ms (warm, {repeats} runs)")


#: Registry fits: two chains (one per core); 1000 kept draws so that R-hat from two chains is stable.
REGISTRY_DRAWS, REGISTRY_TUNE = 1000, model.sampler_defaults(with_registry=True)["tune"]


def bench_registry(sizes: list[int]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            path = synthetic_registry(size, Path(tmp) / f"registry_{size}.csv")
            t0 = time.perf_counter()
            reg = model.read_registry(path)
            read = time.perf_counter() - t0
            started = time.perf_counter()
            idata = model.fit(reg, draws=REGISTRY_DRAWS, tune=REGISTRY_TUNE, chains=2, cores=2, random_seed=3)
            wall = time.perf_counter() - started
            diag = model.convergence_diagnostics(idata)
            steps = float(idata.sample_stats["n_steps"].mean()) if "n_steps" in idata.sample_stats else float("nan")
            print(f"registry fit {size} patient-trials ({reg.n_patients} patients, {reg.cell_kind.size} cells, "
                  f"{reg.count.size} efficacy and {reg.burden_count.size} burden patterns): read {read:.1f} s, "
                  f"fit {wall:.1f} s incl. compile (2 chains x {REGISTRY_TUNE} tune + {REGISTRY_DRAWS} draws, "
                  f"{steps:.1f} leapfrog steps per draw), min ESS {diag['min_ess_bulk']:.0f}, "
                  f"max R-hat {diag['max_rhat']}, divergences {diag['divergences']}, "
                  f"gate {'passed' if model.passes_gate(diag) else 'FAILED'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-default", action="store_true")
    parser.add_argument("--skip-pymc", action="store_true")
    parser.add_argument("--skip-registry", action="store_true")
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000])
    args = parser.parse_args(argv)
    bench_prognosis()
    if not args.skip_registry:
        bench_registry(args.sizes)
    if not args.skip_default:
        bench_default(args.skip_pymc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
