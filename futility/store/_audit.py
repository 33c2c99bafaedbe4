"""The append-only audit log: who did what, when, to which case; each line hash-chained to the one before.

``entry_hash = sha256(prev_hash + canonical JSON of the line)``, starting from 64 zeros. Removing,
reordering or editing a line breaks the chain from that point on, which :func:`verify` reports. The
triggers in ``_schema`` already refuse UPDATE and DELETE; the chain also catches edits made with the
triggers dropped or by rewriting the file.
"""
from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, select, text

from futility.store._records import AuditEntry, canonical_json, sha256_text
from futility.store._schema import audit_log

GENESIS = "0" * 64


def _line(at: str, actor: str, action: str, case_id, object_type, object_id, details: dict) -> str:
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


def append(
    conn: Connection,
    *,
    at: str,
    actor: str,
    action: str,
    case_id: str | None = None,
    object_type: str | None = None,
    object_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> int:
    """Add one line inside the caller's transaction; return its id."""
    details = details or {}
    if conn.dialect.name == "postgresql":  # serialise the chain; SQLite's BEGIN IMMEDIATE already does
        conn.execute(text("LOCK TABLE audit_log IN EXCLUSIVE MODE"))
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
        )
    )
    return int(result.inserted_primary_key[0])


def to_entry(row) -> AuditEntry:
    return AuditEntry(
        id=row.id,
        at=row.at,
        actor=row.actor,
        action=row.action,
        case_id=row.case_id,
        object_type=row.object_type,
        object_id=row.object_id,
        details=json.loads(row.details),
        prev_hash=row.prev_hash,
        entry_hash=row.entry_hash,
    )


def verify(entries: list[AuditEntry]) -> list[str]:
    """Problems in the chain (empty when every line is intact and in order)."""
    problems = []
    prev = GENESIS
    for e in entries:
        if e.prev_hash != prev:
            problems.append(f"audit line {e.id}: does not follow the line before it (a line is missing or moved)")
        expected = sha256_text(e.prev_hash + _line(e.at, e.actor, e.action, e.case_id, e.object_type, e.object_id, e.details))
        if expected != e.entry_hash:
            problems.append(f"audit line {e.id}: its content was changed after it was written")
        prev = e.entry_hash
    return problems
