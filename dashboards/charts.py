"""Bokeh charts, each built once and updated in place from plain data (fast slider updates).

Every chart has a text alternative built from the same data (the ``*_words`` functions), shown under it.
The charts draw numbers they are given; they compute nothing clinical. The SVG charts shared with the
report (icon arrays, rating-scale trajectory) are in :mod:`futility.render.charts`.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from bokeh.models import ColumnDataSource, FactorRange, HoverTool, Range1d
from bokeh.models.annotations import Span, Title
from bokeh.plotting import figure

from futility.decision._text import in_100
from futility.render.palette import OKABE_ITO
from futility.render.vocabulary import OUTCOME_COLOURS, OUTLINE, TRIAL_OUTCOME_COLOURS, option_words

if TYPE_CHECKING:  # pragma: no cover
    from futility.case import Trial
    from futility.contract import Decision, Thresholds, TornadoRow, TrialRow


def _factor_range(fig: figure) -> FactorRange:
    """The figure's categorical axis range (every chart here that lists options built it as a FactorRange)."""
    found = fig.y_range
    assert isinstance(found, FactorRange)
    return found


def _range1d(value: Any) -> Range1d:
    assert isinstance(value, Range1d)
    return value


def _base(title: str, height: int, **kwargs: Any) -> figure:
    fig = figure(
        title=title,
        height=height,
        sizing_mode="stretch_width",
        min_width=280,  # readable at 768 px and in a half-width window; never wider than its column
        toolbar_location=None,
        tools="",
        **kwargs,
    )
    heading = fig.title
    assert isinstance(heading, Title)
    heading.text_font_size = "16px"
    fig.xaxis.axis_label_text_font_size = "15px"
    fig.yaxis.axis_label_text_font_size = "15px"
    fig.xaxis.major_label_text_font_size = "14px"
    fig.yaxis.major_label_text_font_size = "14px"
    fig.outline_line_color = None
    return fig


# ----- treatment journey -----------------------------------------------------------------------------
def journey_rows(case_trials: "Sequence[Trial]", assessed: "Sequence[TrialRow]", scales: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per trial for the journey chart: time span, scores, bands of its scale, outcome and adequacy.

    The response line is the rules' (``TrialRow.response_line``), not recomputed here.
    """
    rows = []
    start = 0.0
    by_index = {t.index: t for t in assessed}
    for i, trial in enumerate(case_trials):
        info = by_index.get(i)
        weeks = float(trial.weeks or 0.0)
        scale = scales.get(trial.scale) if trial.scale else None
        baseline, final = trial.baseline, trial.final
        rows.append(
            {
                "number": i + 1,
                "agent": trial.agent,
                "start": start,
                "end": start + max(weeks, 0.5),
                "weeks": weeks,
                "scale": trial.scale,
                "baseline": baseline,
                "final": final,
                "response_line": None if info is None else info.response_line,
                "remission_max": None if scale is None else scale.remission_max,
                "outcome": "unknown" if info is None else info.outcome,
                "adequate": None if info is None else info.adequate,
                "reasons": [] if info is None else list(info.reasons),
                "percent_reduction": None if info is None else info.percent_reduction,
            }
        )
        start += max(weeks, 0.5)
    return rows


def journey_x_range(rows: list[dict[str, Any]]) -> dict[str, float]:
    """The journey's x range: from just before the first trial to just after the end of the last one."""
    end = max([float(r["end"]) for r in rows], default=9.0)
    return {"start": -0.5, "end": end + 1.0}


def journey_words(rows: list[dict[str, Any]]) -> str:
    """The journey in sentences (text alternative of the journey chart)."""
    if not rows:
        return "No treatment trials are recorded yet."
    parts = []
    for r in rows:
        text = f"Trial {r['number']}, {r['agent']}, {r['weeks']:g} weeks"
        if r["baseline"] is not None and r["final"] is not None:
            text += f": {r['scale']} from {r['baseline']:g} to {r['final']:g}"
            if r["percent_reduction"] is not None:
                text += f" ({r['percent_reduction']:.0f}% lower)"
        text += f"; outcome: {r['outcome'].replace('_', ' ')}"
        if r["adequate"] is False:
            text += " (not an adequate trial: " + "; ".join(r["reasons"]) + ")"
        elif r["adequate"]:
            text += " (an adequate trial)"
        parts.append(text + ".")
    return " ".join(parts)


class JourneyChart:
    """Each trial as a segment from its baseline to its final score, over the remission band of its scale
    (shaded) and its response line (half the baseline score, dashed).
    """

    def __init__(self) -> None:
        self.bands = ColumnDataSource(dict(left=[], right=[], top=[]))
        self.lines = ColumnDataSource(dict(x0=[], x1=[], y=[]))
        self.segments = ColumnDataSource(dict(x0=[], x1=[], y0=[], y1=[], colour=[], label=[], detail=[], outcome=[]))
        fig = _base(
            "Your treatment journey", 300, x_axis_label="weeks since the first recorded trial",
            y_axis_label="symptom score (lower is better)", x_range=Range1d(start=-0.5, end=10), y_range=Range1d(start=0, end=30),
        )
        fig.quad(left="left", right="right", bottom=0, top="top", source=self.bands, fill_color=OUTCOME_COLOURS["remission"],
                 fill_alpha=0.15, line_alpha=0, legend_label="remission range")
        fig.segment(x0="x0", x1="x1", y0="y", y1="y", source=self.lines, line_dash="dashed", line_color="#444444", line_width=1.5,
                    legend_label="response line (half the starting score)")
        seg = fig.segment(x0="x0", x1="x1", y0="y0", y1="y1", source=self.segments, line_color="colour", line_width=5, legend_field="outcome")
        fig.scatter(x="x1", y="y1", source=self.segments, size=11, color="colour", marker="circle")
        fig.text(x="x0", y="y0", text="label", source=self.segments, text_font_size="14px", y_offset=-6, text_baseline="bottom")
        fig.add_tools(HoverTool(renderers=[seg], tooltips=[("", "@detail")]))
        fig.legend.label_text_font_size = "14px"
        fig.add_layout(fig.legend[0], "right")
        self.figure = fig

    def update(self, rows: list[dict[str, Any]]) -> None:
        scored = [r for r in rows if r["baseline"] is not None and r["final"] is not None]
        lined = [r for r in scored if r["response_line"] is not None]
        self.bands.data = dict(
            left=[r["start"] for r in scored if r["remission_max"] is not None],
            right=[r["end"] for r in scored if r["remission_max"] is not None],
            top=[r["remission_max"] + 0.5 for r in scored if r["remission_max"] is not None],
        )
        self.lines.data = dict(x0=[r["start"] for r in lined], x1=[r["end"] for r in lined], y=[r["response_line"] for r in lined])
        self.segments.data = dict(
            x0=[r["start"] for r in scored],
            x1=[r["end"] for r in scored],
            y0=[r["baseline"] for r in scored],
            y1=[r["final"] for r in scored],
            colour=[TRIAL_OUTCOME_COLOURS.get(r["outcome"], OUTLINE) for r in scored],
            label=[f"{r['number']}. {r['agent']}" for r in scored],
            detail=[journey_words([r]) for r in scored],
            outcome=[r["outcome"].replace("_", " ") for r in scored],
        )
        # Both ranges are recomputed from this case's data on every update (they grow and shrink with it).
        _range1d(self.figure.x_range).update(**journey_x_range(rows))
        top = max([float(r["baseline"]) for r in scored] + [10.0])
        _range1d(self.figure.y_range).update(start=0, end=top * 1.25)


# ----- option comparison -----------------------------------------------------------------------------
def comparison_rows(decision: "Decision") -> list[dict[str, Any]]:
    """One row per option (palliative-focused care included) from the decision part of the contract."""
    return [
        {"option": o.option, "name": option_words(o.option), "mean": o.expected_utility.mean, "low": o.expected_utility.hdi_low,
         "high": o.expected_utility.hdi_high, "p_best": o.p_best}
        for o in decision.options
    ]


class ComparisonChart:
    """Expected utility per option as a dot with its credible interval, on a 0-100 scale."""

    def __init__(self) -> None:
        self.source = ColumnDataSource(dict(name=[], mean=[], low=[], high=[], colour=[], p_best=[], best=[], label=[]))
        fig = _base(
            "How well each option fits what matters to you",
            280,
            y_range=FactorRange(),
            x_range=Range1d(start=0, end=100),
            x_axis_label="fit with your values (0 worst, 100 best); bars show the range the evidence allows",
        )
        fig.hbar(y="name", left="low", right="high", height=0.35, source=self.source, fill_color="colour", fill_alpha=0.35, line_color="colour")
        dots = fig.scatter(x="mean", y="name", source=self.source, size=13, color="colour", marker="diamond")
        fig.text(x="high", y="name", text="label", source=self.source, x_offset=6, text_baseline="middle", text_font_size="14px")
        # Each option's name above its bar, inside the plot: long names never squeeze the plot at 768 px.
        fig.text(x=0, y="name", text="name", source=self.source, x_offset=2, y_offset=-13, text_baseline="bottom",
                 text_font_size="15px", text_color="#222222")
        fig.yaxis.visible = False
        fig.add_tools(HoverTool(renderers=[dots], tooltips=[("option", "@name"), ("fit", "@mean{0} (@low{0} to @high{0})"),
                                                            ("best in", "@best of the scenarios")]))
        fig.ygrid.grid_line_color = None
        self.figure = fig

    def update(self, rows: list[dict[str, Any]]) -> None:
        names = [r["name"] for r in rows][::-1]
        if list(_factor_range(self.figure).factors) != names:
            _factor_range(self.figure).factors = names
            self.figure.height = max(180, 70 + 64 * len(rows))
        rows = rows[::-1]
        self.source.data = dict(
            name=[r["name"] for r in rows],
            mean=[100 * r["mean"] for r in rows],
            low=[100 * r["low"] for r in rows],
            high=[100 * r["high"] for r in rows],
            colour=[OUTCOME_COLOURS["palliative"] if r["option"] == "palliative_focus" else OKABE_ITO["blue"] for r in rows],
            p_best=[100 * r["p_best"] for r in rows],
            best=[in_100(r["p_best"]) for r in rows],  # capped in words: never "100 in 100"
            label=[f"{100 * r['mean']:.0f}" for r in rows],
        )


# ----- committee: posterior intervals, tornado, thresholds --------------------------------------------
class IntervalChart:
    """Posterior mean and highest-density interval of a probability per option (e.g. remission)."""

    def __init__(self, title: str, colour: str) -> None:
        self.source = ColumnDataSource(dict(option=[], mean=[], low=[], high=[]))
        fig = _base(title, 220, y_range=FactorRange(), x_range=Range1d(start=0, end=100), x_axis_label="chance in 100 (dot: mean; bar: 94% credible interval)")
        fig.hbar(y="option", left="low", right="high", height=0.3, source=self.source, fill_color=colour, fill_alpha=0.4, line_color=colour)
        dots = fig.scatter(x="mean", y="option", source=self.source, size=10, color=colour)
        fig.add_tools(HoverTool(renderers=[dots], tooltips=[("", "@option: @mean{0.0} (@low{0.0} to @high{0.0})")]))
        self.figure = fig

    def update(self, rows: list[dict[str, Any]]) -> None:
        names = [r["option"] for r in rows][::-1]
        _factor_range(self.figure).factors = names
        self.figure.height = max(140, 60 + 36 * len(rows))
        rows = rows[::-1]
        self.source.data = dict(
            option=names,
            mean=[100 * r["mean"] for r in rows],
            low=[100 * r["low"] for r in rows],
            high=[100 * r["high"] for r in rows],
        )


def tornado_words(rows: "Sequence[TornadoRow]") -> str:
    """The tornado analysis in sentences."""
    if not rows:
        return "No tornado analysis (no active option)."
    parts = []
    for r in rows:
        parts.append(
            f"{r.utility.replace('_', ' ')} ({r.source}, now {r.value:.2f}) moved from {r.low:.2f} to "
            f"{r.high:.2f}: the best active option's margin over palliative-focused care goes from "
            f"{r.margin_low:+.3f} to {r.margin_high:+.3f} (preferred: {r.preferred_low} / {r.preferred_high})."
        )
    return "One-way sensitivity, widest swing first. " + " ".join(parts)


class TornadoChart:
    """Margin of the best active option over palliative-focused care as each utility moves down and up."""

    def __init__(self) -> None:
        self.source = ColumnDataSource(dict(utility=[], left=[], right=[], low_end=[], high_end=[]))
        fig = _base(
            "Tornado: what moves the comparison",
            240,
            y_range=FactorRange(),
            x_axis_label="margin of the best active option over palliative-focused care (positive favours treatment)",
        )
        fig.hbar(y="utility", left="left", right="right", height=0.5, source=self.source, fill_color=OKABE_ITO["sky_blue"], line_color=OKABE_ITO["blue"])
        fig.scatter(x="low_end", y="utility", source=self.source, marker="triangle", size=9, color=OKABE_ITO["vermillion"], legend_label="utility lowered")
        fig.scatter(x="high_end", y="utility", source=self.source, marker="square", size=8, color=OKABE_ITO["bluish_green"], legend_label="utility raised")
        fig.add_layout(Span(location=0, dimension="height", line_color="#000000", line_width=1.5))
        fig.legend.location = "bottom_right"
        fig.legend.label_text_font_size = "14px"
        self.figure = fig

    def update(self, rows: "Sequence[TornadoRow]") -> None:
        rows = list(rows)[::-1]
        names = [r.utility.replace("_", " ") for r in rows]
        _factor_range(self.figure).factors = names
        self.source.data = dict(
            utility=names,
            left=[min(r.margin_low, r.margin_high) for r in rows],
            right=[max(r.margin_low, r.margin_high) for r in rows],
            low_end=[r.margin_low for r in rows],
            high_end=[r.margin_high for r in rows],
        )


def threshold_words(threshold: "Thresholds | None") -> str:
    """The threshold analysis in sentences."""
    parts = []
    for r in (threshold.per_option if threshold is not None else []):
        if r.p_remission_threshold is None:
            parts.append(f"{r.option}: {r.note} (remission chance now {100 * r.p_remission_now:.1f} in 100).")
        else:
            parts.append(
                f"{r.option}: preferred over {r.compared_with} when its remission chance is above "
                f"{100 * r.p_remission_threshold:.1f} in 100 (now {100 * r.p_remission_now:.1f})."
            )
    pal = threshold.palliative_utility if threshold is not None else None
    if pal is not None:
        parts.append(
            f"Palliative-focused care is preferred when valued above {pal.threshold:.2f} "
            f"(the mean fit of {pal.compared_with}); it is valued at {pal.value_now:.2f} now."
        )
    return " ".join(parts) or "No threshold analysis (no active option)."


class ThresholdChart:
    """Per active option: remission chance now (dot) against the chance at which the choice would flip (bar)."""

    def __init__(self) -> None:
        self.source = ColumnDataSource(dict(option=[], now=[], threshold=[]))
        fig = _base("Threshold: remission chance needed to be preferred", 220, y_range=FactorRange(), x_range=Range1d(start=0, end=100),
                    x_axis_label="remission chance in 100 (dot: now; bar: threshold)")
        fig.scatter(x="now", y="option", source=self.source, size=11, color=OKABE_ITO["blue"], legend_label="now")
        fig.scatter(x="threshold", y="option", source=self.source, marker="dash", size=22, line_width=3, color=OKABE_ITO["vermillion"],
                    legend_label="threshold")
        fig.legend.location = "bottom_right"
        fig.legend.label_text_font_size = "14px"
        self.figure = fig

    def update(self, threshold: "Thresholds | None") -> None:
        rows = list(threshold.per_option if threshold is not None else [])[::-1]
        names: list[str] = [r.option for r in rows]
        _factor_range(self.figure).factors = names
        self.figure.height = max(140, 70 + 36 * len(rows))
        self.source.data = dict(
            option=names,
            now=[100 * r.p_remission_now for r in rows],
            threshold=[float("nan") if r.p_remission_threshold is None else 100 * r.p_remission_threshold for r in rows],
        )
