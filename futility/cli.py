"""The ``futility`` command line: ``assess``, ``fit``, ``serve``, ``report``, ``cases``, ``review``, ``demo``.

Each command group lives in ``futility/commands/<group>.py`` and registers itself on the Typer app.
User errors (a bad case file, a refused posterior) exit with status 2 and one line naming the field
and the problem; never a traceback.
"""
from __future__ import annotations

import importlib
import sys

import typer

app = typer.Typer(
    name="futility",
    help="Clinical decision aid for treatment-resistant depression. Supports a decision; never makes one.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

#: Command modules; a module missing while under construction is skipped, not fatal.
COMMAND_MODULES = ("assess", "fit", "records", "serve")

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
    sys.exit(main())
