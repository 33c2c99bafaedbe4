"""One set of charts and one vocabulary for the report and the dashboard (issue "Results are tables", item 3)."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from hypothesis import given, settings
from records_sample import demo_case, sample_assessment
from strategies import outcome_probabilities

from futility.clinical.scales import scale_table
from futility.dashboards.charts import comparison_rows
from futility.contract import AssessmentOutput
from futility.dashboards.consultation import option_cards_html
from futility.render import charts, vocabulary
from futility.render.report import render_html
from futility.render.report._context import build_context

HOSTILE = 'a <b>"bold"</b> & \'odd\' </svg><script>x</script>'


@given(outcome_probabilities())
@settings(max_examples=200, deadline=None)
def test_both_roundings_are_one(probs):
    """The report's counts (rest implicit) are the dashboard's rounding with the rest given: same numbers, sum 100."""
    counts = charts.people_counts(probs)
    assert sum(counts) == 100 and len(counts) == len(probs) + 1
    assert counts == charts.people_out_of_100([*probs, max(0.0, 1 - sum(probs))])


def _report_counts(html: str) -> dict[str, list[int]]:
    """Per option (short label): its outcome array's counts, read from the array's description."""
    out = {}
    for name, desc in re.findall(r"<title[^>]*>([^<]*): expected outcomes of 100 people[^<]*</title><desc[^>]*>([^<]*)</desc>", html):
        out[name] = [int(n) for n in re.findall(r"(\d+) of 100 people", desc)]
    return out


def _dashboard_counts(page: str) -> dict[str, list[int]]:
    """Per option (plain label): the outcome legend's counts on its consultation card."""
    out = {}
    for option, card in re.findall(r'data-option="([^"]+)">(.*?)</section>', page, re.S):
        legend = re.search(r'<ul class="fu-legend">(.*?)</ul>', card, re.S)
        if legend:
            out[option] = [int(n) for n in re.findall(r"<b>(\d+)</b>", legend.group(1))]
    return out


def test_report_and_dashboard_show_the_same_people_for_the_same_assessment():
    """For the same stored assessment, each pictured option has the same remission/response/none counts in both."""
    a = sample_assessment()
    html = render_html(a, demo_case().model_dump(mode="json"))
    report = _report_counts(html)
    typed = AssessmentOutput.model_validate(a)
    dashboard = _dashboard_counts(option_cards_html(typed.prognosis, typed.contraindications))
    assert len(report) >= 3
    for p in a["prognosis"]:
        name = vocabulary.short_label(p["option"])
        if name in report:
            assert report[name] == dashboard[p["option"]], p["option"]
            assert sum(report[name]) == 100
            outcome, _ = charts.icon_groups(p)
            assert report[name] == [g.count for g in outcome]


def test_report_and_dashboard_name_groups_and_options_from_the_vocabulary():
    """The legend words of both views and the option names both use are the vocabulary's."""
    a = sample_assessment()
    html = render_html(a, demo_case().model_dump(mode="json"))
    typed = AssessmentOutput.model_validate(a)
    page = option_cards_html(typed.prognosis, typed.contraindications)
    for key in ("remission", "response", "no_response", "side_effects", "no_side_effects"):
        label = vocabulary.ICON_GROUPS[key].label
        assert f": {label}</text>" in html, key  # the report's in-picture legend
        assert f"</b> {label}</li>" in page, key  # the dashboard's HTML legend
    context = build_context(a, demo_case().model_dump(mode="json"))
    assert [r["option"] for r in context["prognosis"]] == [vocabulary.short_label(p["option"]) for p in a["prognosis"]]
    assert [r["name"] for r in comparison_rows(typed.decision)] == [
        vocabulary.option_words(o["option"]) for o in a["decision"]["options"]]
    assert vocabulary.short_label("palliative_focus") == "palliative-focused care"


def test_inlined_report_charts_keep_their_own_ids():
    """Several icon arrays inlined in one page: every id is unique, so each keeps its own colours and symbol."""
    html = render_html(sample_assessment(), demo_case().model_dump(mode="json"))
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids))
    assert html.count("<symbol ") >= 6


def test_svg_text_is_escaped_and_well_formed():
    """Titles, descriptions, legends and date labels from data cannot break out of the SVG."""
    groups = [charts.IconGroup("x", 60, HOSTILE, "#0072B2"), charts.IconGroup("y", 40, "rest", "#C8C8C8", filled=False)]
    rows = [{"date": "2026-01-05", "scale": "PHQ-9", "value": 19}, {"date": "2026-03-02", "scale": "PHQ-9", "value": 17}]
    svgs = [
        charts.icon_array_svg(groups, HOSTILE, uid="t"),
        charts.icon_array_svg(groups, HOSTILE, HOSTILE, uid='t"><x', legend=True),
        charts.score_trajectory_svg(rows, scale_table()["PHQ-9"], HOSTILE),
        charts.score_trajectory_svg([{**r, "date": HOSTILE} for r in rows], scale_table()["PHQ-9"], "t", HOSTILE, by_date=False),
    ]
    for svg in svgs:
        assert "<script>" not in svg and "<b>" not in svg
        root = ET.fromstring(svg)  # well-formed XML
        assert root.get("role") == "img"
        texts = ["".join(e.itertext()) for e in root.iter() if e.tag.endswith(("title", "desc", "text"))]
        assert any(HOSTILE in t for t in texts)
        if root.get("aria-label") is not None:
            assert root.get("aria-label") == HOSTILE


def test_icon_array_draws_its_counts_and_reads_without_colour():
    """100 people, filled for the event and outlined without it; the legend gives each count in words."""
    outcome, burden = charts.icon_groups({"p_remission": {"mean": 0.2}, "p_response": {"mean": 0.35}, "p_burden": {"mean": 0.1}})
    svg = charts.icon_array_svg(outcome, "t", vocabulary.counts_words(outcome), uid="u", legend=True)
    assert svg.count("<use ") == 100
    assert [svg.count(f'class="g{k}"') for k in range(3)] == [20 + 1, 15 + 1, 65 + 1]  # people plus the legend swatch
    assert f"#a-u .g2{{fill:#FFFFFF;stroke:{vocabulary.OUTLINE}" in svg
    assert "20 of 100: feel well again (remission)" in svg
    assert "<desc" in svg and "20 of 100 people: remission; 15 of 100 people: response without remission" in svg
    assert [g.count for g in burden] == [10, 90]
    unknown = charts.icon_groups({"p_remission": {"mean": 0.2}, "p_burden": {"mean": 0.1}, "burden_known": False})
    assert unknown[1] is None and [g.count for g in unknown[0]] == [20, 0, 80]
    assert charts.icon_groups({"p_remission": None}) == (None, None)


def test_report_charts_the_scale_of_the_measurement_summary():
    """The report charts the scale the measurement summary follows, not merely the last one rated."""
    case = demo_case().model_dump(mode="json")
    case["scores"] = [{"date": "2026-01-05", "scale": "PHQ-9", "value": 19},
                      {"date": "2026-03-02", "scale": "PHQ-9", "value": 17},
                      {"date": "2026-03-09", "scale": "MADRS", "value": 30}]
    a = sample_assessment()
    assert a["measurement"]["scale"] == "PHQ-9"
    m = build_context(a, case)["measurement"]
    assert m["scale"] == "PHQ-9" and m["points"] == [("2026-01", 19.0), ("2026-03", 17.0)]
    assert "PHQ-9 ratings: 19 on 2026-01, 17 on 2026-03. The latest is in the" in m["svg"]
    assert m["svg"].count("<circle") == 2
    assert m["svg"].count("<rect") == len(scale_table()["PHQ-9"].bands)
    a["measurement"] = dict(a["measurement"], scale="MADRS")
    assert build_context(a, case)["measurement"]["points"] == [("2026-03", 30.0)]
    assert charts.score_rows(case["scores"], None) == []  # no summary, no scale guessed


def test_report_and_dashboard_draw_the_same_score_chart():
    """The report's and the dashboard's score charts are one drawing: same bands, response line and points."""
    rows = [{"date": "2026-01-05", "scale": "PHQ-9", "value": 19}, {"date": "2026-03-02", "scale": "PHQ-9", "value": 17}]
    scale = scale_table()["PHQ-9"]
    dashboard = charts.score_trajectory_svg(rows, scale, "words", responsive=True, response_line=9.5)
    report = charts.score_trajectory_svg(rows, scale, "title", "words", by_date=True, response_line=9.5)
    strip = lambda s: re.sub(r"<svg[^>]*>|<title[^>]*>[^<]*</title>|<desc[^>]*>[^<]*</desc>", "", s)  # noqa: E731
    assert strip(dashboard) == strip(report)
    assert 'style="width:100%' in dashboard and "aria-label=" in dashboard and "aria-labelledby=" in report
    # the response line is the one given (the rules'), not half of a rating: none given, none drawn
    assert "response line" in report and "response line" not in charts.score_trajectory_svg(rows, scale, "t")
