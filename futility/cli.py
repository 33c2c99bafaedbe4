"""The ``futility`` command line: ``assess``, ``fit``, ``serve``, ``report``, ``cases``, ``review``, ``demo``.

Each command group lives in ``futility/commands/<group>.py`` and registers itself on the Typer app.
User errors (a bad case file, a refused posterior) exit with status 2 and one line naming the field
and the problem; never a traceback. Usage errors found by Typer (a bad or missing option) follow the
same rule, ``error: --option: problem``, instead of Typer's boxed multi-line message.
"""
from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence
from typing import Any

import typer
from typer._click import exceptions as _click_errors  # Typer >= 0.29 vendors Click (pyproject.toml)
from typer.core import TyperGroup


def _param_name(param: Any) -> str:
    """``--min-weeks`` for an option (its longest spelling), ``CASE`` for an argument."""
    opts = [o for o in getattr(param, "opts", []) if o.startswith("-")]
    return max(opts, key=len) if opts else str(getattr(param, "human_readable_name", "") or param.name).upper()


def usage_error_line(exc: _click_errors.ClickException) -> str:
    """One line for a Click usage error: ``--option: problem`` (the ``error:`` prefix is added by the caller)."""
    param = getattr(exc, "param", None)
    if isinstance(exc, _click_errors.MissingParameter):
        name = _param_name(param) if param is not None else (exc.param_hint or "an option")
        return f"{name}: is required"
    if isinstance(exc, _click_errors.BadParameter):
        label = _param_name(param) if param is not None else exc.param_hint
        return f"{label}: {exc.message}" if label else exc.message
    if isinstance(exc, _click_errors.NoSuchOption):
        hint = f" (did you mean {' or '.join(sorted(exc.possibilities))}?)" if exc.possibilities else ""
        return f"{exc.option_name}: no such option{hint}"
    return exc.format_message()


class OneLineErrors(TyperGroup):
    """The root command group; it prints Click usage errors as one line (exit status 2) instead of a box."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, windows_expand_args=windows_expand_args, **extra)
        try:
            rv = super().main(args, prog_name, complete_var, standalone_mode=False, windows_expand_args=windows_expand_args, **extra)
        except _click_errors.NoArgsIsHelpError as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except _click_errors.ClickException as exc:
            typer.echo(f"error: {' '.join(usage_error_line(exc).split())}", err=True)
            sys.exit(exc.exit_code)
        except typer.Abort:
            typer.echo("error: aborted", err=True)
            sys.exit(1)
        sys.exit(rv if isinstance(rv, int) and not isinstance(rv, bool) else 0)


app = typer.Typer(
    cls=OneLineErrors,
    name="futility",
    help="Clinical decision aid for treatment-resistant depression. Supports a decision; never makes one.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

#: Command modules; a module missing while under construction is skipped, not fatal.
COMMAND_MODULES = ("assess", "fit", "import_fhir", "records", "serve", "validate")

for _name in COMMAND_MODULES:
    try:
        _module = importlib.import_module(f"futility.commands.{_name}")
    except ModuleNotFoundError as _exc:  # pragma: no cover - only while a group is not yet written
        if _exc.name != f"futility.commands.{_name}":
            raise
        continue
    _module.register(app)


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
