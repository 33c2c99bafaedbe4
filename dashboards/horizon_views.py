"""Plans over time in the dashboard: plain-language icon arrays for the consultation, curves, the plan table
and the assumptions for the committee.

Everything is read from the typed contract (:class:`futility.contract.Horizon`, under the current values);
the pictures and sentences are the report's (:mod:`futility.render.charts`, :mod:`futility.render.vocabulary`).
Nothing here computes a chance.
"""
from __future__ import annotations

import html
from typing import TYPE_CHECKING

from futility.dashboards.icons import icon_array_img, legend_html
from futility.render.charts import horizon_curves_svg, horizon_pictures
from futility.render.vocabulary import period_words, plan_name

if TYPE_CHECKING:  # pragma: no cover
    from futility.contract import Horizon, Summary

#: The months the consultation pictures: 1, 2 and 5 years.
CONSULTATION_MONTHS = (12, 24, 60)

#: Said above the consultation's pictures, in plain words.
HORIZON_INTRO = (
    "Each row follows one plan over the coming years: 100 people like you, and how many would be well "
    "(in remission) at least once, and how many would be well at that point. Every plan ends in care focused on "
    "comfort and quality of life once its treatments are used up."
)


def _pct(s: "Summary") -> str:
    return f"{100 * s.mean:.0f}% ({100 * s.hdi_low:.0f}-{100 * s.hdi_high:.0f})"


def horizon_cards_html(horizon: "Horizon | None") -> str:
    """One card per plan with an icon array for 1, 2 and 5 years and a sentence under each."""
    if horizon is None:
        return "<p>Plans over time were not computed for this case.</p>"
    comfort = horizon.assumptions.comfort_remission_monthly
    cards = []
    for plan in horizon.plans:
        figures = []
        for month, _outcome, groups, words in horizon_pictures(plan, CONSULTATION_MONTHS):
            figures.append(
                f'<figure class="fu-array"><figcaption>In {html.escape(period_words(month))}</figcaption>'
                f'{icon_array_img(groups, words, uid=f"{plan.plan}-{month}", size=11)}{legend_html(groups)}'
                f'<p class="fu-words">{html.escape(words)}</p></figure>'
            )
        name = plan_name(plan)
        cards.append(
            f'<section class="fu-card fu-plan" aria-label="{html.escape(name)}" data-plan="{html.escape(plan.plan)}">'
            f"<h3>{html.escape(name[:1].upper() + name[1:])}</h3><p class='fu-words'>{html.escape(plan.label)}</p>"
            f"<div class='fu-arrays'>{''.join(figures)}</div></section>"
        )
    caveat = (
        f"No study reports how often people get well under care focused on comfort: the pictures assume between "
        f"{100 * comfort.low:.1f} and {100 * comfort.high:.1f} in 100 a month, no more than under continued treatment."
    )
    return (f'<p class="fu-words">{html.escape(HORIZON_INTRO)}</p><div class="fu-cards">{"".join(cards)}</div>'
            f'<p class="fu-words fu-assumption">{html.escape(caveat)}</p>')


def plans_table_html(horizon: "Horizon | None") -> str:
    """The committee's plan table: per plan the chances by month, time in remission and on burden, QALYs, P(best)."""
    if horizon is None:
        return "<p>Plans over time were not computed for this case.</p>"
    months = horizon.months
    head = ["plan", *[f"ever remitted by {m} mo" for m in months], *[f"in remission at {m} mo" for m in months],
            f"months in remission ({months[-1]} mo)", f"months on a burdensome course ({months[-1]} mo)",
            f"QALYs ({months[-1]} mo)", "P(best plan)"]
    rows = []
    for plan in horizon.plans:
        last = plan.outcomes[-1]
        cells = [plan.label, *[_pct(o.p_ever_remitted) for o in plan.outcomes], *[_pct(o.p_in_remission) for o in plan.outcomes],
                 f"{last.months_in_remission.mean:.1f}", f"{last.months_on_burden.mean:.1f}",
                 f"{last.qalys.mean:.2f} ({last.qalys.hdi_low:.2f}-{last.qalys.hdi_high:.2f})", f"{plan.p_best:.2f}"]
        rows.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
    header = "".join(f'<th scope="col">{html.escape(h)}</th>' for h in head)
    return (f'<table class="fu-table"><caption>Plans over {months[-1]} months (mean and credible interval; strict '
            f'remission; QALYs under the utilities in use)</caption><thead><tr>{header}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>')


def horizon_curves_html(horizon: "Horizon | None") -> str:
    """The two curves: remitted at least once, and in remission, by month, a band per plan."""
    if horizon is None:
        return ""
    plans = horizon.plans
    return (horizon_curves_svg(plans, "p_ever_remitted", "Chance of having been in remission at least once")
            + horizon_curves_svg(plans, "p_in_remission", "Chance of being in remission at that month"))


def horizon_judgements_html(horizon: "Horizon | None") -> str:
    """Futility on the horizon, the sensitivity to the comfort-care assumption, the assumptions and notes, verbatim."""
    if horizon is None:
        return ""
    qf, ql, a = horizon.quantitative_futility, horizon.qualitative_futility, horizon.assumptions
    items = [
        f"Quantitative futility within {qf.month} months under usual care: {'MET' if qf.met else 'not met'}. {qf.reason}",
        f"Qualitative futility over {horizon.months[-1]} months: {'MET' if ql.met else 'not met'}. {ql.reason}",
        f"Expected value of perfect information over plans: {horizon.evpi:.3f} QALYs.",
    ]
    if horizon.sensitivity is not None:
        s = horizon.sensitivity
        where = "it does not reach zero in the range" if s.threshold_monthly is None else f"zero at {100 * s.threshold_monthly:.1f}% a month"
        items.append(f"Sensitivity to the comfort-care remission assumption: margin {s.low_tenth.margin:+.2f} QALYs at "
                     f"{100 * s.low_tenth.monthly:.1f}% a month, {s.high_tenth.margin:+.2f} at {100 * s.high_tenth.monthly:.1f}%; {where}.")
    c = a.comfort_remission_monthly
    items.append(f"Assumption (no published figure): remission under comfort-focused care {100 * c.low:.1f}-{100 * c.high:.1f}% "
                 f"a month, {'the default' if c.default else 'set for this assessment'}; {c.basis}.")
    items.append(f"Cycle {a.cycle_weeks} weeks; {a.draws} posterior draws; discount rate {a.discount_rate:g} per year; "
                 + ("deaths not counted." if a.monthly_mortality is None else f"background mortality {a.monthly_mortality:g} a month."))
    items += list(horizon.notes)
    return "<ul class='fu-horizon-notes'>" + "".join(f"<li>{html.escape(i)}</li>" for i in items) + "</ul>"
