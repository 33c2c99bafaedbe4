"""The report's "Plans over time" section (issue 13 item 7): the curves, the plan table, icon arrays, the horizon's
futility statements, sensitivity, assumptions and notes verbatim, and the sentence for records stored before it."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from futility.contract import AssessmentOutput, HorizonOutcome, HorizonPlan
from futility.render import charts, vocabulary
from futility.render.report import build_context, render_html, write_report
from futility.render.report._context import HORIZON_ABSENT
from records_sample import demo_case, real_assessment, sample_assessment

GENERATED = "2026-03-01 10:00 UTC"


@pytest.fixture(scope="module")
def demo():
    """The real assessment of the demo case (typed), which carries a horizon."""
    data = real_assessment(demo_case())
    if data is None:
        pytest.skip("the assessment pipeline cannot run (posterior missing)")
    output = AssessmentOutput.model_validate(data)
    assert output.horizon is not None
    return output


@pytest.fixture(scope="module")
def html(demo):
    return render_html(demo, demo_case(), generated_at=GENERATED)


def _section(html: str) -> str:
    start = html.index("Plans over time</h2>")
    return html[start:html.index("<h2>", start)]


def _svgs(text: str) -> list[str]:
    return re.findall(r"<svg.*?</svg>", text, re.S)


def _summary(mean: float, low: float, high: float) -> dict[str, float]:
    return {"mean": mean, "hdi_low": low, "hdi_high": high}


def _plan(i: int, months=(6, 12, 24, 60)) -> dict:
    """A synthetic horizon plan (contract-shaped) with made-up, orderly chances: test data, not clinical figures."""
    outcomes = []
    for k, m in enumerate(months):
        ever = min(0.1 + 0.05 * i + 0.15 * k, 0.95)
        now = ever * 0.6
        outcomes.append({"month": m, "p_ever_remitted": _summary(ever, ever * 0.5, min(ever * 1.4, 1.0)),
                         "p_in_remission": _summary(now, now * 0.5, min(now * 1.4, 1.0)),
                         "p_well_6m": _summary(now / 2, now / 4, now), "months_in_remission": _summary(m * now, 0, m),
                         "months_in_response": _summary(0, 0, 0), "months_depressed": _summary(m / 2, 0, m),
                         "months_on_burden": _summary(1, 0, 2), "qalys": _summary(m / 24, m / 30, m / 20)})
    key = {0: "usual_care", 1: "comfort_focus"}.get(i, f"plan_{i}")
    label = {0: "usual care: an SNRI medicine, then comfort-focused care", 1: "comfort-focused care from now"}.get(
        i, f"try ECT number {i}, then comfort-focused care")
    return {"plan": key, "label": label, "origin": "default", "steps": [], "courses": [], "outcomes": outcomes,
            "p_best": 0.1, "expected_loss": 0.0}


# ----- the section, for the demo case ------------------------------------------------------------------------
def test_the_section_follows_the_decision_analysis(html):
    """A "Plans over time" heading after the sensitivity section and before the model diagnostics."""
    assert re.search(r"<h2>\d+\. Plans over time</h2>", html)
    assert html.index("Sensitivity of the conclusion") < html.index("Plans over time</h2>") < html.index("Model and diagnostics")
    assert HORIZON_ABSENT not in html


def test_both_curve_charts_appear_with_one_band_and_one_line_per_plan(html, demo):
    """Two curve SVGs (ever remitted, in remission), each with a band and a line per plan and every plan's short name."""
    section = _section(html)
    curves = [s for s in _svgs(section) if 'class="band"' in s]
    assert len(curves) == 2
    n = len(demo.horizon.plans)
    for svg in curves:
        ET.fromstring(svg)  # well-formed
        assert svg.count('class="band"') == n and svg.count('class="curve"') == n
        assert 'role="img"' in svg and "<title" in svg and "<desc" in svg
        for plan in demo.horizon.plans:
            assert vocabulary.plan_name(plan) in svg
    assert "at least once" in curves[0] and "at that point" in curves[1]


def test_every_plan_label_appears(html, demo):
    """Each plan's label (its courses in words) is in the section, and its P(best plan)."""
    section = _section(html)
    for plan in demo.horizon.plans:
        row = build_context(demo)["horizon"]["rows"]
        assert any(r["label"] == plan.label for r in row)
        contents = plan.label.split(": ", 1)[1] if plan.plan == "usual_care" else plan.label
        assert contents in section, plan.plan


def test_the_plan_table_reads_the_model(demo):
    """The table's cells are the model's numbers: ever remitted and in remission per month, 60-month totals."""
    context = build_context(demo)["horizon"]
    usual = next(p for p in demo.horizon.plans if p.plan == "usual_care")
    row = next(r for r in context["rows"] if r["plan"] == "usual_care")
    first = usual.outcomes[0].p_ever_remitted
    assert row["ever"][0] == f"{100 * first.mean:.0f}% ({100 * first.hdi_low:.0f}% to {100 * first.hdi_high:.0f}%)"
    assert row["qalys"].startswith(f"{usual.outcomes[-1].qalys.mean:.2f} (")
    assert row["months_in_remission"].startswith(f"{usual.outcomes[-1].months_in_remission.mean:.1f} (")
    assert row["p_best"] == usual.p_best
    assert len(row["ever"]) == len(row["now"]) == len(demo.horizon.months)


def test_icon_arrays_for_usual_and_comfort_care_at_one_two_and_five_years(html, demo):
    """Six icon arrays: usual care and comfort-focused care after 1, 2 and 5 years, each with its sentence."""
    section = _section(html)
    titles = re.findall(r"<title[^>]*>([^<]*): 100 people like this patient</title>", section)
    assert titles == [f"{name}, after {when}" for name in ("usual care", "comfort-focused care")
                      for when in ("1 year", "2 years", "5 years")]
    usual = next(p for p in demo.horizon.plans if p.plan == "usual_care")
    year = next(o for o in usual.outcomes if o.month == 12)
    assert vocabulary.horizon_sentence("", 12, year) in section


def test_futility_sensitivity_assumptions_and_notes(html, demo):
    """The horizon's futility reasons, the sensitivity line, the comfort-care assumption labelled as one, and the notes
    verbatim; without a monthly mortality, deaths are said not to be counted."""
    h = demo.horizon
    section = _section(html)
    from markupsafe import escape

    assert str(escape(h.quantitative_futility.reason)) in section and str(escape(h.qualitative_futility.reason)) in section
    assert "Sensitivity to the comfort-care assumption" in section
    assert "Assumption, with no published figure" in section
    c = h.assumptions.comfort_remission_monthly
    assert f"{100 * c.low:.1f}% to {100 * c.high:.1f}% a month" in section and str(escape(c.basis)) in section
    for note in h.notes:
        assert str(escape(note)) in section
    assert h.assumptions.monthly_mortality is None
    assert "deaths are not counted" in section.lower()


def test_deaths_counted_when_a_mortality_is_given(demo):
    """With a monthly mortality the section says deaths are counted (the report only reads the setting)."""
    data = demo.model_dump(mode="json")
    data["horizon"]["assumptions"]["monthly_mortality"] = 0.001
    context = build_context(data)["horizon"]
    assert context["mortality"] == "0.1% a month (deaths are counted)"


def test_a_record_without_a_horizon_says_so(tmp_path):
    """A record stored before the horizon existed (horizon None) renders, with the sentence instead of the section."""
    data = sample_assessment()
    assert data.get("horizon") is None
    html = render_html(data, demo_case().model_dump(mode="json"), generated_at=GENERATED)
    assert HORIZON_ABSENT == "Plans over time were not computed for this stored assessment."
    assert HORIZON_ABSENT in _section(html)
    assert 'class="band"' not in html
    assert build_context(data)["horizon"] is None


def test_the_section_keeps_to_the_palette(html):
    """Every fill or stroke colour the section draws is an Okabe-Ito colour, black, white or a neutral grey."""
    colours = {c.upper() for c in re.findall(r'(?:fill|stroke)="(#[0-9A-Fa-f]{6})"', _section(html))}
    allowed = {c.upper() for c in charts.OKABE_ITO.values()} | {"#000000", "#FFFFFF", "#DDDDDD", "#555555"}
    assert colours and colours <= allowed


def test_pdf_with_the_horizon_renders(tmp_path, demo):
    """The PDF still renders with the section: it opens, names the section and its assumption, and draws the curves."""
    pdfium = pytest.importorskip("pypdfium2")
    path = write_report(tmp_path / "report.pdf", demo, demo_case())
    assert path.read_bytes()[:5] == b"%PDF-"
    pdf = pdfium.PdfDocument(str(path))
    text = " ".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    text = " ".join(text.split())
    assert "Plans over time" in text and "no published figure" in text and "deaths are not counted" in text
    assert "does not make one" in text


# ----- the charts and sentences ------------------------------------------------------------------------------
@pytest.mark.parametrize("n", [2, 3, 5, 8])
def test_curves_for_two_to_eight_plans(n):
    """2-8 plans (typed or dicts): one band, one line and one legend name each; distinct colours and dashes."""
    dicts = [_plan(i) for i in range(n)]
    typed = [HorizonPlan.model_validate(d) for d in dicts]
    svg = charts.horizon_curves_svg(typed, "p_ever_remitted", "Ever remitted", None)
    assert svg == charts.horizon_curves_svg(dicts, "p_ever_remitted", "Ever remitted")
    ET.fromstring(svg)
    assert svg.count('class="band"') == n and svg.count('class="curve"') == n
    colours = re.findall(r'class="curve" points="[^"]*" fill="none" stroke="(#[0-9A-F]{6})"', svg)
    assert len(set(colours)) == n
    styles = {charts.HORIZON_STYLES[i][1:] for i in range(n)}
    assert len(styles) == n  # dash and marker differ too: no plan told apart by colour alone
    for plan in typed:
        assert vocabulary.plan_name(plan) in svg


def test_curves_start_at_zero_and_pass_through_the_means():
    """Each line starts at (0, 0%) and passes through the model's mean at each month; the band spans the interval."""
    plan = _plan(0)
    svg = charts.horizon_curves_svg([plan, _plan(1)], "p_in_remission", "t", "d")
    points = re.findall(r'class="curve" points="([^"]*)"', svg)[0].split()
    xs = [float(p.split(",")[0]) for p in points]
    ys = [float(p.split(",")[1]) for p in points]
    assert len(points) == 1 + len(plan["outcomes"])
    # y is linear in the chance: 0 at the axis' bottom, and the means in the model's order
    bottom = ys[0]
    scale = (bottom - ys[1]) / plan["outcomes"][0]["p_in_remission"]["mean"]
    for y, o in zip(ys[1:], plan["outcomes"]):
        assert y == pytest.approx(bottom - scale * o["p_in_remission"]["mean"], abs=0.15)
    assert xs == sorted(xs) and xs[-1] > xs[0]
    assert "<desc" in svg and ">d</desc>" in svg


def test_curve_text_alternative_names_the_numbers():
    """Without a desc the chart's description gives each plan's mean and interval at every month."""
    svg = charts.horizon_curves_svg([_plan(0), _plan(1)], "p_ever_remitted", "t")
    desc = re.search(r"<desc[^>]*>(.*?)</desc>", svg).group(1)
    assert "usual care: 10% by 6 months (5% to 14%)" in desc and "comfort-focused care" in desc and "5 years" in desc


@given(st.floats(0, 1), st.floats(0, 1))
@settings(max_examples=200, deadline=None)
def test_icon_groups_sum_to_100_and_follow_the_means(a, b):
    """In remission now / remitted before / never: counts add up to 100, each within one person of its share."""
    now, ever = sorted((a, b))
    outcome = HorizonOutcome.model_validate(_plan(0)["outcomes"][0] | {
        "p_ever_remitted": _summary(ever, 0, 1), "p_in_remission": _summary(now, 0, 1)})
    groups = charts.horizon_icon_groups(outcome)
    assert [g.key for g in groups] == ["in_remission", "remitted_before", "never_remitted"]
    counts = [g.count for g in groups]
    assert sum(counts) == 100
    for count, share in zip(counts, (now, ever - now, 1 - ever)):
        assert abs(count - 100 * share) < 1 + 1e-9
    assert not groups[2].filled and groups[0].filled  # the never-remitted are outlined: readable without colour
    assert charts.horizon_icon_groups(outcome.model_dump()) == groups


def test_icon_array_of_a_horizon_outcome_draws_100_people():
    """The groups draw with the shared icon array: 100 people, a legend with the counts."""
    groups = charts.horizon_icon_groups(HorizonOutcome.model_validate(_plan(0)["outcomes"][1]))
    svg = charts.icon_array_svg(groups, "t", vocabulary.counts_words(groups), uid="h", legend=True)
    assert svg.count("<use ") == 100
    assert f"{groups[0].count} of 100: well at that point (in remission)" in svg


def test_horizon_sentence_words():
    """The sentence gives the period in words, the counts of the icon array and the ever-remitted interval."""
    outcome = HorizonOutcome.model_validate(_plan(0)["outcomes"][0] | {
        "p_ever_remitted": _summary(0.55, 0.26, 0.84), "p_in_remission": _summary(0.36, 0.2, 0.5)})
    assert vocabulary.horizon_sentence("", 12, outcome) == (
        "Over the next 1 year, about 55 in 100 people like you would be well at least once (between 26 and 84 in 100); "
        "about 36 in 100 would be well at that point.")
    assert vocabulary.horizon_sentence("usual care", 60, outcome).startswith("Usual care. Over the next 5 years, about 55")
    assert [vocabulary.period_words(m) for m in (6, 12, 24, 60)] == ["6 months", "1 year", "2 years", "5 years"]


def test_plan_names_are_short():
    """Legend names: usual care, comfort-focused care, and a try-plan without its comfort-care tail."""
    assert vocabulary.plan_name(_plan(0)) == "usual care"
    assert vocabulary.plan_name(_plan(1)) == "comfort-focused care"
    assert vocabulary.plan_name(_plan(4)) == "try ECT number 4"


def test_the_report_with_the_section_stays_self_contained(html):
    """No script, stylesheet or URL comes in with the section, and every chart in it has a text alternative."""
    assert "<script" not in html.lower() and "<link" not in html.lower()
    assert set(re.findall(r"https?://[^\s\"'<>]+", html)) <= {"http://www.w3.org/2000/svg"}
    for svg in _svgs(_section(html)):
        assert 'role="img"' in svg and "<title" in svg and "<desc" in svg
