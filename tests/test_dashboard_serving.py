"""Serving rules: localhost by default, authentication beyond it, cookie secret, quiet logs."""
from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from typer.testing import CliRunner

from futility.dashboards.serving import COOKIE_SECRET_ENV, ServeConfig, ServeRefused, cookie_secret_from, is_loopback, quiet_logs
from futility.cli import app as cli


@pytest.mark.parametrize(
    "address, loopback",
    [("127.0.0.1", True), ("127.5.0.9", True), ("::1", True), ("localhost", True),
     ("0.0.0.0", False), ("192.168.1.20", False), ("::", False), ("example.org", False)],
)
def test_is_loopback(address: str, loopback: bool) -> None:
    """Only loopback addresses count as local."""
    assert is_loopback(address) is loopback


def test_beyond_localhost_without_auth_is_refused() -> None:
    """Binding to 0.0.0.0 with no authentication is refused."""
    with pytest.raises(ServeRefused, match="needs authentication"):
        ServeConfig(address="0.0.0.0").server_kwargs()


def test_auth_without_cookie_secret_is_refused() -> None:
    """Basic auth without a cookie secret is refused, also on localhost."""
    with pytest.raises(ServeRefused, match="cookie secret"):
        ServeConfig(address="0.0.0.0", basic_auth="s3cret-pass").server_kwargs()
    with pytest.raises(ServeRefused, match="cookie secret"):
        ServeConfig(basic_auth="s3cret-pass").server_kwargs()


def test_oauth_needs_key_and_secret() -> None:
    """An OAuth provider without client id and secret is refused."""
    with pytest.raises(ServeRefused, match="oauth-key"):
        ServeConfig(address="0.0.0.0", oauth_provider="github", cookie_secret="x" * 32).server_kwargs()


def test_authenticated_server_kwargs() -> None:
    """With basic auth and a cookie secret the server gets both, and any origin (auth still applies)."""
    kwargs = ServeConfig(address="0.0.0.0", port=8080, basic_auth="users.json", cookie_secret="c" * 32).server_kwargs()
    assert kwargs["basic_auth"] == "users.json"
    assert kwargs["cookie_secret"] == "c" * 32
    assert kwargs["address"] == "0.0.0.0" and kwargs["port"] == 8080
    assert kwargs["websocket_origin"] == ["*"]


def test_localhost_defaults() -> None:
    """By default the server binds to 127.0.0.1 without auth and accepts only local websocket origins."""
    kwargs = ServeConfig(port=5007).server_kwargs()
    assert kwargs["address"] == "127.0.0.1"
    assert "basic_auth" not in kwargs and "cookie_secret" not in kwargs
    assert set(kwargs["websocket_origin"]) == {"localhost:5007", "127.0.0.1:5007"}


def test_cookie_secret_from_environment(monkeypatch) -> None:
    """The cookie secret comes from the option, else from the environment."""
    monkeypatch.setenv(COOKIE_SECRET_ENV, "from-env")
    assert cookie_secret_from(None) == "from-env"
    assert cookie_secret_from("from-option") == "from-option"
    monkeypatch.delenv(COOKIE_SECRET_ENV)
    assert cookie_secret_from(None) is None


def test_quiet_logs_silences_access_log() -> None:
    """Request lines (tornado.access) and Bokeh/Panel session messages are kept out of the logs."""
    logging.getLogger("tornado.access").setLevel(logging.DEBUG)
    quiet_logs()
    assert not logging.getLogger("tornado.access").isEnabledFor(logging.INFO)
    assert not logging.getLogger("bokeh.server").isEnabledFor(logging.INFO)


def test_cli_refuses_public_address_without_auth(monkeypatch) -> None:
    """`futility serve --address 0.0.0.0` exits with status 2 and one line naming the problem."""
    monkeypatch.delenv(COOKIE_SECRET_ENV, raising=False)
    result = CliRunner().invoke(cli, ["serve", "--address", "0.0.0.0"])
    assert result.exit_code == 2
    assert "needs authentication" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_cli_refuses_bad_case_before_serving(tmp_path) -> None:
    """A case file that fails validation stops `futility serve` with status 2 and the field named."""
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: demo\nage: 5\ndiagnosis: {episode_months: 3}\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["serve", str(bad), "--port", "0"])
    assert result.exit_code == 2
    assert "age" in result.output


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get_when_up(proc: subprocess.Popen, url: str, seconds: float) -> tuple[str, str]:
    """Poll ``url`` until the server started as ``proc`` answers (body and final URL), then stop it."""
    try:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(url, timeout=30) as r:
                    return r.read().decode("utf-8"), r.geturl()
            except OSError:
                time.sleep(0.5)
        return "", ""
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_panel_serve_compatible_and_logs_no_case_data(tmp_path) -> None:
    """`panel serve dashboards/app.py` serves the app; its output carries no case data after a session."""
    root = Path(__file__).resolve().parents[1]
    port = _free_port()
    log = tmp_path / "serve.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "panel", "serve", "dashboards/app.py", "--port", str(port), "--log-level", "info"],
            cwd=root, stdout=out, stderr=subprocess.STDOUT,
        )
        body, _ = _get_when_up(proc, f"http://127.0.0.1:{port}/app", 90)
    assert "<title>Thinking about next steps together</title>" in body  # the decision, not the product name
    text = log.read_text(encoding="utf-8")
    for secret in ("demo-001", "sertraline", "bupropion", "lithium"):
        assert secret not in text, f"server output mentions {secret!r}"


def test_basic_auth_server_asks_for_login(tmp_path) -> None:
    """With --basic-auth the app is not served before login: the page is the login form."""
    port = _free_port()
    env = dict(os.environ, **{COOKIE_SECRET_ENV: "k" * 48})
    proc = subprocess.Popen(
        [sys.executable, "-m", "futility", "serve", "--port", str(port), "--basic-auth", "correct-horse-battery"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    page, url = _get_when_up(proc, f"http://127.0.0.1:{port}/", 60)
    assert "login" in url
    assert "password" in page.lower()
    assert "demo-001" not in page


def test_warm_up_assesses_the_served_case_before_the_first_visit(monkeypatch, capsys, caplog) -> None:
    """The warm-up (run by `futility serve` before it listens) leaves the case's assessment cached for every
    session and logs nothing; FUTILITY_WARMUP=0 skips it."""
    from futility.case import demo_case_path, load_case
    from futility.dashboards import state
    from futility.dashboards.serving import WARMUP_ENV, warm_up

    key = load_case(demo_case_path()).model_dump_json()
    monkeypatch.setattr(state, "_ASSESSMENTS", {})
    monkeypatch.setenv(WARMUP_ENV, "0")
    assert warm_up() == 0.0 and key not in state._ASSESSMENTS
    monkeypatch.delenv(WARMUP_ENV)
    with caplog.at_level(logging.DEBUG):
        assert warm_up() > 0.0
    assert key in state._ASSESSMENTS
    out = capsys.readouterr()
    for secret in ("demo-001", "sertraline", "bupropion", "lithium"):
        assert secret not in out.out + out.err + caplog.text, f"the warm-up printed or logged {secret!r}"


def test_serve_warms_up_before_it_listens(monkeypatch) -> None:
    """`futility serve` runs the warm-up for its case before starting the server."""
    import panel as pn

    import futility.dashboards.serving as serving

    calls: list[str] = []
    monkeypatch.setattr(serving, "warm_up", lambda case_path=None, db_url=None: calls.append(f"warm {case_path}") or 0.0)
    monkeypatch.setattr(serving, "quiet_logs", lambda: None)
    monkeypatch.setattr(pn, "serve", lambda *a, **k: calls.append("serve"))
    result = CliRunner().invoke(cli, ["serve", "--port", "0"])
    assert result.exit_code == 0, result.output
    assert calls == ["warm None", "serve"]
