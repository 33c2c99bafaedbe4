"""Serving rules for the dashboard: who may connect, how they authenticate, and what is never logged.

Beyond localhost the dashboard refuses to start without authentication (Panel's basic auth or an OAuth
provider, with a cookie secret). Case data is never logged: the access log (request lines) and Bokeh's
and Panel's session logs are kept at WARNING, every third-party log record is redacted
(:mod:`futility.dashboards.log_redaction`), and the dashboard logs only counts, never contents. Every asset is
served by the dashboard's own server (:func:`local_assets`): no CDN.
"""
from __future__ import annotations

import ipaddress
import logging
import os
from dataclasses import dataclass, field
from typing import Any

from futility.render.vocabulary import PATIENT_TITLE

#: Environment variable holding the cookie secret (preferred over the command line, which shows in `ps`).
COOKIE_SECRET_ENV = "FUTILITY_COOKIE_SECRET"

#: Loggers quietened so that request lines and session messages never reach the logs.
QUIET_LOGGERS = ("tornado.access", "tornado.application", "tornado.general", "bokeh", "bokeh.server", "panel", "auth")


class ServeRefused(ValueError):
    """A serve configuration that would expose the dashboard without authentication."""


def is_loopback(address: str) -> bool:
    """True for addresses reachable only from this machine (127.0.0.0/8, ::1, 'localhost')."""
    if address in {"localhost", "ip6-localhost"}:
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class ServeConfig:
    """Where and how to serve; :meth:`server_kwargs` gives the keyword arguments for ``panel.serve``."""

    address: str = "127.0.0.1"
    port: int = 5006
    basic_auth: str | None = None
    cookie_secret: str | None = None
    oauth_provider: str | None = None
    oauth_key: str | None = None
    oauth_secret: str | None = None
    oauth_redirect_uri: str | None = None
    oauth_encryption_key: str | None = None
    websocket_origins: tuple[str, ...] = field(default_factory=tuple)

    @property
    def authenticated(self) -> bool:
        return bool(self.basic_auth or self.oauth_provider)

    def check(self) -> None:
        """Refuse an unauthenticated server beyond localhost, and authentication without a cookie secret."""
        if not is_loopback(self.address) and not self.authenticated:
            raise ServeRefused(
                f"--address {self.address}: serving beyond localhost needs authentication; give --basic-auth "
                f"FILE_OR_PASSWORD or --oauth-provider (with a cookie secret in {COOKIE_SECRET_ENV})"
            )
        if self.authenticated and not self.cookie_secret:
            raise ServeRefused(
                f"authentication needs a cookie secret: set {COOKIE_SECRET_ENV} or give --cookie-secret "
                f"(e.g. {COOKIE_SECRET_ENV}=$(python -c 'import secrets; print(secrets.token_hex(32))'))"
            )
        if self.oauth_provider and not (self.oauth_key and self.oauth_secret):
            raise ServeRefused("--oauth-provider needs --oauth-key and --oauth-secret")

    def server_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``panel.serve`` (after :meth:`check`)."""
        self.check()
        origins = list(self.websocket_origins)
        if not origins:
            origins = [f"localhost:{self.port}", f"127.0.0.1:{self.port}"]
            if not is_loopback(self.address):
                origins = ["*"]  # reachable under any host name; authentication still applies
        kwargs: dict[str, Any] = {
            "address": self.address,
            "port": self.port,
            "websocket_origin": origins,
            "show": False,
            "title": PATIENT_TITLE,  # the page title a patient sees: the decision, not the product
        }
        if self.basic_auth:
            kwargs["basic_auth"] = self.basic_auth
        if self.oauth_provider:
            kwargs.update(
                oauth_provider=self.oauth_provider,
                oauth_key=self.oauth_key,
                oauth_secret=self.oauth_secret,
                oauth_redirect_uri=self.oauth_redirect_uri,
                oauth_encryption_key=self.oauth_encryption_key,
            )
        if self.cookie_secret:
            kwargs["cookie_secret"] = self.cookie_secret
        return kwargs


def cookie_secret_from(option: str | None) -> str | None:
    """The cookie secret from the option, else from the environment."""
    return option or os.environ.get(COOKIE_SECRET_ENV) or None


def quiet_logs() -> None:
    """Keep request lines and session messages out of the logs (they could carry case details), and redact
    every record of the serving process (:func:`futility.dashboards.log_redaction.install`).
    """
    from futility.dashboards.log_redaction import install

    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    install(record_factory=True)
    local_assets()


def local_assets() -> None:
    """Serve Bokeh's and Panel's JavaScript and CSS from this server, never a CDN (offline use; no third
    party learns that the tool is in use), whatever ``BOKEH_RESOURCES`` says.
    """
    from bokeh.settings import settings

    if settings.resources(default="server") not in {"server", "server-dev", "inline"}:
        settings.resources = "server"


#: Set to 0 to start ``futility serve`` without warming up (only to measure what the warm-up saves).
WARMUP_ENV = "FUTILITY_WARMUP"


def warm_up(case_path: str | None = None, *, db_url: str | None = None) -> float:
    """Build one throwaway session of the app before the server starts; returns the seconds it took.

    Loads the posterior, assesses the case (the assessment is cached per case content and shared by every
    session showing it), and runs every code path of a first render once (Panel's and Bokeh's imports, model
    classes and property caches, the document's serialisation), so the first browser that connects waits
    for its own session only. Logs nothing. Skipped (returns 0) when ``FUTILITY_WARMUP=0``.
    """
    if os.environ.get(WARMUP_ENV, "1").strip() == "0":
        return 0.0
    import time

    start = time.perf_counter()
    from bokeh.document import Document
    from bokeh.embed.util import standalone_docs_json

    from futility.dashboards.app import create_app

    app = create_app(case_path, db_url=db_url)
    doc = Document()
    doc.add_root(app.__panel__().get_root(doc))
    standalone_docs_json([doc])
    return time.perf_counter() - start
