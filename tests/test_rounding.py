"""The one rounding rule: a sentence's count is the picture's count (futility/rounding.py)."""
from __future__ import annotations

import hypothesis.strategies as st
from hypothesis import given

from futility.decision._text import about
from futility.render.charts import outcome_groups
from futility.render.vocabulary import outcome_sentence
from futility.rounding import people_out_of_100, per_100


def test_halves_round_up_and_the_ends_are_clipped():
    """0.125 is 13 people, 0.005 is 1; below 0 and above 1 are clipped."""
    assert [per_100(p) for p in (0.125, 0.135, 0.005, 0.0049, -0.2, 1.3)] == [13, 14, 1, 0, 0, 100]


@given(st.lists(st.floats(0, 1), min_size=2, max_size=4))
def test_running_totals_are_the_rounded_running_shares(shares):
    """Every running total of the groups is per_100 of the running share (when the shares fit in 1)."""
    if sum(shares) > 1:  # scaled down: the running totals are of the scaled shares
        return
    counts = people_out_of_100(shares)
    assert sum(counts) == 100 and min(counts) >= 0
    running = 0.0
    for i, share in enumerate(shares[:-1]):
        running += share
        assert sum(counts[: i + 1]) == per_100(running)


@given(st.floats(0, 1), st.floats(0, 1))
def test_the_summary_the_sentence_and_the_picture_give_one_count(a, b):
    """The decision's 'about N in 100' and the card's sentence and icon array agree on remission."""
    rem, resp = min(a, b), max(a, b)
    groups = outcome_groups(rem, resp)
    count = groups[0].count
    sentence = outcome_sentence("it", groups, None)
    assert f"about {count} feel well again" in sentence
    text = about(rem)
    if 1 <= count <= 99:
        assert text == f"about {count} in 100"
    assert sum(g.count for g in groups[:2]) == per_100(resp)
