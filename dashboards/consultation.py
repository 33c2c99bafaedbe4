"""The consultation view: plain language, used with the patient present.

In the order of the International Patient Decision Aid Standards (docs/ipdas.md): the decision in plain words,
where things stand (the treatment journey, the ratings, what the checks found), the options (a shortlist the
clinician chooses, care focused on comfort as an equal card, the rest behind "show all"), what matters to you
(five questions on one 0-10 scale, confirmed by the patient), how the options compare (only once the answers
are confirmed, in two or three sentences), the years ahead, and next steps with questions to take away.

Which options, in which order, and how uncertainty is worded come from :mod:`futility.render.consultation`;
every chance is the contract's. Nothing here computes a clinical figure.
"""
from __future__ import annotations

import html
import io
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import panel as pn
import param
from panel.viewable import Viewer

from futility.dashboards.charts import ComparisonChart, JourneyChart, comparison_rows, journey_rows, journey_words
from futility.dashboards.elicitation import GAMBLE_STATES, gamble_question, standard_gamble_value
from futility.dashboards.horizon_views import horizon_cards_html
from futility.dashboards.icons import icon_array_img, legend_html
from futility.dashboards.palette import STYLESHEETS
from futility.dashboards.state import VALUE_NAMES, CaseSession
from futility.decision import option_experience
from futility.decision._utilities import hopelessness_signal
from futility.render.charts import horizon_icon_groups, icon_groups, score_rows, score_trajectory_svg
from futility.render.consultation import (
    COMFORT,
    SETTER_WORDS,
    VALUE_QUESTIONS,
    by_remission,
    comfort_not_compared,
    comfort_year,
    comparison_brief,
    default_shortlist,
    from_scale,
    option_order,
    screen_words,
    side_effect_band_words,
    to_scale,
    tried_by_option,
    tried_words,
    well_known,
)
from futility.render.vocabulary import (
    DECISION_STATEMENT,
    burden_sentence,
    crisis_text,
    option_words,
    outcome_sentence,
    scores_words,
)
from futility.rounding import per_100

if TYPE_CHECKING:  # pragma: no cover
    from futility.contract import AssessmentOutput, ContraindicationRow, Decision, Horizon, PrognosisRow, Summary, TrialRow

SUPPORT_STATEMENT = (
    "**This tool helps you talk things through. It does not make the decision.** You make the decision, together "
    "with your care team. The numbers are estimates. They come from studies of people in a similar situation and "
    "from your own treatment history. They are uncertain, and the ranges show how much."
)

#: Shown in place of the case's views while no valid case is loaded (a draft is being corrected).
NO_CASE = "**No valid case is loaded.** Correct the draft in *Case input*; nothing is shown here until it is valid."

#: Shown where the comparison will be, until the patient has answered and confirmed the five questions.
NOT_CONFIRMED = (
    "**The comparison appears here once you have answered the five questions above and pressed "
    "\"These are my answers\".** Until then nothing is weighed for you."
)

#: Who is answering, as the selector offers it: the committee's words (futility.case.ValueSetter), capitalised.
ANSWERERS = {words[:1].upper() + words[1:]: key for key, words in SETTER_WORDS.items()}

#: How a value was given, in plain words (futility.case.ValueMethod).
METHOD_WORDS = {"rating_scale": "on the 0-10 scale", "standard_gamble": "with the question about chances"}

#: Questions a patient may want to ask, to take away (IPDAS: worksheets or question lists).
QUESTIONS_TO_ASK = (
    "What would the next treatment involve for me, week by week, and how long until we know if it helps?",
    "Which side effects should I look out for, and what can be done about them?",
    "What happens if I try it and it does not help?",
    "If I choose care focused on comfort, what care would I still have, and can I change my mind later?",
    "Is there anything that has not been checked yet that could explain why treatments have not worked?",
    "Who can I call between appointments if things get worse?",
)

NEXT_STEPS = (
    "You do not have to decide today. Take the pictures and these questions home, and talk with people you trust.",
    "Your care team will go through your answers with you; you can change them at any time.",
    "Whatever you choose, care continues: choosing care focused on comfort is not giving up, and it can be "
    "reviewed whenever you wish.",
)


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


def _tried_html(trials: "list[TrialRow]") -> str:
    words = tried_words(trials)
    return f'<p class="fu-tried"><b>{html.escape(words.split(":", 1)[0])}:</b>{html.escape(words.split(":", 1)[1])}</p>' if words else ""


def _option_card(row: "PrognosisRow", tried: "list[TrialRow]", notes: list[str]) -> str:
    option = row.option
    outcome, side = icon_groups(row.model_dump())
    if outcome is None:
        return ""
    name = option_words(option)
    lower = option_words(option, capital=False)
    words = outcome_sentence(lower, outcome, _interval(row.p_remission))
    note_block = (
        '<p class="fu-words">This would be a second course of ECT after one that did not work. No study we '
        "hold reports how often a second course works, so this figure may be too high.</p>"
        if row.evidence_note and option == "ect"
        else (f'<p class="fu-words">Note: {html.escape(row.evidence_note)}</p>' if row.evidence_note else "")
    )
    if side is None or row.p_burden is None:
        side_block = (
            '<figure class="fu-array"><figcaption>Side effects</figcaption><p class="fu-words">Not known. No study we '
            "hold reports how often this option's side effects got in the way of daily life.</p></figure>"
        )
    elif not well_known(row.p_burden):
        band = side_effect_band_words(lower, row.p_burden)
        low, high = per_100(row.p_burden.hdi_low), per_100(row.p_burden.hdi_high)
        side_block = (
            f'<figure class="fu-array fu-band-figure"><figcaption>Side effects</figcaption>'
            f'<div class="fu-band" role="img" aria-label="{html.escape(band)}" style="position:relative;height:22px;'
            f'border:1px solid #555;border-radius:3px;background:#fff;max-width:170px">'
            f'<div style="position:absolute;left:{low}%;width:{max(high - low, 1)}%;top:0;bottom:0;'
            f'background:repeating-linear-gradient(45deg,#D55E00 0 4px,#fff 4px 8px)"></div></div>'
            f'<div class="fu-anchors" aria-hidden="true" style="max-width:170px"><span>0</span><span>100</span></div>'
            f'<p class="fu-words">{html.escape(band)}</p></figure>'
        )
    else:
        side_words = burden_sentence(lower, side, _interval(row.p_burden))
        side_block = (
            f'<figure class="fu-array"><figcaption>Side effects</figcaption>'
            f'{icon_array_img(side, side_words, uid=option + "-b", size=15)}{legend_html(side)}'
            f'<p class="fu-words">{html.escape(side_words)}</p></figure>'
        )
    tried_attr = ' data-tried="true"' if tried else ""
    return (
        f'<section class="fu-card" aria-label="{html.escape(name)}" data-option="{html.escape(option)}"{tried_attr}>'
        f"<h3>{html.escape(name)}</h3>{_tried_html(tried)}<div class='fu-arrays'>"
        f'<figure class="fu-array"><figcaption>How people feel after it</figcaption>'
        f'{icon_array_img(outcome, words, uid=option + "-o", size=15)}{legend_html(outcome)}'
        f'<p class="fu-words">{html.escape(words)}</p></figure>{side_block}{note_block}</div>'
        + _experience_html(option)
        + "".join(f'<p class="fu-caution"><b>Take care:</b> {html.escape(n)}</p>' for n in notes)
        + "</section>"
    )


def comfort_card_html(horizon: "Horizon | None") -> str:
    """Care focused on comfort as an equal card: the same heading, the same 100 people (how many feel well again
    over a year, from the plans over time, with its range and the assumption it rests on), what it is like.
    """
    name = option_words(COMFORT)
    year = comfort_year(horizon)
    if year is not None:
        groups = horizon_icon_groups(year)
        ever = year.p_ever_remitted
        words = (
            f"Of 100 people like you whose care focuses on comfort, about {groups[0].count + groups[1].count} would feel well "
            f"again at some point within a year, and about {groups[0].count} would be well at the end of it. This is "
            f"uncertain: anywhere from {per_100(ever.hdi_low)} to {per_100(ever.hdi_high)} in 100. No study reports it; "
            "it rests on an assumption, no more than under continued treatment (Fekadu et al. 2010)."
        )
        outcome_block = (
            f'<figure class="fu-array"><figcaption>How people feel over a year</figcaption>'
            f'{icon_array_img(groups, words, uid="comfort-o", size=15)}{legend_html(groups)}'
            f'<p class="fu-words">{html.escape(words)}</p></figure>'
        )
    else:
        outcome_block = ('<figure class="fu-array"><figcaption>How people feel over a year</figcaption><p class="fu-words">'
                         "Not known: no study reports how often people feel well again under care focused on comfort.</p></figure>")
    side_block = (
        '<figure class="fu-array"><figcaption>Side effects</figcaption><p class="fu-words">No new treatment is started, so '
        "there are no new treatment side effects. Medicines you already take, and their side effects, can continue.</p></figure>"
    )
    return (
        f'<section class="fu-card fu-palliative" aria-label="{html.escape(name)}" data-option="{COMFORT}">'
        f"<h3>{html.escape(name)}</h3><div class='fu-arrays'>{outcome_block}{side_block}</div>"
        '<p class="fu-experience"><b>What it is like:</b> No new antidepressant trial for now. Care continues and aims at '
        "quality of life, comfort, function and relationships: support, treatment of symptoms such as sleep or pain, "
        "psychotherapy for coping, and regular review. It is not giving up on the person, and it can be revisited at any "
        'time. <span class="fu-source">(Source: Trachsel et al., BMC Psychiatry 2016;16:260)</span></p></section>'
    )


def option_cards_html(
    prognosis: "Sequence[PrognosisRow]",
    cautions: "Sequence[ContraindicationRow] | None" = None,
    *,
    order: Sequence[str] | None = None,
    tried: "dict[str, list[TrialRow]] | None" = None,
    horizon: "Horizon | None" = None,
    not_suitable: bool = True,
) -> str:
    """One card per option in ``order`` (default: highest remission chance first, then comfort care): 100 people
    for the outcome, 100 for side effects (or a band when not well known), with sentences, earlier courses and
    cautions. ``not_suitable`` adds the card listing contraindicated options.
    """
    notes: dict[str, list[str]] = {}
    for c in cautions or []:
        notes.setdefault(c.option, []).append(c.reason)
    rows = {r.option: r for r in prognosis}
    if order is None:
        order = by_remission(prognosis) + [COMFORT]
    cards = []
    for option in order:
        if option == COMFORT:
            cards.append(comfort_card_html(horizon))
        elif option in rows and not rows[option].contraindicated:
            cards.append(_option_card(rows[option], (tried or {}).get(option, []), notes.get(option, [])))
    contraindicated = [e for e in prognosis if e.contraindicated]
    if contraindicated and not_suitable:
        items = "".join(
            f"<li>{html.escape(option_words(e.option))}: {html.escape(str(e.contraindicated))}</li>" for e in contraindicated
        )
        cards.append(f'<section class="fu-card fu-not-suitable"><h3>Options not suitable now</h3><ul>{items}</ul></section>')
    return f'<div class="fu-cards">{"".join(cards)}</div>'


def situation_html(output: "AssessmentOutput") -> str:
    """What the checks found and whether care focused on comfort is compared, in plain words."""
    parts = [f"<p>{html.escape(w)}</p>" for w in screen_words(output)]
    why = comfort_not_compared(output)
    if why:
        parts.append(f'<p class="fu-comfort-why">{html.escape(why)}</p>')
    if not parts:
        parts.append("<p>The checks for other causes of low mood are done and found nothing that needs treating first.</p>")
    return f'<div class="fu-situation">{"".join(parts)}</div>'


def decision_words(decision: "Decision") -> str:
    """The decision's own plain-language summary, with a note on values that are not yet the patient's."""
    text = decision.summary
    defaults = [n for n, u in decision.utilities if u.source == "default"]
    if defaults:
        words = {q.name: q.question for q in VALUE_QUESTIONS}
        text += ("\n\n*Not yet answered (a starting point is used, not your answer): "
                 + "; ".join(words[n] for n in defaults) + "*")
    return text


def provenance_words(output: "AssessmentOutput") -> str:
    """Which version of the tool and model produced these numbers, and where the sources are."""
    model = output.model
    return (
        f"futility {output.package_version}, prognostic model {model.version} "
        f"(posterior {model.posterior_file_hash[:12]}, {model.n_draws} draws). "
        "Every number's published source, or that it has none, is listed in the committee view and the case report; how the "
        "numbers were chosen is in docs/model.md and docs/decision.md. The estimates describe groups of people, not a "
        "certainty for one person."
    )


def questions_text() -> str:
    """The questions to take away, as plain text (the download)."""
    lines = ["Questions you may want to ask your care team", ""]
    lines += [f"{i}. {q}" for i, q in enumerate(QUESTIONS_TO_ASK, 1)]
    lines += ["", "If you need help now: " + crisis_text()]
    return "\n".join(lines) + "\n"


class ValuesPanel(Viewer):
    """What matters to you: five questions on one 0-10 scale, the standard-gamble aid, and the confirmation."""

    session = param.ClassSelector(class_=CaseSession)

    def __init__(self, **params: Any):
        super().__init__(**params)
        s = self.session
        self.sliders: dict[str, pn.widgets.FloatSlider] = {}
        self._syncing = False
        self.answerer = pn.widgets.Select(label="Who is answering?", options=ANSWERERS, value=s.answerer, width=320)
        self.answerer.link(s, value="answerer")
        rows: list[Any] = [self.answerer]
        for q in VALUE_QUESTIONS:
            slider = pn.widgets.FloatSlider(
                label=q.question, start=0, end=10, step=0.5, value=to_scale(q.name, getattr(s, q.name)),
                sizing_mode="stretch_width", css_classes=[f"fu-slider-{q.name}"], format="0[.]0",
            )
            slider.param.watch(self._slider_moved(q.name), "value")
            self.sliders[q.name] = slider
            anchors = pn.pane.HTML(
                f'<div class="fu-anchors" aria-hidden="true"><span>{html.escape(q.low)}</span><span>{html.escape(q.high)}</span></div>',
                sizing_mode="stretch_width", margin=(0, 10), stylesheets=STYLESHEETS,
            )
            rows.append(pn.Column(slider, anchors, sizing_mode="stretch_width", margin=(0, 0, 8, 0)))
        self.status = pn.pane.HTML(sizing_mode="stretch_width", stylesheets=STYLESHEETS, css_classes=["fu-values-status"])
        self.confirm = pn.widgets.Button(label="These are my answers", color="primary", css_classes=["fu-confirm"])
        self.confirm.on_click(lambda _e: s.confirm_values())
        self.hopeless = pn.pane.Alert("", alert_type="secondary", visible=False, sizing_mode="stretch_width",
                                      css_classes=["fu-hopelessness"])
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
        s.param.watch(self._from_session, list(VALUE_NAMES))
        s.param.watch(self._on_status, ["stated", "recorded", "confirmed", "decision", "revision"])
        self._layout = pn.Column(
            pn.pane.Markdown("## 3. What matters to you\nFive questions, each on the same scale from 0 to 10. There are no "
                             "right answers. Move each slider to your answer; nothing is weighed until you confirm them."),
            *rows, self.gamble, self.status, pn.Row(self.confirm, reset), self.hopeless, sizing_mode="stretch_width",
            css_classes=["fu-values"],
        )
        self._on_status()

    def _slider_moved(self, name: str) -> Any:
        def moved(event: Any) -> None:
            if self._syncing:
                return
            self.session.set_values(**{name: from_scale(name, event.new)})
        return moved

    def _from_session(self, *_events: Any) -> None:
        """The session's values on the sliders (a case loaded, values reset, a gamble answer used)."""
        self._syncing = True
        try:
            for name, slider in self.sliders.items():
                value = to_scale(name, getattr(self.session, name))
                if slider.value is None or abs(slider.value - value) > 1e-9:
                    slider.value = value
        finally:
            self._syncing = False

    def _on_status(self, *_events: Any) -> None:
        s = self.session
        items = []
        for q in VALUE_QUESTIONS:
            record = s.recorded.get(q.name)
            if q.name not in s.stated:
                state = "<span class='fu-unanswered'>not answered yet</span>"
            elif record:
                state = f"answered {html.escape(METHOD_WORDS.get(record['method'], record['method']))} on {html.escape(str(record['on']))}"
            else:
                state = "answered in the case file (how and when not recorded)"
            items.append(f"<li>{html.escape(q.question)} <b>{state}</b></li>")
        missing = [n for n in VALUE_NAMES if n not in s.stated]
        if s.confirmed:
            who = SETTER_WORDS.get(str(s.confirmed.get("by")), str(s.confirmed.get("by")))
            head = f"<p class='fu-confirmed'><b>Confirmed</b> on {html.escape(str(s.confirmed.get('on')))} by {html.escape(who)}.</p>"
        elif missing:
            head = f"<p><b>{len(missing)} of 5 questions not answered yet.</b> The comparison waits until all are answered and confirmed.</p>"
        else:
            head = "<p><b>All five answered.</b> Press \"These are my answers\" when they feel right.</p>"
        self.status.object = head + f"<ul class='fu-value-list'>{''.join(items)}</ul>"
        self.confirm.disabled = s.assessment is None or bool(missing) or s.confirmed is not None
        note = hopelessness_signal(s.decision.utilities) if s.decision is not None else None
        self.hopeless.visible = bool(note)
        self.hopeless.object = f"**For the clinician:** {note[:1].upper() + note[1:]}." if note else ""

    def _use_gamble(self, _event: Any) -> None:
        value = standard_gamble_value((self.gamble_chance.value or 0) / 100.0, best_value=self.session.remission)
        self.session.set_values(method="standard_gamble", **{self.gamble_state.value: round(value, 2)})

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
        self.situation = pn.pane.HTML(sizing_mode="stretch_width", stylesheets=STYLESHEETS)
        self.shortlist = pn.widgets.MultiChoice(label="Options to talk about (chosen by the clinician)", options={},
                                                sizing_mode="stretch_width", css_classes=["fu-shortlist"])
        self.show_all = pn.widgets.Toggle(label="Show all options", value=False, css_classes=["fu-show-all"], width=220)
        self.cards = pn.pane.HTML(sizing_mode="stretch_width", stylesheets=STYLESHEETS, css_classes=["fu-option-cards"])
        self.horizon = pn.pane.HTML(sizing_mode="stretch_width", stylesheets=STYLESHEETS, css_classes=["fu-horizon"])
        self.comparison = ComparisonChart()
        self.comparison_pane = pn.pane.Bokeh(self.comparison.figure, sizing_mode="stretch_width")
        # the chart joins the page only once the values are confirmed (a pane made visible later keeps the width
        # it had while hidden: at 768 px it came out 440 px wide and clipped)
        self.comparison_slot = pn.Column(sizing_mode="stretch_width")
        self.comparison_text = pn.pane.Markdown(NOT_CONFIRMED, sizing_mode="stretch_width", css_classes=["fu-alt", "fu-comparison-words"])
        self.summary = pn.pane.Markdown(sizing_mode="stretch_width", css_classes=["fu-summary"])
        self.summary_card = pn.Card(self.summary, title="The whole summary in words", collapsed=True, sizing_mode="stretch_width",
                                    visible=False)
        self.values = ValuesPanel(session=s)
        self.questions = pn.widgets.FileDownload(callback=lambda: io.BytesIO(questions_text().encode("utf-8")),
                                                 filename="questions-to-ask.txt", color="primary",
                                                 label="Take the questions home (text file)")
        self.footer = pn.pane.Markdown(sizing_mode="stretch_width", css_classes=["fu-footer"], styles={"color": "#333"})
        self._order: list[str] = []
        # Every case change (``revision``) redraws everything, even when the assessment is unchanged.
        s.param.watch(self._on_case, ["revision"])
        s.param.watch(self._on_decision, ["decision", "confirmed"])
        self.shortlist.param.watch(self._on_shown, "value")
        self.show_all.param.watch(self._on_shown, "value")
        self._on_case()
        steps = "".join(f"<li>{html.escape(t)}</li>" for t in NEXT_STEPS)
        asks = "".join(f"<li>{html.escape(q)}</li>" for q in QUESTIONS_TO_ASK)
        self._layout = pn.Column(
            pn.pane.Markdown(f"**{DECISION_STATEMENT}**", sizing_mode="stretch_width", css_classes=["fu-decision-statement"],
                             styles={"font-size": "1.15rem"}),
            pn.pane.Alert(SUPPORT_STATEMENT, alert_type="info", sizing_mode="stretch_width", css_classes=["fu-support"]),
            pn.pane.Alert("**If you need help now.** " + crisis_text(), alert_type="warning", sizing_mode="stretch_width",
                          css_classes=["fu-crisis"]),
            pn.pane.Markdown("## 1. Where things stand\n### Your treatment journey so far", margin=(10, 10, 0, 10),
                             css_classes=["fu-section-situation"]),
            pn.pane.Bokeh(self.journey.figure, sizing_mode="stretch_width"),
            self.journey_text,
            pn.pane.Markdown("### Your recent ratings", margin=(0, 10)),
            self.scores,
            self.scores_text,
            pn.pane.Markdown("### What the checks found", margin=(0, 10)),
            self.situation,
            pn.pane.Markdown("## 2. The options\nEach picture shows 100 people like you: people with depression that has not "
                             "lifted after treatments like yours. Filled figures had the outcome; outlined figures did not. The "
                             "chances are for the end of one full course of the option, as in the studies they come from.",
                             css_classes=["fu-section-options"]),
            pn.Row(self.shortlist, self.show_all, sizing_mode="stretch_width"),
            self.cards,
            self.values,
            pn.pane.Markdown("## 4. How the options compare for you", css_classes=["fu-section-comparison"]),
            self.comparison_text,
            self.comparison_slot,
            self.summary_card,
            pn.pane.Markdown("## 5. Over the next 1, 2 and 5 years", css_classes=["fu-section-years"]),
            self.horizon,
            pn.pane.HTML(f'<section class="fu-next"><h2>6. Next steps</h2><ul>{steps}</ul>'
                         f'<h3>Questions you may want to ask</h3><ol class="fu-questions">{asks}</ol></section>',
                         sizing_mode="stretch_width", stylesheets=STYLESHEETS),
            self.questions,
            self.footer,
            sizing_mode="stretch_width",
            css_classes=["fu-consultation"],
        )

    # ----- which options are shown ------------------------------------------------------------------
    def shown(self) -> list[str]:
        """The options on screen, in the one order: all of them with "show all", else the shortlist."""
        if self.show_all.value:
            return list(self._order)
        chosen = set(self.shortlist.value or [])
        return [o for o in self._order if o in chosen]

    def _on_shown(self, *_events: Any) -> None:
        self._draw_cards()
        self._on_decision()

    def _on_case(self, *_events: Any) -> None:
        self._on_report()
        self._on_decision()

    def _on_report(self, *_events: Any) -> None:
        s = self.session
        if s.output is None or s.case is None:
            self.journey.update([])
            self.journey_text.object = NO_CASE
            for pane in (self.scores, self.scores_text, self.cards, self.horizon, self.footer, self.situation):
                pane.object = ""
            self._order = []
            self.shortlist.options, self.shortlist.value = {}, []
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
        self.situation.object = situation_html(output)
        self._order = option_order(output)
        tried = tried_by_option(output)
        labels = {}
        for o in self._order:
            label = option_words(o)
            labels[label + (" (tried before)" if o in tried else "")] = o
        default = default_shortlist(output)
        self.shortlist.param.update(options=labels, value=default)  # one redraw of the cards below
        self._draw_cards()
        # the chances over time do not depend on the values: drawn once per case, not on every slider move
        self.horizon.object = horizon_cards_html(output.horizon)
        self.footer.object = provenance_words(output) + " *futility: a decision aid for treatment-resistant depression.*"

    def _draw_cards(self) -> None:
        output = self.session.output
        if output is None:
            self.cards.object = ""
            return
        shown = self.shown()
        hidden = len(self._order) - len(shown)
        more = (f'<p class="fu-words fu-more">{hidden} more option{"" if hidden == 1 else "s"} not shown: press "Show all '
                'options" to see every one.</p>') if hidden > 0 else ""
        self.cards.object = option_cards_html(output.prognosis, output.contraindications, order=shown,
                                              tried=tried_by_option(output), horizon=output.horizon,
                                              not_suitable=self.show_all.value) + more

    def _on_decision(self, *_events: Any) -> None:
        s = self.session
        decision = s.decision
        if decision is None or s.confirmed is None:  # no case, or nothing is weighed until the values are confirmed
            self.comparison.update([])
            self.comparison_text.object = "" if decision is None else NOT_CONFIRMED
            self.summary.object = ""
            self.comparison_slot.objects = []
            self.summary_card.visible = False
            return
        shown = self.shown()
        order = {o: i for i, o in enumerate(shown)}
        rows = sorted((r for r in comparison_rows(decision) if r["option"] in order), key=lambda r: order[r["option"]])
        self.comparison.update(rows)
        horizon = s.current.horizon if s.current is not None else None
        brief = " ".join(comparison_brief(decision, shown, horizon))
        self.comparison_text.object = "**The comparison in words.** " + html.escape(brief)
        self.summary.object = html.escape(decision_words(decision), quote=False)
        if not self.comparison_slot.objects:
            self.comparison_slot.objects = [self.comparison_pane]
        self.summary_card.visible = True

    def __panel__(self) -> pn.viewable.Viewable:
        return self._layout
