"""The report reads the typed contract (AssessmentOutput), never the raw dict: one validation at the entry point,
the model's field names the only spellings, and a typed assessment renders exactly as its dict."""
from __future__ import annotations

import copy
import re

import pytest
from pydantic import ValidationError

from futility.contract import AssessmentOutput
from futility.errors import StoreError
from futility.render.report import build_context, render_html, render_record
from futility.store import AssessmentRecord, CaseStore
from records_sample import demo_case, sample_assessment

GENERATED = "2026-03-01 10:00 UTC"


@pytest.fixture(scope="module")
def case():
    return demo_case()


@pytest.fixture(scope="module")
def case_dict(case):
    return case.model_dump(mode="json")


def _with(path: str, key: str, value) -> dict:
    """The sample assessment with ``key`` added (or replaced) in the part at ``path`` (dotted; '' is the whole)."""
    data = sample_assessment()
    part = data
    for name in filter(None, path.split(".")):
        part = part[int(name)] if name.isdigit() else part[name]
    part[key] = value
    return data


@pytest.mark.parametrize(
    ("path", "key", "field"),
    [
        ("", "verdict", "verdict"),
        # spellings the report once fell back to: the contract has only posterior_file_hash
        ("model", "posterior_hash", "model.posterior_hash"),
        ("model", "file_hash", "model.file_hash"),
        ("decision", "best", "decision.best"),
        ("prognosis.0", "p_remision", "prognosis.0.p_remision"),
        ("trials.1", "dose", "trials.1.dose"),
        ("decision.sensitivity.evpi", "partial", "decision.sensitivity.evpi.partial"),
    ],
)
def test_a_key_the_contract_does_not_declare_is_refused_naming_it(path, key, field, case_dict):
    """build_context (and so render_html) refuses an unknown key with a ValidationError that names the field."""
    data = _with(path, key, "x")
    with pytest.raises(ValidationError) as info:
        build_context(data, case_dict)
    assert field in str(info.value) and "Extra inputs are not permitted" in str(info.value)
    with pytest.raises(ValidationError, match=re.escape(field)):
        render_html(data, case_dict)


def test_a_missing_field_is_refused_not_defaulted(case_dict):
    """No fall-back for a field the contract requires: a record without model.posterior_file_hash is refused."""
    data = sample_assessment()
    del data["model"]["posterior_file_hash"]
    with pytest.raises(ValidationError, match=r"model\.posterior_file_hash"):
        build_context(data, case_dict)


def test_typed_assessment_renders_the_same_html_as_its_dict(case_dict):
    """render_html(AssessmentOutput) and render_html(dict) give identical bytes: the dict is only validated into it."""
    data = sample_assessment()
    typed = AssessmentOutput.model_validate(data)
    assert render_html(typed, case_dict, generated_at=GENERATED) == render_html(data, case_dict, generated_at=GENERATED)
    assert render_html(typed, generated_at=GENERATED) == render_html(data, generated_at=GENERATED)


def test_case_model_and_its_dict_render_the_same(case, case_dict):
    """``case`` may be the Case model or the dict as entered; both give the same report."""
    data = sample_assessment()
    assert render_html(data, case, generated_at=GENERATED) == render_html(data, case_dict, generated_at=GENERATED)


def test_context_holds_the_typed_parts(case_dict):
    """The context hands the template the model's own objects and fields (no re-spelt copies)."""
    typed = AssessmentOutput.model_validate(sample_assessment())
    context = build_context(typed, case_dict, generated_at=GENERATED)
    assert context["trd"] is typed.trd and context["screening"] is typed.screening
    assert context["model"] is typed.model and context["diagnostics"] is typed.model.diagnostics
    assert context["posterior_hash"] == typed.model.posterior_file_hash == "a" * 64
    assert context["decision"]["quantitative"] is typed.decision.quantitative_futility
    assert context["sensitivity"]["tornado"] == typed.decision.sensitivity.tornado
    assert context["maudsley"] == typed.staging.maudsley.model_dump()
    assert [u["name"] for u in context["decision"]["utilities"]] == [  # the contract's order, in words
        "remission (feeling well again)", "response without remission", "no response", "significant side-effect burden",
        "palliative-focused care"]


def test_report_of_a_stored_record_equals_the_report_of_what_was_saved(case_dict):
    """A stored assessment (canonical JSON, keys sorted) renders as the assessment that was saved: its lists follow the
    contract's field order, not the order of the stored keys. (The case is shown exactly as stored.)"""
    data = sample_assessment()
    with CaseStore("sqlite://") as store:
        record = store.save_assessment(case_dict, data, author="dr_a")
        stored = store.get_assessment(record.id)
    assert list(stored.assessment["staging"]["maudsley"]["components"]) != list(data["staging"]["maudsley"]["components"])
    assert (render_html(stored.output, stored.case, generated_at=GENERATED)
            == render_html(data, stored.case, generated_at=GENERATED))
    html = render_record(stored, generated_at=GENERATED)
    assert "duration 3, severity 3, failures 1, augmentation 1, ect 0" in html


def test_render_record_reads_the_records_typed_output(case_dict):
    """render_record goes through record.output: a record that breaks the contract is refused naming the field."""
    data = sample_assessment()
    with CaseStore("sqlite://") as store:
        stored = store.get_assessment(store.save_assessment(case_dict, data, author="dr_a").id)
    broken = copy.deepcopy(stored.assessment)
    broken["model"]["posterior_hash"] = broken["model"].pop("posterior_file_hash")
    record = AssessmentRecord(stored.id, stored.case_id, stored.created_at, stored.author, stored.package_version,
                              stored.model_version, stored.posterior_hash, stored.content_hash, stored.case, broken)
    with pytest.raises(StoreError, match=r"assessment\.model\.posterior_file_hash.*assessment\.model\.posterior_hash"):
        render_record(record)


def test_no_measurement_summary_no_trajectory(case_dict):
    """Without a measurement summary (the contract's null) the scores are not charted: there is no scale to follow."""
    data = sample_assessment()
    data["measurement"] = None
    assert "Measurement-based care" not in render_html(data, case_dict)
    assert "Measurement-based care" in render_html(sample_assessment(), case_dict)
