"""Shared CLI plumbing: one-line errors with exit status 2, and checks on option values.

The option checks are Typer callbacks raising :class:`typer.BadParameter`; the CLI's error handler
(:mod:`futility.cli`) prints them as ``error: --option: problem``. They exist because a value Typer
accepts can still be unusable: ``inf``/``nan`` pass a numeric range, ``''`` would silently become the
operating-system user, ``sqlite://`` is a store that vanishes on exit, and a missing users file
would become the password.
"""
from __future__ import annotations

import contextlib
import json
import math
import os
from collections.abc import Callable, Iterator
from typing import Optional

import typer

from futility.errors import UserError

__all__ = ["basic_auth_value", "fail", "finite_in", "in_memory_sqlite", "nonblank", "persistent_db", "user_errors"]


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


def finite_in(low: float, high: float, *, open_low: bool = False, open_high: bool = False) -> Callable:
    """A callback accepting None or a finite number in [low, high] (``open_*``: that end excluded)."""
    lo, hi = ("(" if open_low else "["), (")" if open_high else "]")

    def check(value: Optional[float]) -> Optional[float]:
        if value is None:
            return None
        if not math.isfinite(value):
            raise typer.BadParameter("must be a finite number")
        if (value <= low if open_low else value < low) or (value >= high if open_high else value > high):
            raise typer.BadParameter(f"must be in {lo}{low:g}, {high:g}{hi}, not {value:g}")
        return value

    return check


def nonblank(value: Optional[str]) -> Optional[str]:
    """None (use the default), or a name that is not empty or only whitespace, at most 200 characters."""
    if value is None:
        return None
    if not value.strip():
        raise typer.BadParameter("must not be empty (leave the option out to use the default)")
    if len(value) > 200:
        raise typer.BadParameter("must be at most 200 characters")
    return value


def in_memory_sqlite(url: str) -> bool:
    """True for a SQLite URL whose database lives only in this process (``sqlite://``, ``:memory:``)."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return False
    database = parsed.database or ""
    return database in ("", ":memory:") or "mode=memory" in database or parsed.query.get("mode") == "memory" \
        or database.startswith("file::memory:")


def persistent_db(value: Optional[str]) -> Optional[str]:
    """None (the default store), a SQLite file path, or a database URL that outlives the command."""
    if value is None:
        return None
    if not value.strip():
        raise typer.BadParameter("must not be empty (leave the option out to use the default store)")
    if "://" not in value:
        return value
    from sqlalchemy.exc import ArgumentError

    try:
        memory = in_memory_sqlite(value)
    except (ArgumentError, ValueError):
        return value  # not a URL SQLAlchemy can parse: the store refuses it, naming it with the password masked
    if memory:
        raise typer.BadParameter("an in-memory SQLite store vanishes when the command ends; give a file "
                                 "(sqlite:///path/futility.db or a path)")
    return value


def _looks_like_path(value: str) -> bool:
    seps = {os.sep, os.altsep or os.sep, "/"}
    return any(s in value for s in seps) or value.startswith(("~", ".")) or value.lower().endswith(".json")


def basic_auth_value(value: Optional[str]) -> Optional[str]:
    """``--basic-auth``: a password, or an existing JSON file of ``{user: password}``.

    Panel treats the value as a file only when the file exists, else as the password itself: a
    mistyped users-file path would become the password. A value that looks like a path must therefore
    name a regular file holding a JSON object; the value itself is never echoed (it may be a password).
    """
    if value is None:
        return None
    if not value.strip():
        raise typer.BadParameter("must not be empty")
    if not _looks_like_path(value) and not os.path.exists(value):
        return value
    if not os.path.isfile(value):
        raise typer.BadParameter("looks like a users file but no such file exists (a password must not contain "
                                 "'/' or start with '.' or '~' or end in '.json')")
    try:
        with open(value, encoding="utf-8") as fh:
            users = json.loads(fh.read(1_000_001))
    except (OSError, UnicodeDecodeError, ValueError):
        raise typer.BadParameter("the users file is not a readable JSON object of user: password") from None
    if not isinstance(users, dict) or not users or not all(isinstance(k, str) and isinstance(v, str) for k, v in users.items()):
        raise typer.BadParameter("the users file must be a non-empty JSON object of user: password")
    return value
