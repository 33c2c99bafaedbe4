"""The JSON contract (futility.contract) and the golden demo output (tests/golden/demo-assessment.json).

If the golden comparison fails after a deliberate change of the output (or a new posterior), look at
the reported paths, then regenerate with ``python scripts/update_golden.py`` and commit the file with
the change that explains it.
"""
from __future__ import annotations

import copy

import pytest
from pydantic import ValidationError

from futility.contract import OPTION_KINDS, AssessmentOutput, DecisionOption, GateName, Outcome, Scale, Screen, SeverityBand
from golden_compare import GOLDEN, POSTERIOR_TOLERANCE, demo_json, differences, load_golden
from records_sample import sample_assessment


@pytest.fixture(scope="module")
def live() -> dict:
    return demo_json()


def _locs(exc: ValidationError) -> list[tuple]:
    return [tuple(e["loc"]) for e in exc.errors()]


# ---------------------------------------------------------------------------------------------------- golden


def test_live_demo_output_fits_the_contract(live):
    """The demo case's `futility assess --json` output validates against the contract models."""
    model = AssessmentOutput.model_validate(live)
    assert model.case_id == "demo-001"
    assert model.model_dump(mode="json", exclude={"assessment_id"}) == live  # the models hold every field


def test_demo_output_matches_the_golden_file(live):
    """Field by field, the demo output equals the golden file (posterior numbers within 0.02)."""
    found = differences(live, load_golden())
    assert not found, (
        f"{len(found)} difference(s) from {GOLDEN.name}; first ones:\n  " + "\n  ".join(found[:15])
        + "\nIf the change is intended, run scripts/update_golden.py and commit the golden file with it."
    )


def test_golden_file_fits_the_contract():
    """The checked-in golden file is itself valid under the contract (regenerated files are checked too)."""
    AssessmentOutput.model_validate(load_golden())


def test_assessment_model_and_dict_agree():
    """Assessment.to_json_model() is the validated form of to_dict(): same content, typed."""
    from futility.assessment import assess
    from futility.case import demo_case_path, load_case

    assessment = assess(load_case(demo_case_path()))
    model = assessment.to_json_model()
    assert isinstance(model, AssessmentOutput)
    assert model.model_dump(mode="json", exclude={"assessment_id"}) == assessment.to_dict()
    assert model.trials[0].outcome == "partial_response"  # QIDS-SR16 16 -> 12: a 25% reduction


def test_comparison_reports_the_path_of_each_difference():
    """The golden comparison passes small posterior noise, and names the path of every real change."""
    golden = sample_assessment()
    assert differences(copy.deepcopy(golden), golden) == []

    noisy = copy.deepcopy(golden)
    noisy["prognosis"][0]["p_remission"]["mean"] += POSTERIOR_TOLERANCE / 2
    noisy["package_version"] = "9.9.9"
    noisy["model"]["posterior_file_hash"] = "c" * 64
    assert differences(noisy, golden) == []

    changed = copy.deepcopy(golden)
    changed["prognosis"][1]["p_burden"]["hdi_high"] += 2 * POSTERIOR_TOLERANCE
    changed["trials"][0]["percent_reduction"] += 0.001  # a rule's number: no tolerance
    changed["trials"][1]["burden_score"] = 3.0  # int -> float
    changed["decision"]["preferred"] = "esketamine"
    changed["decision"]["options"].pop()
    changed["trd"]["new_field"] = 1
    del changed["screening"]["reasons"]
    found = differences(changed, golden)
    paths = [line.split(":")[0] for line in found]
    assert paths == [
        "trials[0].percent_reduction", "trials[1].burden_score", "trd.new_field", "screening.reasons",
        "prognosis[1].p_burden.hdi_high", "decision.options", "decision.preferred",
    ]


# ---------------------------------------------------------------------------------------------------- refusals


def test_a_misspelt_key_is_refused():
    """A misspelt key anywhere fails validation, naming its path, instead of being dropped."""
    bad = sample_assessment()
    bad["prognosis"][0]["p_remision"] = bad["prognosis"][0].pop("p_remission")
    with pytest.raises(ValidationError) as exc:
        AssessmentOutput.model_validate(bad)
    assert ("prognosis", 0, "p_remision") in _locs(exc.value)  # extra key
    assert ("prognosis", 0, "p_remission") in _locs(exc.value)  # and the missing one

    bad = sample_assessment()
    bad["decision"]["prefered"] = bad["decision"].pop("preferred")
    with pytest.raises(ValidationError, match="prefered"):
        AssessmentOutput.model_validate(bad)


@pytest.mark.parametrize("word", ["non-response", "nonresponse", "partial", "Remission", "failed", None])
def test_a_wrong_outcome_word_is_refused(word):
    """A trial outcome outside the rules' words (remission ... non_response, unknown) fails validation."""
    bad = sample_assessment()
    bad["trials"][0]["outcome"] = word
    with pytest.raises(ValidationError) as exc:
        AssessmentOutput.model_validate(bad)
    assert _locs(exc.value) == [("trials", 0, "outcome")]


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("prognosis", 0, "p_remission", "mean"), 1.2),  # a probability above 1
        (("prognosis", 0, "contraindicated"), True),  # False or a reason, never True
        (("trials", 0, "burden_score"), True),  # strict: a boolean is not a number
        (("model", "n_draws"), "2000"),  # strict: text is not a number
        (("decision", "preferred"), "palliative_focus"),  # not the highest expected utility
        (("trials", 0, "drug_class"), "SSRI"),  # closed vocabulary
    ],
)
def test_values_that_break_the_contract_are_refused(path, value):
    """Probabilities, strict types, closed vocabularies and the preferred option are all checked."""
    bad = sample_assessment()
    target = bad
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    with pytest.raises(ValidationError):
        AssessmentOutput.model_validate(bad)


def test_a_prognosis_mean_outside_a_wide_interval_is_refused():
    """A mean outside its 94% interval means swapped or corrupted numbers; a 50% interval may miss the mean."""
    bad = sample_assessment()
    bad["prognosis"][0]["p_remission"].update(mean=0.5, hdi_low=0.1, hdi_high=0.2)
    with pytest.raises(ValidationError, match=r"prognosis\[0\]\.p_remission: mean lies outside its interval"):
        AssessmentOutput.model_validate(bad)
    bad["decision"]["policy"]["hdi_prob"] = 0.5  # a skewed posterior's mean can lie outside its 50% HDI
    AssessmentOutput.model_validate(bad)


# ---------------------------------------------------------------------------------------------------- vocabularies


def test_closed_vocabularies_are_the_rules_own():
    """The contract's Literals hold exactly the words the rules and tables produce."""
    from futility.clinical.agents import agent_table
    from futility.clinical.scales import classify_outcome, scale_table
    from futility.clinical.screening import SCREENS
    from futility.decision._policy import guideline_table
    from futility.decision._utilities import NAMES
    from futility.prognosis.predict import CANDIDATE_OPTIONS

    kinds = set(OPTION_KINDS)
    assert {a.drug_class for a in agent_table().values()} <= kinds
    assert set(CANDIDATE_OPTIONS) <= kinds
    assert {r["option"] for r in guideline_table()} - {"palliative_focus"} <= kinds
    assert set(DecisionOption.__args__) == kinds | {"palliative_focus"}
    assert set(Scale.__args__) == set(scale_table())
    assert set(SeverityBand.__args__) == {b[0] for s in scale_table().values() for b in s.bands}
    assert set(Screen.__args__) == set(SCREENS)
    words = {classify_outcome("QIDS-SR16", 16, final) for final in (None, 16, 12, 8, 4)}
    assert words == set(Outcome.__args__)
    from futility.contract import UtilityName

    assert set(UtilityName.__args__) == set(NAMES)
    assert len(GateName.__args__) == 5


def test_every_gate_name_is_in_the_contract():
    """check_gates emits only gate names the contract knows (all five when patient values are required)."""
    from futility.decision import GateContext, Policy
    from futility.decision._judgements import check_gates
    from futility.decision._utilities import resolve_utilities

    gates = check_gates(GateContext(screening_complete=False), resolve_utilities(None), Policy(require_patient_values=True))
    assert [g.gate for g in gates] == list(GateName.__args__)
