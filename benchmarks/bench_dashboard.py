"""Dashboard speed: server-side update time after a values-slider move, and first render of the demo case.

Targets (issue 5): every view dependent on a slider updated in p95 < 150 ms (server side), and the demo
case's first render under 3 s. Prints figures; asserts nothing.

    .venv/bin/python benchmarks/bench_dashboard.py            # server side only
    .venv/bin/python benchmarks/bench_dashboard.py --browser  # also time a real Chromium (if installed)

"Server-side update" is the time from setting a slider's value to the return of every watcher: the
decision re-run (``Assessment.with_values``), the comparison chart and text, the committee's futility
table, tornado and threshold charts (all views built and attached to a Bokeh document, as in a session).
"First render (server)" is building a session's app with the demo case (assessment included, posterior
already cached) and serialising its document; the browser figure adds page load and drawing.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np


def _quantiles(ms: list[float]) -> str:
    arr = np.asarray(ms)
    return (f"n={arr.size} p50={np.percentile(arr, 50):.1f} ms  p95={np.percentile(arr, 95):.1f} ms  "
            f"max={arr.max():.1f} ms")


def first_render(runs: int) -> list[float]:
    """Seconds to build one session's app on the demo case and serialise its Bokeh document."""
    import panel as pn
    from bokeh.document import Document
    from bokeh.embed.util import standalone_docs_json

    from futility.dashboards.app import create_app

    out = []
    for _ in range(runs):
        start = time.perf_counter()
        app = create_app()
        doc = Document()
        doc.add_root(pn.panel(app).get_root(doc))
        standalone_docs_json([doc])
        out.append(time.perf_counter() - start)
    return out


def slider_updates(moves: int, seed: int) -> tuple[list[float], list[float]]:
    """Milliseconds per slider move: all dependent views, and the decision re-run alone."""
    import panel as pn
    from bokeh.document import Document

    from futility.dashboards.app import VIEWS, create_app

    app = create_app()
    for name in VIEWS:  # every view built and attached, as if each had been opened
        app.view(name)
    doc = Document()
    doc.add_root(pn.panel(app).get_root(doc))
    for name in VIEWS:
        doc.add_root(pn.panel(app.view(name)).get_root(doc))
    session = app.session
    sliders = app.consultation.values.sliders
    rng = np.random.default_rng(seed)
    total, decide = [], []
    names = list(sliders)
    for _ in range(moves):
        name = names[rng.integers(len(names))]
        low, high = session.param[name].bounds
        value = float(np.round(rng.uniform(low, high), 2))
        start = time.perf_counter()
        sliders[name].value = value
        total.append(1000 * (time.perf_counter() - start))
        decide.append(session.update_ms)
    return total, decide


def browser_first_render(runs: int) -> list[float]:
    """Seconds from navigation until the option comparison is on screen, in Debian's Chromium."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "browser"))
    import subprocess

    from conftest import CHROMIUM, CHROMIUM_ARGS, _free_port, _wait_until_up
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        print("browser: /usr/bin/chromium missing (bash scripts/install_browser.sh)")
        return []
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "futility", "serve", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    out = []
    try:
        _wait_until_up(url, proc)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            for _ in range(runs):
                context = browser.new_context(viewport={"width": 1366, "height": 768})
                page = context.new_page()
                start = time.perf_counter()
                page.goto(url, wait_until="domcontentloaded")
                page.locator("p:has-text('The comparison in words')").first.wait_for(timeout=60_000)
                out.append(time.perf_counter() - start)
                context.close()
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=300)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=20260101)
    parser.add_argument("--browser", action="store_true", help="also time first render in Chromium")
    args = parser.parse_args()

    start = time.perf_counter()
    from futility.assessment import assess
    from futility.case import demo_case_path, load_case

    assessment = assess(load_case(demo_case_path()))
    print(f"cold start (imports + posterior load + first assessment): {time.perf_counter() - start:.2f} s")
    print(f"posterior draws per option: {assessment.posterior.n_draws}")

    renders = first_render(args.runs)
    print(f"first render of the demo case, server side (warm process): median {statistics.median(renders):.2f} s, "
          f"max {max(renders):.2f} s  (target < 3 s)")
    total, decide = slider_updates(args.moves, args.seed)
    print(f"slider move -> every dependent view updated: {_quantiles(total)}  (target p95 < 150 ms)")
    print(f"  of which the decision re-run (with_values + to_dict): {_quantiles(decide)}")
    if args.browser:
        seconds = browser_first_render(args.runs)
        if seconds:
            print(f"first render in Chromium (navigation to comparison visible): median {statistics.median(seconds):.2f} s, "
                  f"max {max(seconds):.2f} s  (target < 3 s)")


if __name__ == "__main__":
    main()
