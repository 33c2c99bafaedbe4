"""Shared CLI plumbing: turning user errors into one line on stderr and exit status 2."""
from __future__ import annotations

import contextlib
from collections.abc import Iterator

import typer

from futility.errors import UserError


def fail(message: str) -> None:
    """Print one line to stderr and exit with status 2 (user error)."""
    typer.echo(f"error: {' '.join(message.split())}", err=True)
    raise typer.Exit(code=2)


@contextlib.contextmanager
def user_errors() -> Iterator[None]:
    """Turn any :class:`UserError` (bad case, refused posterior, unknown id) into ``fail``."""
    try:
        yield
    except UserError as exc:
        fail(str(exc))
