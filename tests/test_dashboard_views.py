"""Dashboard views as functions of plain data: icon arrays, text alternatives, elicitation, tables."""
from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import case_dicts, outcome_probabilities

from futility.clinical.scales import scale_table
from futility.dashboards.case_input import frame_trials, problems_html, trials_frame
from futility.dashboards.charts import journey_rows, journey_words, threshold_words, tornado_words
from futility.dashboards.consultation import option_cards_html
from futility.dashboards.elicitation import gamble_question, standard_gamble_value
from futility.render.charts import burden_groups, icon_array_svg, outcome_groups, people_out_of_100
from futility.render.palette import OKABE_ITO
from futility.render.vocabulary import OUTCOME_COLOURS, outcome_sentence


@given(outcome_probabilities())
def test_people_out_of_100_add_up_and_stay_close(shares: list[float]) -> None:
    """Rounded groups always add up to 100 and each is within one person of its exact share."""
    counts = people_out_of_100(shares)
    assert sum(counts) == 100
    exact = [100 * s for s in shares[:-1]] + [100 * (1 - sum(shares[:-1]))]  # the last group takes the rest
    for count, share in zip(counts, exact):
        assert abs(count - share) < 1 + 1e-9


@given(st.floats(0, 1), st.floats(0, 1))
def test_outcome_groups_order_and_total(a: float, b: float) -> None:
    """Remission, response-only and no-response counts are non-negative, add to 100, track the chances."""
    rem, resp = min(a, b), max(a, b)
    groups = outcome_groups(rem, resp)
    counts = {g.key: g.count for g in groups}
    assert sum(counts.values()) == 100
    assert abs(counts["remission"] - 100 * rem) <= 1
    assert abs(counts["remission"] + counts["response"] - 100 * resp) <= 2


def test_icon_array_has_100_people_and_a_text_alternative() -> None:
    """The SVG draws exactly 100 people, the filled ones in the event colour, with an aria-label."""
    groups = outcome_groups(0.06, 0.15)
    words = outcome_sentence("another SSRI medicine", groups, (0.02, 0.12))
    svg = icon_array_svg(groups, words, uid="t")
    assert svg.count("<use ") == 100
    assert svg.count('class="g0"') == 6
    assert f'.g0{{fill:{OUTCOME_COLOURS["remission"]}' in svg
    assert 'role="img"' in svg and "aria-label=" in svg and "<title>" in svg
    assert "about 6 feel well again" in words and "from 2 to 12 in 100" in words


def test_palette_is_okabe_ito() -> None:
    """Event colours come from the Okabe-Ito colour-blind-safe palette."""
    for key in ("remission", "response", "side_effects", "palliative"):
        assert OUTCOME_COLOURS[key] in OKABE_ITO.values()


def _summary(mean: float, low: float, high: float):
    from futility.contract import ProbabilitySummary

    return ProbabilitySummary(mean=mean, hdi_low=low, hdi_high=high)


def _prognosis_row(option: str, rem=None, resp=None, bur=None, contraindicated=False, burden_known=True):
    from futility.contract import PrognosisRow

    return PrognosisRow(option=option, p_remission=rem, p_response=resp, p_burden=bur, burden_known=burden_known,
                        contraindicated=contraindicated, evidence_note=None)


def _trial_row(**fields):
    from futility.contract import TrialRow

    base = dict(index=0, agent="sertraline", drug_class="ssri", role="antidepressant", adequate=True, reasons=[],
                percent_reduction=None, outcome="unknown", burden_score=None, significant_burden=None, augments=None,
                laterality=None, stopped_for_side_effects=False, notes=[], response_line=None)
    return TrialRow(**{**base, **fields})


def test_option_cards_show_benefits_and_harms_alike_and_list_excluded_options() -> None:
    """Each option gets an outcome and a side-effect array; contraindicated ones are listed apart."""
    from futility.contract import ContraindicationRow

    prognosis = [
        _prognosis_row("ect", _summary(0.3, 0.2, 0.4), _summary(0.5, 0.4, 0.6), _summary(0.25, 0.1, 0.4)),
        _prognosis_row("maoi", contraindicated="uncontrolled hypertension"),
    ]
    caution = ContraindicationRow(option="ect", reason="needs an anaesthetic review", source="test", severity="caution")
    page = option_cards_html(prognosis, [caution])
    assert page.count('<img class="fu-icons"') == 2
    assert "about 30 feel well again" in page and "about 25 have significant side effects" in page
    assert 'alt="Of 100 people like you who try' in page
    assert "Take care:</b> needs an anaesthetic review" in page
    assert "Options not suitable now" in page and "uncontrolled hypertension" in page
    assert 'data-option="palliative_focus"' in page


def test_journey_words_give_reasons_for_inadequate_trials() -> None:
    """The journey's text alternative gives scores, outcome and why a trial was not adequate."""
    from futility.case import Trial

    trial = Trial.model_validate({"agent": "sertraline", "weeks": 3, "scale": "QIDS-SR16", "baseline": 16, "final": 12})
    assessed = _trial_row(adequate=False, reasons=["3 weeks is shorter than 6"], outcome="partial_response",
                          percent_reduction=25.0, response_line=8.0)
    rows = journey_rows([trial], [assessed], scale_table())
    text = journey_words(rows)
    assert "QIDS-SR16 from 16 to 12 (25% lower)" in text
    assert "not an adequate trial: 3 weeks is shorter than 6" in text
    assert rows[0]["remission_max"] == scale_table()["QIDS-SR16"].remission_max
    assert rows[0]["response_line"] == 8
    # the line is the rules' (TrialRow.response_line), not halved here: another value is drawn as given
    moved = journey_rows([trial], [assessed.model_copy(update={"response_line": 7.5})], scale_table())
    assert moved[0]["response_line"] == 7.5


def test_sensitivity_words() -> None:
    """Tornado and threshold analyses have text alternatives built from their rows."""
    from futility.contract import Thresholds, TornadoRow

    tornado = [TornadoRow(utility="palliative_focus", source="patient", value=0.45, low=0.35, high=0.55,
                          margin_low=0.3, margin_high=0.1, preferred_low="ect", preferred_high="ect", swing=0.2)]
    assert "palliative focus (patient, now 0.45)" in tornado_words(tornado)
    per_option = [{"option": "ect", "compared_with": "palliative_focus", "p_remission_now": 0.4,
                   "p_remission_threshold": 0.25, "preferred_now": True, "note": ""}]
    threshold = Thresholds.model_validate({"per_option": per_option, "remission": per_option[0],
                                           "palliative_utility": {"value_now": 0.45, "threshold": 0.62, "compared_with": "ect",
                                                                  "preferred_now": False, "note": ""}})
    text = threshold_words(threshold)
    assert "above 25.0 in 100 (now 40.0)" in text and "valued above 0.62" in text


@given(st.floats(0, 1), st.floats(0, 1))
def test_standard_gamble_value(p: float, best: float) -> None:
    """The standard-gamble value is p x value of the best branch, between the worst and the best."""
    value = standard_gamble_value(p, best_value=best)
    assert value == pytest.approx(p * best)
    assert 0.0 <= value <= best + 1e-12


def test_gamble_question_names_the_state_and_chance() -> None:
    """The question says what is sure, what is gambled and at what chance."""
    text = gamble_question("palliative_focus", 70)
    assert "70 in 100" in text and "quality of life" in text


@settings(max_examples=30, deadline=None)
@given(case_dicts(min_trials=1, max_trials=4))
def test_trial_table_round_trip_any_case(case: dict) -> None:
    """Any case's trials survive the trip through the editable table."""
    trials = case["trials"]
    back = frame_trials(trials_frame(trials))
    assert len(back) == len([t for t in trials if any(v is not None for v in t.values())])
    for original, restored in zip(trials, back):
        for key, value in restored.items():
            assert original[key] == pytest.approx(value) if isinstance(value, float) else original[key] == value


def test_problems_html_escapes_and_names_fields() -> None:
    """Problems are listed with their field and escaped (no markup from a case file reaches the page)."""
    text = problems_html([("trials[0].agent", "unknown agent '<script>'")])
    assert "trials[0].agent" in text and "<script>" not in text and 'role="alert"' in text
    assert re.search(r"&lt;script&gt;", text)


def test_scores_words_list_ratings_and_trajectory() -> None:
    """The ratings chart's text alternative lists each dated rating and the trajectory's band and status."""
    from futility.render.charts import score_rows
    from futility.render.vocabulary import scores_words

    scores = [{"date": "2026-03-02", "scale": "PHQ-9", "value": 17}, {"date": "2026-01-05", "scale": "PHQ-9", "value": 19},
              {"date": "2026-02-01", "scale": "MADRS", "value": 30}]
    rows = score_rows(scores, "PHQ-9")
    assert [r["value"] for r in rows] == [19, 17]
    text = scores_words(rows, {"severity_band": "moderately_severe", "status": "non_response", "percent_reduction": 10.5})
    assert "19 on 2026-01-05, 17 on 2026-03-02" in text
    assert "moderately severe range, 10% lower than the first (non response)" in text
    assert scores_words([], None) == "No dated ratings are recorded."


def test_scores_svg_draws_each_rating_with_a_text_alternative() -> None:
    """The ratings chart is an SVG with one point per rating, the scale's bands and its description."""
    from futility.render.charts import score_trajectory_svg as scores_svg

    rows = [{"date": "2026-01-05", "scale": "PHQ-9", "value": 19}, {"date": "2026-03-02", "scale": "PHQ-9", "value": 17}]
    svg = scores_svg(rows, scale_table()["PHQ-9"], "PHQ-9 ratings: 19 then 17")
    assert svg.count("<circle") == 2
    assert svg.count("<rect") == len(scale_table()["PHQ-9"].bands)
    assert 'aria-label="PHQ-9 ratings: 19 then 17"' in svg
    assert scores_svg([], None, "") == ""


def test_option_cards_say_what_each_option_is_like():
    """Each option card with a described experience carries it with its source (IPDAS qualifying item 6)."""
    from futility.dashboards.consultation import option_cards_html
    from futility.decision import option_experience

    interval = _summary(0.1, 0.05, 0.15)
    prognosis = [_prognosis_row(k, interval, _summary(0.2, 0.1, 0.3), interval) for k in ("ect", "ssri")]
    html_text = option_cards_html(prognosis)
    assert html_text.count("What it is like:") == 3  # the two options and care focused on comfort
    assert "Semkovska" in html_text
    assert option_experience("serotonin_modulator") is None


def test_every_offered_option_has_a_sourced_experience():
    """Every candidate option the model offers has a plain description with a cited source."""
    from futility.decision import option_experience
    from futility.prognosis.predict import CANDIDATE_OPTIONS

    for option in CANDIDATE_OPTIONS:
        found = option_experience(option)
        assert found is not None, option
        text, source = found
        assert len(text) > 40 and source.strip()
