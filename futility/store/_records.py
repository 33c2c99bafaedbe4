"""What the store hands back (frozen dataclasses) and how input is checked and hashed before a write.

Everything that goes into the store is first turned into *canonical JSON* (sorted keys, no
whitespace, UTF-8, no NaN or infinity) and checked against the models of :mod:`futility.contract`. The
SHA-256 of that canonical text is stored beside it and checked again on every read, so a record
changed outside futility is noticed instead of silently reported to a committee.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from dataclasses import dataclass, field, fields
from functools import cached_property
from typing import Any

from pydantic import ValidationError

from futility.contract import AssessmentOutput
from futility.errors import StoreError

__all__ = [
    "REVIEW_DECISIONS",
    "AssessmentRecord",
    "AuditEntry",
    "CaseSummary",
    "Change",
    "Comparison",
    "Review",
    "canonical_json",
    "review_hash",
    "sha256_text",
    "to_frame",
]

#: What a committee can conclude about one assessment. A fixed vocabulary so that decisions can be
#: counted and compared; the reasoning goes in the comment.
REVIEW_DECISIONS: tuple[str, ...] = (
    "endorse",
    "endorse_with_conditions",
    "request_more_information",
    "do_not_endorse",
)

#: Largest assessment (canonical JSON) the store accepts; a real one is a few tens of kilobytes.
MAX_JSON_BYTES = 16 * 1024 * 1024


# --------------------------------------------------------------------------------------------------
# canonical JSON and hashing


def _json_value(value: Any, path: str) -> Any:
    """Turn numpy scalars/arrays and tuples into plain JSON values; refuse what JSON cannot hold."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise StoreError(f"{path}: {value!r} is not a finite number; refusing to store it")
        return value
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise StoreError(f"{path}: key {key!r} is not text; refusing to store it")
            out[key] = _json_value(item, f"{path}.{key}" if path else key)
        return out
    if isinstance(value, (list, tuple)):
        return [_json_value(item, f"{path}[{i}]") for i, item in enumerate(value)]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    tolist = getattr(value, "tolist", None)  # numpy scalar or array, without importing numpy
    if callable(tolist):
        return _json_value(tolist(), path)
    raise StoreError(f"{path}: a {type(value).__name__} cannot be stored as JSON")


def canonical_json(value: Any, path: str = "") -> str:
    """The one text form that is stored and hashed: sorted keys, compact, UTF-8, finite numbers only."""
    return json.dumps(_json_value(value, path), sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def sha256_text(text: str) -> str:
    """Hex SHA-256 of UTF-8 text."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def review_hash(assessment_id: int, assessment_hash: str, reviewer: str, decision: str, comment: str,
                review_date: str, recorded_at: str) -> str:
    """The content hash of a review row: every field but its id, bound to its assessment's hash."""
    return sha256_text(
        canonical_json(
            {"assessment_id": assessment_id, "assessment_hash": assessment_hash, "reviewer": reviewer,
             "decision": decision, "comment": comment, "review_date": review_date, "recorded_at": recorded_at}
        )
    )


# --------------------------------------------------------------------------------------------------
# the JSON contract (futility.contract), checked before a write


def _loc(loc: tuple[Any, ...]) -> str:
    path = "assessment"
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def _problems(exc: ValidationError) -> str:
    """The first few contract violations, each naming its field (``assessment.decision.preferred: ...``)."""
    problems = [f"{_loc(tuple(e['loc']))}: {e['msg']}" for e in exc.errors(include_url=False)]
    return "; ".join(problems[:5]) + ("; ..." if len(problems) > 5 else "")


def check_assessment(assessment: dict[str, Any], case_id: str) -> None:
    """Raise :class:`StoreError` naming every field where ``assessment`` breaks :mod:`futility.contract`."""
    if not isinstance(assessment, dict):
        raise StoreError("assessment: must be the dict produced by Assessment.to_dict()")
    try:
        AssessmentOutput.model_validate(assessment)
    except ValidationError as exc:
        raise StoreError(_problems(exc)) from None
    if assessment["case_id"] != case_id:
        raise StoreError(f"assessment.case_id: '{assessment['case_id']}' does not match the case id '{case_id}'")


# --------------------------------------------------------------------------------------------------
# what reads return


@dataclass(frozen=True)
class AssessmentRecord:
    """One stored assessment, exactly as saved: the case as entered, the outputs, and who/when/which model.

    ``assessment`` is the dict exactly as stored (its canonical JSON is what ``content_hash`` covers);
    :attr:`output` is the same assessment as the typed contract model, which everything that reads a
    record's results uses.
    """

    id: int
    case_id: str
    created_at: str  # ISO 8601, UTC
    author: str
    package_version: str
    model_version: str
    posterior_hash: str
    content_hash: str
    case: dict[str, Any] = field(repr=False)
    assessment: dict[str, Any] = field(repr=False)

    @cached_property
    def output(self) -> AssessmentOutput:
        """The stored assessment as :class:`~futility.contract.AssessmentOutput`, validated once and kept.

        Records are validated against the contract before they are written; one that no longer is (stored
        by a version with another contract) raises :class:`StoreError` naming the field.
        """
        try:
            return AssessmentOutput.model_validate(self.assessment)
        except ValidationError as exc:
            raise StoreError(f"assessment {self.id} does not match the contract of this version: {_problems(exc)}") from None

    @property
    def best_option(self) -> str:
        """The option with the highest mean expected utility (palliative-focused care included)."""
        return self.output.decision.preferred

    @property
    def quantitative_futility_met(self) -> bool:
        return self.output.decision.quantitative_futility.met

    def summary_row(self) -> dict[str, Any]:
        """A flat row for tables (history, dashboard)."""
        output = self.output
        return {
            "id": self.id,
            "case_id": self.case_id,
            "created_at": self.created_at,
            "author": self.author,
            "model_version": self.model_version,
            "trials": len(output.trials),
            "thase_rush": output.staging.thase_rush,
            "maudsley": output.staging.maudsley.score,
            "best_option": self.best_option,
            "quantitative_futility": self.quantitative_futility_met,
            "content_hash": self.content_hash[:12],
        }


@dataclass(frozen=True)
class Review:
    """A committee's conclusion on one assessment. Reviews are never edited: a new one supersedes."""

    id: int
    assessment_id: int
    reviewer: str
    decision: str
    comment: str
    review_date: str  # ISO date the committee decided
    recorded_at: str  # ISO 8601 UTC time it was entered
    content_hash: str


@dataclass(frozen=True)
class CaseSummary:
    """One row of ``cases list``."""

    case_id: str
    assessments: int
    first_at: str
    last_at: str
    last_assessment_id: int
    last_author: str
    reviews: int
    last_review_decision: str | None


@dataclass(frozen=True)
class AuditEntry:
    """One line of the append-only audit log; ``entry_hash`` chains it to the line before."""

    id: int
    at: str
    actor: str
    action: str
    case_id: str | None
    object_type: str | None
    object_id: int | None
    details: dict[str, Any]
    prev_hash: str
    entry_hash: str
    mac: str | None = None  # HMAC-SHA256 of entry_hash with the audit key (None: written before schema 2)


@dataclass(frozen=True)
class Change:
    """One difference between two assessments: ``section`` (trials, staging, prognosis ...), ``item``, values."""

    section: str
    item: str
    before: Any
    after: Any


@dataclass(frozen=True)
class Comparison:
    """What changed from assessment ``a`` to assessment ``b``."""

    a: int
    b: int
    changes: tuple[Change, ...]

    def section(self, name: str) -> list[Change]:
        return [c for c in self.changes if c.section == name]


def to_frame(rows: list[Any]):
    """A list of store dataclasses as a pandas DataFrame (one column per field; dict fields left out)."""
    import pandas as pd

    if not rows:
        return pd.DataFrame()
    if isinstance(rows[0], AssessmentRecord):
        return pd.DataFrame([r.summary_row() for r in rows])
    names = [f.name for f in fields(rows[0]) if f.name not in {"details", "case", "assessment"}]
    return pd.DataFrame([{n: getattr(r, n) for n in names} for r in rows])
