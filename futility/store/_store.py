"""``CaseStore``: save assessments immutably, list a case's history, attach committee reviews, log who did what.

Every write checks its input completely *before* opening a transaction, then writes all its rows and
the audit line in one transaction: either everything lands or nothing does. There is no method that
updates or deletes an assessment, a review or an audit line, and the database refuses it too.
"""
from __future__ import annotations

import datetime as dt
import functools
import getpass
import json
import os
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from futility.errors import StoreError
from futility.store import _audit
from futility.store._compare import compare_records
from futility.store._key import AuditKey, load_key
from futility.store._records import (
    MAX_JSON_BYTES,
    REVIEW_DECISIONS,
    AssessmentRecord,
    AuditEntry,
    CaseSummary,
    Comparison,
    Review,
    canonical_json,
    check_assessment,
    review_hash,
    sha256_text,
)
from futility.store._schema import (
    SCHEMA_VERSION,
    assessments,
    audit_log,
    cases,
    create_schema,
    default_db_path,
    make_engine,
    reviews,
)

__all__ = ["CaseStore", "mask_url", "resolve_author", "resolve_db_url"]

#: Largest id SQLite (and PostgreSQL's bigint) can hold; larger ones name no row.
MAX_ID = 2**63 - 1


def mask_url(url: str) -> str:
    """``url`` with any password replaced by ``***``, for messages (also when the URL does not parse)."""
    import re

    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - an unparsable URL: mask what looks like user:password@
        return re.sub(r"(://[^/@:]*:)[^/@]*@", r"\1***@", str(url))


def resolve_db_url(explicit: str | None = None) -> str:
    """The store to use: ``explicit`` (``--db``), else ``$FUTILITY_DB``, else a SQLite file in the user data dir.

    A value without ``://`` is read as a path to a SQLite file.
    """
    value = explicit or os.environ.get("FUTILITY_DB") or str(default_db_path())
    return value if "://" in value else f"sqlite:///{os.path.abspath(os.path.expanduser(value))}"


def resolve_author(explicit: str | None = None) -> str:
    """Who is acting: ``explicit`` (``--author``), else ``$FUTILITY_AUTHOR``, else the operating-system user.

    An explicit empty or blank name is refused: it must not silently become the operating-system user.
    """
    if explicit is not None:
        if not explicit.strip():
            raise StoreError("author/reviewer: must not be empty (leave the option out to use the default)")
        return explicit
    if os.environ.get("FUTILITY_AUTHOR"):
        return os.environ["FUTILITY_AUTHOR"]
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name (containers): still record something honest
        return "unknown"


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _package_version() -> str:
    """``futility.__version__``, the one version source (pyproject.toml reads it too)."""
    from futility import __version__

    return __version__


def _check_name(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise StoreError(f"{what}: must be a non-empty name")
    value = " ".join(value.split())
    if len(value) > 200:
        raise StoreError(f"{what}: longer than 200 characters")
    return value


def _db_errors(method):
    """Turn database failures into one-line :class:`StoreError` messages naming the store."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except DBAPIError as exc:
            reason = str(exc.orig).splitlines()[0] if exc.orig is not None else str(exc)
            raise StoreError(f"case store {self.display_url}: {reason}") from None
        except SQLAlchemyError as exc:
            raise StoreError(f"case store {self.display_url}: {str(exc).splitlines()[0]}") from None

    return wrapper


def _serialise_writers(conn) -> None:
    """One writer at a time, like SQLite's BEGIN IMMEDIATE: no race on a new case id or the audit chain."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("LOCK TABLE audit_log IN EXCLUSIVE MODE"))


def _content(case_id, created_at, author, package_version, model_version, post_hash, case_json, assessment_json) -> str:
    """The hashed form of an assessment row: every stored field except the id."""
    return (
        f'{{"assessment":{assessment_json},"author":{json.dumps(author)},"case":{case_json},'
        f'"case_id":{json.dumps(case_id)},"created_at":{json.dumps(created_at)},'
        f'"model_version":{json.dumps(model_version)},"package_version":{json.dumps(package_version)},'
        f'"posterior_hash":{json.dumps(post_hash)}}}'
    )


class CaseStore:
    """A case store at a SQLAlchemy URL (``sqlite:///path/futility.db`` by default; PostgreSQL works too).

    >>> store = CaseStore("sqlite://")            # in memory, for a demonstration
    >>> record = store.save_assessment(case, assessment.to_dict(), author="dr_a")   # doctest: +SKIP
    >>> store.add_review(record.id, "ethics panel", "endorse_with_conditions", "revisit in 3 months")  # doctest: +SKIP
    """

    def __init__(self, url: str | None = None):
        self.url = resolve_db_url(url)
        self.display_url = mask_url(self.url)
        self._key: AuditKey | None = None
        try:
            self.engine = make_engine(self.url)
            self.display_url = self.engine.url.render_as_string(hide_password=True)
        except OSError as exc:
            raise StoreError(f"case store {self.display_url}: cannot create its folder ({exc.strerror or exc})") from None
        except (SQLAlchemyError, ValueError, ImportError) as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise StoreError(f"case store {self.display_url}: {reason.replace(self.url, self.display_url)}") from None
        self._open()

    def _write_key(self) -> AuditKey:
        """The audit key for writing (created on first use); loaded once per store object."""
        if self._key is None:
            self._key = load_key(create=True)
        return self._key

    def _on_upgrade(self, conn, from_version: int) -> None:
        """Schema 1 -> 2: one keyed line whose MAC vouches for the unkeyed lines before it."""
        n = conn.execute(select(func.count()).select_from(audit_log)).scalar() or 0
        if n:
            _audit.append(conn, key=self._write_key(), at=_now(), actor="futility", action=_audit.START_KEYED,
                          details={"from_schema": from_version, "unkeyed_lines": int(n)})

    @_db_errors
    def _open(self) -> None:
        try:
            found = create_schema(self.engine, on_upgrade=self._on_upgrade)
        except StoreError as exc:
            raise StoreError(f"case store {self.display_url}: {exc}") from None
        if found > SCHEMA_VERSION:
            raise StoreError(
                f"case store {self.display_url}: written by a newer futility (schema {found}, "
                f"this one reads {SCHEMA_VERSION}); upgrade futility"
            )

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> "CaseStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ---------------------------------------------------------------------------------------- writes

    @_db_errors
    def save_assessment(self, case: Any, assessment: Any, author: str | None = None) -> AssessmentRecord:
        """Store ``assessment`` (an ``Assessment`` or its ``to_dict()``) with ``case`` as entered; return the record."""
        from futility.case import Case, case_from_dict

        if isinstance(case, Case):
            case_dict = case.model_dump(mode="json")
        elif isinstance(case, dict):
            case_dict = case_from_dict(case).model_dump(mode="json")
        else:
            raise StoreError("case: must be a futility.case.Case or a case mapping")
        if hasattr(assessment, "to_dict"):
            assessment = assessment.to_dict()
        author = _check_name(resolve_author(author), "author")
        case_json = canonical_json(case_dict, "case")
        assessment_json = canonical_json(assessment, "assessment")
        if len(assessment_json.encode("utf-8")) > MAX_JSON_BYTES:
            raise StoreError(f"assessment: larger than {MAX_JSON_BYTES // 2**20} MB; refusing to store it")
        assessment = json.loads(assessment_json)
        check_assessment(assessment, case_dict["id"])
        model_version = str(assessment["model"]["version"])
        post_hash = str(assessment["model"]["posterior_file_hash"])
        package_version = _package_version()
        key = self._write_key()
        case_id = case_dict["id"]
        created_at = _now()
        content_hash = sha256_text(
            _content(case_id, created_at, author, package_version, model_version, post_hash, case_json, assessment_json)
        )
        with self.engine.begin() as conn:
            _serialise_writers(conn)
            if conn.execute(select(cases.c.case_id).where(cases.c.case_id == case_id)).first() is None:
                conn.execute(cases.insert().values(case_id=case_id, created_at=created_at, created_by=author))
            new_id = _audit.inserted_id(conn.execute(
                assessments.insert().values(
                    case_id=case_id,
                    created_at=created_at,
                    author=author,
                    package_version=package_version,
                    model_version=model_version,
                    posterior_hash=post_hash,
                    case_json=case_json,
                    assessment_json=assessment_json,
                    content_hash=content_hash,
                )
            ), "assessments")
            _audit.append(
                conn,
                key=key,
                at=created_at,
                actor=author,
                action="save_assessment",
                case_id=case_id,
                object_type="assessment",
                object_id=int(new_id),
                details={"content_hash": content_hash, "model_version": model_version},
            )
        return AssessmentRecord(
            int(new_id), case_id, created_at, author, package_version, model_version, post_hash,
            content_hash, case_dict, assessment,
        )

    @_db_errors
    def add_review(
        self,
        assessment_id: int,
        reviewer: str,
        decision: str,
        comment: str = "",
        review_date: dt.date | str | None = None,
    ) -> Review:
        """Attach a committee review to a stored assessment; ``decision`` is one of :data:`REVIEW_DECISIONS`."""
        reviewer = _check_name(reviewer, "reviewer")
        if decision not in REVIEW_DECISIONS:
            raise StoreError(f"decision: '{decision}' is not one of {', '.join(REVIEW_DECISIONS)}")
        if not isinstance(comment, str):
            raise StoreError("comment: must be text")
        if len(comment) > 20_000:
            raise StoreError("comment: longer than 20,000 characters; attach minutes elsewhere and summarise")
        review_date = self._check_date(review_date)
        record = self.get_assessment(assessment_id)  # unknown id or failed integrity check: refuse
        key = self._write_key()
        recorded_at = _now()
        content_hash = review_hash(record.id, record.content_hash, reviewer, decision, comment, review_date, recorded_at)
        with self.engine.begin() as conn:
            _serialise_writers(conn)
            new_id = _audit.inserted_id(conn.execute(
                reviews.insert().values(
                    assessment_id=record.id, reviewer=reviewer, decision=decision, comment=comment,
                    review_date=review_date, recorded_at=recorded_at, content_hash=content_hash,
                )
            ), "reviews")
            _audit.append(
                conn, key=key, at=recorded_at, actor=reviewer, action="add_review", case_id=record.case_id,
                object_type="review", object_id=int(new_id),
                details={"assessment_id": record.id, "decision": decision, "content_hash": content_hash},
            )
        return Review(int(new_id), record.id, reviewer, decision, comment, review_date, recorded_at, content_hash)

    @staticmethod
    def _check_date(value: dt.date | str | None) -> str:
        if value is None:
            return dt.date.today().isoformat()
        if isinstance(value, str):
            try:
                value = dt.date.fromisoformat(value)
            except ValueError:
                raise StoreError(f"review date: '{value}' is not a date (YYYY-MM-DD)") from None
        if value > dt.date.today():
            raise StoreError(f"review date: {value.isoformat()} is in the future")
        if value < dt.date(1900, 1, 1):  # as for ratings in a case (futility.case.MIN_DATE)
            raise StoreError(f"review date: {value.isoformat()} is before 1900-01-01")
        return value.isoformat()

    @_db_errors
    def log_event(self, action: str, actor: str | None = None, *, case_id: str | None = None,
                  object_type: str | None = None, object_id: int | None = None,
                  details: dict[str, Any] | None = None) -> int:
        """Record an action that changes nothing else (e.g. ``render_report``) in the audit log."""
        actor = _check_name(resolve_author(actor), "actor")
        action = _check_name(action, "action")
        if action in _audit.RESERVED_ACTIONS:
            raise StoreError(f"action: '{action}' is recorded by the store itself, not by log_event")
        details_json = canonical_json(details or {}, "details")
        key = self._write_key()
        with self.engine.begin() as conn:
            _serialise_writers(conn)
            return _audit.append(conn, key=key, at=_now(), actor=actor, action=action, case_id=case_id,
                                 object_type=object_type, object_id=object_id, details=json.loads(details_json))

    # ----------------------------------------------------------------------------------------- reads

    def _record(self, row) -> AssessmentRecord:
        expected = sha256_text(
            _content(row.case_id, row.created_at, row.author, row.package_version, row.model_version,
                     row.posterior_hash, row.case_json, row.assessment_json)
        )
        if expected != row.content_hash:
            raise StoreError(
                f"assessment {row.id}: integrity check failed (stored hash {row.content_hash[:12]}, "
                f"content hashes to {expected[:12]}); it was changed outside futility"
            )
        try:
            case, assessment = json.loads(row.case_json), json.loads(row.assessment_json)
        except ValueError:
            raise StoreError(f"assessment {row.id}: its stored JSON is damaged") from None
        return AssessmentRecord(
            row.id, row.case_id, row.created_at, row.author, row.package_version, row.model_version,
            row.posterior_hash, row.content_hash, case, assessment,
        )

    @staticmethod
    def _review(r, assessment_hash: str) -> Review:
        expected = review_hash(r.assessment_id, assessment_hash, r.reviewer, r.decision, r.comment, r.review_date,
                               r.recorded_at)
        if expected != r.content_hash:
            raise StoreError(
                f"review {r.id}: integrity check failed (stored hash {str(r.content_hash)[:12]}, content hashes to "
                f"{expected[:12]}); it was changed outside futility"
            )
        return Review(r.id, r.assessment_id, r.reviewer, r.decision, r.comment, r.review_date, r.recorded_at,
                      r.content_hash)

    @_db_errors
    def get_assessment(self, assessment_id: int | str) -> AssessmentRecord:
        """One stored assessment, checked against its hash."""
        if isinstance(assessment_id, int) and not isinstance(assessment_id, bool):
            key = assessment_id
        elif isinstance(assessment_id, str) and assessment_id.strip().isascii() and assessment_id.strip().isdigit():
            key = int(assessment_id.strip())
        else:
            raise StoreError(f"assessment id: '{str(assessment_id)[:40]}' is not a number")
        if not 1 <= key <= MAX_ID:
            raise StoreError(f"no assessment {str(key)[:40]} in {self.display_url} (see 'futility cases list')")
        with self.engine.connect() as conn:
            row = conn.execute(select(assessments).where(assessments.c.id == key)).first()
        if row is None:
            raise StoreError(f"no assessment {key} in {self.display_url} (see 'futility cases list')")
        return self._record(row)

    @_db_errors
    def history(self, case_id: str) -> list[AssessmentRecord]:
        """Every assessment of ``case_id``, oldest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(assessments).where(assessments.c.case_id == case_id).order_by(assessments.c.id)
            ).all()
        if not rows:
            raise StoreError(f"no case '{case_id}' in {self.display_url} (see 'futility cases list')")
        return [self._record(r) for r in rows]

    @_db_errors
    def find_assessment(self, case_id: str, assessment: Any) -> AssessmentRecord | None:
        """The newest stored assessment of ``case_id`` whose outputs are exactly ``assessment``, or None.

        ``assessment`` is what was (or would be) passed to :meth:`save_assessment`: an ``Assessment`` or its dict.
        Equal means the same canonical JSON (every field, every digit), so an assessment re-valued since it was saved
        is not found. The record is checked against its hash, like :meth:`get_assessment`. The dashboard uses it to
        stamp an exported report with the stored id and hash.
        """
        if hasattr(assessment, "to_dict"):
            assessment = assessment.to_dict()
        if not isinstance(assessment, dict):
            raise StoreError("assessment: must be an assessment mapping (the JSON contract)")
        if not isinstance(case_id, str) or not case_id:
            raise StoreError("case id: must be a non-empty string")
        stored_form = canonical_json(assessment, "assessment")
        with self.engine.connect() as conn:
            row = conn.execute(
                select(assessments)
                .where(assessments.c.case_id == case_id, assessments.c.assessment_json == stored_form)
                .order_by(assessments.c.id.desc()).limit(1)
            ).first()
        return None if row is None else self._record(row)

    def latest(self, case_id: str) -> AssessmentRecord:
        """The most recent assessment of ``case_id``."""
        return self.history(case_id)[-1]

    @_db_errors
    def list_cases(self) -> list[CaseSummary]:
        """One summary per case, most recently assessed first."""
        with self.engine.connect() as conn:
            agg = conn.execute(
                select(
                    assessments.c.case_id,
                    func.count().label("n"),
                    func.min(assessments.c.created_at).label("first_at"),
                    func.max(assessments.c.created_at).label("last_at"),
                    func.max(assessments.c.id).label("last_id"),
                ).group_by(assessments.c.case_id)
            ).all()
            authors = dict(
                conn.execute(
                    select(assessments.c.id, assessments.c.author).where(assessments.c.id.in_([a.last_id for a in agg]))
                ).all()
            ) if agg else {}
            review_rows = conn.execute(
                select(assessments.c.case_id, reviews.c.id, reviews.c.decision)
                .join(assessments, assessments.c.id == reviews.c.assessment_id)
                .order_by(reviews.c.id)
            ).all()
        n_reviews: dict[str, int] = {}
        last_decision: dict[str, str] = {}
        for r in review_rows:
            n_reviews[r.case_id] = n_reviews.get(r.case_id, 0) + 1
            last_decision[r.case_id] = r.decision
        out = [
            CaseSummary(a.case_id, a.n, a.first_at, a.last_at, a.last_id, authors[a.last_id],
                        n_reviews.get(a.case_id, 0), last_decision.get(a.case_id))
            for a in agg
        ]
        return sorted(out, key=lambda s: s.last_at, reverse=True)

    @_db_errors
    def reviews(self, assessment_id: int) -> list[Review]:
        """Committee reviews of one assessment, oldest first, each checked against its hash."""
        record = self.get_assessment(assessment_id)
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(reviews).where(reviews.c.assessment_id == record.id).order_by(reviews.c.id)
            ).all()
        return [self._review(r, record.content_hash) for r in rows]

    @_db_errors
    def case_reviews(self, case_id: str) -> list[Review]:
        """Every committee review of any assessment of ``case_id``, oldest first (for the committee view)."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(reviews, assessments.c.content_hash.label("assessment_hash"))
                .join(assessments, assessments.c.id == reviews.c.assessment_id)
                .where(assessments.c.case_id == case_id).order_by(reviews.c.id)
            ).all()
        return [self._review(r, r.assessment_hash) for r in rows]

    def committee_table(self, case_id: str):
        """One row per assessment of ``case_id`` with its latest review: the committee view's table (DataFrame)."""
        import pandas as pd

        latest: dict[int, Review] = {}
        counts: dict[int, int] = {}
        for r in self.case_reviews(case_id):
            latest[r.assessment_id] = r
            counts[r.assessment_id] = counts.get(r.assessment_id, 0) + 1
        rows = []
        for record in self.history(case_id):
            review = latest.get(record.id)
            rows.append({
                **record.summary_row(),
                "reviews": counts.get(record.id, 0),
                "review_decision": review.decision if review else None,
                "reviewer": review.reviewer if review else None,
                "review_date": review.review_date if review else None,
            })
        return pd.DataFrame(rows)

    def compare(self, id_a: int, id_b: int) -> Comparison:
        """What changed between two assessments (trials, staging, probabilities, decision, model)."""
        return compare_records(self.get_assessment(id_a), self.get_assessment(id_b))

    @_db_errors
    def audit_log(self, *, case_id: str | None = None, actor: str | None = None,
                  action: str | None = None, limit: int | None = None) -> list[AuditEntry]:
        """Audit lines, oldest first, optionally filtered; ``limit`` keeps the most recent ones."""
        query = select(audit_log)
        if case_id is not None:
            query = query.where(audit_log.c.case_id == case_id)
        if actor is not None:
            query = query.where(audit_log.c.actor == actor)
        if action is not None:
            query = query.where(audit_log.c.action == action)
        query = query.order_by(audit_log.c.id.desc())
        if limit is not None:
            query = query.limit(limit)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [_audit.to_entry(r) for r in reversed(rows)]

    @_db_errors
    def verify(self, head: dict[str, Any] | None = None) -> list[str]:
        """Every integrity problem in the store, each naming its row or audit line (empty when intact).

        Checks every assessment and review against its hash, every audit line against the row it names
        and every row against its audit line, the hash chain, the keyed hashes (with the audit key; a
        missing key is a problem, never created here) and, given ``head`` (from :meth:`chain_head`,
        exported earlier), that the chain still holds that head at its position.
        """
        key = self._key or load_key(create=False)
        with self.engine.connect() as conn:
            problems = _audit.verify_store(conn, key)
            if head is not None:
                problems += _audit.check_head(conn, head)
        return problems

    @_db_errors
    def chain_head(self) -> dict[str, Any]:
        """The end of the audit chain (line count, last id, hash, keyed hash): no case data, for export."""
        with self.engine.connect() as conn:
            return _audit.head(conn)
