"""The committee view (issue 14): the bottom line first, gates in positive words, plain names, an evidence row for
every outcome number, the exported report stamped with the stored id and hash, reviews addressed to a chosen
assessment. Real assessments of the demo case and of variants of it (no browser)."""
from __future__ import annotations

import csv
import html
import re

import pytest
import yaml

from futility.case import case_from_dict, demo_case_path
from futility.dashboards.committee import CommitteeView, bottom_line_html, futility_html, prognosis_html
from futility.dashboards.state import CaseSession
from futility.dashboards.store_panel import StorePanel
from futility.model.evidence import EFFECTS_CSV, OUTCOMES_CSV
from futility.render.vocabulary import GATE_LABELS
from futility.store import CaseStore

#: Raw option and gate ids that must not reach the reader outside the small id columns.
RAW_IDS = ("lithium_augmentation", "antipsychotic_augmentation", "thyroid_augmentation", "guideline_options_untried",
           "screening_incomplete", "patient_values_missing", "not_trd", "palliative_focus")


def _demo(**changes) -> dict:
    data = yaml.safe_load(demo_case_path().read_text(encoding="utf-8"))
    data.update(changes)
    return data


def _session(data: dict | None = None, db_url: str | None = None) -> CaseSession:
    s = CaseSession(db_url=db_url)
    if data is None:
        assert s.load_path(demo_case_path()), s.problems
    else:
        assert s.load_case(case_from_dict(data)), s.problems
    return s


@pytest.fixture(scope="module")
def demo() -> CaseSession:
    return _session()


def _text(fragment: str) -> str:
    """Visible text of an HTML fragment (tags and style blocks dropped, entities decoded)."""
    fragment = re.sub(r"<style>.*?</style>", "", fragment, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", fragment))


def _without_id_columns(fragment: str) -> str:
    """The fragment without its small raw-id cells (kept for checking against the JSON)."""
    fragment = re.sub(r"<code class='fu-id'>.*?</code>", "", fragment)
    return fragment


def test_bottom_line_is_the_first_thing_in_the_committee_view(demo: CaseSession) -> None:
    """The first pane of the committee view is the bottom line, holding both judgements and every gate."""
    view = CommitteeView(session=demo)
    first = view._layout.objects[0]
    assert first is view.bottom_line
    text = _text(first.object)
    assert text.index("Bottom line") < text.index("Quantitative futility") < text.index("Qualitative futility")
    for gate in demo.current.decision.gates:
        assert GATE_LABELS[gate.gate] in text


def test_bottom_line_words_follow_the_decision(demo: CaseSession) -> None:
    """Each judgement's verdict and probability, and each gate's yes/no, are the decision's own."""
    text = _text(bottom_line_html(demo.current))
    d = demo.current.decision
    for name, judgement in (("Quantitative", d.quantitative_futility), ("Qualitative", d.qualitative_futility)):
        verdict = "met" if judgement.met else ("held back by a safety gate" if judgement.met_before_gates else "not met")
        assert f"{name} futility: {verdict}" in text
    assert "probability 15%" in text and "probability 0.1%" in text  # demo: 0.146 and 0.001
    for gate in d.gates:
        assert f"{GATE_LABELS[gate.gate]}: {'yes' if gate.passed else 'no'}" in text


def test_gates_in_positive_words_with_what_is_missing() -> None:
    """A screen not done, a case short of TRD and default values: each gate says so positively, with the detail."""
    screening = {"bipolar": "done_negative", "thyroid": "not_done", "substance_use": "done_negative",
                 "eating_disorder": "done_negative", "adhd": "done_negative"}
    data = _demo(screening=screening)
    data.pop("values")
    data["trials"] = data["trials"][:1]  # one failed trial: not treatment-resistant
    s = _session(data)
    text = _text(bottom_line_html(s.current))
    assert "Screening for other causes of poor response complete: no — not done: thyroid" in text
    assert "Meets the criteria for treatment-resistant depression: no — 1 adequate trial failed, in 1 class" in text
    assert "Screens not done: thyroid" in text
    assert "Values not yet the patient's (published defaults used)" in text and "palliative-focused care" in text
    assert "not trd" not in text.lower() and "passed" not in text  # no double negatives, no bare gate status
    assert "held back" in text or "not met" in text


def test_plain_names_in_the_committee_tables(demo: CaseSession) -> None:
    """Options, classes, outcomes and gates appear in words; raw ids only in the small id columns."""
    view = CommitteeView(session=demo)
    for pane in (view.bottom_line, view.adequacy, view.screening, view.staging):
        text = _text(pane.object)
        for raw in RAW_IDS:
            assert not re.search(rf"\b{raw}\b", text), (raw, pane)
    prognosis = _text(_without_id_columns(view.prognosis.object))
    for raw in RAW_IDS:  # an evidence row's own id (antipsychotic_augmentation_vs_placebo) may contain one
        assert not re.search(rf"\b{raw}\b", prognosis), raw
    assert "adding lithium" in prognosis and "ECT" in prognosis
    assert "<code class='fu-id'>lithium_augmentation</code>" in view.prognosis.object  # kept for checking
    gates = _text(futility_html(demo.current.decision, demo.current))
    assert "Every guideline option tried adequately or contraindicated" in gates
    assert "not yet tried: an SNRI medicine" in gates


def _fitted_rows(kind: str, outcomes: tuple[str, ...]) -> set[str]:
    """Ids of the bundled evidence rows fitted with ``kind`` for these outcomes, read from the CSV files directly."""
    with open(OUTCOMES_CSV, encoding="utf-8") as fh:
        ids = {r["id"] for r in csv.DictReader(fh)
               if r["use"] == "fit" and r["outcome"] in outcomes
               and kind in {part.split(":")[0].strip() for part in r["option"].split(";")}}
    parameter = "delta" if "burden" in outcomes else "alpha"
    with open(EFFECTS_CSV, encoding="utf-8") as fh:
        ids |= {r["id"] for r in csv.DictReader(fh) if r["parameter"] == parameter and r["option"] == kind}
    return ids


def test_every_prognosis_figure_has_its_evidence_rows(demo: CaseSession) -> None:
    """Each option's remission/response and burden figures list exactly the fitted rows of that option (or, without
    burden rows of its own, the population's), and the committee table shows every one of them by id."""
    table = prognosis_html(demo.current)
    shown = 0
    for row in demo.current.prognosis:
        if row.contraindicated:
            continue
        assert row.sources is not None
        efficacy = {r.id for r in row.sources.efficacy}
        assert efficacy == _fitted_rows(row.option, ("remission", "response")), row.option
        assert efficacy, row.option  # every offered option has rows of its own
        burden = {r.id for r in row.sources.burden}
        if row.burden_known:
            assert row.sources.burden_from == "own"
            assert burden == _fitted_rows(row.option, ("burden", "discontinuation")), row.option
        else:
            assert row.sources.burden_from == "other_options" and burden
        for ref in (*row.sources.efficacy, *row.sources.burden):
            assert ref.id in table
        shown += 1
    assert shown == len([r for r in demo.current.prognosis if not r.contraindicated]) >= 10
    assert table.count("<details class='fu-sources'>") == 2 * shown


def test_every_plan_lists_its_evidence_rows(demo: CaseSession) -> None:
    """Each plan's figures name their horizon rows: its courses' length and relapse rows, and comfort care's."""
    view = CommitteeView(session=demo)
    text = _text(view.horizon_evidence.object)
    for plan in demo.current.horizon.plans:
        assert plan.sources, plan.plan
        for course in plan.courses:
            assert course.course_source in plan.sources
            assert set(course.relapse_sources) <= set(plan.sources)
        assert any("fekadu_ever_remitted" in src for src in plan.sources)  # the comfort-care ceiling
        for src in plan.sources:
            assert src in text


def test_export_is_stamped_after_saving_and_lists_the_reviews(tmp_path) -> None:
    """Before saving the export says 'not stored'; after saving it carries the stored id, hash and reviews; after a
    values change it is again not stored (the saved assessment is no longer the one on screen)."""
    url = f"sqlite:///{tmp_path / 'store.db'}"
    s = _session(db_url=url)
    view = CommitteeView(session=s)
    panel = view.store_panel
    panel._layout.collapsed = False
    before = view._export().read().decode("utf-8")
    assert "not stored in the case store" in before
    panel.author.value = "dr_committee"
    panel._save(None)
    with CaseStore(url) as store:
        record = store.latest("demo-001")
    panel.reviewer.value = "ethics panel"
    panel.decision.value = "endorse_with_conditions"
    panel.comment.value = "review in three months"
    panel._review(None)
    after = view._export().read().decode("utf-8")
    assert "not stored" not in after
    assert f"stored assessment #{record.id}" in after and record.content_hash in after
    reviews = after[after.index('id="reviews-table"'):]
    assert "ethics panel" in reviews and "endorse with conditions" in reviews
    with CaseStore(url) as store:
        assert store.reviews(record.id)[0].recorded_at[:16].replace("T", " ") in reviews
        assert any(e.action == "render_report" and e.object_id == record.id for e in store.audit_log())
    s.palliative_focus = round(1.0 - s.palliative_focus, 2)  # another assessment on screen now
    moved = view._export().read().decode("utf-8")
    assert "not stored in the case store" in moved


def test_review_goes_to_the_chosen_assessment(tmp_path) -> None:
    """With two saved assessments, a review chosen for the older one is recorded on it, not on the latest; the
    selector lists newest first and the history shows each assessment's reviews."""
    url = f"sqlite:///{tmp_path / 'store.db'}"
    s = _session(db_url=url)
    panel = StorePanel(session=s, db_url=url)
    panel._layout.collapsed = False
    panel._save(None)
    s.palliative_focus = 0.2
    panel._save(None)
    with CaseStore(url) as store:
        first, second = (r.id for r in store.history("demo-001"))
    assert list(panel.target.options.values()) == [second, first]
    assert panel.target.value == second  # the one just saved
    panel.target.value = first
    panel.reviewer.value = "second opinion"
    panel.decision.value = "request_more_information"
    panel.comment.value = "thyroid result?"
    panel._review(None)
    assert f"recorded on assessment {first}" in panel.status.object
    with CaseStore(url) as store:
        assert [r.reviewer for r in store.reviews(first)] == ["second opinion"]
        assert store.reviews(second) == []
    history = _text(panel.history.object)
    assert "request more information by second opinion" in history
    assert [int(i) for i in re.findall(r"<tr><td>(\d+)</td>", panel.history.object)] == [second, first]


def test_review_without_a_saved_assessment_is_refused_in_words(tmp_path) -> None:
    """With nothing saved, a review is not recorded and the status says to save first."""
    url = f"sqlite:///{tmp_path / 'store.db'}"
    s = _session(db_url=url)
    panel = StorePanel(session=s, db_url=url)
    panel._layout.collapsed = False
    panel.reviewer.value = "ethics panel"
    panel._review(None)
    assert "save the assessment first" in panel.status.object
