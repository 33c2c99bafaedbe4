"""``futility serve [CASE]``: the Panel dashboard (consultation, committee and case-input views).

Binds to 127.0.0.1 by default. Any other address needs authentication (``--basic-auth`` or OAuth) and a
cookie secret (``--cookie-secret`` or ``FUTILITY_COOKIE_SECRET``); otherwise the command refuses to start
with exit status 2. Case contents never go to the logs.
"""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from futility.commands._common import basic_auth_value, fail, persistent_db, user_errors
from futility.extras import require_extra

__all__ = ["register"]


def serve_command(
    case: Annotated[Optional[Path], typer.Argument(help="Case file (YAML or JSON); the demo case when left out.", show_default=False)] = None,
    port: Annotated[int, typer.Option(help="Port to listen on.", min=0, max=65535)] = 5006,
    address: Annotated[str, typer.Option(help="Address to bind; anything but localhost needs authentication.")] = "127.0.0.1",
    basic_auth: Annotated[Optional[str], typer.Option("--basic-auth", help=(
        "Password, or a JSON file of user: password, for "
        "Panel's basic auth."
    ), callback=basic_auth_value)] = None,
    cookie_secret: Annotated[Optional[str], typer.Option(help="Secret for signing login cookies (default: FUTILITY_COOKIE_SECRET).")] = None,
    oauth_provider: Annotated[Optional[str], typer.Option(help="OAuth provider (e.g. github, google, azure, generic), as in panel serve.")] = None,
    oauth_key: Annotated[Optional[str], typer.Option(help="OAuth client id.")] = None,
    oauth_secret: Annotated[Optional[str], typer.Option(help="OAuth client secret.")] = None,
    oauth_redirect_uri: Annotated[Optional[str], typer.Option(help="OAuth redirect URI.")] = None,
    oauth_encryption_key: Annotated[Optional[str], typer.Option(help="Key to encrypt OAuth tokens in cookies.")] = None,
    db: Annotated[Optional[str], typer.Option(help=(
        "Case store URL for the committee view (default: FUTILITY_DB "
        "or the user data file)."
    ), callback=persistent_db)] = None,
    allow_websocket_origin: Annotated[Optional[list[str]], typer.Option(help="Host[:port] allowed to open the websocket (repeatable).")] = None,
) -> None:
    """Serve the dashboard for a consultation or a committee review (127.0.0.1 only by default)."""
    with user_errors():
        require_extra("dashboard", "the dashboard")
    from futility.dashboards.serving import ServeConfig, ServeRefused, cookie_secret_from, quiet_logs, warm_up

    config = ServeConfig(
        address=address,
        port=port,
        basic_auth=basic_auth,
        cookie_secret=cookie_secret_from(cookie_secret),
        oauth_provider=oauth_provider,
        oauth_key=oauth_key,
        oauth_secret=oauth_secret,
        oauth_redirect_uri=oauth_redirect_uri,
        oauth_encryption_key=oauth_encryption_key,
        websocket_origins=tuple(allow_websocket_origin or ()),
    )
    try:
        kwargs = config.server_kwargs()
    except ServeRefused as exc:
        fail(str(exc))
    if case is not None:
        from futility.case import load_case

        with user_errors():
            load_case(case)  # refuse a bad file before starting the server
    quiet_logs()
    import panel as pn

    from futility.dashboards.app import create_app

    shown = "localhost" if config.address in {"127.0.0.1", "::1"} else config.address
    case_path = str(case) if case is not None else None

    def session_app():  # a plain function: panel.serve calls it once per browser session
        return create_app(case_path, db_url=db)

    warm_up(case_path, db_url=db)  # posterior, assessment and a first render done before the first visit
    typer.echo(f"futility dashboard: http://{shown}:{port}/ (Ctrl-C to stop)", err=True)
    pn.serve(session_app, threaded=False, **kwargs)


def register(app: typer.Typer) -> None:
    """Add ``serve`` to the CLI."""
    app.command("serve")(serve_command)
