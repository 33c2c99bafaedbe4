"""The case loader refuses what it used to accept silently or crash on (issue 10), each in one line naming the field.

Strict scalars (no booleans as numbers, no numbers as dates), duplicate keys, impossible and implausible
dates, YAML tags with bad values, deep nesting, closed vocabularies with a did-you-mean hint, and the
documented limits on file size, list lengths and text lengths.
"""
from __future__ import annotations

import json
import os
import sys
import time

import pytest
import yaml

from futility.case import (
    MAX_CONDITIONS,
    MAX_SCORES,
    MAX_TRIALS,
    CaseError,
    case_from_dict,
    case_from_text,
    demo_case_path,
    load_case,
)
from futility.case_io import MAX_FILE_BYTES
from futility.clinical.vocabulary import KNOWN_CONDITIONS

DEMO = demo_case_path().read_text()


def _refused(text: str, fmt: str = "yaml") -> str:
    with pytest.raises(CaseError) as info:
        case_from_text(text, fmt=fmt)
    message = str(info.value)
    assert "\n" not in message and len(message) < 4000
    return message


def _demo() -> dict:
    return yaml.safe_load(DEMO)


YAML_CASES = [
    # silently accepted before
    (DEMO.replace("uncontrolled_hypertension", "arrythmia"), "conditions[0]: unknown condition 'arrythmia' (did you mean arrhythmia?)"),
    (DEMO.replace("weeks: 8", "weeks: true"), "trials[0].weeks: must be a number"),
    (DEMO.replace("adherence: 0.85", "adherence: yes"), "trials[1].adherence: must be a number"),
    (DEMO.replace("augments: 1", "augments: true"), "trials[2].augments: must be a whole number"),
    (DEMO.replace("psychotic_features: false", "psychotic_features: 0"), "diagnosis.psychotic_features: must be true or false"),
    (DEMO.replace("age: 54", "age: 54\nage: 61"), "duplicate key 'age'"),
    (DEMO.replace("egfr: 72", "egfr: 72, egfr: 20"), "duplicate key 'egfr'"),
    (DEMO.replace("date: 2026-01-05", "date: 0"), "scores[0].date: must be a date (YYYY-MM-DD)"),
    (DEMO.replace("date: 2026-01-05", "date: 0001-01-05"), "scores[0].date: 0001-01-05 is before 1900-01-01"),
    (DEMO.replace("date: 2026-01-05", "date: 1899-12-31"), "scores[0].date: 1899-12-31 is before 1900-01-01"),
    (DEMO.replace("date: 2026-01-05", "date: 2026-01-05T10:30:00"), "scores[0].date: must be a date (YYYY-MM-DD) without a time"),
    # tracebacks before
    (DEMO.replace("date: 2026-01-05", "date: 2026-13-45"), "scores[0].date: 2026-13-45 is not a real date"),
    (DEMO.replace("date: 2026-01-05", "date: 2026-02-30"), "scores[0].date: 2026-02-30 is not a real date"),
    ("id: x\nage: " + "[" * 1000 + "]" * 1000 + "\n", "nested deeper than 10 levels"),
    ("id: x\nage: " + "{a: " * 1000 + "1" + "}" * 1000 + "\n", "nested deeper than 10 levels"),
    (DEMO.replace("age: 54", "age: !!int abc"), "'abc' is not a valid int"),
    (DEMO.replace("age: 54", "age: !!float abc"), "'abc' is not a valid float"),
    (DEMO.replace("age: 54", "age: !!bool maybe"), "'maybe' is not a valid bool"),
    (DEMO.replace("age: 54", "age: !!timestamp yesterday"), "age: must be a number"),
    (DEMO.replace("age: 54", "age: 1" + "0" * 5000), "is not a valid int"),
    (DEMO.replace("age: 54", "age: .nan"), "age: must be a finite number"),
    (DEMO.replace("age: 54", "age: .inf"), "age: must be a finite number"),
    ("a: &x [1]\nb: *x\n", "aliases (*name) are not allowed"),
    ("? [1, 2]\n: 3\n", "a key must be a plain value"),
    ("1: 2\nid: x\n", "1: is not a known field"),
    # closed vocabularies (sex, scales, screening results: see the hint test below)
    (DEMO.replace("conditions: [uncontrolled_hypertension]", "conditions: [diabetes]"), "conditions[0]: unknown condition 'diabetes'"),
]


@pytest.mark.parametrize(("text", "expected"), YAML_CASES)
def test_yaml_refused_in_one_line_naming_the_field(text, expected):
    """Each input is a CaseError (never another exception) whose one-line message contains the expectation."""
    assert expected in _refused(text)


@pytest.mark.parametrize(("text", "hint"), [
    (DEMO.replace("age: 54", "age: 54\nsex: femal"), "did you mean female"),
    (DEMO.replace("scale: PHQ-9", "scale: PHQ9"), "did you mean PHQ-9"),
    (DEMO.replace("bipolar: done_negative", "bipolar: done-negative"), "did you mean done_negative"),
])
def test_closed_vocabularies_give_a_did_you_mean_hint(text, hint):
    """Sex, scales and screening results name the nearest known word, as agents and conditions do."""
    assert hint in _refused(text)


@pytest.mark.parametrize(("text", "expected"), [
    ('{"id": "a", "id": "b"}', "duplicate key 'id'"),
    ('{"id": "a", "age": NaN}', "NaN is not a number"),
    ('{"id": "a", "age": Infinity}', "Infinity is not a number"),
    ("[" * 100_000 + "]" * 100_000, "nested deeper than 10 levels"),
    ('{"a": ' * 50 + "1" + "}" * 50, "nested deeper than 10 levels"),
    ('{"age": 1' + "0" * 5000 + "}", "not valid JSON"),
])
def test_json_refused_in_one_line(text, expected):
    assert expected in _refused(text, "json")


@pytest.mark.parametrize(("field", "limit", "item"), [
    ("trials", MAX_TRIALS, {"agent": "sertraline", "weeks": 8}),
    ("scores", MAX_SCORES, {"date": "2026-01-05", "scale": "PHQ-9", "value": 10}),
    ("conditions", MAX_CONDITIONS, "epilepsy"),
])
def test_list_lengths_are_limited(field, limit, item):
    """At the limit a list is accepted; one more is refused naming the field and both numbers."""
    data = _demo()
    data[field] = [item] * limit
    case_from_dict(data, today=None)
    data[field] = [item] * (limit + 1)
    with pytest.raises(CaseError, match=rf"^{field}: has {limit + 1} items; at most {limit} are allowed$"):
        case_from_dict(data)


def test_huge_lists_are_refused_quickly():
    """20,000 trials (minutes and gigabytes before) and a long list of conditions are refused in well under a second."""
    data = _demo()
    data["trials"] = data["trials"] * 7000
    start = time.perf_counter()
    with pytest.raises(CaseError, match="trials: has 21000 items"):
        case_from_dict(data)
    data = _demo()
    data["conditions"] = ["epilepsy"] * 50_000
    with pytest.raises(CaseError, match="conditions: has 50000 items"):
        case_from_text(json.dumps(data, default=str), fmt="json")
    assert time.perf_counter() - start < 2


def test_a_long_yaml_list_stops_at_the_node_limit():
    """A ~1 MB YAML list is refused at 20,000 values, not parsed to the end."""
    text = DEMO + "extra:\n" + "- a\n" * 240_000
    start = time.perf_counter()
    assert "more than 20,000 values" in _refused(text)
    assert time.perf_counter() - start < 5


def test_text_fields_are_limited():
    data = _demo()
    data["trials"][0]["agent"] = "x" * 201
    with pytest.raises(CaseError, match=r"trials\[0\]\.agent: is longer than 200 characters"):
        case_from_dict(data)


def test_echoed_values_are_short_and_on_one_line():
    """An unknown agent spanning lines and kilobytes is echoed as at most 40 characters on one line."""
    data = _demo()
    data["trials"][0]["agent"] = ("wonder\ndrug\u2028" * 15)[:190]
    with pytest.raises(CaseError) as info:
        case_from_dict(data)
    message = str(info.value)
    assert len(message.splitlines()) == 1 and "wonder drug" in message and len(message) < 1000


def test_at_most_ten_problems_are_named():
    """Fifty bad trials make one bounded line: ten problems named, the rest counted."""
    data = _demo()
    data["trials"] = [{"agent": "sertraline", "weeks": -1}] * 50
    with pytest.raises(CaseError) as info:
        case_from_dict(data)
    message = str(info.value)
    assert message.count("must be >= 0") == 10 and message.endswith("and 40 more problem(s)")


def test_every_known_condition_is_used_by_a_rule():
    """The condition vocabulary lists only conditions a contraindication rule acts on (no dead words)."""
    from futility.clinical.screening import contraindications

    for condition in KNOWN_CONDITIONS:
        data = _demo()
        data["conditions"] = [condition]
        data["labs"] = {}
        data["trials"] = []
        assert contraindications(case_from_dict(data)), condition


def test_conditions_are_normalised():
    data = _demo()
    data["conditions"] = ["Long QTc", "heart-block"]
    assert case_from_dict(data).conditions == ["long_qtc", "heart_block"]


def test_iso_date_strings_and_yaml_dates_are_both_accepted():
    data = _demo()
    data["scores"][0]["date"] = "2026-01-05"
    assert str(case_from_dict(data).scores[0].date) == "2026-01-05"
    assert str(case_from_text(DEMO).scores[0].date) == "2026-01-05"


# --- reading files ---------------------------------------------------------------------------------


def test_a_directory_is_refused(tmp_path):
    with pytest.raises(CaseError, match="is a directory, not a regular file"):
        load_case(tmp_path)


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_a_device_is_refused_without_reading_it():
    with pytest.raises(CaseError, match="is a pipe, socket or device, not a regular file"):
        load_case("/dev/zero")


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX named pipes")
def test_a_named_pipe_is_refused_without_waiting(tmp_path):
    """Opening a FIFO with no writer used to block forever; it is refused at once."""
    fifo = tmp_path / "case.yaml"
    os.mkfifo(fifo)
    start = time.perf_counter()
    with pytest.raises(CaseError, match="not a regular file"):
        load_case(fifo)
    assert time.perf_counter() - start < 5


def test_a_file_over_the_size_limit_is_refused(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text(DEMO + "#" * MAX_FILE_BYTES)
    with pytest.raises(CaseError, match="larger than the limit of 1,000,000 bytes"):
        load_case(path)


def test_non_utf8_is_refused(tmp_path):
    path = tmp_path / "case.yaml"
    path.write_bytes(DEMO.encode() + b"\n# \xff\xfe\n")
    with pytest.raises(CaseError, match="not UTF-8 text"):
        load_case(path)


def test_text_over_the_size_limit_is_refused():
    """The dashboard's upload path (case_from_text) has the same size limit."""
    assert "limited to 1,000,000 characters" in _refused(DEMO + "#" * MAX_FILE_BYTES)
