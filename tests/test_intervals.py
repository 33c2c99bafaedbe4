"""One HDI implementation at one interval mass: prognosis and decision agree (issue 12)."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from futility.prognosis.intervals import hdi, hdi_rows


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-5, 5, allow_nan=False), min_size=2, max_size=200), st.floats(0.05, 0.99))
def test_hdi_is_the_narrowest_interval_holding_the_mass(values, prob):
    """Brute force over every window of the sorted draws: no narrower window holds as many draws."""
    x = np.sort(np.array(values))
    low, high = hdi(x, prob)
    width = int(np.floor(prob * x.size))
    if width < 1 or width >= x.size:
        assert (low, high) == (x[0], x[-1])
        return
    spans = [x[i + width] - x[i] for i in range(x.size - width)]
    assert high - low == pytest.approx(min(spans))
    assert np.sum((x >= low) & (x <= high)) >= width


def test_rows_and_single_arrays_agree():
    rng = np.random.default_rng(3)
    draws = rng.beta(2, 5, size=(4, 1000))
    lows, highs = hdi_rows(draws, 0.8)
    for r in range(4):
        assert (lows[r], highs[r]) == hdi(draws[r], 0.8)


def test_prognosis_and_decision_report_the_same_interval_at_any_policy_mass():
    """With Policy(hdi_prob=0.5) the JSON once showed ECT remission 0.063-0.212 under prognosis[] and
    0.099-0.151 under decision.options[]: both now use the policy's mass and one implementation."""
    from pathlib import Path

    from futility.assessment import assess
    from futility.case import load_case
    from futility.decision import Policy

    case = load_case(Path(__file__).resolve().parents[1] / "futility" / "data" / "demo-case.yaml")
    out = assess(case, policy=Policy(hdi_prob=0.5)).to_dict()
    prog = {p["option"]: p["p_remission"] for p in out["prognosis"] if p["p_remission"]}
    checked = 0
    for opt in out["decision"]["options"]:
        if opt["option"] in prog and opt.get("p_remission"):
            a, b = prog[opt["option"]], opt["p_remission"]
            assert (a["hdi_low"], a["hdi_high"]) == pytest.approx((b["hdi_low"], b["hdi_high"]), abs=1e-9)
            checked += 1
    assert checked >= 5
    wide = assess(case).to_dict()["prognosis"][0]["p_remission"]
    narrow = out["prognosis"][0]["p_remission"]
    assert narrow["hdi_high"] - narrow["hdi_low"] < wide["hdi_high"] - wide["hdi_low"]
