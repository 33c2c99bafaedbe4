"""Plain-language and technical summaries: reading level, natural frequencies, ranges, honesty."""
from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings

from futility.case import Values
from futility.decision import GateContext, Policy, decide
from futility.prognosis.draws import OptionDraws
from tests.strategies import gate_contexts, option_draw_sets, patient_values

GUIDELINE = frozenset(
    {"ssri", "snri", "ndri", "nassa", "tca", "maoi", "lithium_augmentation", "antipsychotic_augmentation", "ect", "esketamine"}
)
CLEAR = GateContext(True, (), True, GUIDELINE)
DEMO = Values(remission=1.0, response=0.7, no_response=0.3, significant_burden=-0.15, palliative_focus=0.45)


def beta(mean, seed, n=2000, k=200):
    return np.random.default_rng(seed).beta(mean * k, (1 - mean) * k, n)


def option(name, rem, extra, bur, seed):
    r = beta(rem, seed)
    return OptionDraws(name, r, np.minimum(r + extra, 1), beta(bur, seed + 1))


SEED = {"maoi": option("maoi", 0.06, 0.09, 0.30, 1)}
MIXED = {**SEED, "ect": option("ect", 0.48, 0.10, 0.30, 3), "esketamine": option("esketamine", 0.30, 0.15, 0.2, 5)}
FUTILE = {"maoi": OptionDraws("maoi", np.full(20, 0.003), np.full(20, 0.01), np.full(20, 0.3))}

SCENARIOS = {
    "seed, demo values": (SEED, DEMO, CLEAR, Policy()),
    "seed, no values": (SEED, None, CLEAR, Policy()),
    "several options, screening incomplete": (MIXED, DEMO, GateContext(False, (), True, GUIDELINE), Policy()),
    "several options, ECT untried": (MIXED, DEMO, GateContext(True, ("thyroid",), False, GUIDELINE - {"ect"}), Policy()),
    "futility met": (FUTILE, DEMO, CLEAR, Policy()),
    "looser threshold": (SEED, DEMO, CLEAR, Policy(futility_threshold=0.1)),
}


def syllables(word: str) -> int:
    """Rough English syllable count: vowel groups, minus a silent final 'e', at least one."""
    word = word.lower()
    if word.isdigit():
        return 2
    n = len(re.findall(r"[aeiouy]+", word))
    if word.endswith("e") and not word.endswith(("le", "ee")) and n > 1:
        n -= 1
    return max(n, 1)


def flesch_kincaid_grade(text: str) -> float:
    """Flesch-Kincaid grade level: 0.39 words/sentence + 11.8 syllables/word - 15.59."""
    sentences = [s for s in re.split(r"[.!?]+(?:\s|$)", text) if s.strip()]
    words = re.findall(r"[A-Za-z]+|\d+", text)
    syl = sum(syllables(w) for w in words)
    return 0.39 * len(words) / len(sentences) + 11.8 * syl / len(words) - 15.59


def test_flesch_kincaid_formula_on_a_known_sentence():
    """The reading-level helper scores a simple sentence low and a dense one high."""
    assert flesch_kincaid_grade("The cat sat on the mat. The dog ran.") < 2
    assert flesch_kincaid_grade("Pharmacological augmentation necessitates comprehensive individualised consideration.") > 15


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_plain_summary_reads_at_about_age_twelve(name):
    """The plain summary scores at most US grade 7 (reading age about 12-13) on Flesch-Kincaid."""
    d = decide(*SCENARIOS[name])
    assert flesch_kincaid_grade(d.summary) <= 7.0, d.summary


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_plain_summary_ends_by_saying_it_does_not_decide(name):
    """Every plain summary ends with the sentence that the tool supports and does not make the decision."""
    assert decide(*SCENARIOS[name]).summary.endswith("It does not make the decision.")


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_plain_summary_avoids_jargon(name):
    """No technical words (utility, posterior, HDI, futile, remission, percent signs) in the plain text."""
    text = decide(*SCENARIOS[name]).summary.lower()
    for word in ("utility", "posterior", "hdi", "futil", "remission", "probability", "%", "expected"):
        assert word not in text


def test_plain_summary_uses_natural_frequencies_with_a_range():
    """The seed example reads 'about 6 in 100 people like you' followed by a range 'between a and b in 100'."""
    d = decide(*SCENARIOS["seed, demo values"])
    r = d.table.set_index("option").loc["maoi"]
    assert f"about {round(100 * r.p_remission_mean)} in 100 people like you" in d.summary
    lo, hi = round(100 * r.p_remission_hdi_low), round(100 * r.p_remission_hdi_high)
    assert lo < hi and f"between {lo} and {hi} in 100" in d.summary


def test_plain_summary_says_why_a_statement_is_held_back():
    """With screening incomplete the plain text says no futility claim is made and why."""
    d = decide(*SCENARIOS["several options, screening incomplete"])
    assert "does not say that more treatment is of no use" in d.summary
    assert "Some checks for other causes" in d.summary


def test_plain_summary_never_claims_certainty():
    """Even with P(best) = 1 the plain text says 'not certain' and never 'certainly' or 'definitely'."""
    d = decide(*SCENARIOS["futility met"])
    assert "not certain" in d.summary
    assert "certainly" not in d.summary.lower() and "definitely" not in d.summary.lower()


def test_plain_summary_flags_default_values():
    """When defaults stand in for the patient's values the plain text says so."""
    assert "starting points, not yours" in decide(*SCENARIOS["seed, no values"]).summary
    given = decide(*SCENARIOS["seed, demo values"]).summary
    assert "starting points, not yours" not in given and "not yet confirmed these values" in given


def test_technical_summary_reports_policy_gates_and_sources():
    """The committee text names the threshold, its references, the gates holding back and default sources."""
    d = decide(SEED, None, GateContext(False, (), True, GUIDELINE))
    text = d.technical_summary
    assert "threshold 0.01" in text and "Schneiderman 1990" in text and "0.06" in text
    assert "held back by screening_incomplete" in text
    assert "Sapin" in text and "[default" in text
    assert "EVPI" in text and "HDI" in text
    assert text.rstrip().endswith("it does not make it.")


def test_summaries_are_in_the_contract():
    """to_dict() carries both summaries unchanged."""
    d = decide(*SCENARIOS["seed, demo values"])
    out = d.to_dict()
    assert out["summary"] == d.summary and out["technical_summary"] == d.technical_summary


@settings(max_examples=40, deadline=None)
@given(option_draw_sets(max_options=6), patient_values(), gate_contexts())
def test_plain_summary_reading_level_holds_for_any_case(options, values, context):
    """Whatever the draws, values and gates, the plain summary stays at or below grade 8 and ends the same way."""
    d = decide(options, values, context)
    assert flesch_kincaid_grade(d.summary) <= 8.0, d.summary
    assert d.summary.endswith("It does not make the decision.")
    assert "in 100" in d.summary or d.table["active"].sum() == 0


def test_short_labels_are_whole_noun_phrases():
    """Each option's short label (used mid-sentence) is a complete phrase, not a dangling article or adjective."""
    from futility.decision import guideline_table
    from futility.decision._policy import short_label

    for row in guideline_table():
        short = short_label(row["option"])
        assert "(" not in short and len(short) >= 3
        assert short.split()[-1] not in {"a", "an", "the", "older", "newer"}, short
