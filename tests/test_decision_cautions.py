"""Options under caution stay in the comparison but are named in the output and the plain summary."""
from __future__ import annotations

import numpy as np

from futility.decision import GateContext, decide
from futility.prognosis.draws import OptionDraws


def _draws(option: str, remission: float, n: int = 400) -> OptionDraws:
    rng = np.random.default_rng(7)
    rem = np.clip(rng.normal(remission, 0.02, n), 0.001, 0.99)
    return OptionDraws(option, rem, np.minimum(rem + 0.1, 1.0), np.full(n, 0.2))


def test_caution_on_preferred_option_is_said_in_plain_words():
    """A caution on the preferred option adds a 'check that it is safe' sentence and a per-option note."""
    options = {"esketamine": _draws("esketamine", 0.4), "ssri": _draws("ssri", 0.05)}
    context = GateContext(screening_complete=True, meets_trd=True, cautions={"esketamine": "uncontrolled hypertension"})
    decision = decide(options, None, context)
    assert decision.preferred == "esketamine"
    assert "must first check that" in decision.summary
    rows = {o["option"]: o for o in decision.to_dict()["options"]}
    assert rows["esketamine"]["caution"] == "uncontrolled hypertension"
    assert rows["ssri"]["caution"] is None
    assert "Cautions" in decision.technical_summary


def test_no_caution_no_sentence():
    """Without cautions the plain summary says nothing about safety checks."""
    options = {"esketamine": _draws("esketamine", 0.4)}
    decision = decide(options, None, GateContext(screening_complete=True, meets_trd=True))
    assert "must first check" not in decision.summary
    assert decision.cautions == {}
