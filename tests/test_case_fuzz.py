"""Property-based fuzzing of the case loader (issue 10): any input ends in a valid ``Case`` or in a
``CaseError`` whose message is one bounded line; never another exception, never slow.

Inputs: random YAML-ish token soups, random nested documents as YAML and JSON, and mutations (of the
text and of the parsed mapping) of the valid cases: the bundled demo and ``../shared/examples/``.
A subprocess test then runs the real CLI on a few such inputs: exit 0, or exit 2 with one stderr line.
"""
from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from futility.case import (
    MAX_CONDITIONS,
    MAX_SCORES,
    MAX_TRIALS,
    MIN_DATE,
    Case,
    CaseError,
    case_from_dict,
    case_from_text,
    demo_case_path,
)
from futility.clinical.vocabulary import KNOWN_CONDITIONS
from tests.strategies import (
    case_dicts,
    case_mutations,
    hostile_values,
    near_miss_mutations,
    text_mutations,
    yaml_token_texts,
)

SHARED_EXAMPLES = Path(__file__).resolve().parents[2] / "shared" / "examples"
SEED_TEXTS = [demo_case_path().read_text()] + sorted(
    p.read_text() for p in (SHARED_EXAMPLES.glob("*.y*ml") if SHARED_EXAMPLES.is_dir() else [])
)
SEED_CASES = [yaml.safe_load(t) for t in SEED_TEXTS]
TODAY = dt.date(2026, 11, 26)
#: An error line never grows past this (10 problems named, values echoed as at most 40 characters).
MAX_MESSAGE = 8000

FUZZ = settings(max_examples=150, deadline=2000, suppress_health_check=[HealthCheck.too_slow])


def _check_bounded(case: Case) -> Case:
    """An accepted case is within the documented limits and vocabularies (bounded size, nothing unknown kept)."""
    assert len(case.trials) <= MAX_TRIALS and len(case.scores) <= MAX_SCORES and len(case.conditions) <= MAX_CONDITIONS
    assert set(case.conditions) <= set(KNOWN_CONDITIONS), case.conditions
    assert all(MIN_DATE <= s.date <= TODAY for s in case.scores)
    return case


def _outcome(text: str, fmt: str) -> Case | CaseError:
    """Load ``text``; the property: a bounded Case, or a CaseError with a one-line bounded message."""
    try:
        return _check_bounded(case_from_text(text, fmt=fmt, today=TODAY))
    except CaseError as exc:
        message = str(exc)
        assert message, "an empty error message"
        assert len(message.splitlines()) == 1, message
        assert len(message) <= MAX_MESSAGE, len(message)
        return exc


class _NoAliases(yaml.SafeDumper):
    """Write repeated objects out in full: case files may not use aliases."""

    def ignore_aliases(self, data):
        return True


def _yaml(data) -> str | None:
    try:
        return yaml.dump(data, Dumper=_NoAliases, allow_unicode=True)
    except yaml.YAMLError:  # e.g. a key PyYAML cannot represent: not an input a file could hold
        return None


@FUZZ
@given(text=yaml_token_texts)
def test_yaml_token_soup(text):
    _outcome(text, "yaml")


@FUZZ
@given(text=yaml_token_texts)
def test_json_token_soup(text):
    _outcome(text, "json")


@FUZZ
@given(data=st.sampled_from(SEED_TEXTS).flatmap(text_mutations))
def test_text_mutations_of_valid_cases(data):
    _outcome(data, "yaml")


@FUZZ
@given(data=st.sampled_from(SEED_CASES).flatmap(case_mutations))
def test_mutated_cases_as_yaml_and_json(data):
    text = _yaml(data)
    if text is not None:
        _outcome(text, "yaml")
    _outcome(json.dumps(data, default=str), "json")


@FUZZ
@given(miss=st.sampled_from(SEED_CASES).flatmap(near_miss_mutations))
def test_near_misses_are_refused_naming_the_field(miss):
    """What used to pass silently (true as a number, 0 as a date, 2026-02-30, arrythmia, 51 trials) is refused,
    in YAML and in JSON, with the field named first."""
    data, field = miss
    for text, fmt in ((_yaml(data), "yaml"), (json.dumps(data, default=str), "json")):
        outcome = _outcome(text, fmt)
        assert isinstance(outcome, CaseError), (field, fmt)
        assert any(f == field for f, _ in outcome.problems), (field, outcome.problems)


@FUZZ
@given(data=hostile_values)
def test_random_documents(data):
    """Random nested values straight into the validator, and through YAML and JSON text."""
    try:
        _check_bounded(case_from_dict(data, today=TODAY))
    except CaseError as exc:
        assert len(str(exc).splitlines()) == 1 and len(str(exc)) <= MAX_MESSAGE
    text = _yaml(data)
    if text is not None:
        _outcome(text, "yaml")
    _outcome(json.dumps(data, default=str), "json")


@settings(max_examples=60, deadline=2000)
@given(data=case_dicts())
def test_valid_cases_still_load_from_yaml_and_json(data):
    """The hardening refuses nothing valid: every generated valid case loads from both formats."""
    assert isinstance(_outcome(_yaml(data), "yaml"), Case)
    assert isinstance(_outcome(json.dumps(data), "json"), Case)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(text=st.sampled_from(SEED_TEXTS).flatmap(text_mutations) | yaml_token_texts,
       fmt=st.sampled_from(["yaml", "json"]))
def test_cli_on_fuzzed_files_exits_0_or_2_with_one_line(text, fmt):
    """The real CLI: exit 0 with a JSON object, or exit 2 with exactly one stderr line; never a traceback."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"case.{fmt}"
        path.write_text(text, encoding="utf-8")
        proc = subprocess.run([sys.executable, "-m", "futility", "assess", str(path), "--json"],
                              capture_output=True, text=True, timeout=120)
    assert "Traceback" not in proc.stderr
    if proc.returncode == 0:
        assert isinstance(json.loads(proc.stdout), dict)
    else:
        assert proc.returncode == 2, proc.stderr
        assert proc.stdout == ""
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__]))
