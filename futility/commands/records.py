"""``futility report``, ``futility cases list|show|history|compare|audit`` and ``futility review``.

Bind arguments, call :mod:`futility.store` and :mod:`futility.render.report`, print. Store and report errors
are :class:`~futility.errors.UserError` and come out as one line with exit status 2.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from futility.atomic_write import write_atomic
from futility.commands._common import nonblank, persistent_db, user_errors
from futility.errors import StoreError
from futility.extras import require_extra

if TYPE_CHECKING:
    from futility.store import Review

__all__ = ["register"]

DbOption = Annotated[Optional[str], typer.Option("--db", help=(
    "Case store URL or SQLite file (default: FUTILITY_DB or the user "
    "data file); not in-memory."
), callback=persistent_db)]
AuthorOption = Annotated[Optional[str], typer.Option("--author", help="Who is acting (default: FUTILITY_AUTHOR or the OS user).", callback=nonblank)]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]


#: What must never reach a terminal raw: C0/C1 controls (escape sequences, carriage return, backspace),
#: DEL, bidirectional overrides and isolates, and Unicode line/paragraph separators.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")
_UNSAFE_IN_JSON = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def terminal_safe(value: Any, *, json_text: bool = False) -> str:
    r"""``value`` as text fit for a terminal: every control or bidi character shown as ``\\uXXXX``.

    With ``json_text`` the newlines of indented JSON are kept (``json.dumps`` already escapes those inside
    strings) and the escapes are valid JSON, so the output still parses to the same data.
    """
    pattern = _UNSAFE_IN_JSON if json_text else _UNSAFE
    return pattern.sub(lambda m: f"\\u{ord(m.group()):04x}", str(value))


def _echo(text: str) -> None:
    typer.echo("\n".join(terminal_safe(line) for line in text.split("\n")))


def _echo_json(value: Any) -> None:
    typer.echo(terminal_safe(json.dumps(value, indent=2, ensure_ascii=False), json_text=True))


def _is_id(target: str) -> bool:
    """An assessment id: ASCII digits only (``str.isdigit`` also accepts '²' and other digits)."""
    return target.isascii() and target.isdigit()


def _store(db: Optional[str]):
    from futility.store import CaseStore

    return CaseStore(db)


def _write_atomic(path: Path, data: str, what: str) -> None:
    """Write ``data`` to ``path`` via a fresh temp file in its folder and a rename (no symlink followed)."""
    try:
        write_atomic(path, data.encode("utf-8"))
    except OSError as exc:
        raise StoreError(f"{what}: cannot write {path}: {exc.strerror or exc}") from None


def _read_head(path: Path) -> dict[str, Any]:
    from futility.store._audit import parse_head

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise StoreError(f"--verify-against: cannot read {path}: {getattr(exc, 'strerror', None) or exc}") from None
    return parse_head(text, f"--verify-against {path}")


def _table(rows: list[dict[str, Any]], columns: list[str]) -> str:
    if not rows:
        return "(none)"
    text = [[("–" if r.get(c) is None else terminal_safe(r.get(c))) for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in text)) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths))]
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths)) for row in text]
    return "\n".join(line.rstrip() for line in lines)


def _is_case_file(target: str) -> bool:
    path = Path(target)
    return path.suffix.lower() in {".yaml", ".yml", ".json"} or (path.is_file() and not _is_id(target))


def _report(target: str, out: Path, db: Optional[str], save: bool, author: Optional[str], identifiable: bool,
            posterior: Optional[Path]) -> str:
    from futility.render.report import check_out_path, write_report
    from futility.store import resolve_author

    if check_out_path(out).suffix.lower() == ".pdf":
        require_extra("pdf", "a PDF report")  # before assessing or saving anything
    if _is_case_file(target):
        from futility.assessment import assess
        from futility.case import load_case

        case = load_case(target)
        assessment = assess(case, posterior_path=posterior).to_dict()
        record = None
        reviews: list[Review] = []
        if save:
            store = _store(db)
            record = store.save_assessment(case, assessment, resolve_author(author))
        write_report(out, assessment, case.model_dump(mode="json"), record=record, reviews=reviews,
                     identifiable=identifiable)
        if record is not None:
            store.log_event("render_report", resolve_author(author), case_id=record.case_id, object_type="assessment",
                            object_id=record.id, details={"file": out.name, "identifiable": identifiable})
        return f"wrote {out}" + (f" (assessment {record.id} saved)" if record else "")
    store = _store(db)
    if _is_id(target):
        record = store.get_assessment(target)
    else:  # a case id: its latest stored assessment
        try:
            record = store.latest(target)
        except StoreError:
            raise StoreError(f"'{target}' is neither a case file (.yaml/.json), an assessment id (a number), "
                             f"nor a case in {store.display_url}") from None
    reviews = store.reviews(record.id)
    write_report(out, record.assessment, record.case, record=record, reviews=reviews, identifiable=identifiable)
    store.log_event("render_report", resolve_author(author), case_id=record.case_id, object_type="assessment",
                    object_id=record.id, details={"file": out.name, "identifiable": identifiable})
    return f"wrote {out} (assessment {record.id} of case {record.case_id})"


def _show(record, reviews) -> str:
    a = record.assessment
    row = record.summary_row()
    decision = a.get("decision", {})
    lines = [
        f"Assessment {record.id} of case {record.case_id}",
        f"  saved {record.created_at} by {record.author}; futility {record.package_version}; "
        f"model {record.model_version} ({record.posterior_hash[:12] or 'no posterior hash'})",
        f"  content hash {record.content_hash}",
        f"  trials {row['trials']}; Thase-Rush {row['thase_rush']}; Maudsley {row['maudsley']}; "
        f"TRD {'yes' if a.get('trd', {}).get('meets_criteria') else 'no'}",
        f"  highest expected utility: {row['best_option'] or '–'}",
        f"  quantitative futility met: {decision.get('quantitative_futility', {}).get('met')}; "
        f"qualitative futility met: {decision.get('qualitative_futility', {}).get('met')}",
    ]
    if decision.get("summary"):
        lines.append(f"  {decision['summary']}")
    lines.append("Reviews:")
    for r in reviews:
        lines.append(f"  {r.review_date}  {r.reviewer}: {r.decision}" + (f" - {r.comment}" if r.comment else ""))
    if not reviews:
        lines.append("  (none)")
    return "\n".join(terminal_safe(line) for line in lines)  # a newline inside a field is escaped too


def report_command(
    target: Annotated[str, typer.Argument(help=(
        "A case file (YAML/JSON) to assess, a stored assessment id, or a stored "
        "case id (its latest assessment)."
    ), show_default=False)],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output file: .html (self-contained) or .pdf.")],
    db: DbOption = None,
    save: Annotated[bool, typer.Option("--save", help="With a case file: store the assessment first.")] = False,
    author: AuthorOption = None,
    identifiable: Annotated[bool, typer.Option("--identifiable", help="Show exact age, dates and committee comments (default: pseudonymous).")] = False,
    posterior: Annotated[Optional[Path], typer.Option(help="Posterior file to use instead of the shipped one (case files only).")] = None,
) -> None:
    """Write the ethics-committee report (HTML or PDF) for a case file or a stored assessment."""
    with user_errors():
        _echo(_report(target, out, db, save, author, identifiable, posterior))


cases = typer.Typer(help="Browse the case store: cases, their assessments, changes and the audit log.",
                    no_args_is_help=True)


@cases.command("list")
def cases_list(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Every case in the store, most recently assessed first."""
    from dataclasses import asdict

    with user_errors():
        rows = [asdict(s) for s in _store(db).list_cases()]
    if as_json:
        _echo_json(rows)
        return
    typer.echo(_table(rows, ["case_id", "assessments", "last_assessment_id", "last_at", "last_author", "reviews",
                             "last_review_decision"]))


@cases.command("show")
def cases_show(
    target: Annotated[str, typer.Argument(help="An assessment id, or a case id (shows its latest assessment).", show_default=False)],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """One stored assessment with its reviews (checked against its hash)."""
    from dataclasses import asdict

    with user_errors():
        store = _store(db)
        record = store.get_assessment(target) if _is_id(target) else store.latest(target)
        reviews = store.reviews(record.id)
    if as_json:
        _echo_json({**asdict(record), "reviews": [asdict(r) for r in reviews]})
    else:
        typer.echo(_show(record, reviews))


@cases.command("history")
def cases_history(
    case_id: Annotated[str, typer.Argument(help="The pseudonymous case id.", show_default=False)],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Every assessment of one case, oldest first."""
    with user_errors():
        rows = [r.summary_row() for r in _store(db).history(case_id)]
    if as_json:
        _echo_json(rows)
        return
    typer.echo(_table(rows, ["id", "created_at", "author", "model_version", "trials", "thase_rush", "maudsley",
                             "best_option", "quantitative_futility"]))


@cases.command("compare")
def cases_compare(
    first: Annotated[int, typer.Argument(help="Earlier assessment id.", show_default=False)],
    second: Annotated[int, typer.Argument(help="Later assessment id.", show_default=False)],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """What changed between two assessments: case, trials, staging, probabilities, decision, model."""
    from dataclasses import asdict

    with user_errors():
        comparison = _store(db).compare(first, second)
    rows = [asdict(c) for c in comparison.changes]
    if as_json:
        _echo_json({"a": first, "b": second, "changes": rows})
        return
    typer.echo(f"Assessment {first} -> {second}: {len(rows)} change(s)")
    typer.echo(_table(rows, ["section", "item", "before", "after"]))


@cases.command("audit")
def cases_audit(
    case_id: Annotated[Optional[str], typer.Option("--case", help="Only this case.")] = None,
    limit: Annotated[Optional[int], typer.Option(help="Only the most recent N lines.", min=1)] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
    export_head: Annotated[Optional[Path], typer.Option(
        "--export-head", help="After a clean check, write the chain's head (line count and hash, no case data) "
                              "to FILE; keep it outside the store.")] = None,
    verify_against: Annotated[Optional[Path], typer.Option(
        "--verify-against", help="Also check that the chain still holds the head exported to FILE "
                                 "(catches the removal of the last lines).")] = None,
) -> None:
    """The audit log (who did what, when) and an integrity check of the whole store (exit 1 if broken)."""
    from dataclasses import asdict

    with user_errors():
        store = _store(db)
        exported = _read_head(verify_against) if verify_against is not None else None
        entries = store.audit_log(case_id=case_id, limit=limit)
        problems = store.verify(exported)
        head = None
        if export_head is not None and not problems:
            head = store.chain_head()
            _write_atomic(export_head, json.dumps(head, indent=2) + "\n", "--export-head")
    if as_json:
        _echo_json({"entries": [asdict(e) for e in entries], "problems": problems, "exported_head": head})
    else:
        typer.echo(_table([asdict(e) for e in entries], ["id", "at", "actor", "action", "case_id", "object_type", "object_id"]))
        _echo("integrity: " + ("intact" if not problems else "; ".join(problems)))
        if head is not None:
            _echo(f"chain head ({head['lines']} lines, line {head['last_id']}) written to {export_head}")
        elif export_head is not None:
            _echo(f"chain head not written to {export_head}: the store has integrity problems")
    if problems:
        raise typer.Exit(code=1)


def review_command(
    assessment_id: Annotated[int, typer.Argument(help="The stored assessment the committee reviewed.", show_default=False)],
    decision: Annotated[str, typer.Option("--decision", help="endorse | endorse_with_conditions | request_more_information | do_not_endorse")],
    comment: Annotated[str, typer.Option("--comment", help="The committee's reasoning or conditions.")] = "",
    reviewer: Annotated[Optional[str], typer.Option("--reviewer", "--author", help=(
        "Reviewer or committee (default: FUTILITY_AUTHOR or "
        "the OS user)."
    ), callback=nonblank)] = None,
    date: Annotated[Optional[str], typer.Option("--date", help="Date of the committee's decision, YYYY-MM-DD (default: today).")] = None,
    db: DbOption = None,
) -> None:
    """Record a committee review of a stored assessment (reviews are never edited; add a new one)."""
    from futility.store import resolve_author

    with user_errors():
        saved = _store(db).add_review(assessment_id, resolve_author(reviewer), decision, comment, date)
    _echo(f"review {saved.id} recorded: assessment {saved.assessment_id}, {saved.decision}, by {saved.reviewer}")


def register(app: typer.Typer) -> None:
    """Add ``report``, ``cases`` and ``review`` to the CLI."""
    app.command("report")(report_command)
    app.add_typer(cases, name="cases")
    app.command("review")(review_command)
