"""``futility import fhir BUNDLE [--out case.yaml]``: a case from the health record (FHIR R4).

Binds and renders only: :func:`futility.record.import_record` does the work. With ``--out`` the case file
is written atomically (it appears only when the import succeeded) and the gaps are printed one a line;
without it the case goes to standard output and the gaps to standard error. Nothing of the record is
logged.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Optional

import typer

from futility.commands._common import fail, user_errors

__all__ = ["register"]

import_app = typer.Typer(help="Import a case from another system.", no_args_is_help=True)


def _case_id(value: Optional[str]) -> Optional[str]:
    import re

    if value is not None and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}", value):
        raise typer.BadParameter("must be a pseudonymous identifier (letters, digits, '.', '_' or '-'; at most 64)")
    return value


@import_app.command("fhir")
def fhir_command(
    bundle: Annotated[Path, typer.Argument(help="FHIR R4 Bundle (searchset or collection, JSON) or NDJSON export.", show_default=False)],
    out: Annotated[Optional[Path], typer.Option("--out", help="Case file to write (YAML); printed when left out.")] = None,
    case_id: Annotated[Optional[str], typer.Option("--id", help="Pseudonymous case id (default: a random one).",
                                                   callback=_case_id)] = None,
    ignore_other_medications: Annotated[bool, typer.Option(
        "--ignore-other-medications", help="Leave out medications that are not agents futility knows (listed), "
        "instead of refusing the record.")] = False,
) -> None:
    """Read a FHIR R4 record into a case file; print what the record does not say, one line per gap."""
    from futility.atomic_write import write_atomic
    from futility.case_io import InputProblem, decode, read_case_bytes
    from futility.record import import_record, require_fhir

    with user_errors():
        require_fhir()
        try:
            text = decode(read_case_bytes(bundle), f"record {bundle}")
        except InputProblem as exc:
            fail(exc.problem.replace("case file", "record"))
        result = import_record(text, today=dt.date.today(), case_id=case_id, ignore_other_medications=ignore_other_medications)
    lines = [f"left out: {where}: {what}" for where, what in result.skipped] + result.gap_lines
    if out is None:
        typer.echo(result.yaml_text(), nl=False)
        for line in lines:
            typer.echo(line, err=True)
        return
    try:
        write_atomic(out, result.yaml_text().encode("utf-8"))
    except OSError as exc:
        fail(f"--out: cannot write {out}: {exc.strerror or exc}")
    typer.echo(f"wrote {out}: {len(result.case.get('trials', []))} trials, {len(result.case.get('scores', []))} ratings; "
               f"{len(result.gap_lines)} gaps to complete:")
    for line in lines:
        typer.echo(line)


def register(app: typer.Typer) -> None:
    """Add ``import fhir`` to the CLI."""
    app.add_typer(import_app, name="import")
