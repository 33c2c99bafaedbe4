"""The append-only audit log: who did what, when, to which case; each line hash-chained and keyed.

``entry_hash = sha256(prev_hash + canonical JSON of the line)``, starting from 64 zeros, and
``mac = HMAC-SHA256(audit key, entry_hash)`` with a key kept outside the store (:mod:`._key`).
Every stored row (assessment, review) has exactly one audit line that records its content hash.
:func:`verify_store` checks every row against its hash, every audit line against the row it names,
every row against its audit line, the chain, and the keyed hashes; :func:`check_head` checks the
chain against a head exported earlier (``cases audit --export-head``), which is what catches the
removal of the last lines together with their rows.
"""
from __future__ import annotations

import datetime as dt
import hmac
import json
from typing import Any

from sqlalchemy import Connection, CursorResult, select, text

from futility.errors import StoreError
from futility.store._key import AuditKey, key_file_path
from futility.store._records import AuditEntry, canonical_json, review_hash, sha256_text
from futility.store._schema import audit_log, store_meta

GENESIS = "0" * 64

#: Audit actions that record the creation of a row; only the store writes them.
ROW_ACTIONS = {"save_assessment": "assessment", "add_review": "review"}
#: The line appended when a schema-1 store is upgraded: its MAC vouches for the unkeyed lines before it.
START_KEYED = "start_keyed_chain"
RESERVED_ACTIONS = frozenset({*ROW_ACTIONS, START_KEYED})

HEAD_FORMAT = "futility-audit-head-1"


def _line(at, actor, action, case_id, object_type, object_id, details) -> str:
    return canonical_json(
        {
            "at": at,
            "actor": actor,
            "action": action,
            "case_id": case_id,
            "object_type": object_type,
            "object_id": object_id,
            "details": details,
        }
    )


def _check_key_id(conn: Connection, key: AuditKey) -> None:
    """The store remembers which key keys its chain; a writer with another key is refused."""
    found = conn.execute(select(store_meta.c.value).where(store_meta.c.key == "audit_key_id")).scalar()
    if found is None:
        conn.execute(store_meta.insert().values(key="audit_key_id", value=key.key_id))
    elif found != key.key_id:
        raise StoreError(
            f"audit key: this store's chain is keyed with key {found}, but {key.source} holds key {key.key_id}; "
            "everyone writing to one store must use the same key (FUTILITY_AUDIT_KEY or FUTILITY_AUDIT_KEY_FILE)"
        )


def append(
    conn: Connection,
    *,
    key: AuditKey,
    at: str,
    actor: str,
    action: str,
    case_id: str | None = None,
    object_type: str | None = None,
    object_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> int:
    """Add one keyed line inside the caller's transaction; return its id."""
    details = details or {}
    if conn.dialect.name == "postgresql":  # serialise the chain; SQLite's BEGIN IMMEDIATE already does
        conn.execute(text("LOCK TABLE audit_log IN EXCLUSIVE MODE"))
    _check_key_id(conn, key)
    last = conn.execute(select(audit_log.c.entry_hash).order_by(audit_log.c.id.desc()).limit(1)).scalar()
    prev = last or GENESIS
    entry_hash = sha256_text(prev + _line(at, actor, action, case_id, object_type, object_id, details))
    result = conn.execute(
        audit_log.insert().values(
            at=at,
            actor=actor,
            action=action,
            case_id=case_id,
            object_type=object_type,
            object_id=object_id,
            details=canonical_json(details),
            prev_hash=prev,
            entry_hash=entry_hash,
            mac=key.mac(entry_hash),
        )
    )
    return inserted_id(result, "audit_log")


def inserted_id(result: CursorResult[Any], table: str) -> int:
    """The primary key of the one row an INSERT added (SQLAlchemy gives None only for a statement that is not an insert)."""
    key = result.inserted_primary_key
    if key is None:
        raise StoreError(f"{table}: the database returned no id for the new row")
    return int(key[0])


def _details(raw: Any) -> dict[str, Any] | None:
    try:
        value = json.loads(raw)
    except (TypeError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def to_entry(row) -> AuditEntry:
    details = _details(row.details)
    return AuditEntry(
        id=row.id,
        at=row.at,
        actor=row.actor,
        action=row.action,
        case_id=row.case_id,
        object_type=row.object_type,
        object_id=row.object_id,
        details={"unreadable": True} if details is None else details,
        prev_hash=row.prev_hash,
        entry_hash=row.entry_hash,
        mac=getattr(row, "mac", None),
    )


def verify(entries: list[AuditEntry]) -> list[str]:
    """Breaks in the plain hash chain of ``entries`` (empty when every line is intact and in order)."""
    problems = []
    prev = GENESIS
    for e in entries:
        if e.prev_hash != prev:
            problems.append(f"audit line {e.id}: does not follow the line before it (a line is missing or moved)")
        try:
            expected = sha256_text(e.prev_hash + _line(e.at, e.actor, e.action, e.case_id, e.object_type,
                                                       e.object_id, e.details))
        except (StoreError, TypeError):
            expected = None
        if expected != e.entry_hash:
            problems.append(f"audit line {e.id}: its content was changed after it was written")
        prev = e.entry_hash
    return problems


def _same(a: Any, b: Any) -> bool:
    return isinstance(a, str) and isinstance(b, str) and hmac.compare_digest(a, b)


def _check_chain(lines, key: AuditKey | None, key_id: str | None) -> list[str]:
    """The chain, the keyed hashes, and the lines that may be unkeyed (before a ``start_keyed_chain``)."""
    problems: list[str] = []
    prev = GENESIS
    for row, details in lines:
        if details is None:
            problems.append(f"audit line {row.id}: its details are not valid JSON (the line is damaged)")
        if row.prev_hash != prev:
            problems.append(f"audit line {row.id}: does not follow the line before it (a line is missing or moved)")
        try:
            expected = sha256_text(str(row.prev_hash) + _line(row.at, row.actor, row.action, row.case_id,
                                                              row.object_type, row.object_id, details))
        except (StoreError, TypeError, ValueError):
            expected = None
        if details is not None and not _same(expected, row.entry_hash):
            problems.append(f"audit line {row.id}: its content was changed after it was written")
        prev = row.entry_hash

    keyed = [i for i, (row, _) in enumerate(lines) if row.mac is not None]
    first = keyed[0] if keyed else len(lines)
    unkeyed_tail = [row.id for row, _ in lines[first:] if row.mac is None]
    for line_id in unkeyed_tail:
        problems.append(f"audit line {line_id}: has no keyed hash (written outside futility)")
    if first > 0:  # unkeyed lines at the start: only a schema-1 store's lines, vouched for by the upgrade line
        row, details = lines[first] if first < len(lines) else (None, None)
        if row is None or row.action != START_KEYED or (details or {}).get("unkeyed_lines") != first:
            ids = f"{lines[0][0].id}-{lines[first - 1][0].id}" if first > 1 else f"{lines[0][0].id}"
            problems.append(f"audit lines {ids}: have no keyed hash and no '{START_KEYED}' line vouches for them "
                            "(written outside futility, or keyed lines were removed)")
    if not keyed:
        return problems
    if key is None:
        problems.append(f"audit key: not found (FUTILITY_AUDIT_KEY or {key_file_path()}); the keyed hashes of "
                        f"{len(keyed)} audit line(s) cannot be checked")
    elif key_id is not None and key_id != key.key_id:
        problems.append(f"audit key: {key.source} holds key {key.key_id}, but this store was keyed with key {key_id}; "
                        "the keyed hashes cannot be checked with it")
    else:
        for i in keyed:
            row = lines[i][0]
            if not _same(key.mac(str(row.entry_hash)), row.mac):
                problems.append(f"audit line {row.id}: its keyed hash does not match (the line or the chain before "
                                "it was rewritten without the audit key)")
    return problems


def _assessment_hash(row) -> str:
    from futility.store._store import _content

    try:
        return sha256_text(_content(row.case_id, row.created_at, row.author, row.package_version, row.model_version,
                                    row.posterior_hash, row.case_json, row.assessment_json))
    except (TypeError, ValueError):
        return ""


def _review_hash(row, assessment_hash: str) -> str:
    try:
        return review_hash(row.assessment_id, assessment_hash, row.reviewer, row.decision, row.comment,
                           row.review_date, row.recorded_at)
    except (StoreError, TypeError, ValueError):
        return ""


def verify_store(conn: Connection, key: AuditKey | None) -> list[str]:
    """Every integrity problem in the store, each naming the row or audit line it is about."""
    from futility.store._schema import assessments, cases, reviews

    problems: list[str] = []
    lines = [(row, _details(row.details)) for row in conn.execute(select(audit_log).order_by(audit_log.c.id))]
    key_id = conn.execute(select(store_meta.c.value).where(store_meta.c.key == "audit_key_id")).scalar()
    problems += _check_chain(lines, key, key_id)

    a_rows = {row.id: row for row in conn.execute(select(assessments).order_by(assessments.c.id))}
    r_rows = {row.id: row for row in conn.execute(select(reviews).order_by(reviews.c.id))}
    c_rows = list(conn.execute(select(cases).order_by(cases.c.case_id)))

    a_hash: dict[int, str] = {}
    for aid, row in a_rows.items():
        a_hash[aid] = _assessment_hash(row)
        if not _same(a_hash[aid], row.content_hash):
            problems.append(f"assessment {aid}: integrity check failed (stored hash {str(row.content_hash)[:12]}, "
                            f"content hashes to {a_hash[aid][:12]}); it was changed outside futility")
    for rid, row in r_rows.items():
        if row.assessment_id not in a_rows:
            problems.append(f"review {rid}: its assessment {row.assessment_id} is missing")
            continue
        expected = _review_hash(row, a_rows[row.assessment_id].content_hash)
        if not _same(expected, row.content_hash):
            problems.append(f"review {rid}: integrity check failed (stored hash {str(row.content_hash)[:12]}, "
                            f"content hashes to {expected[:12]}); it was changed outside futility")

    recorded: dict[tuple[str, int], int] = {}
    tables = {"assessment": a_rows, "review": r_rows}
    for row, details in lines:
        kind = ROW_ACTIONS.get(row.action)
        if kind is None:
            target = tables.get(row.object_type)
            if target is not None and row.object_id is not None and row.object_id not in target:
                problems.append(f"audit line {row.id}: names {row.object_type} {row.object_id}, which is missing")
            continue
        if row.object_type != kind or not isinstance(row.object_id, int):
            problems.append(f"audit line {row.id}: a '{row.action}' line that names no {kind}")
            continue
        if (kind, row.object_id) in recorded:
            problems.append(f"{kind} {row.object_id}: recorded by more than one audit line "
                            f"({recorded[(kind, row.object_id)]} and {row.id})")
            continue
        recorded[(kind, row.object_id)] = row.id
        stored = tables[kind].get(row.object_id)
        if stored is None:
            problems.append(f"{kind} {row.object_id}: missing, but audit line {row.id} records it (deleted outside futility)")
            continue
        if details is None:
            continue  # the damaged line is reported above; what it recorded cannot be compared
        if not _same(details.get("content_hash"), stored.content_hash):
            problems.append(f"{kind} {row.object_id}: its hash differs from the one audit line {row.id} recorded "
                            "(replaced outside futility)")
        if kind == "assessment":
            if stored.case_id != row.case_id:
                problems.append(f"assessment {row.object_id}: belongs to another case than audit line {row.id} records")
        else:
            parent = a_rows.get(stored.assessment_id)
            if details.get("assessment_id") != stored.assessment_id or details.get("decision") != stored.decision \
                    or (parent is not None and parent.case_id != row.case_id):
                problems.append(f"review {row.object_id}: differs from what audit line {row.id} records "
                                "(assessment, decision or case)")
    for kind, rows in tables.items():
        for rid in rows:
            if (kind, rid) not in recorded:
                problems.append(f"{kind} {rid}: no audit line records it (added outside futility)")

    first: dict[str, Any] = {}
    for row in a_rows.values():
        first.setdefault(row.case_id, row)
    for row in c_rows:
        earliest = first.get(row.case_id)
        if earliest is None:
            problems.append(f"case '{row.case_id}': has no assessment (added outside futility, or its assessments were deleted)")
        elif (row.created_at, row.created_by) != (earliest.created_at, earliest.author):
            problems.append(f"case '{row.case_id}': its first-seen time or author differs from its first assessment "
                            f"{earliest.id} (changed outside futility)")
    return problems


# ------------------------------------------------------------------------------------ exported head


def head(conn: Connection) -> dict[str, Any]:
    """The chain's end: how many lines, the last line's id, hash and keyed hash (no case data)."""
    n = conn.execute(select(audit_log.c.id).order_by(audit_log.c.id)).all()
    last = conn.execute(select(audit_log).order_by(audit_log.c.id.desc()).limit(1)).first()
    return {
        "format": HEAD_FORMAT,
        "lines": len(n),
        "last_id": last.id if last else None,
        "entry_hash": last.entry_hash if last else GENESIS,
        "mac": last.mac if last else None,
        "exported_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z"),
    }


def parse_head(text_: str, where: str) -> dict[str, Any]:
    """A head file's content, checked; one-line :class:`StoreError` naming the file and the problem."""
    try:
        value = json.loads(text_)
    except ValueError:
        raise StoreError(f"{where}: not a chain head exported by 'cases audit --export-head' (not JSON)") from None
    if not isinstance(value, dict) or value.get("format") != HEAD_FORMAT:
        raise StoreError(f"{where}: not a chain head exported by 'cases audit --export-head' (format)")
    lines = value.get("lines")
    if not isinstance(lines, int) or isinstance(lines, bool) or lines < 0:
        raise StoreError(f"{where}: lines: must be a whole number >= 0")
    entry = value.get("entry_hash")
    if not (isinstance(entry, str) and len(entry) == 64 and all(c in "0123456789abcdef" for c in entry)):
        raise StoreError(f"{where}: entry_hash: must be 64 hex characters")
    return value


def check_head(conn: Connection, exported: dict[str, Any]) -> list[str]:
    """Problems if the chain no longer holds ``exported`` at its position (lines removed or rewritten)."""
    rows = conn.execute(select(audit_log.c.id, audit_log.c.entry_hash).order_by(audit_log.c.id)).all()
    n = exported["lines"]
    when = str(exported.get("exported_at", "?"))[:40]
    if n == 0:
        return []
    if len(rows) < n:
        return [f"audit log: has {len(rows)} line(s), but the head exported at {when} had {n}; "
                f"{n - len(rows)} line(s) or more were removed from the end"]
    row = rows[n - 1]
    if not _same(row.entry_hash, exported["entry_hash"]):
        return [f"audit line {row.id}: is not the line exported at {when} as line {n} of the chain "
                "(the history up to it was rewritten)"]
    return []
