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

if TYPE_CHECKING:  # pragma: no cover
    from futility.contract import AssessmentOutput, Decision, Summary


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
            t.drug_class,
            t.adequate,
            t.reasons or ("adequate" if t.adequate else "-"),
            None if t.percent_reduction is None else f"{t.percent_reduction:.0f}%",
            t.outcome.replace("_", " "),
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
            [[scr.complete, scr.flags or "none", scr.not_done or "none"]],
            caption="Screening for other causes of poor response",
        )
    ]
    parts.append(
        html_table(
            ["option", "severity", "reason", "source"],
            [[c.option, c.severity, c.reason, c.source] for c in output.contraindications] or [["none", "", "", ""]],
            caption="Contraindications",
        )
    )
    if output.inflammation:
        parts.append(f"<p><b>Inflammation:</b> {html.escape(output.inflammation)}</p>")
    return "".join(parts)


def prognosis_rows(output: "AssessmentOutput") -> list[dict[str, Any]]:
    """Per option the remission and burden intervals (for the interval charts)."""
    return [{"option": e.option, "remission": e.p_remission, "burden": e.p_burden}
            for e in output.prognosis if not e.contraindicated and e.p_remission is not None]


def prognosis_html(output: "AssessmentOutput") -> str:
    """Posterior means and 94% highest-density intervals per option, in a table."""
    rows = [[e.option, _pct(e.p_remission), _pct(e.p_response), _pct(e.p_burden), e.contraindicated or ""] for e in output.prognosis]
    return html_table(
        ["option", "remission % (HDI)", "response or better % (HDI)", "significant burden % (HDI)", "contraindicated"],
        rows,
        caption="Posterior predictive chances per option (mean and 94% highest-density interval)",
    )


def model_html(output: "AssessmentOutput") -> str:
    """Model version, posterior file hash and convergence diagnostics."""
    model = output.model
    rows: list[list[Any]] = [["model version", model.version], ["posterior file hash", model.posterior_file_hash], ["draws", model.n_draws]]
    rows += [[k.replace("_", " "), v] for k, v in model.diagnostics.model_dump().items()]
    return html_table(["", "value"], rows, caption="Model and diagnostics")


def futility_html(decision: "Decision") -> str:
    """Both futility judgements with their reasons, and every safety gate."""
    quant, qual = decision.quantitative_futility, decision.qualitative_futility

    def verdict(met: bool, before: bool) -> str:
        if met:
            return "met"
        return "held back by a safety gate" if before else "not met"

    rows = [
        ["quantitative", verdict(quant.met, quant.met_before_gates), None if quant.probability is None else f"{quant.probability:.3f}", quant.reason],
        ["qualitative", verdict(qual.met, qual.met_before_gates), None if qual.probability is None else f"{qual.probability:.3f}", qual.reason],
    ]
    gates = [[g.gate.replace("_", " "), "passed" if g.passed else "HOLDS BACK", g.applies_to, g.reason] for g in decision.gates]
    return (
        html_table(["judgement", "verdict", "probability", "reason"], rows, caption="Futility judgements")
        + html_table(["gate", "status", "applies to", "reason"], gates, caption="Safety gates (a futility statement is made only when all pass)")
    )


def utilities_html(decision: "Decision") -> str:
    """The utilities in use with their source (patient or a cited default)."""
    rows = [[name.replace("_", " "), u.value, u.source, u.citation] for name, u in decision.utilities]
    notes = "".join(f"<li>{html.escape(w)}</li>" for w in decision.warnings)
    return html_table(["utility", "value", "source", "citation"], rows, caption="Utilities in use") + (f"<ul>{notes}</ul>" if notes else "")


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
        self.download = pn.widgets.FileDownload(callback=self._export, filename="case-report.html", color="primary", label="Export the case report")
        # Every case change (``revision``) redraws everything, even when the assessment is unchanged.
        s.param.watch(self._on_case, ["revision"])
        s.param.watch(self._on_decision, ["decision"])
        self._on_case()
        self._layout = pn.Column(
            pn.pane.Markdown("## Committee review\nThe full reasoning behind the consultation view. Every number is an estimate "
                             "with its 94% credible interval; every rule names its source in the report."),
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
            self.horizon_notes,
            pn.pane.Markdown("### Report and case store"),
            self.download,
            StorePanel(session=s, db_url=s.db_url),
            sizing_mode="stretch_width",
        )

    def _export(self) -> io.BytesIO:
        s = self.session
        content, kind = export_report(s.current, s.case)
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
            for pane in (self.adequacy, self.screening, self.prognosis, self.model, self.horizon_curves):
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

    def _on_decision(self, *_events: Any) -> None:
        decision = self.session.decision
        if decision is None:
            for pane in (self.futility, self.utilities, self.technical, self.tornado_text, self.threshold_text,
                         self.horizon_table, self.horizon_notes):
                pane.object = ""
            self.tornado.update([])
            self.threshold.update({})
            return
        self.futility.object = futility_html(decision)
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
