"""Dashboard: importing a FHIR R4 record on the case-input view fills the case and lists the gaps beside the table."""
from __future__ import annotations

import copy

import fhir_bundles as fb
import pytest

pn = pytest.importorskip("panel")

from futility.dashboards.case_input import CaseInputView, gaps_html, import_fhir_text  # noqa: E402
from futility.dashboards.state import CaseSession  # noqa: E402


def _upload(view: CaseInputView, text: str, name: str = "record.json") -> None:
    view.fhir_upload.filename = name
    view.fhir_upload.value = text.encode("utf-8")


def test_import_fills_the_trials_and_lists_the_gaps_beside_them():
    """The record's courses are the table's rows; the gaps (episode, adherence, burden) are shown beside it."""
    session = CaseSession()
    view = CaseInputView(session=session)
    _upload(view, fb.text(fb.realistic()))
    assert list(view.table.value["agent"]) == ["sertraline", "venlafaxine", "lithium", "ect"]
    assert session.pending  # the episode's length is required and not in the record: a draft to complete
    assert ("diagnosis.episode_months", "is required") in session.problems
    shown = view.gaps.object
    assert "trials[2].adherence: not in the record; ask the patient" in shown
    assert "diagnosis.episode_months" in shown and "Testperson" not in shown and "Testperson" not in session.case_text


def test_completing_the_imported_case_loads_it():
    """The imported YAML with the episode filled in is a valid case on screen (the ordinary load path)."""
    session = CaseSession(assess_fn=lambda case: (_ for _ in ()).throw(RuntimeError("not assessed in this test")))
    lines = import_fhir_text(session, fb.text(fb.realistic()), "record.json")
    assert any(line.startswith("trials[0].burden") for line in lines)
    data = copy.deepcopy(session.draft)
    data["diagnosis"]["episode_months"] = 12
    from futility.case import case_from_dict

    assert [t.agent for t in case_from_dict(data).trials] == ["sertraline", "venlafaxine", "lithium", "ect"]


def test_a_refused_record_names_the_resource_and_shows_no_gaps():
    """A dose with no unit: the problem names the dosage; no gap list, no case."""
    res = [fb.patient(), fb.statement("m1", "36437", "sertraline", "2024-01-01", "2024-02-26", 100, unit=None)]
    session = CaseSession()
    view = CaseInputView(session=session)
    _upload(view, fb.text(res))
    assert session.problems[0][0] == "Bundle.entry[1].resource.dosage[0].doseAndRate[0].doseQuantity"
    assert "no unit" in session.problems[0][1]
    assert view.gaps.object == "" and session.case is None


def test_gaps_html_escapes_and_counts():
    """Each gap is one escaped list item; no gaps, no box."""
    out = gaps_html(["a: <b>", "c: d"])
    assert out.count("<li>") == 2 and "&lt;b&gt;" in out and "(2)" in out
    assert gaps_html([]) == ""
