"""The case store: assessments saved immutably with their case, committee reviews, and an audit trail.

SQLite file by default (``~/.local/share/futility/futility.db``), any SQLAlchemy URL by ``--db`` or
``$FUTILITY_DB``. See ``docs/store.md``.
"""
from futility.store._records import (
    REVIEW_DECISIONS,
    AssessmentRecord,
    AuditEntry,
    CaseSummary,
    Change,
    Comparison,
    Review,
    canonical_json,
    to_frame,
)
from futility.store._store import CaseStore, resolve_author, resolve_db_url

__all__ = [
    "REVIEW_DECISIONS",
    "AssessmentRecord",
    "AuditEntry",
    "CaseStore",
    "CaseSummary",
    "Change",
    "Comparison",
    "Review",
    "canonical_json",
    "resolve_author",
    "resolve_db_url",
    "to_frame",
]
