"""Tables of the case store, the append-only guards, and the engine set-up (SQLite or any SQLAlchemy URL).

Four tables: ``cases`` (one row per pseudonymous case id), ``assessments`` (immutable: the case as
entered, the outputs, hashes, who and when), ``reviews`` (committee conclusions, immutable) and
``audit_log`` (append-only, hash-chained). ``UPDATE``, ``DELETE`` (and on PostgreSQL ``TRUNCATE``)
on these tables are refused by database triggers, not merely by the absence of an API.

SQLite runs in WAL mode with a busy timeout and foreign keys on, and every transaction starts with
``BEGIN IMMEDIATE`` so concurrent writers queue for the write lock instead of failing half-way.
"""
from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import (
    Column,
    Engine,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    inspect,
    text,
)
from sqlalchemy.engine import make_url
from sqlalchemy.pool import StaticPool

#: Bumped when the tables change; a store written by a newer futility is refused, not misread.
#: 1: the four tables, SHA-256 chained audit log. 2: ``audit_log.mac``, the keyed (HMAC) chain; a
#: schema-1 store is upgraded in place on first open (column added, a ``start_keyed_chain`` line).
SCHEMA_VERSION = 2

#: Seconds a writer waits for another writer's lock (SQLite) before giving up.
BUSY_TIMEOUT_S = 60

metadata = MetaData()

store_meta = Table(
    "store_meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

cases = Table(
    "cases",
    metadata,
    Column("case_id", String(64), primary_key=True),
    Column("created_at", String(40), nullable=False),
    Column("created_by", String(200), nullable=False),
)

assessments = Table(
    "assessments",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", String(64), ForeignKey("cases.case_id"), nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("author", String(200), nullable=False),
    Column("package_version", String(40), nullable=False),
    Column("model_version", String(80), nullable=False),
    Column("posterior_hash", String(128), nullable=False),
    Column("case_json", Text, nullable=False),
    Column("assessment_json", Text, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Index("ix_assessments_case", "case_id", "id"),
)

reviews = Table(
    "reviews",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("assessment_id", Integer, ForeignKey("assessments.id"), nullable=False, index=True),
    Column("reviewer", String(200), nullable=False),
    Column("decision", String(40), nullable=False),
    Column("comment", Text, nullable=False),
    Column("review_date", String(10), nullable=False),
    Column("recorded_at", String(40), nullable=False),
    Column("content_hash", String(64), nullable=False),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", String(40), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("action", String(40), nullable=False),
    Column("case_id", String(64), nullable=True, index=True),
    Column("object_type", String(20), nullable=True),
    Column("object_id", Integer, nullable=True),
    Column("details", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("entry_hash", String(64), nullable=False),
    Column("mac", String(64), nullable=True),  # HMAC of entry_hash with the audit key (schema 2); NULL before
)

#: Tables whose rows may be added but never changed or removed.
APPEND_ONLY = ("cases", "assessments", "reviews", "audit_log")


def _sqlite_guards() -> list[str]:
    out = []
    for table in APPEND_ONLY:
        for verb in ("UPDATE", "DELETE"):
            out.append(
                f"CREATE TRIGGER IF NOT EXISTS {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {verb} refused'); END"
            )
    return out


def _postgresql_guards() -> list[str]:
    out = [
        "CREATE OR REPLACE FUNCTION futility_append_only() RETURNS trigger AS $$ BEGIN "
        "RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP; END $$ LANGUAGE plpgsql"
    ]
    for table in APPEND_ONLY:
        out.append(
            f"CREATE OR REPLACE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION futility_append_only()"
        )
        out.append(
            f"CREATE OR REPLACE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION futility_append_only()"
        )
    return out


def guard_statements(dialect: str) -> list[str]:
    """DDL installing the append-only triggers for ``dialect`` (empty for dialects without support)."""
    if dialect == "sqlite":
        return _sqlite_guards()
    if dialect == "postgresql":
        return _postgresql_guards()
    return []


def _missing_guards(conn) -> list[str]:
    """Guard DDL still to run. PostgreSQL: only missing triggers, so that opening a store never takes
    table locks that could deadlock with a writer; SQLite: every statement is IF NOT EXISTS.
    """
    statements = guard_statements(conn.dialect.name)
    if conn.dialect.name != "postgresql":
        return statements
    present = set(conn.execute(text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")).scalars())
    missing = [s for s in statements[1:] if s.split()[4] not in present]
    return [statements[0], *missing] if missing else []


def _configure_sqlite(engine: Engine) -> None:
    """WAL, busy timeout, foreign keys, and BEGIN IMMEDIATE for every transaction."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # pragma: no cover - exercised through every test
        dbapi_connection.isolation_level = None  # let SQLAlchemy's "begin" event issue BEGIN itself
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_S * 1000}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # pragma: no cover - exercised through every test
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str) -> Engine:
    """An engine for ``url``; for a SQLite file the parent directory is created."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database in ("", ":memory:"):
            engine = create_engine(url, poolclass=StaticPool, connect_args={"check_same_thread": False})
        else:
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_S})
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _upgrade_from_1(conn) -> None:
    """Schema 1 -> 2: add ``audit_log.mac`` (NULL for the lines already there)."""
    if "mac" not in {c["name"] for c in inspect(conn).get_columns("audit_log")}:
        conn.execute(text("ALTER TABLE audit_log ADD COLUMN mac VARCHAR(64)"))
    conn.execute(store_meta.update().where(store_meta.c.key == "schema_version").values(value=str(SCHEMA_VERSION)))


def create_schema(engine: Engine, on_upgrade=None) -> int:
    """Create missing tables and guards in one transaction; return the schema version found or written.

    A schema-1 store is upgraded to 2 in the same transaction, then ``on_upgrade(conn, 1)`` runs (the
    store appends its ``start_keyed_chain`` line there). A version that is not a whole number is a
    :class:`StoreError` (the caller adds the store's name).
    """
    from futility.errors import StoreError

    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(7311)"))  # one creator at a time
        found = conn.execute(
            store_meta.select().where(store_meta.c.key == "schema_version")
        ).first() if inspect(conn).has_table("store_meta") else None
        version = SCHEMA_VERSION
        if found is not None:
            raw = found.value
            if not (isinstance(raw, str) and raw.strip().isascii() and raw.strip().isdigit()) or int(raw) < 1:
                raise StoreError(f"schema version {str(raw)[:40]!r} in store_meta is not a version number; "
                                 "the store is damaged")
            version = int(raw)
            if version > SCHEMA_VERSION:
                return version  # refused by the caller; touch nothing
        metadata.create_all(conn, checkfirst=True)
        if version == 1:
            _upgrade_from_1(conn)
        for statement in _missing_guards(conn):
            conn.execute(text(statement))
        if found is None:
            conn.execute(store_meta.insert().values(key="schema_version", value=str(SCHEMA_VERSION)))
        elif version == 1 and on_upgrade is not None:
            on_upgrade(conn, 1)
        return SCHEMA_VERSION if version == 1 else version


def default_db_path() -> Path:
    """``futility.db`` in the user's data directory (``~/.local/share/futility`` on Linux)."""
    try:
        from platformdirs import user_data_dir

        return Path(user_data_dir("futility", appauthor=False)) / "futility.db"
    except ImportError:  # pragma: no cover - platformdirs is a declared dependency
        base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
        return Path(base) / "futility" / "futility.db"
