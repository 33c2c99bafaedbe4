"""First render of the demo case in Chromium: time to first byte and until the consultation is on screen.

Target (issue 14, point 10): the consultation's content visible in under 1.5 s. Prints figures; asserts nothing.

    .venv/bin/python benchmarks/bench_first_render.py              # futility serve as shipped (warm-up on)
    .venv/bin/python benchmarks/bench_first_render.py --compare    # also without the warm-up (FUTILITY_WARMUP=0)

Each run is a fresh browser context (no cache, no cookies) navigating to a ``futility serve`` of the demo
case. "First visit" is the first navigation after the server opened its port (nothing touched the page
before it); "later visits" are the median of ``--runs`` navigations after it. Time to first byte is the
navigation's ``responseStart`` (the server builds the session before it answers); "content visible" is
from navigation until the consultation's first option card and the support statement are on screen.
Also printed: server start (process launch until the port opens, warm-up included) and the server-side
build of one session (``create_app`` plus the document's serialisation, in this process).
"""
from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "browser"))

CONTENT = ("section.fu-card", ".fu-support")


def _port_open(port: int, proc: subprocess.Popen, timeout: float = 120.0) -> None:
    """Wait for the port without requesting a page (a request would build a session and warm the server)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"futility serve exited with status {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("futility serve did not open its port")


def _visit(browser, url: str) -> tuple[float, float]:
    """(time to first byte, time until the consultation is visible), seconds, in a fresh context."""
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    start = time.perf_counter()
    page.goto(url, wait_until="commit")
    for selector in CONTENT:
        page.locator(selector).first.wait_for(state="visible", timeout=60_000)
    visible = time.perf_counter() - start
    ttfb = page.evaluate("performance.getEntriesByType('navigation')[0].responseStart") / 1000.0
    context.close()
    return ttfb, visible


def serve_and_measure(runs: int, warm: bool) -> dict[str, object]:
    """Start a server (warm-up on or off), visit it once and then ``runs`` more times."""
    from conftest import CHROMIUM, CHROMIUM_ARGS, _free_port
    from playwright.sync_api import sync_playwright

    port = _free_port()
    env = dict(os.environ, FUTILITY_WARMUP="1" if warm else "0")
    launched = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "futility", "serve", "--port", str(port)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _port_open(port, proc)
        started = time.perf_counter() - launched
        url = f"http://127.0.0.1:{port}/"
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            browser.new_page().close()  # the browser process itself is up before the clock starts
            first = _visit(browser, url)
            later = [_visit(browser, url) for _ in range(runs)]
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    return {"start": started, "first": first, "later": later}


def session_build(runs: int) -> list[float]:
    """Seconds to build one session's app on the demo case and serialise its document (warm process)."""
    import panel as pn
    from bokeh.document import Document
    from bokeh.embed.util import standalone_docs_json

    from futility.dashboards.app import create_app

    create_app()  # posterior and assessment loaded, as after the server's warm-up
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        doc = Document()
        doc.add_root(pn.panel(create_app()).get_root(doc))
        standalone_docs_json([doc])
        out.append(time.perf_counter() - start)
    return out


def _report(label: str, result: dict[str, object]) -> None:
    first = result["first"]
    later = result["later"]
    assert isinstance(first, tuple) and isinstance(later, list)
    ttfb = [t for t, _ in later]
    shown = [v for _, v in later]
    print(f"{label}: server start (launch until the port opens) {result['start']:.2f} s")
    print(f"  first visit:  first byte {first[0]:.2f} s, consultation visible {first[1]:.2f} s")
    print(f"  later visits (n={len(later)}): first byte median {statistics.median(ttfb):.2f} s (max {max(ttfb):.2f}), "
          f"consultation visible median {statistics.median(shown):.2f} s (max {max(shown):.2f})  (target < 1.5 s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--compare", action="store_true", help="also measure a server started without the warm-up")
    args = parser.parse_args()

    from conftest import CHROMIUM

    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    if not CHROMIUM.exists():
        print("browser: /usr/bin/chromium missing (bash scripts/install_browser.sh)")
    else:
        if args.compare:
            _report("without warm-up (FUTILITY_WARMUP=0)", serve_and_measure(args.runs, warm=False))
        _report("futility serve (warm-up on)", serve_and_measure(args.runs, warm=True))
    builds = session_build(args.runs)
    print(f"server side, one session built and serialised: median {statistics.median(builds):.2f} s, max {max(builds):.2f} s")


if __name__ == "__main__":
    main()
