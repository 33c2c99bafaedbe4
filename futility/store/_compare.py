"""What changed between two stored assessments of a case, in the words a committee uses.

Both assessments are read as the typed contract (:attr:`AssessmentRecord.output` dumped to JSON, so the
model's field names are the only spellings) and flattened to ``path -> value`` with lists keyed by what
identifies a row (a trial by its index, a prognosis or decision row by its option), so a new trial or a
new option shows as one added row rather than every later row shifting. The sensitivity analyses are left out: they
follow from the rest and would bury the changes that matter.
"""
from __future__ import annotations

from typing import Any

from futility.store._records import AssessmentRecord, Change, Comparison

#: Sections compared, in the order a committee reads them; the case as entered comes first.
SECTIONS = ("case", "trials", "trd", "staging", "screening", "contraindications", "prognosis", "decision", "model")
_SKIP = {"decision.sensitivity", "decision.technical_summary"}
_ROW_KEYS = ("option", "index", "date")


def _row_key(row: Any, position: int) -> str:
    if isinstance(row, dict):
        for key in _ROW_KEYS:
            if key in row and isinstance(row[key], (str, int)):
                return str(row[key])
    return str(position)


def _flatten(value: Any, prefix: str, out: dict[str, Any]) -> None:
    if prefix in _SKIP:
        return
    if isinstance(value, dict):
        if not value:
            out[prefix] = {}
        for key, item in value.items():
            _flatten(item, f"{prefix}.{key}", out)
    elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        keys = [_row_key(item, i) for i, item in enumerate(value)]
        if len(set(keys)) < len(keys):  # e.g. two scores on one date: fall back to positions
            keys = [str(i) for i in range(len(value))]
        for key, item in zip(keys, value):
            _flatten(item, f"{prefix}[{key}]", out)
    else:
        out[prefix] = value


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        try:
            return abs(float(a) - float(b)) <= 1e-9
        except (TypeError, ValueError):
            return False
    return a == b


def compare_records(a: AssessmentRecord, b: AssessmentRecord) -> Comparison:
    """The differences from ``a`` to ``b``, section by section (case, trials, staging, prognosis, decision ...)."""
    if a.case_id != b.case_id:
        changes = [Change("case", "id", a.case_id, b.case_id)]
    else:
        changes = []
    output_a, output_b = a.output.model_dump(mode="json"), b.output.model_dump(mode="json")
    for section in SECTIONS:
        before: dict[str, Any] = {}
        after: dict[str, Any] = {}
        source_a = a.case if section == "case" else output_a[section]
        source_b = b.case if section == "case" else output_b[section]
        _flatten(source_a, section, before)
        _flatten(source_b, section, after)
        for path in list(before) + [p for p in after if p not in before]:
            old, new = before.get(path), after.get(path)
            if not _same(old, new):
                changes.append(Change(section, path[len(section):].lstrip("."), old, new))
    if a.model_version != b.model_version or a.posterior_hash != b.posterior_hash:
        changes.append(Change("model", "posterior", f"{a.model_version} {a.posterior_hash[:12]}",
                              f"{b.model_version} {b.posterior_hash[:12]}"))
    best_a, best_b = a.best_option, b.best_option
    if best_a != best_b:
        changes.append(Change("decision", "best option", best_a, best_b))
    return Comparison(a.id, b.id, tuple(changes))
