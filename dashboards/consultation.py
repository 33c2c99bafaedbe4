"""The consultation view: plain language, used with the patient present.

Sections: what this tool is (and is not), the treatment journey so far, what might happen with each
option (icon arrays of 100 people, benefits and side effects shown alike), what matters to the patient
(values on visual analogue scales, with a standard-gamble question as an aid), and how the options
compare under those values, palliative-focused care included, with the uncertainty shown.
"""
from __future__ import annotations

import html
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import panel as pn
import param
from panel.viewable import Viewer

from futility.dashboards.charts import (
    ComparisonChart,
    JourneyChart,
    comparison_rows,
    comparison_words,
    journey_rows,
    journey_words,
)
from futility.dashboards.elicitation import GAMBLE_STATES, gamble_question, standard_gamble_value
from futility.dashboards.horizon_views import horizon_cards_html
from futility.dashboards.icons import icon_array_img, legend_html
from futility.dashboards.palette import STYLESHEETS
from futility.dashboards.state import CaseSession
from futility.decision import option_experience
from futility.render.charts import icon_groups, score_rows, score_trajectory_svg
from futility.render.vocabulary import (
    DECISION_STATEMENT,
    burden_sentence,
    crisis_text,
    option_words,
    outcome_sentence,
    scores_words,
)

if TYPE_CHECKING:  # pragma: no cover
    from futility.contract import AssessmentOutput, ContraindicationRow, Decision, PrognosisRow, Summary

SUPPORT_STATEMENT = (
    "**This tool supports a conversation; it does not make the decision.** The decision is yours, made "
    "together with your care team. The numbers are estimates from published studies of people in a similar "
    "situation and from your own treatment history; they carry real uncertainty, shown as ranges."
)

#: Shown in place of the case's views while no valid case is loaded (a draft is being corrected).
NO_CASE = "**No valid case is loaded.** Correct the draft in *Case input*; nothing is shown here until it is valid."

#: Slider wording: the visual analogue scale for each value.
VALUE_QUESTIONS = {
    "remission": ("Feeling well again", "as bad as it could be", "best imaginable"),
    "response": ("Clearly better, but not fully well", "as bad as it could be", "best imaginable"),
    "no_response": ("Life as it is now, without real improvement", "as bad as it could be", "best imaginable"),
    "significant_burden": ("What significant side effects would take away", "everything", "nothing"),
    "palliative_focus": ("Care focused on comfort and quality of life, no new trials", "as bad as it could be", "best imaginable"),
}


def _interval(entry: "Summary | None") -> tuple[float, float] | None:
    if entry is None:
        return None
    return float(entry.hdi_low), float(entry.hdi_high)


def _experience_html(option: str) -> str:
    """The 'what it is like' paragraph of an option's card, with its source (IPDAS item 6)."""
    found = option_experience(option)
    if found is None:
        return ""
    text, source = found
    return (
        f'<p class="fu-experience"><b>What it is like:</b> {html.escape(text)} '
        f'<span class="fu-source">(Source: {html.escape(source)})</span></p>'
    )


def option_cards_html(prognosis: "Sequence[PrognosisRow]", cautions: "Sequence[ContraindicationRow] | None" = None) -> str:
    """One card per candidate option: 100 people for the outcome, 100 for side effects, with sentences.

    ``cautions`` (the contract's ``contraindications``) adds each option's cautions to its card.
    """
    notes: dict[str, list[str]] = {}
    for c in cautions or []:
        notes.setdefault(c.option, []).append(c.reason)
    cards = []
    ranked = sorted(prognosis, key=lambda e: -(e.p_remission.mean if e.p_remission is not None else -1.0))
    for row in ranked:
        option = row.option
        outcome, side = (None, None) if row.contraindicated else icon_groups(row.model_dump())
        if outcome is None:
            continue
        rem, bur = row.p_remission, row.p_burden
        name = option_words(option)
        words = outcome_sentence(option_words(option, capital=False), outcome, _interval(rem))
        known = row.burden_known
        note_block = (
            '<p class="fu-words">This would be a second course of ECT after one that did not work. No study we '
            "hold reports how often a second course works, so this figure may be too high.</p>"
            if row.evidence_note and option == "ect"
            else (f'<p class="fu-words">Note: {html.escape(row.evidence_note)}</p>' if row.evidence_note else "")
        )
        side_block = (
            '<p class="fu-words">Side effects: not known. No study we hold reports how often this option\'s '
            "side effects got in the way of daily life.</p>"
            if not known
            else ""
        )
        if side is not None:
            side_words = burden_sentence(option_words(option, capital=False), side, _interval(bur))
            side_block = (
                f'<figure class="fu-array"><figcaption>Side effects</figcaption>'
                f'{icon_array_img(side, side_words, uid=option + "-b", size=15)}{legend_html(side)}'
                f'<p class="fu-words">{html.escape(side_words)}</p></figure>'
            )
        cards.append(
            f'<section class="fu-card" aria-label="{html.escape(name)}" data-option="{html.escape(option)}">'
            f"<h3>{html.escape(name)}</h3><div class='fu-arrays'>"
            f'<figure class="fu-array"><figcaption>How people feel after it</figcaption>'
            f'{icon_array_img(outcome, words, uid=option + "-o", size=15)}{legend_html(outcome)}'
            f'<p class="fu-words">{html.escape(words)}</p></figure>{side_block}{note_block}</div>'
            + _experience_html(option)
            + "".join(f'<p class="fu-caution"><b>Take care:</b> {html.escape(n)}</p>' for n in notes.get(option, []))
            + "</section>"
        )
    cards.append(
        '<section class="fu-card fu-palliative" aria-label="Care focused on quality of life" data-option="palliative_focus">'
        f"<h3>{html.escape(option_words('palliative_focus'))}</h3>"
        "<p>No new antidepressant trial for now. Care continues and aims at quality of life, comfort, function and "
        "relationships: support, treatment of symptoms such as sleep or pain, psychotherapy for coping, and "
        "regular review. It is not giving up on the person, and it can be revisited at any time "
        "(Trachsel et al., BMC Psychiatry 2016;16:260). Its value depends on how you rate it below.</p></section>"
    )
    contraindicated = [e for e in prognosis if e.contraindicated]
    if contraindicated:
        items = "".join(
            f"<li>{html.escape(option_words(e.option))}: {html.escape(str(e.contraindicated))}</li>" for e in contraindicated
        )
        cards.append(f'<section class="fu-card"><h3>Options not suitable now</h3><ul>{items}</ul></section>')
    return f'<div class="fu-cards">{"".join(cards)}</div>'


def decision_words(decision: "Decision") -> str:
    """The decision's own plain-language summary, with the note on values that are defaults."""
    text = decision.summary
    defaults = [n.replace("_", " ") for n, u in decision.utilities if u.source == "default"]
    if defaults:
        text += (
            "\n\n*Some values are not yet yours but published averages: " + ", ".join(defaults) + ". Move a slider to give your own.*"
        )
    return text


def provenance_words(output: "AssessmentOutput") -> str:
    """Which version of the tool and model produced these numbers, and where the sources are."""
    model = output.model
    return (
        f"futility {output.package_version}, prognostic model {model.version} "
        f"(posterior {model.posterior_file_hash[:12]}, {model.n_draws} draws). "
        "Every number's published source is listed in the committee view and the case report; how the numbers "
        "were chosen is in docs/model.md and docs/decision.md. The estimates describe groups of people, not a "
        "certainty for one person."
    )


class ValuesPanel(Viewer):
    """The patient's values: one visual analogue scale per outcome, and the standard-gamble aid."""

    session = param.ClassSelector(class_=CaseSession)

    def __init__(self, **params: Any):
        super().__init__(**params)
        s = self.session
        self.sliders = {}
        rows = []
        for name, (question, low, high) in VALUE_QUESTIONS.items():
            bounds = s.param[name].bounds
            slider = pn.widgets.FloatSlider.from_param(
                s.param[name], label=question, step=0.01, start=bounds[0], end=bounds[1], sizing_mode="stretch_width",
                css_classes=[f"fu-slider-{name}"],
            )
            self.sliders[name] = slider
            anchors = pn.pane.HTML(
                f'<div class="fu-anchors" aria-hidden="true"><span>{low}</span><span>{high}</span></div>',
                sizing_mode="stretch_width", margin=(0, 10), stylesheets=STYLESHEETS,
            )
            rows.append(pn.Column(slider, anchors, sizing_mode="stretch_width", margin=(0, 0, 8, 0)))
        self.gamble_state = pn.widgets.Select(
            label="Which situation do you want to rate with a question?",
            options={v.capitalize(): k for k, v in GAMBLE_STATES.items()}, value="palliative_focus",
        )
        self.gamble_chance = pn.widgets.IntSlider(label="Chance of feeling well again in choice B (in 100)", start=0, end=100, step=1, value=50)
        self.gamble_use = pn.widgets.Button(label="Use my answer", color="primary")
        self.gamble_use.on_click(self._use_gamble)
        def ask(state: str, chance: int) -> pn.pane.Markdown:
            return pn.pane.Markdown(gamble_question(state, chance))

        asked: Any = pn.bind(ask, self.gamble_state, self.gamble_chance)
        self.gamble = pn.Card(
            self.gamble_state, asked, self.gamble_chance, self.gamble_use,
            title="Not sure what number to give? Try a question instead", collapsed=True, sizing_mode="stretch_width",
        )
        reset = pn.widgets.Button(label="Back to the values in the case file", color="light")
        reset.on_click(lambda _e: s.reset_values())
        self._layout = pn.Column(
            pn.pane.Markdown("## What matters to you\nHow good would each of these be for you? Each slider goes from "
                             "the worst to the best you can imagine. The comparison changes as you move them."),
            *rows, self.gamble, reset, sizing_mode="stretch_width",
        )

    def _use_gamble(self, _event: Any) -> None:
        value = standard_gamble_value((self.gamble_chance.value or 0) / 100.0, best_value=self.session.remission)
        self.session.set_values(**{self.gamble_state.value: round(value, 2)})

    def __panel__(self) -> pn.viewable.Viewable:
        return self._layout


class ConsultationView(Viewer):
    """The plain-language view for the consultation."""

    session = param.ClassSelector(class_=CaseSession)

    def __init__(self, **params: Any):
        super().__init__(**params)
        s = self.session
        self.journey = JourneyChart()
        self.journey_text = pn.pane.Markdown(sizing_mode="stretch_width", css_classes=["fu-alt"])
        self.scores = pn.pane.HTML(sizing_mode="stretch_width", stylesheets=STYLESHEETS)
        self.scores_text = pn.pane.Markdown(sizing_mode="stretch_width", css_classes=["fu-alt"])
        self.cards = pn.pane.HTML(sizing_mode="stretch_width", stylesheets=STYLESHEETS)
        self.horizon = pn.pane.HTML(sizing_mode="stretch_width", stylesheets=STYLESHEETS, css_classes=["fu-horizon"])
        self.comparison = ComparisonChart()
        self.comparison_text = pn.pane.Markdown(sizing_mode="stretch_width", css_classes=["fu-alt", "fu-comparison-words"])
        self.summary = pn.pane.Markdown(sizing_mode="stretch_width", css_classes=["fu-summary"])
        self.values = ValuesPanel(session=s)
        self.footer = pn.pane.Markdown(sizing_mode="stretch_width", css_classes=["fu-footer"], styles={"font-size": "0.85rem", "color": "#444"})
        # Every case change (``revision``) redraws everything, even when the assessment is unchanged.
        s.param.watch(self._on_case, ["revision"])
        s.param.watch(self._on_decision, ["decision"])
        self._on_case()
        self._layout = pn.Column(
            pn.pane.Markdown(f"**{DECISION_STATEMENT}**", sizing_mode="stretch_width", css_classes=["fu-decision-statement"],
                             styles={"font-size": "1.1rem"}),
            pn.pane.Alert(SUPPORT_STATEMENT, alert_type="info", sizing_mode="stretch_width", css_classes=["fu-support"]),
            pn.pane.Alert("**If you need help now.** " + crisis_text(), alert_type="warning", sizing_mode="stretch_width",
                          css_classes=["fu-crisis"]),
            pn.pane.Markdown("## Your treatment journey so far", margin=(10, 10, 0, 10)),
            pn.pane.Bokeh(self.journey.figure, sizing_mode="stretch_width"),
            self.journey_text,
            pn.pane.Markdown("### Your recent ratings", margin=(0, 10)),
            self.scores,
            self.scores_text,
            pn.Row(
                pn.Column(self.values, width=460),
                pn.Column(
                    pn.pane.Markdown("## How the options compare for you"),
                    pn.pane.Bokeh(self.comparison.figure, sizing_mode="stretch_width"),
                    self.comparison_text,
                    self.summary,
                    sizing_mode="stretch_width",
                ),
                sizing_mode="stretch_width",
            ),
            pn.pane.Markdown("## What might happen with each option\nEach picture shows 100 people like you: people with "
                             "depression that has not lifted after treatments like yours. Filled figures had the outcome; "
                             "outlined figures did not. The chances are for the end of one full course of the option, "
                             "as in the studies they come from."),
            self.cards,
            pn.pane.Markdown("## Over the next 1, 2 and 5 years"),
            self.horizon,
            self.footer,
            sizing_mode="stretch_width",
        )

    def _on_case(self, *_events: Any) -> None:
        self._on_report()
        self._on_decision()

    def _on_report(self, *_events: Any) -> None:
        s = self.session
        if s.output is None or s.case is None:
            self.journey.update([])
            self.journey_text.object = NO_CASE
            self.scores.object = ""
            self.scores_text.object = ""
            self.cards.object = ""
            self.horizon.object = ""
            self.footer.object = ""
            return
        from futility.clinical.scales import scale_table

        output = s.output
        rows = journey_rows(s.case.trials, output.trials, scale_table())
        self.journey.update(rows)
        self.journey_text.object = "**The journey in words.** " + html.escape(journey_words(rows))
        measurement = output.measurement
        scale_name = measurement.scale if measurement is not None else None
        scores = [sc.model_dump(mode="json") for sc in s.case.scores]
        dated = score_rows(scores, scale_name)
        words = scores_words(dated, measurement.model_dump() if measurement is not None else None)
        self.scores.object = score_trajectory_svg(dated, scale_table().get(scale_name) if scale_name else None, words,
                                                  responsive=True,
                                                  response_line=measurement.response_line if measurement is not None else None)
        self.scores_text.object = "**Your ratings in words.** " + html.escape(words)
        self.cards.object = option_cards_html(output.prognosis, output.contraindications)
        # the chances over time do not depend on the values: drawn once per case, not on every slider move
        self.horizon.object = horizon_cards_html(output.horizon)
        self.footer.object = provenance_words(output)

    def _on_decision(self, *_events: Any) -> None:
        decision = self.session.decision
        if decision is None:
            self.comparison.update([])
            self.comparison_text.object = ""
            self.summary.object = ""
            return
        rows = comparison_rows(decision)
        self.comparison.update(rows)
        self.comparison_text.object = "**The comparison in words.** " + html.escape(comparison_words(rows))
        self.summary.object = html.escape(decision_words(decision), quote=False)

    def __panel__(self) -> pn.viewable.Viewable:
        return self._layout
