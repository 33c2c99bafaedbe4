"""The committee view: everything an ethics committee or a second opinion needs to check the reasoning.

Staging and TRD status, the adequacy of each trial with its reasons, screening and contraindications,
posterior intervals, model diagnostics, the futility judgements with their safety gates, sensitivity
(threshold and tornado), and the case report for export. Each part renders the typed contract
(:class:`futility.contract.AssessmentOutput`, its ``decision`` under the current values).
"""
from __future__ import annotations

import html
import io
from typing import TYPE_CHECKING, Any

import panel as pn
import param
from panel.viewable import Viewer

from futility.dashboards.charts import IntervalChart, ThresholdChart, TornadoChart, threshold_words, tornado_words
from futility.dashboards.horizon_views import horizon_curves_html, horizon_judgements_html, plans_table_html
from futility.dashboards.palette import STYLESHEETS
from futility.dashboards.state import CaseSession
from futility.render.palette import OKABE_ITO
from futility.render.vocabulary import (
    BURDEN_FROM_OTHERS,
    NO_SOURCES,
    evidence_row_words,
    evidence_summary,
    gate_line,
    kind_words,
    outcome_words,
    plan_name,
    screen_words,
    short_label,
    verdict_words,
)

if TYPE_CHECKING:  # pragma: no cover
    from futility.contract import AssessmentOutput, Decision, Horizon, Summary


def html_table(columns: list[str], rows: list[list[Any]], *, caption: str = "", css: str = "fu-table") -> str:
    """A plain accessible HTML table (header cells scoped, caption for screen readers)."""
    head = "".join(f'<th scope="col">{html.escape(c)}</th>' for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(_fmt(v))}</td>" for v in row) + "</tr>" for row in rows)
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return f'<table class="{css}">{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.3g}"
    if isinstance(value, (list, tuple)):
        return "; ".join(_fmt(v) for v in value) or "-"
    return str(value)


def _pct(entry: "Summary | None") -> str:
    if entry is None:
        return "-"
    return f"{100 * entry.mean:.1f} ({100 * entry.hdi_low:.1f}-{100 * entry.hdi_high:.1f})"


def staging_html(output: "AssessmentOutput") -> str:
    """TRD status and both staging systems."""
    trd, staging = output.trd, output.staging
    maudsley = staging.maudsley
    rows: list[list[Any]] = [
        ["Meets TRD criteria", trd.meets_criteria],
        ["Adequate failed trials", trd.adequate_failed_trials],
        ["Distinct classes failed", trd.distinct_classes_failed],
        ["Thase-Rush stage (0-5)", staging.thase_rush],
        ["Maudsley Staging Method", f"{maudsley.score} ({maudsley.category})"],
    ]
    rows += [[f"  Maudsley: {k.replace('_', ' ')}", v] for k, v in maudsley.components.model_dump().items()]
    return html_table(["", "value"], rows, caption="Resistance and staging")


def adequacy_html(output: "AssessmentOutput") -> str:
    """One row per trial: adequacy with its reasons, outcome, burden."""
    rows = [
        [
            t.index + 1,
            t.agent,
            kind_words(t.drug_class),
            t.adequate,
            t.reasons or ("adequate" if t.adequate else "-"),
            None if t.percent_reduction is None else f"{t.percent_reduction:.0f}%",
            outcome_words(t.outcome),
            t.significant_burden,
        ]
        for t in output.trials
    ]
    return html_table(
        ["#", "agent", "class", "adequate", "reasons", "reduction", "outcome", "significant burden"],
        rows,
        caption="Adequacy of each trial (reasons given when not adequate)",
    )


def screening_html(output: "AssessmentOutput") -> str:
    """Screening for pseudo-resistance, contraindications and the inflammation note."""
    scr = output.screening
    parts = [
        html_table(
            ["screening complete", "positive", "not done"],
            [[scr.complete, [screen_words(f) for f in scr.flags] or "none", [screen_words(n) for n in scr.not_done] or "none"]],
            caption="Screening for other causes of poor response",
        )
    ]
    parts.append(
        html_table(
            ["option", "severity", "reason", "source"],
            [[short_label(c.option), c.severity, c.reason, c.source] for c in output.contraindications] or [["none", "", "", ""]],
            caption="Contraindications",
        )
    )
    if output.inflammation:
        parts.append(f"<p><b>Inflammation:</b> {html.escape(output.inflammation)}</p>")
    return "".join(parts)


def prognosis_rows(output: "AssessmentOutput") -> list[dict[str, Any]]:
    """Per option the remission and burden intervals (for the interval charts), the option in plain words."""
    return [{"option": short_label(e.option), "remission": e.p_remission, "burden": e.p_burden}
            for e in output.prognosis if not e.contraindicated and e.p_remission is not None]


def _sources_cell(refs: list[Any], note: str = "") -> str:
    """The evidence rows behind one figure: the studies in a line, every row (citation, n, tag, id) folded under it."""
    items = "".join(f"<li>{html.escape(evidence_row_words(r))}</li>" for r in refs)
    lead = f"<p class='fu-small'>{html.escape(note)}</p>" if note else ""
    return (f"<details class='fu-sources'><summary>{html.escape(evidence_summary(refs))}</summary>{lead}"
            f"<ul>{items}</ul></details>")


def prognosis_html(output: "AssessmentOutput") -> str:
    """Posterior means and 94% highest-density intervals per option, each figure with the evidence rows behind it."""
    head = ["option", "remission % (HDI)", "response or better % (HDI)", "evidence: remission and response",
            "significant burden % (HDI)", "evidence: burden", "kind"]
    rows = []
    for e in output.prognosis:
        name = html.escape(short_label(e.option))
        kind = f"<code class='fu-id'>{html.escape(e.option)}</code>"
        if e.contraindicated:
            rows.append(f"<tr><td>{name}</td><td colspan='5'>not considered: {html.escape(str(e.contraindicated))}</td>"
                        f"<td>{kind}</td></tr>")
            continue
        if e.sources is None:
            efficacy = burden = html.escape(NO_SOURCES)
        else:
            efficacy = _sources_cell(e.sources.efficacy)
            burden = _sources_cell(e.sources.burden, BURDEN_FROM_OTHERS if e.sources.burden_from == "other_options" else "")
        note = f"<br><span class='fu-small'>Note: {html.escape(e.evidence_note)}</span>" if e.evidence_note else ""
        rows.append(f"<tr><td>{name}{note}</td><td>{_pct(e.p_remission)}</td><td>{_pct(e.p_response)}</td><td>{efficacy}</td>"
                    f"<td>{_pct(e.p_burden)}</td><td>{burden}</td><td>{kind}</td></tr>")
    header = "".join(f'<th scope="col">{html.escape(h)}</th>' for h in head)
    return (f"{_SMALL_CSS}<table class='fu-table fu-prognosis'><caption>Posterior predictive chances per option (mean and "
            f"94% highest-density interval), each with the published evidence rows behind it (open a line for every row: "
            f"study, outcome, patients, evidence tag, row id in futility/data/evidence). Every figure also rests on the "
            f"parameters all rows share (decline per failed trial, patient factors, spread between trials) and on this "
            f"patient's own trials.</caption><thead><tr>{header}</tr></thead><tbody>{''.join(rows)}</tbody></table>")


#: Small print and the folded evidence lists, inside the committee's own panes (the shared stylesheet is not ours).
_SMALL_CSS = ("<style>.fu-small,.fu-id{font-size:0.8em;color:#444}.fu-sources summary{cursor:pointer}"
              ".fu-sources ul{margin:0.2em 0 0.4em 1.1em;padding:0;font-size:0.85em}</style>")


def model_html(output: "AssessmentOutput") -> str:
    """Model version, posterior file hash and convergence diagnostics."""
    model = output.model
    rows: list[list[Any]] = [["model version", model.version], ["posterior file hash", model.posterior_file_hash], ["draws", model.n_draws]]
    rows += [[k.replace("_", " "), v] for k, v in model.diagnostics.model_dump().items()]
    return html_table(["", "value"], rows, caption="Model and diagnostics")


def futility_html(decision: "Decision", output: "AssessmentOutput | None" = None) -> str:
    """Both futility judgements with their reasons, and every safety gate in positive wording with its reason."""
    quant, qual = decision.quantitative_futility, decision.qualitative_futility

    def prob(p: float | None) -> str | None:
        return None if p is None else f"{p:.3f}"

    rows = [
        ["quantitative", verdict_words(quant), prob(quant.probability), quant.reason],
        ["qualitative", verdict_words(qual), prob(qual.probability), qual.reason],
    ]
    gates = []
    for g in decision.gates:
        line = gate_line(g, output)
        gates.append([line.label, line.answer, line.detail or "-", "qualitative only" if line.scope else "both",
                      g.reason, g.gate])
    return (
        html_table(["judgement", "verdict", "probability", "reason"], rows, caption="Futility judgements")
        + html_table(["safety gate (must hold)", "holds?", "what it rests on", "judgements", "reason", "gate id"], gates,
                     caption="Safety gates (a futility statement is made only when every gate holds)")
    )


def bottom_line_html(output: "AssessmentOutput") -> str:
    """The bottom line, first on the page: both judgements in words, every gate in positive wording, what is missing.

    Words from :func:`futility.render.report.bottom_line` (the report's own), so both say the same.
    """
    from futility.render.report import bottom_line

    b = bottom_line(output)
    judgements = "".join(
        f"<div class='fu-bl-judgement' data-verdict='{html.escape(j.verdict)}'><b>{html.escape(j.name)}: "
        f"{html.escape(j.verdict)}</b><br><span class='fu-bl-q'>{html.escape(j.question)}</span><br>"
        f"{html.escape(j.text)}</div>" for j in b.judgements)
    gates = "".join(
        f"<li data-gate='{html.escape(g.gate)}' data-holds='{'yes' if g.passed else 'no'}'>"
        f"<span class='fu-bl-mark' aria-hidden='true'>{'&#10003;' if g.passed else '&#10007;'}</span> "
        f"{html.escape(g.text)}</li>" for g in b.gates)
    missing = ("".join(f"<li>{html.escape(m)}</li>" for m in b.missing) if b.missing
               else "<li>Nothing: every gate holds.</li>")
    return (
        "<style>.fu-bottom-line{border:2px solid #0072B2;border-radius:6px;padding:8px 12px;font-size:15px;line-height:1.35}"
        ".fu-bottom-line h2{margin:0 0 6px 0;font-size:1.2em}.fu-bl-row{display:flex;gap:12px;flex-wrap:wrap}"
        ".fu-bl-judgement{flex:1 1 380px;background:#F2F6FA;padding:6px 8px;border-radius:4px}"
        ".fu-bl-q{color:#333}.fu-bottom-line h3{margin:8px 0 2px 0;font-size:1em}"
        ".fu-bottom-line ul{margin:0 0 0 1.1em;padding:0}.fu-bottom-line li{margin:1px 0}"
        ".fu-bl-mark{font-weight:bold}</style>"
        "<section class='fu-bottom-line' aria-label='Bottom line'>"
        f"<h2>Bottom line</h2><div class='fu-bl-row'>{judgements}</div>"
        "<div class='fu-bl-row'><div style='flex:1 1 520px'><h3>Safety gates (each must hold before a futility "
        f"statement)</h3><ul class='fu-bl-gates'>{gates}</ul></div>"
        f"<div style='flex:1 1 320px'><h3>Missing for a judgement</h3><ul class='fu-bl-missing'>{missing}</ul>"
        f"<p style='margin:6px 0 0 0'>Highest expected utility under these values: <b>{html.escape(b.preferred)}</b> "
        "(a description, not a recommendation).</p></div></div></section>"
    )


def plans_evidence_html(horizon: "Horizon | None") -> str:
    """Where each plan's figures come from: the horizon evidence rows, and the prognosis' rows for each course."""
    if horizon is None:
        return ""
    comfort = horizon.assumptions.comfort_remission_monthly
    rows = []
    for plan in horizon.plans:
        rows_of = plan.sources
        listed = ("".join(f"<li>{html.escape(src)}</li>" for src in rows_of) if rows_of is not None
                  else f"<li>{html.escape(NO_SOURCES)}</li>")
        courses = ", ".join(short_label(k) for k in plan.steps)
        remission = (f"each course's remission chance: the prognosis' evidence rows for {html.escape(courses)} (table above), "
                     "given the earlier courses did not bring remission" if plan.steps else "no courses")
        rows.append(f"<tr><td>{html.escape(plan_name(plan))}</td><td>{remission}</td><td><ul>{listed}</ul></td></tr>")
    note = (f"QALYs use the utilities in use (their sources in the utilities table). Remission under comfort-focused care "
            f"is an assumption with no published figure ({100 * comfort.low:.1f}-{100 * comfort.high:.1f}% a month; "
            f"{comfort.basis}).")
    return (f"{_SMALL_CSS}<table class='fu-table fu-plans-evidence'><caption>Evidence behind each plan's figures</caption>"
            "<thead><tr><th scope='col'>plan</th><th scope='col'>remission per course</th><th scope='col'>horizon evidence "
            "rows (course length, relapse, comfort-focused care): citation (tag; row id)</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table><p class='fu-small'>{html.escape(note)}</p>")


def utilities_html(decision: "Decision") -> str:
    """The utilities in use with their source (patient or a cited default), and for the patient's own who set each,
    how and when, and whether the patient confirmed them (only confirmed values pass the values gate).
    """
    from futility.render.consultation import METHOD_WORDS, SETTER_WORDS

    rows = [[name.replace("_", " "), u.value, u.source,
             ("confirmed" if u.confirmed else "not confirmed") if u.source == "patient" else "-",
             SETTER_WORDS.get(u.set_by or "", "-"), METHOD_WORDS.get(u.method or "", "-"), u.set_on, u.citation]
            for name, u in decision.utilities]
    notes = "".join(f"<li>{html.escape(w)}</li>" for w in decision.warnings)
    return html_table(["utility", "value", "source", "confirmed", "set by", "how", "set on", "citation"], rows,
                      caption="Utilities in use, with who set each value, how and when") + (f"<ul>{notes}</ul>" if notes else "")


def export_report(output: "AssessmentOutput", case: Any = None) -> tuple[bytes, str]:
    """The committee case report as self-contained HTML (:func:`futility.render.report.render_html`)."""
    from futility.render.report import render_html

    return render_html(output, case).encode("utf-8"), "html"


class CommitteeView(Viewer):
    """The technical view for ethics committees and second opinions."""

    session = param.ClassSelector(class_=CaseSession)

    def __init__(self, **params: Any):
        super().__init__(**params)
        from futility.dashboards.store_panel import StorePanel

        s = self.session
        self.bottom_line = pn.pane.HTML(sizing_mode="stretch_width", stylesheets=STYLESHEETS, css_classes=["fu-bottom"])
        self.staging = pn.pane.HTML(sizing_mode="stretch_width", stylesheets=STYLESHEETS)
        self.adequacy = pn.pane.HTML(sizing_mode="stretch_width", stylesheets=STYLESHEETS)
        self.screening = pn.pane.HTML(sizing_mode="stretch_width", stylesheets=STYLESHEETS)
        self.prognosis = pn.pane.HTML(sizing_mode="stretch_width", stylesheets=STYLESHEETS)
        self.remission_chart = IntervalChart("Chance of remission", OKABE_ITO["blue"])
        self.burden_chart = IntervalChart("Chance of significant side-effect burden", OKABE_ITO["vermillion"])
        self.model = pn.pane.HTML(sizing_mode="stretch_width", stylesheets=STYLESHEETS)
        self.futility = pn.pane.HTML(sizing_mode="stretch_width", stylesheets=STYLESHEETS, css_classes=["fu-futility"])
        self.utilities = pn.pane.HTML(sizing_mode="stretch_width", stylesheets=STYLESHEETS)
        self.technical = pn.pane.Markdown(sizing_mode="stretch_width")
        self.tornado = TornadoChart()
        self.tornado_text = pn.pane.Markdown(sizing_mode="stretch_width", css_classes=["fu-alt"])
        self.threshold = ThresholdChart()
        self.threshold_text = pn.pane.Markdown(sizing_mode="stretch_width", css_classes=["fu-alt"])
        self.horizon_curves = pn.pane.HTML(sizing_mode="stretch_width", stylesheets=STYLESHEETS, css_classes=["fu-horizon-curves"])
        self.horizon_table = pn.pane.HTML(sizing_mode="stretch_width", stylesheets=STYLESHEETS, css_classes=["fu-horizon-table"])
        self.horizon_notes = pn.pane.HTML(sizing_mode="stretch_width", stylesheets=STYLESHEETS)
        self.horizon_evidence = pn.pane.HTML(sizing_mode="stretch_width", stylesheets=STYLESHEETS, css_classes=["fu-plans-evidence"])
        self.store_panel = StorePanel(session=s, db_url=s.db_url)
        self.download = pn.widgets.FileDownload(callback=self._export, filename="case-report.html", color="primary", label="Export the case report")
        # Every case change (``revision``) redraws everything, even when the assessment is unchanged.
        s.param.watch(self._on_case, ["revision"])
        s.param.watch(self._on_decision, ["decision"])
        self._on_case()
        self._layout = pn.Column(
            self.bottom_line,
            pn.pane.Markdown("## Committee review\nThe full reasoning behind the consultation view. Every number is an estimate "
                             "with its 94% credible interval; every prognosis figure lists the published evidence rows "
                             "behind it, every rule names its source in the report."),
            pn.Row(self.staging, self.screening, sizing_mode="stretch_width"),
            self.adequacy,
            pn.pane.Markdown("### Posterior intervals"),
            self.prognosis,
            pn.Row(pn.pane.Bokeh(self.remission_chart.figure, sizing_mode="stretch_width"),
                   pn.pane.Bokeh(self.burden_chart.figure, sizing_mode="stretch_width"), sizing_mode="stretch_width"),
            self.model,
            pn.pane.Markdown("### Futility judgements and safety gates"),
            self.futility,
            self.technical,
            self.utilities,
            pn.pane.Markdown("### Sensitivity"),
            pn.Row(pn.pane.Bokeh(self.threshold.figure, sizing_mode="stretch_width"),
                   pn.pane.Bokeh(self.tornado.figure, sizing_mode="stretch_width"), sizing_mode="stretch_width"),
            self.threshold_text,
            self.tornado_text,
            pn.pane.Markdown("### Plans over time\nEach plan's courses, then comfort-focused care; the lines join the "
                             "reported months (6, 12, 24, 60), the bands are 94% credible intervals."),
            self.horizon_curves,
            self.horizon_table,
            self.horizon_evidence,
            self.horizon_notes,
            pn.pane.Markdown("### Report and case store\nSaved under the values on screen, the exported report carries the "
                             "stored assessment's id, content hash and reviews; otherwise it says it is not stored."),
            self.download,
            self.store_panel,
            sizing_mode="stretch_width",
        )

    def _export(self) -> io.BytesIO:
        """The report of the assessment on screen: as stored (id, hash, reviews) when it is saved, else unstamped."""
        s = self.session
        stored = self.store_panel.stored_report()
        content, kind = (stored, "html") if stored is not None else export_report(s.current, s.case)
        case_id = s.case.id if s.case is not None else "case"
        self.download.filename = f"{case_id}-report.{kind}"
        return io.BytesIO(content)

    def _on_case(self, *_events: Any) -> None:
        self._on_report()
        self._on_decision()

    def _on_report(self, *_events: Any) -> None:
        report = self.session.output
        if report is None or self.session.case is None:
            from futility.dashboards.consultation import NO_CASE

            self.staging.object = f"<p>{html.escape(NO_CASE.replace('**', '').replace('*', ''))}</p>"
            for pane in (self.adequacy, self.screening, self.prognosis, self.model, self.horizon_curves, self.horizon_evidence):
                pane.object = ""
            self.remission_chart.update([])
            self.burden_chart.update([])
            return
        self.staging.object = staging_html(report)
        self.adequacy.object = adequacy_html(report)
        self.screening.object = screening_html(report)
        self.prognosis.object = prognosis_html(report)
        rows = prognosis_rows(report)
        self.remission_chart.update([{"option": r["option"], "mean": r["remission"].mean, "low": r["remission"].hdi_low,
                                      "high": r["remission"].hdi_high} for r in rows])
        self.burden_chart.update([{"option": r["option"], "mean": r["burden"].mean, "low": r["burden"].hdi_low,
                                   "high": r["burden"].hdi_high} for r in rows if r["burden"] is not None])
        self.model.object = model_html(report)
        self.horizon_curves.object = horizon_curves_html(report.horizon)  # chances do not depend on the values
        self.horizon_evidence.object = plans_evidence_html(report.horizon)

    def _on_decision(self, *_events: Any) -> None:
        decision = self.session.decision
        if decision is None:
            for pane in (self.bottom_line, self.futility, self.utilities, self.technical, self.tornado_text,
                         self.threshold_text, self.horizon_table, self.horizon_notes):
                pane.object = ""
            self.tornado.update([])
            self.threshold.update({})
            return
        current = self.session.current
        self.bottom_line.object = bottom_line_html(current) if current is not None else ""
        self.futility.object = futility_html(decision, current)
        self.utilities.object = utilities_html(decision)
        lines = decision.technical_summary.splitlines()
        self.technical.object = "\n".join(f"- {html.escape(line, quote=False)}" for line in lines if line.strip())
        sens = decision.sensitivity
        self.tornado.update(sens.tornado)
        self.tornado_text.object = "**Tornado in words.** " + tornado_words(sens.tornado)
        self.threshold.update(sens.threshold)
        self.threshold_text.object = "**Thresholds in words.** " + threshold_words(sens.threshold)
        horizon = self.session.current.horizon if self.session.current is not None else None
        self.horizon_table.object = plans_table_html(horizon)
        self.horizon_notes.object = horizon_judgements_html(horizon)

    def __panel__(self) -> pn.viewable.Viewable:
        return self._layout
