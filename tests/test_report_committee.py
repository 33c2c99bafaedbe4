"""The report for the committee (issue 14): the bottom line first, gates in positive words, plain names, the evidence
rows behind every figure, and, for a stored assessment, its id, content hash and reviews."""
from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from futility.cli import app
from futility.render.report import render_html, render_record
from futility.render.vocabulary import GATE_LABELS, NO_SOURCES
from futility.store import CaseStore
from records_sample import demo_case, sample_assessment

runner = CliRunner()


@pytest.fixture(scope="module")
def real():
    """The demo case's real assessment (typed) and its case."""
    from futility.assessment import assess
    from futility.case import demo_case_path, load_case

    case = load_case(demo_case_path())
    return assess(case).output, case


@pytest.fixture
def stored(tmp_path):
    """A store with one saved assessment and two reviews of it; another assessment with none."""
    url = f"sqlite:///{tmp_path / 'r.db'}"
    with CaseStore(url) as store:
        record = store.save_assessment(demo_case(), sample_assessment(), author="dr_a")
        store.save_assessment(demo_case(), sample_assessment(shift=0.02), author="dr_b")
        store.add_review(record.id, "ethics panel", "request_more_information", "thyroid result first",
                         review_date="2026-01-10")
        store.add_review(record.id, "ethics panel", "endorse_with_conditions", "review in 3 months",
                         review_date="2026-02-01")
    return url, record.id


def _section(text: str, start: str, end: str) -> str:
    return text[text.index(start):text.index(end, text.index(start))]


def test_stored_report_is_stamped_with_id_hash_and_reviews(stored) -> None:
    """The report of a stored assessment names its id and full content hash and lists each review with its time."""
    url, rid = stored
    with CaseStore(url) as store:
        record, reviews = store.get_assessment(rid), store.reviews(rid)
    html = str(render_record(record, reviews))
    assert f"stored assessment #{rid} of" in html and "not stored" not in html
    assert re.search(rf'id="content-hash">{record.content_hash}<', html)
    table = _section(html, 'id="reviews-table"', "</table>")
    for review in reviews:
        assert review.recorded_at[:16].replace("T", " ") in table and review.review_date in table
        assert review.decision.replace("_", " ") in table
    assert table.count("ethics panel") == 2
    assert "thyroid result first" not in table and "withheld" in table  # pseudonymous by default
    shown = str(render_record(record, reviews, identifiable=True))
    assert "thyroid result first" in _section(shown, 'id="reviews-table"', "</table>")


def test_stored_report_without_reviews_says_none_yet(stored) -> None:
    """A stored assessment with no review says so in its reviews section."""
    url, _ = stored
    with CaseStore(url) as store:
        record = store.get_assessment(2)
        html = str(render_record(record, store.reviews(2)))
    assert "No committee review of stored assessment #2 is recorded yet" in html


def test_cli_report_of_an_assessment_id_lists_its_reviews(stored, tmp_path, monkeypatch) -> None:
    """`futility report ID` writes the stored id and hash and the reviews of that assessment only."""
    url, rid = stored
    monkeypatch.setenv("FUTILITY_DB", url)
    out = tmp_path / "r.html"
    result = runner.invoke(app, ["report", str(rid), "--out", str(out)])
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    with CaseStore(url) as store:
        record = store.get_assessment(rid)
    assert record.content_hash in html and f"stored assessment #{rid}" in html
    assert _section(html, 'id="reviews-table"', "</table>").count("<tr><td>#") == 2
    other = tmp_path / "r2.html"
    assert runner.invoke(app, ["report", "2", "--out", str(other)]).exit_code == 0
    assert "No committee review of stored assessment #2" in other.read_text(encoding="utf-8")


def test_unstored_report_says_so() -> None:
    """A report of an assessment that is not stored says it is not in the case store, with no hash."""
    html = render_html(sample_assessment())
    assert "not stored in the case store" in html and 'id="content-hash"' not in html


def test_bottom_line_comes_first_with_gates_in_positive_words(real) -> None:
    """The summary opens with the bottom line: both judgements, every gate as a statement with yes/no."""
    output, case = real
    html = render_html(output, case)
    bottom = _section(html, 'id="bottom-line"', "</div>")
    assert html.index('id="bottom-line"') < html.index("1. Case summary")
    assert "Quantitative futility" in bottom and "Qualitative futility" in bottom
    for gate in output.decision.gates:
        label = GATE_LABELS[gate.gate]
        row = bottom[bottom.index(label):]
        row = row[:row.index("</tr>")]
        assert (">yes<" if gate.passed else ">no<") in row
    assert "Guideline options not yet tried" in bottom and "an SNRI medicine" in bottom


def test_report_tables_use_plain_names(real) -> None:
    """Gate, option and class names are words; raw gate ids only in the small id column of the gates table."""
    output, case = real
    html = render_html(output, case)
    gates = _section(html, 'id="gates-table"', "</table>")
    assert "Every guideline option tried adequately or contraindicated" in gates
    without_ids = re.sub(r'<td class="small mono">[a-z_]+</td>', "", gates)
    assert "guideline_options_untried" not in without_ids and "not trd" not in without_ids
    held = _section(html, "<h2>8.", "<h3>Safety gates")
    assert "held back until: Every guideline option tried" in held and "guideline options untried" not in held
    trials = _section(html, "<h2>2.", "</table>")
    assert "SSRI medicine" in trials and "ssri" not in trials.replace("SSRI", "")


def test_report_lists_the_evidence_rows_of_every_figure(real) -> None:
    """Every evidence row id behind every option's figures is in the evidence table; each plan lists its rows."""
    output, case = real
    html = render_html(output, case)
    table = _section(html, 'id="evidence-table"', "</table>")
    after = html[html.index('id="evidence-table"'):]
    for row in output.prognosis:
        if row.contraindicated:
            continue
        for ref in row.sources.efficacy:
            assert ref.id in table, (row.option, ref.id)
        for ref in row.sources.burden:
            assert ref.id in (table if row.sources.burden_from == "own" else after), (row.option, ref.id)
    plans = _section(html, 'id="plans-evidence"', "</table>")
    for plan in output.horizon.plans:
        for src in plan.sources:
            assert src.split(" (")[0] in plans and src.rsplit("; ", 1)[-1].rstrip(")") in plans


def test_record_without_sources_says_they_were_not_recorded() -> None:
    """An assessment stored before the sources existed says so instead of inventing them."""
    html = render_html(sample_assessment())
    assert NO_SOURCES.replace("'", "&#39;") in _section(html, 'id="prognosis-table"', "</table>")
