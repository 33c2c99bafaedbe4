"""The two summaries: plain language for the patient (reading age about 12) and technical for committees.

Plain text rules: short sentences and everyday words; natural frequencies ("about 6 in 100 people like
you") always with their range; certainty never overstated; always ends by saying the tool supports and
does not make the decision. Both summaries only read the decision's own numbers.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from futility.decision._policy import PALLIATIVE, plain_label, short_label
from futility.rounding import per_100

if TYPE_CHECKING:  # pragma: no cover
    from futility.decision._decide import Decision

CLOSING = "This page is here to help you and your care team think and talk. It does not make the decision."

_GATE_WORDS = {
    "screening_incomplete": "some checks for other causes of the low mood are not done yet",
    "screening_positive": "a check found something that should be treated first",
    "not_trd": "the depression does not yet count as hard to treat",
    "guideline_options_untried": "some standard treatments have not been tried yet",
    "patient_values_missing": "your own answers about what matters to you are not all given and confirmed yet",
}


def _gate_words(gate) -> str:
    words = _GATE_WORDS.get(gate.gate, gate.gate.replace("_", " "))
    if gate.gate == "guideline_options_untried" and gate.items:
        names = [short_label(o) for o in gate.items[:3]]
        words += ", such as " + (" and ".join(names) if len(names) < 3 else f"{names[0]}, {names[1]} and {names[2]}")
    return words


def in_100(p: float) -> str:
    """A probability as a natural frequency: '6 in 100', 'fewer than 1 in 100', '99 in 100'."""
    n = per_100(p)
    if n < 1:
        return "fewer than 1 in 100"
    if n >= 100:
        return "more than 99 in 100"  # certainty is capped in words: never "100 in 100"
    return f"{n} in 100"


def about(p: float) -> str:
    """'about 6 in 100', or 'fewer than 1 in 100' (never 'about fewer than')."""
    text = in_100(p)
    return text if text.startswith(("fewer", "more")) else f"about {text}"


def _range(lo: float, hi: float) -> str:
    a, b = per_100(lo), per_100(hi)
    if a == b:
        text = in_100(lo)
        return text if text.startswith(("fewer", "more")) else f"close to {text}"
    if a < 1:
        return f"between fewer than 1 and {b} in 100"
    return f"between {a} and {b} in 100"


def _sure(p: float) -> str:
    if p >= 0.95:
        return "We are fairly sure of this, but not certain."
    if p >= 0.75:
        return "This is likely, but not certain."
    return "This is a close call: it could easily go the other way."


def plain_summary(d: "Decision") -> str:
    """Text for the patient and family."""
    rows = d.rows
    active = [r for r in rows.values() if r["active"]]
    out = ["This page compares the choices, using what is known about people like you."]
    focus = d.focus_option
    if focus is not None:
        r = rows[focus]
        out.append(
            f"If you try {plain_label(focus)}, {about(r['p_remission_mean'])} people like you get well, with few or no signs of depression left. "
            f"The true number could be {_range(r['p_remission_hdi_low'], r['p_remission_hdi_high'])}."
        )
        out.append(
            f"{about(r['p_burden_mean']).capitalize()} have side effects that get in the way of daily life "
            f"({_range(r['p_burden_hdi_low'], r['p_burden_hdi_high'])})."
        )
    elif not active:
        out.append("No other treatment is left that is safe to try.")
    best = d.preferred
    if best != PALLIATIVE and best != focus:
        r = rows[best]
        out.append(
            f"If you try {plain_label(best)}, {about(r['p_remission_mean'])} get well "
            f"({_range(r['p_remission_hdi_low'], r['p_remission_hdi_high'])}), and "
            f"{about(r['p_burden_mean'])} have side effects that get in the way."
        )
    checks = [o for o in dict.fromkeys((focus, best)) if o in d.cautions]
    for option in checks:
        out.append(
            f"Because of another health problem you have, your care team must first check that "
            f"{short_label(option)} is safe for you."
        )
    what = "care that puts comfort and quality of life first" if best == PALLIATIVE else short_label(best)
    basis = "what matters to you" if d.utilities.confirmed else "the values we used"
    out.append(f"Based on {basis}, {what} comes out ahead.")
    out.append(_sure(rows[best]["p_best"]))
    if d.utilities.defaults_used():
        out.append("Some of the values we used are starting points, not yours. Your own values may change this.")
    elif not d.utilities.confirmed:
        out.append("You have not yet confirmed these values as your answers.")
    held = [g for g in d.gates if not g.passed]
    if d.quantitative_futility.met:
        out.append(f"If you try {short_label(focus) if focus else 'more treatment'}, very few people like you are likely to get well.")
    if d.qualitative_futility.met:
        out.append("Based on what matters to you, no treatment is likely to do better than care that puts comfort first.")
    if held:
        out.append("This page does not say that more treatment is of no use. Here is why.")
        out.extend(_gate_words(g)[0].upper() + _gate_words(g)[1:] + "." for g in held)
    elif not (d.quantitative_futility.met or d.qualitative_futility.met):
        out.append("The numbers do not show that more treatment is of no use.")
    thr = d.sensitivity.threshold.get("remission")
    if thr and thr["p_remission_threshold"] is not None:
        now, tie = thr["p_remission_now"], thr["p_remission_threshold"]
        verb = "would come out ahead" if not thr["preferred_now"] else "would no longer come out ahead"
        more = tie > now
        if per_100(now) == per_100(tie):
            where = f"a few {'more' if more else 'fewer'} people than we think"
        else:
            where = f"{'more' if more else 'fewer'} than {in_100(tie)} people"
        out.append(f"If {short_label(thr['option'])} helped {where}, it {verb}.")
    out.append(CLOSING)
    return " ".join(out)


def _fmt(x: float | None, nd: int = 3) -> str:
    return "n/a" if x is None or x != x else f"{x:.{nd}f}"


def technical_summary(d: "Decision") -> str:
    """Text for clinicians and ethics committees: every number with its interval, source and policy."""
    p = d.policy
    lines = [
        f"Decision analysis: expected utility (EU) over {d.n_draws} aligned posterior draws; "
        f"{p.hdi_prob:.0%} highest-density intervals (HDI). Preferred by posterior mean EU: {d.preferred}.",
        "Utilities: "
        + "; ".join(
            f"{n} {u.value:.2f} [{u.source}{': ' + u.short_citation if u.source == 'default' else ''}]"
            for n, u in ((n, getattr(d.utilities, n)) for n in ("remission", "response", "no_response", "significant_burden", "palliative_focus"))
        )
        + ".",
        "Options (by mean EU):",
    ]
    for r in sorted(d.rows.values(), key=lambda r: -r["eu_mean"]):
        extra = (
            f"; P(remission) {_fmt(r['p_remission_mean'])} [{_fmt(r['p_remission_hdi_low'])}, {_fmt(r['p_remission_hdi_high'])}]"
            f"; P(burden) {_fmt(r['p_burden_mean'])}"
            if r["active"]
            else " (deterministic: the patient's valuation)" if d.utilities.palliative_focus.source == "patient"
            else " (deterministic default, no published value)"
        )
        lines.append(
            f"  {r['option']}: EU {r['eu_mean']:.3f} [{r['eu_hdi_low']:.3f}, {r['eu_hdi_high']:.3f}], P(best) {r['p_best']:.3f}, "
            f"expected loss {r['expected_loss']:.4f}{extra}"
        )
    q, ql = d.quantitative_futility, d.qualitative_futility
    lines.append(
        f"Quantitative futility (threshold {q.threshold:g}; reference points Schneiderman 1990 0.01, seed example 0.06; "
        f"required certainty {q.certainty:g}; option {q.option}): P = {_fmt(q.probability)}; "
        + ("MET" if q.met else "not met")
        + (f" (held back by {', '.join(q.held_back_by)})" if q.held_back_by else "")
        + "."
    )
    lines.append(
        f"Qualitative futility (required certainty {ql.certainty:g}): P(no active option beats palliative-focused care) = "
        f"{_fmt(ql.probability)}; "
        + ("MET" if ql.met else "not met")
        + (f" (held back by {', '.join(ql.held_back_by)})" if ql.held_back_by else "")
        + f". {ql.reason}"
    )
    if d.cautions:
        lines.append("Cautions (compared, but to be checked before use): " + "; ".join(f"{o}: {r}" for o, r in d.cautions.items()) + ".")
    lines.append("Gates: " + "; ".join(f"{g.gate} {'passed' if g.passed else 'HOLDS'} ({g.reason})" for g in d.gates) + ".")
    thr = d.sensitivity.threshold
    if thr.get("remission"):
        r = thr["remission"]
        lines.append(
            f"Threshold analysis: {r['option']} vs {r['compared_with']}: remission threshold "
            f"{_fmt(r['p_remission_threshold'])} (now {_fmt(r['p_remission_now'])}); palliative utility threshold "
            f"{_fmt(thr['palliative_utility']['threshold'])} (now {_fmt(thr['palliative_utility']['value_now'])})."
        )
    if d.sensitivity.tornado_rows:
        top = d.sensitivity.tornado_rows[:3]
        lines.append(
            f"One-way (+/-{p.tornado_span:g}), widest swing in margin (best active minus palliative EU): "
            + "; ".join(f"{r['utility']} {r['margin_low']:+.3f} to {r['margin_high']:+.3f}" for r in top)
            + "."
        )
    v = d.sensitivity.evpi
    lines.append(f"EVPI {v['total']:.4f}; EVPPI (remission chances) {v['remission']:.4f} ({v['units']}).")
    lines.append(
        "Assumptions: burden independent of the efficacy outcome within a draw; partial response counted as no "
        "response; palliative-focus utility deterministic; a one-step comparison of the state after the next "
        "option, without time horizon or discounting."
    )
    for w in d.warnings:
        lines.append(f"Note: {w}.")
    lines.append("This analysis supports the decision of the patient and the clinical team; it does not make it.")
    return "\n".join(lines)
