"""The case model: valid files load, every kind of bad input names its field and problem."""
from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from futility.case import BURDEN_LEVELS, CaseError, case_from_dict, case_from_text, demo_case_path, load_case

SHARED_DEMO = Path(__file__).resolve().parents[2] / "shared" / "examples" / "demo-case.yaml"


@pytest.fixture()
def demo() -> dict:
    """The demo case as a plain mapping."""
    return yaml.safe_load(demo_case_path().read_text())


def test_bundled_demo_is_the_shared_example():
    """The package's demo case is a faithful copy of shared/examples/demo-case.yaml."""
    if not SHARED_DEMO.exists():
        pytest.skip("shared/ not beside this checkout")
    assert yaml.safe_load(SHARED_DEMO.read_text()) == yaml.safe_load(demo_case_path().read_text())


def test_demo_loads_with_all_fields():
    """The demo case loads, keeps trial order and resolves the augmentation link."""
    case = load_case(demo_case_path())
    assert case.id == "demo-001"
    assert [t.agent for t in case.trials] == ["sertraline", "bupropion", "lithium"]
    assert case.trials[2].augments == 1
    assert case.trials[2].burden_score == BURDEN_LEVELS["marked"] == 4
    assert case.values is not None and case.values.palliative_focus == 0.45


def test_json_and_yaml_give_the_same_case(tmp_path, demo):
    """A JSON file with the same content validates to the same case as the YAML file."""
    path = tmp_path / "case.json"
    path.write_text(json.dumps(demo, default=str))
    assert load_case(path) == load_case(demo_case_path())


def test_agent_aliases_and_case_are_normalised(demo):
    """'Venlafaxine XR' is read as the canonical agent venlafaxine."""
    demo["trials"][0]["agent"] = "Venlafaxine XR"
    assert case_from_dict(demo).trials[0].agent == "venlafaxine"


def _error(data: dict) -> str:
    with pytest.raises(CaseError) as info:
        case_from_dict(data, today=dt.date(2026, 11, 26))
    return str(info.value)


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda d: d["trials"][0].pop("weeks"), "trials[0].weeks: is required"),
        (lambda d: d.pop("diagnosis"), "diagnosis: is required"),
        (lambda d: d["trials"][1].__setitem__("dose_mg_day", -10), "trials[1].dose_mg_day: must be >= 0"),
        (lambda d: d["trials"][1].__setitem__("adherence", 1.7), "trials[1].adherence: must be <= 1"),
        (lambda d: d["trials"][0].__setitem__("scale", "GDS-15"), "trials[0].scale: must be one of"),
        (lambda d: d["trials"][0].__setitem__("agent", "wonderdrug"), "trials[0].agent: unknown agent 'wonderdrug'"),
        (lambda d: d["trials"][0].__setitem__("final", 30), "trials[0].final: 30 is outside the QIDS-SR16 range 0-27"),
        (lambda d: d["scores"][1].__setitem__("value", 28), "scores[1].value: 28 is outside the PHQ-9 range 0-27"),
        (lambda d: d["scores"][0].__setitem__("date", "2027-01-01"), "scores[0].date: 2027-01-01 is in the future"),
        (lambda d: d["trials"][0].__setitem__("augments", 2), "trials[0].augments: points at trial 2"),
        (lambda d: d["trials"][2].__setitem__("augments", 2), "trials[2].augments: points at trial 2"),
        (lambda d: d["trials"][0].__setitem__("weeks", -1), "trials[0].weeks: must be >= 0"),
        (lambda d: d["screening"].__setitem__("thyroid", "maybe"), "screening.thyroid: must be one of"),
        (lambda d: d["trials"][0].__setitem__("dosage", 50), "trials[0].dosage: is not a known field"),
        (lambda d: d["values"].__setitem__("remission", 1.5), "values.remission: must be <= 1"),
        (lambda d: d.__setitem__("id", "Jane Doe"), "id: must be a pseudonymous identifier"),
        (lambda d: d["trials"][0].__setitem__("weeks", "eight"), "trials[0].weeks: must be a number"),
    ],
)
def test_bad_input_names_field_and_problem(demo, mutate, expected):
    """Each kind of bad input is refused with a message that starts with the field path."""
    data = copy.deepcopy(demo)
    mutate(data)
    assert expected in _error(data)


def test_every_problem_is_collected(demo):
    """Two independent problems are both reported, in one line."""
    demo["trials"][0]["weeks"] = -2
    demo["trials"][1]["adherence"] = 2
    message = _error(demo)
    assert "trials[0].weeks" in message and "trials[1].adherence" in message
    assert "\n" not in message


def test_scores_require_a_scale(demo):
    """Baseline and final scores without a scale are refused: the range cannot be checked."""
    del demo["trials"][0]["scale"]
    assert "trials[0].scale: required when baseline or final is given" in _error(demo)


def test_malformed_text_is_refused_with_position():
    """Broken YAML and JSON are refused with the line of the problem, never a traceback."""
    with pytest.raises(CaseError, match=r"not valid YAML \(line 2"):
        case_from_text("id: x\n  age: [\n")
    with pytest.raises(CaseError, match="not valid JSON"):
        case_from_text("{'id': 1}", fmt="json")
    with pytest.raises(CaseError, match="must be a mapping"):
        case_from_text("- 1\n- 2\n")


def test_missing_file_is_a_user_error(tmp_path):
    """A path that does not exist is a CaseError naming the path."""
    with pytest.raises(CaseError, match="case file not found"):
        load_case(tmp_path / "nope.yaml")


@settings(max_examples=60, deadline=None)
@given(adherence=st.floats(allow_nan=False, allow_infinity=False, min_value=-5, max_value=5))
def test_adherence_accepted_iff_fraction(adherence):
    """Adherence is accepted exactly when it lies in [0, 1]."""
    demo = yaml.safe_load(demo_case_path().read_text())
    demo["trials"][0]["adherence"] = adherence
    if 0 <= adherence <= 1:
        assert case_from_dict(demo).trials[0].adherence == adherence
    else:
        assert "trials[0].adherence" in _error(demo)
