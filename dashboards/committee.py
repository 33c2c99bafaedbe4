"""The committee view: everything an ethics committee or a second opinion needs to check the reasoning.

Staging and TRD status, the adequacy of each trial with its reasons, screening and contraindications,
posterior intervals, model diagnostics, the futility judgements with their safety gates, sensitivity
(threshold and tornado), and the case report for export. Each part renders the assessment dict.
"""
from __future__ import annotations

import html
import io
from typing import Any

import panel as pn
import param
from panel.viewable import Viewer

from futility.dashboards.charts import IntervalChart, ThresholdChart, TornadoChart, threshold_words, tornado_words
from futility.dashboards.palette import STYLESHEETS
from futility.dashboards.state import CaseSession
from futility.render.palette import OKABE_ITO


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


def _pct(entry: dict[str, Any] | None) -> str:
    if not entry or entry.get("mean") is None:
        return "-"
    return f"{100 * entry['mean']:.1f} ({100 * entry['hdi_low']:.1f}-{100 * entry['hdi_high']:.1f})"


def staging_html(report: dict[str, Any]) -> str:
    """TRD status and both staging systems."""
    trd = report.get("trd", {})
    staging = report.get("staging", {})
    maudsley = staging.get("maudsley", {})
    components = maudsley.get("components", {}) or {}
    rows = [
        ["Meets TRD criteria", trd.get("meets_criteria")],
        ["Adequate failed trials", trd.get("adequate_failed_trials")],
        ["Distinct classes failed", trd.get("distinct_classes_failed")],
        ["Thase-Rush stage (0-5)", staging.get("thase_rush")],
        ["Maudsley Staging Method", f"{maudsley.get('score')} ({maudsley.get('category')})"],
    ]
    rows += [[f"  Maudsley: {k.replace('_', ' ')}", v] for k, v in components.items()]
    return html_table(["", "value"], rows, caption="Resistance and staging")


def adequacy_html(report: dict[str, Any]) -> str:
    """One row per trial: adequacy with its reasons, outcome, burden."""
    rows = [
        [
            t.get("index", i) + 1 if isinstance(t.get("index", i), int) else t.get("index"),
            t.get("agent"),
            t.get("drug_class"),
            t.get("adequate"),
            t.get("reasons") or ("adequate" if t.get("adequate") else "-"),
            None if t.get("percent_reduction") is None else f"{t['percent_reduction']:.0f}%",
            (t.get("outcome") or "").replace("_", " "),
            t.get("significant_burden"),
        ]
        for i, t in enumerate(report.get("trials", []))
    ]
    return html_table(
        ["#", "agent", "class", "adequate", "reasons", "reduction", "outcome", "significant burden"],
        rows,
        caption="Adequacy of each trial (reasons given when not adequate)",
    )


def screening_html(report: dict[str, Any]) -> str:
    """Screening for pseudo-resistance, contraindications and the inflammation note."""
    scr = report.get("screening", {})
    parts = [
        html_table(
            ["screening complete", "positive", "not done"],
            [[scr.get("complete"), scr.get("flags") or "none", scr.get("not_done") or "none"]],
            caption="Screening for other causes of poor response",
        )
    ]
    contra = report.get("contraindications", [])
    parts.append(
        html_table(
            ["option", "severity", "reason", "source"],
            [[c.get("option"), c.get("severity", ""), c.get("reason"), c.get("source")] for c in contra] or [["none", "", "", ""]],
            caption="Contraindications",
        )
    )
    if report.get("inflammation"):
        parts.append(f"<p><b>Inflammation:</b> {html.escape(str(report['inflammation']))}</p>")
    return "".join(parts)


def prognosis_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Per option the remission and burden intervals (for the interval charts)."""
    out = []
    for e in report.get("prognosis", []):
        rem, bur = e.get("p_remission"), e.get("p_burden")
        if e.get("contraindicated") or not rem or rem.get("mean") is None:
            continue
        out.append({"option": e["option"], "remission": rem, "burden": bur})
    return out


def prognosis_html(report: dict[str, Any]) -> str:
    """Posterior means and 94% highest-density intervals per option, in a table."""
    rows = [
        [e["option"], _pct(e.get("p_remission")), _pct(e.get("p_response")), _pct(e.get("p_burden")), e.get("contraindicated") or ""]
        for e in report.get("prognosis", [])
    ]
    return html_table(
        ["option", "remission % (HDI)", "response or better % (HDI)", "significant burden % (HDI)", "contraindicated"],
        rows,
        caption="Posterior predictive chances per option (mean and 94% highest-density interval)",
    )


def model_html(report: dict[str, Any]) -> str:
    """Model version, posterior file hash and convergence diagnostics."""
    model = report.get("model", {})
    diag = model.get("diagnostics", {}) or {}
    rows = [["model version", model.get("version")], ["posterior file hash", model.get("posterior_file_hash")], ["draws", model.get("n_draws")]]
    rows += [[k.replace("_", " "), v] for k, v in diag.items()]
    return html_table(["", "value"], rows, caption="Model and diagnostics")


def futility_html(decision: dict[str, Any]) -> str:
    """Both futility judgements with their reasons, and every safety gate."""
    quant = decision.get("quantitative_futility", {})
    qual = decision.get("qualitative_futility", {})

    def verdict(j: dict[str, Any]) -> str:
        if j.get("met"):
            return "met"
        if j.get("met_before_gates"):
            return "held back by a safety gate"
        return "not met"

    rows = [
        ["quantitative", verdict(quant), None if quant.get("probability") is None else f"{quant['probability']:.3f}", quant.get("reason")],
        ["qualitative", verdict(qual), None if qual.get("probability") is None else f"{qual['probability']:.3f}", qual.get("reason")],
    ]
    gates = [[g.get("gate", "").replace("_", " "), "passed" if g.get("passed") else "HOLDS BACK", g.get("applies_to"), g.get("reason")] for g in decision.get("gates", [])]
    return (
        html_table(["judgement", "verdict", "probability", "reason"], rows, caption="Futility judgements")
        + html_table(["gate", "status", "applies to", "reason"], gates, caption="Safety gates (a futility statement is made only when all pass)")
    )


def utilities_html(decision: dict[str, Any]) -> str:
    """The utilities in use with their source (patient or a cited default)."""
    rows = [[k.replace("_", " "), v.get("value"), v.get("source"), v.get("citation")] for k, v in (decision.get("utilities") or {}).items()]
    notes = "".join(f"<li>{html.escape(w)}</li>" for w in decision.get("warnings", []))
    return html_table(["utility", "value", "source", "citation"], rows, caption="Utilities in use") + (f"<ul>{notes}</ul>" if notes else "")


def export_report(assessment_dict: dict[str, Any], case_dict: dict[str, Any] | None = None) -> tuple[bytes, str]:
    """The committee case report as self-contained HTML (:func:`futility.render.report.render_html`)."""
    from futility.render.report import render_html

    return render_html(assessment_dict, case_dict).encode("utf-8"), "html"


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
            pn.Row(pn.pane.Bokeh(self.remission_chart.figure, sizing_mode="stretch_width"), pn.pane.Bokeh(self.burden_chart.figure, sizing_mode="stretch_width"), sizing_mode="stretch_width"),
            self.model,
            pn.pane.Markdown("### Futility judgements and safety gates"),
            self.futility,
            self.technical,
            self.utilities,
            pn.pane.Markdown("### Sensitivity"),
            pn.Row(pn.pane.Bokeh(self.threshold.figure, sizing_mode="stretch_width"), pn.pane.Bokeh(self.tornado.figure, sizing_mode="stretch_width"), sizing_mode="stretch_width"),
            self.threshold_text,
            self.tornado_text,
            pn.pane.Markdown("### Report and case store"),
            self.download,
            StorePanel(session=s, db_url=s.db_url),
            sizing_mode="stretch_width",
        )

    def _export(self) -> io.BytesIO:
        s = self.session
        data = dict(s.report)
        data["decision"] = s.decision
        content, kind = export_report(data, s.case.model_dump(mode="json") if s.case is not None else None)
        case_id = s.case.id if s.case is not None else "case"
        self.download.filename = f"{case_id}-report.{kind}"
        return io.BytesIO(content)

    def _on_case(self, *_events: Any) -> None:
        self._on_report()
        self._on_decision()

    def _on_report(self, *_events: Any) -> None:
        report = self.session.report
        if not report or self.session.case is None:
            from futility.dashboards.consultation import NO_CASE

            self.staging.object = f"<p>{html.escape(NO_CASE.replace('**', '').replace('*', ''))}</p>"
            for pane in (self.adequacy, self.screening, self.prognosis, self.model):
                pane.object = ""
            self.remission_chart.update([])
            self.burden_chart.update([])
            return
        self.staging.object = staging_html(report)
        self.adequacy.object = adequacy_html(report)
        self.screening.object = screening_html(report)
        self.prognosis.object = prognosis_html(report)
        rows = prognosis_rows(report)
        self.remission_chart.update([{"option": r["option"], "mean": r["remission"]["mean"], "low": r["remission"]["hdi_low"], "high": r["remission"]["hdi_high"]} for r in rows])
        self.burden_chart.update([{"option": r["option"], "mean": r["burden"]["mean"], "low": r["burden"]["hdi_low"], "high": r["burden"]["hdi_high"]} for r in rows if r["burden"]])
        self.model.object = model_html(report)

    def _on_decision(self, *_events: Any) -> None:
        decision = self.session.decision
        if not decision:
            for pane in (self.futility, self.utilities, self.technical, self.tornado_text, self.threshold_text):
                pane.object = ""
            self.tornado.update([])
            self.threshold.update({})
            return
        self.futility.object = futility_html(decision)
        self.utilities.object = utilities_html(decision)
        lines = (decision.get("technical_summary") or "").splitlines()
        self.technical.object = "\n".join(f"- {html.escape(line, quote=False)}" for line in lines if line.strip())
        sens = decision.get("sensitivity", {}) or {}
        self.tornado.update(sens.get("tornado", []) or [])
        self.tornado_text.object = "**Tornado in words.** " + tornado_words(sens.get("tornado", []) or [])
        self.threshold.update(sens.get("threshold", {}) or {})
        self.threshold_text.object = "**Thresholds in words.** " + threshold_words(sens.get("threshold", {}) or {})

    def __panel__(self) -> pn.viewable.Viewable:
        return self._layout
