"""The futility dashboard (Panel): consultation, committee and case-input views over one case.

``create_app(case_path=None)`` builds the app for one browser session; ``futility serve`` and
``panel serve dashboards/app.py`` serve it. See docs/dashboard.md.
"""
from __future__ import annotations

from typing import Any

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:  # imported on use: ``futility.dashboards.serving`` needs no Panel import
    if name == "create_app":
        from futility.dashboards.app import create_app

        return create_app
    raise AttributeError(name)
