"""The consultation's fixed texts read at about age 12 (Flesch-Kincaid grade <= 8), like the decision's summary.

The grade is the rough formula of tests/test_decision_text.py (syllables from vowel groups). Measured here: the
decision statement, the support and crisis texts, the screen explanations, the five questions, the next steps
and the questions to ask; docs/ipdas.md ("readability level reported").
"""
from __future__ import annotations

import pytest

from futility.dashboards.consultation import NEXT_STEPS, NOT_CONFIRMED, QUESTIONS_TO_ASK, SUPPORT_STATEMENT
from futility.render.consultation import SCREEN_WORDS, VALUE_QUESTIONS
from futility.render.vocabulary import DECISION_STATEMENT, DEFAULT_CRISIS_TEXT
from tests.test_decision_text import flesch_kincaid_grade

TEXTS = {
    "decision statement": DECISION_STATEMENT,
    "support statement": SUPPORT_STATEMENT.replace("*", ""),
    "crisis text": DEFAULT_CRISIS_TEXT,
    "comparison waits": NOT_CONFIRMED.replace("*", ""),
    "next steps": " ".join(NEXT_STEPS),
    "questions to ask": " ".join(QUESTIONS_TO_ASK),
    "five questions": " ".join(q.question for q in VALUE_QUESTIONS),
    **{f"screen {k}": v for k, v in SCREEN_WORDS.items()},
}


@pytest.mark.parametrize("name", sorted(TEXTS))
def test_patient_facing_text_reads_at_about_age_12(name):
    grade = flesch_kincaid_grade(TEXTS[name])
    print(f"{name}: grade {grade:.1f}")
    assert grade <= 8.0, (name, round(grade, 1), TEXTS[name])
