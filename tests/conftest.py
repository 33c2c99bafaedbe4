"""Shared pytest options: ``--run-slow`` runs tests marked ``slow`` (model fits); others may append fixtures."""
from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--run-slow", action="store_true", default=False, help="run tests marked slow (model fits)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--run-slow"):
        return
    skip = pytest.mark.skip(reason="slow: run with --run-slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session", autouse=True)
def _audit_key_outside_home(tmp_path_factory: pytest.TempPathFactory):
    """Case stores written by tests key their audit chain with a throw-away key, never the user's own."""
    import os

    saved = {k: os.environ.pop(k, None) for k in ("FUTILITY_AUDIT_KEY", "FUTILITY_AUDIT_KEY_FILE")}
    os.environ["FUTILITY_AUDIT_KEY_FILE"] = str(tmp_path_factory.mktemp("audit-key") / "audit.key")
    yield
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.fixture()
def fake_sampler(monkeypatch: pytest.MonkeyPatch):
    """``futility.model.fit`` with prior draws in place of MCMC (tests/fakes.py); yields the model module."""
    from fakes import prior_sample

    from futility.model import fit as model

    monkeypatch.setattr(model, "_sample", prior_sample)
    return model
