"""Browser-test fixtures: a served dashboard in a subprocess and Debian's Chromium driven by playwright.

The server is ``futility serve`` on a free port (``FUTILITY_BROWSER_APP`` may name a script for
``panel serve`` instead, for debugging). Chromium is the system one (/usr/bin/chromium, installed by
``scripts/install_browser.sh``); playwright never downloads a browser. Screenshots go to tests/artifacts/.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until_up(url: str, proc: subprocess.Popen, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the dashboard server exited early with status {proc.returncode}")
        try:
            with urllib.request.urlopen(url + "liveness", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"the dashboard server did not answer at {url} within {timeout:.0f} s")


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@contextmanager
def serving(cmd: list[str], log_path: Path, env: dict[str, str] | None = None) -> Iterator[str]:
    """Run a dashboard server command (its port in ``cmd``), its stdout and stderr in ``log_path``; yield its URL
    once it answers, and stop it afterwards.
    """
    port = cmd[cmd.index("--port") + 1]
    log = open(log_path, "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=Path(__file__).resolve().parents[2], env=env)
    url = f"http://127.0.0.1:{port}/"
    try:
        _wait_until_up(url, proc)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="session")
def served(artifacts: Path) -> Iterator[str]:
    """URL of a dashboard served on a free port with the demo case; stopped after the session."""
    port = _free_port()
    script = os.environ.get("FUTILITY_BROWSER_APP")
    if script:
        cmd = [sys.executable, "-m", "panel", "serve", script, "--port", str(port), "--address", "127.0.0.1"]
    else:
        cmd = [sys.executable, "-m", "futility", "serve", "--port", str(port)]
    with serving(cmd, artifacts / "server.log") as url:
        yield url


@pytest.fixture(scope="session")
def server_log(served: str, artifacts: Path) -> Path:
    """The served dashboard's combined stdout and stderr (what an operator's log would hold)."""
    return artifacts / "server.log"


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's Chromium under playwright (skipped with a message when it is not installed)."""
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is missing: run `bash scripts/install_browser.sh` (the README test command does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, served: str):
    """A fresh page at laptop size on the served dashboard."""
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    pg = context.new_page()
    yield pg
    context.close()
