"""Charts for the committee report and the dashboard, as small pure functions returning SVG text (no plotting library).

One implementation of each picture serves both: the icon arrays (with the one rounding of chances to
whole people out of 100), the rating-scale trajectory, the plans-over-time curves and icon groups, and the
report's interval, tornado and threshold plots. Every chart carries its own text alternative (``<title>``,
and ``<desc>`` or ``aria-label``, ``role="img"``); the report puts a table with the same numbers beside it and the dashboard a sentence.
Colours are the Okabe-Ito palette, safe for the common forms of colour blindness (Okabe & Ito 2008,
"Color Universal Design"), and no meaning rests on colour alone: every series is also labelled in words,
and in an icon array the people without the event are outlined, not filled. Words and colours come
from :mod:`futility.render.vocabulary`. The charts draw numbers they are given; they decide nothing clinical.
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

from futility.render.palette import OKABE_ITO
from futility.render.vocabulary import (
    HORIZON_ICON_GROUPS,
    HORIZON_QUANTITIES,
    ICON_GROUPS,
    OUTLINE,
    horizon_curve_words,
    horizon_sentence,
    plan_name,
)
from futility.rounding import people_out_of_100  # noqa: F401 - the one rounding rule, re-exported

_FONT = 'font-family="Helvetica, Arial, sans-serif"'


def _svg(width: float, height: float, title: str, desc: str | None, body: list[str], *, css: str = "",
         attrs: str = "") -> str:
    """The root of every chart: ``role="img"`` named by its title and, given one, described by its desc.

    With a desc the root points at both by id (ids from the content, not a counter, so the same report
    renders to the same bytes); with a title alone it carries the title as ``aria-label`` as well.
    """
    if desc is None:
        head = f'aria-label="{escape(title)}"{attrs}><title>{escape(title)}</title>'
    else:
        n = hashlib.sha256("".join([title, desc, *body]).encode("utf-8")).hexdigest()[:10]
        head = (f'aria-labelledby="t{n} d{n}"{attrs}><title id="t{n}">{escape(title)}</title>'
                f'<desc id="d{n}">{escape(desc)}</desc>')
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" role="img" {head}'
        + (f"<style>{css}</style>" if css else "")
        + "".join(body)
        + "</svg>"
    )


def svg_img(svg: str, alt: str | None = None, css_class: str | None = None) -> str:
    """An SVG chart as one ``<img>`` (a data URI): the PDF renderer draws those, and one image instead of
    a hundred inline elements keeps a dashboard page light. ``alt`` defaults to the chart's title.
    """
    width = re.search(r'width="(\d+)"', svg)
    height = re.search(r'height="(\d+)"', svg)
    if alt is None:
        title = re.search(r"<title[^>]*>(.*?)</title>", svg, re.S)
        alt = title.group(1) if title else "chart"  # already escaped in the SVG
    else:
        alt = escape(alt, quote=True)
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    cls = f'class="{css_class}" ' if css_class else ""
    return (f'<img {cls}src="data:image/svg+xml;base64,{data}" width="{width.group(1) if width else 500}" '
            f'height="{height.group(1) if height else 200}" alt="{alt}"/>')


def _text(x: float, y: float, s: str, size: float = 11, anchor: str = "start", weight: str = "normal",
          fill: str = "#000000") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" font-weight="{weight}" '
        f'fill="{fill}" {_FONT}>{escape(s)}</text>'
    )


def interval_plot(
    rows: Sequence[tuple[str, float | None, float | None, float | None]],
    title: str,
    axis_label: str,
    *,
    lo: float = 0.0,
    hi: float = 1.0,
    percent: bool = True,
    reference: tuple[float, str] | None = None,
    colour: str = OKABE_ITO["blue"],
) -> str:
    """Point and interval per row (``label, mean, low, high``) on a shared axis, with an optional reference line."""
    longest = max((len(label) for label, *_ in rows), default=10)
    label_w, plot_w, row_h = max(120, int(6.4 * longest) + 16), 330, 22
    height = 30 + row_h * len(rows) + 34
    x = lambda v: label_w + (min(max(v, lo), hi) - lo) / (hi - lo) * plot_w  # noqa: E731
    fmt = (lambda v: f"{100 * v:.0f}%") if percent else (lambda v: f"{v:.2f}")
    body = []
    for k in range(5):
        v = lo + (hi - lo) * k / 4
        body.append(f'<line x1="{x(v):.1f}" y1="22" x2="{x(v):.1f}" y2="{height - 30}" stroke="#DDDDDD"/>')
        body.append(_text(x(v), height - 16, fmt(v), 10, "middle"))
    body.append(_text(label_w + plot_w / 2, height - 3, axis_label, 10, "middle"))
    if reference is not None:
        rv, rl = reference
        body.append(f'<line x1="{x(rv):.1f}" y1="18" x2="{x(rv):.1f}" y2="{height - 30}" stroke="{OKABE_ITO["vermillion"]}" '
                    'stroke-width="1.5" stroke-dasharray="4,3"/>')
        body.append(_text(x(rv) + 3, 14, rl, 10, fill=OKABE_ITO["vermillion"]))
    desc = []
    for i, (label, mean, low, high) in enumerate(rows):
        y = 30 + i * row_h + row_h / 2
        body.append(_text(label_w - 8, y + 4, label, 11, "end"))
        if mean is None:
            body.append(_text(label_w + 4, y + 4, "not estimated", 10, fill="#555555"))
            desc.append(f"{label}: not estimated")
            continue
        if low is not None and high is not None:
            body.append(f'<line x1="{x(low):.1f}" y1="{y:.1f}" x2="{x(high):.1f}" y2="{y:.1f}" stroke="{colour}" stroke-width="3"/>')
        body.append(f'<circle cx="{x(mean):.1f}" cy="{y:.1f}" r="5" fill="#000000"/>')
        span = f" (interval {fmt(low)} to {fmt(high)})" if low is not None and high is not None else ""
        desc.append(f"{label}: {fmt(mean)}{span}")
    return _svg(label_w + plot_w + 30, height, title, "; ".join(desc), body)


def tornado_plot(rows: Sequence[dict], title: str, axis_label: str) -> str:
    """One bar pair per input, from zero to ``margin_low`` and to ``margin_high`` (positive favours active treatment)."""
    label_w, plot_w, row_h, top = 170, 340, 24, 28
    rows_end = top + row_h * len(rows)
    height = rows_end + 62
    values = [0.0] + [float(r[k]) for r in rows for k in ("margin_low", "margin_high") if r.get(k) is not None]
    extent = max(0.05, max(abs(v) for v in values)) * 1.1
    x = lambda v: label_w + (v + extent) / (2 * extent) * plot_w  # noqa: E731
    body = [
        f'<line x1="{x(0):.1f}" y1="{top - 6}" x2="{x(0):.1f}" y2="{rows_end}" stroke="#000000"/>',
        _text(x(-extent), 14, "favours palliative-focused care", 10, fill=OKABE_ITO["vermillion"]),
        _text(x(extent), 14, "favours active treatment", 10, "end", fill=OKABE_ITO["blue"]),
    ]
    for v in (-extent, -extent / 2, 0.0, extent / 2, extent):
        body.append(_text(x(v), rows_end + 14, f"{v:+.2f}", 10, "middle"))
    body.append(_text(label_w + plot_w / 2, rows_end + 28, axis_label, 10, "middle"))
    desc = []
    for i, r in enumerate(rows):
        y = top + i * row_h
        label = str(r.get("utility", r.get("parameter", "?"))).replace("_", " ")
        body.append(_text(label_w - 8, y + 14, f"{label} ({r.get('low', 0):.2f} to {r.get('high', 0):.2f})", 10, "end"))
        for key, colour, offset in (("margin_low", OKABE_ITO["sky_blue"], 2), ("margin_high", OKABE_ITO["orange"], 11)):
            margin = r.get(key)
            if margin is None:
                continue
            left, right = sorted((x(0), x(float(margin))))
            body.append(f'<rect x="{left:.1f}" y="{y + offset:.1f}" width="{max(right - left, 1):.1f}" height="8" fill="{colour}"/>')
        desc.append(f"{label}: margin {r.get('margin_low', 0):+.3f} at its low value, {r.get('margin_high', 0):+.3f} at its high value")
    legend_y = rows_end + 40
    body.append(f'<rect x="{label_w}" y="{legend_y}" width="9" height="8" fill="{OKABE_ITO["sky_blue"]}"/>')
    body.append(_text(label_w + 12, legend_y + 8, "utility at its low value", 9))
    body.append(f'<rect x="{label_w + 150}" y="{legend_y}" width="9" height="8" fill="{OKABE_ITO["orange"]}"/>')
    body.append(_text(label_w + 162, legend_y + 8, "utility at its high value", 9))
    return _svg(label_w + plot_w + 20, height, title, "; ".join(desc), body)


def threshold_plot(label: str, now: float, threshold: float | None, title: str, *, below: str, above: str,
                   lo: float = 0.0, hi: float = 1.0, percent: bool = False) -> str:
    """A number line from ``lo`` to ``hi`` split at ``threshold``, with the current value marked."""
    w, left, plot_w = 540, 20, 500
    x = lambda v: left + (min(max(v, lo), hi) - lo) / (hi - lo) * plot_w  # noqa: E731
    fmt = (lambda v: f"{100 * v:.0f}%") if percent else (lambda v: f"{v:.2f}")
    body = [_text(min(max(x(now), left + 30), left + plot_w - 30), 10, f"now {fmt(now)}", 10, "middle", "bold"),
            f'<polygon points="{x(now) - 6:.1f},14 {x(now) + 6:.1f},14 {x(now):.1f},29" fill="#000000"/>']
    if threshold is None:
        body.append(f'<rect x="{left}" y="30" width="{plot_w}" height="14" fill="{OKABE_ITO["grey"]}"/>')
        body.append(_text(left, 60, "no value in the range changes the preferred option", 10))
        desc = f"{label} now {fmt(now)}; no value in the range changes the preferred option"
    else:
        t = x(threshold)
        body.append(f'<rect x="{left}" y="30" width="{t - left:.1f}" height="14" fill="{OKABE_ITO["sky_blue"]}"/>')
        body.append(f'<rect x="{t:.1f}" y="30" width="{left + plot_w - t:.1f}" height="14" fill="{OKABE_ITO["orange"]}"/>')
        body.append(f'<line x1="{t:.1f}" y1="26" x2="{t:.1f}" y2="48" stroke="#000000" stroke-width="2"/>')
        body.append(_text(min(max(t, left + 45), left + plot_w - 45), 60, f"threshold {fmt(threshold)}", 10, "middle"))
        body.append(_text(left, 76, f"below: {below}", 10))
        body.append(_text(left + plot_w, 76, f"above: {above}", 10, "end"))
        desc = f"{label} now {fmt(now)}; threshold {fmt(threshold)}: below it {below}, above it {above}"
    body.append(_text(left, 92, fmt(lo), 9))
    body.append(_text(left + plot_w, 92, fmt(hi), 9, "end"))
    return _svg(w, 98, title, desc, body)




# ----- icon arrays -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class IconGroup:
    """A group of people drawn in one style: ``count`` of the 100, with its legend label and committee term."""

    key: str
    count: int
    label: str
    colour: str
    filled: bool = True
    term: str = ""


def people_counts(probabilities: Sequence[float]) -> list[int]:
    """Whole people out of 100 for disjoint outcomes, the rest (1 - sum) as one more, last group."""
    probs = [max(0.0, float(p)) for p in probabilities]
    return people_out_of_100([*probs, max(0.0, 1.0 - sum(probs))])


def _groups(keys: Sequence[str], counts: Sequence[int]) -> list[IconGroup]:
    return [IconGroup(k, c, ICON_GROUPS[k].label, ICON_GROUPS[k].colour, ICON_GROUPS[k].filled, ICON_GROUPS[k].term)
            for k, c in zip(keys, counts)]


def outcome_groups(p_remission: float, p_response: float) -> list[IconGroup]:
    """Remission, response without remission, no response (from mean chances; response means response or better)."""
    counts = people_out_of_100([p_remission, max(p_response - p_remission, 0.0), max(1.0 - p_response, 0.0)])
    return _groups(("remission", "response", "no_response"), counts)


def burden_groups(p_burden: float) -> list[IconGroup]:
    """Significant side effects or not (from the mean chance)."""
    return _groups(("side_effects", "no_side_effects"), people_out_of_100([p_burden, max(1.0 - p_burden, 0.0)]))


def icon_groups(entry: dict[str, Any]) -> tuple[list[IconGroup] | None, list[IconGroup] | None]:
    """The outcome and side-effect groups of one prognosis entry of the JSON contract, as both views draw them.

    No outcome array without a remission chance; no side-effect array when the burden is not known. Without
    a response chance the response-only group is empty (remission is the only improvement counted).
    """
    rem, resp, bur = entry.get("p_remission") or {}, entry.get("p_response") or {}, entry.get("p_burden") or {}
    if rem.get("mean") is None:
        return None, None
    p_resp = float(resp["mean"]) if resp.get("mean") is not None else float(rem["mean"])
    outcome = outcome_groups(float(rem["mean"]), p_resp)
    known = entry.get("burden_known", True) and bur.get("mean") is not None
    return outcome, burden_groups(float(bur["mean"])) if known else None


#: Groups drawn striped rather than solid: an improvement short of remission, or a remission that did not last.
#: Solid (the event), striped (part of it) and outlined (not) differ in shape, so the array reads without colour.
STRIPED = frozenset({"response", "remitted_before"})


def icon_style(group: IconGroup) -> str:
    """How a group's people are drawn: "filled" (solid), "striped" (solid with white bands across) or "outlined"."""
    if not group.filled:
        return "outlined"
    return "striped" if group.key in STRIPED else "filled"


#: White bands laid over a solid person (or legend swatch) to stripe it; outside the figure they fall on the
#: white page and do not show. No pattern or clip path: the report allows no ``url(`` reference.
_BANDS = ('<g fill="#FFFFFF" stroke="none"><rect x="0" y="1.9" width="10" height="0.9"/>'
          '<rect x="0" y="5.6" width="10" height="0.9"/><rect x="0" y="7.9" width="10" height="0.9"/></g>')


#: One person: a head and shoulders, drawn in a 10 x 10 cell.
_FIGURE = '<circle cx="5" cy="2.4" r="2"/><path d="M1.2 10 V7.4 Q1.2 4.8 5 4.8 Q8.8 4.8 8.8 7.4 V10 Z"/>'
_PERSON = '<symbol id="{sid}" viewBox="0 0 10 10" width="{size}" height="{size}">' + _FIGURE + "</symbol>"
#: The same person striped (:data:`STRIPED`).
_STRIPED_PERSON = '<symbol id="{sid}" viewBox="0 0 10 10" width="{size}" height="{size}">' + _FIGURE + _BANDS + "</symbol>"


def icon_array_svg(groups: Sequence[IconGroup], title: str, desc: str | None = None, *, uid: str, size: int = 17,
                   legend: bool = False) -> str:
    """100 people in a 10 x 10 grid filled row by row in group order, with ``title`` (and ``desc``) as its text
    alternative; ``legend`` adds a legend under the grid naming each group with its count (for the report).

    Solid icons carry the event, striped ones part of it (:data:`STRIPED`: response without remission, a
    remission that did not last) and outlined ones none, so the array reads without colour too. Each group is
    one CSS class scoped to this SVG's id (``uid``, unique in a page), so the 100 icons stay short (``<use>``
    of one symbol) and several arrays inlined in one page keep their own colours.
    """
    uid = re.sub(r"[^A-Za-z0-9_-]", "-", uid)
    gap = max(size // 6, 2)
    side = 10 * size + 9 * gap
    sid = f"p-{uid}"
    styles, cells = [], []
    styled = [icon_style(g) for g in groups]
    index = 0
    for k, group in enumerate(groups):
        fill, stroke = (group.colour, group.colour) if styled[k] != "outlined" else ("#FFFFFF", OUTLINE)
        styles.append(f"#a-{uid} .g{k}{{fill:{fill};stroke:{stroke};stroke-width:0.6}}")
        symbol = f"s-{uid}" if styled[k] == "striped" else sid
        for _ in range(group.count):
            row, col = divmod(index, 10)
            cells.append(f'<use href="#{symbol}" x="{col * (size + gap)}" y="{row * (size + gap)}" class="g{k}"/>')
            index += 1
    width, height = side, side
    if legend:
        total = sum(g.count for g in groups)
        lines = [f"{g.count} of {total}: {g.label}" for g in groups]
        for k, line in enumerate(lines):
            y = side + 8 + 16 * k
            cells.append(f'<rect x="0.5" y="{y + 0.5}" width="10" height="10" class="g{k}"/>')
            if styled[k] == "striped":
                cells.append(f'<g transform="translate(0.5 {y + 0.5})">{_BANDS}</g>')
            cells.append(_text(15, y + 9, line, 10))
        width = max(side, 15 + math.ceil(5.4 * max(map(len, lines), default=0)))
        height = side + 8 + 16 * len(groups)
    striped = _STRIPED_PERSON.format(sid=f"s-{uid}", size=size) if "striped" in styled else ""
    body = [f"<defs>{_PERSON.format(sid=sid, size=size)}{striped}</defs>", *cells]
    return _svg(width, height, title, desc, body, css="".join(styles), attrs=f' id="a-{uid}"')


# ----- rating-scale trajectory -----------------------------------------------------------------------
def score_rows(scores: Sequence[dict[str, Any]], scale_name: str | None) -> list[dict[str, Any]]:
    """The dated ratings on the measurement summary's scale, oldest first (none without a summary's scale)."""
    rows = [s for s in scores if scale_name is not None and s.get("scale") == scale_name]
    return sorted(rows, key=lambda s: str(s.get("date")))


def _day(value: Any) -> int:
    text = str(value)[:10]
    return dt.date.fromisoformat(text if len(text) == 10 else f"{text[:7]}-01").toordinal()


def score_trajectory_svg(rows: Sequence[dict[str, Any]], scale: Any | None, title: str, desc: str | None = None, *,
                         width: int = 900, height: int = 210, by_date: bool = True, responsive: bool = False,
                         response_line: float | None = None) -> str:
    """Dated ratings (``date``, ``value``; oldest first) over the severity bands of their scale: remission
    range in light blue, the rules' response line (``response_line``, from the measurement summary) dashed when
    given, one labelled point per rating.

    ``by_date`` spaces the points by time (else evenly, as when dates are shown only to the month);
    ``responsive`` lets the SVG shrink to its container. Empty without ratings or a scale.
    """
    if not rows or scale is None:
        return ""
    left, right, top, bottom = 44, 44, 10, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    n = len(rows)
    if by_date:
        days = [_day(r["date"]) for r in rows]
        d0, span = min(days), max(max(days) - min(days), 1)
        frac = [0.5 if max(days) == d0 else (d - d0) / span for d in days]
    else:
        frac = [0.5 if n == 1 else i / (n - 1) for i in range(n)]
    xs = [left + 30 + f * (plot_w - 60) for f in frac]

    def y(value: float) -> float:
        return top + plot_h * (1 - value / scale.maximum)

    grey = "#555555"
    body = []
    for i, (name, low, high) in enumerate(scale.bands):
        upper = high + 1 if i < len(scale.bands) - 1 else high
        shade = (f'fill="{OKABE_ITO["sky_blue"]}" fill-opacity="0.38"' if high <= scale.remission_max
                 else f'fill="#DDDDDD" fill-opacity="{(0.3, 0.7)[i % 2]}"')
        body.append(f'<rect x="{left}" y="{y(upper):.1f}" width="{plot_w}" height="{y(low) - y(upper):.1f}" {shade}/>')
        body.append(_text(left + 4, y(low) - 3, name.replace("_", " "), 11, fill=grey))
    if response_line is not None:  # the rules' line (Measurement.response_line); drawn, never computed here
        body.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y(response_line):.1f}" y2="{y(response_line):.1f}" '
                    f'stroke="{grey}" stroke-dasharray="5 4"/>')
        body.append(_text(left + plot_w - 4, y(response_line) - 3, "response line (half the first rating)", 11, "end", fill=grey))
    points = " ".join(f"{x:.1f},{y(r['value']):.1f}" for x, r in zip(xs, rows))
    body.append(f'<polyline points="{points}" fill="none" stroke="#000000" stroke-width="2"/>')
    for x, r in zip(xs, rows):
        point = f"{r['value']:g} on {r['date']}"
        body.append(f'<circle cx="{x:.1f}" cy="{y(r["value"]):.1f}" r="5" fill="#000000"><title>{escape(point)}</title></circle>')
        body.append(_text(x, height - 12, str(r["date"]), 11, "middle", fill=grey))
    for tick in range(0, int(scale.maximum) + 1, 5 if scale.maximum <= 30 else 10):
        body.append(_text(left - 6, y(tick) + 4, str(tick), 11, "end", fill=grey))
    style = f' style="width:100%;max-width:{width}px;height:auto"' if responsive else ""
    return _svg(width, height, title, desc, body, attrs=style)


# ----- plans over time (the horizon) -----------------------------------------------------------------
#: One colour, dash pattern and marker per plan, in plan order (usual care first, comfort-focused care second, in
#: the colour the other charts give palliative-focused care). Okabe-Ito; the dash and the marker tell the plans apart
#: without colour, and the legend names each.
HORIZON_STYLES: tuple[tuple[str, str, str], ...] = (
    (OKABE_ITO["blue"], "", "circle"),
    (OKABE_ITO["reddish_purple"], "6,3", "square"),
    (OKABE_ITO["bluish_green"], "2,2", "triangle"),
    (OKABE_ITO["orange"], "8,3,2,3", "diamond"),
    (OKABE_ITO["vermillion"], "4,4", "down"),
    (OKABE_ITO["sky_blue"], "10,4", "circle"),
    (OKABE_ITO["black"], "1,3", "square"),
    (OKABE_ITO["yellow"], "6,2,2,2", "triangle"),
)


def _marker(shape: str, x: float, y: float, colour: str, r: float = 3.6) -> str:
    edge = 'stroke="#000000" stroke-width="0.7"'
    if shape == "circle":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" fill="{colour}" {edge}/>'
    if shape == "square":
        return f'<rect x="{x - r:.1f}" y="{y - r:.1f}" width="{2 * r:.1f}" height="{2 * r:.1f}" fill="{colour}" {edge}/>'
    points = {
        "triangle": [(x, y - r * 1.2), (x + r * 1.1, y + r * 0.8), (x - r * 1.1, y + r * 0.8)],
        "down": [(x, y + r * 1.2), (x + r * 1.1, y - r * 0.8), (x - r * 1.1, y - r * 0.8)],
        "diamond": [(x, y - r * 1.3), (x + r * 1.1, y), (x, y + r * 1.3), (x - r * 1.1, y)],
    }[shape]
    return f'<polygon points="{" ".join(f"{a:.1f},{b:.1f}" for a, b in points)}" fill="{colour}" {edge}/>'


def _field(obj: Any, name: str) -> Any:
    """An attribute of a typed contract part, or the key of its JSON dict (both views pass either)."""
    return obj[name] if isinstance(obj, dict) else getattr(obj, name)


def _legend_name(plan: Any, limit: int = 34) -> str:
    name = plan_name(plan)
    return name if len(name) <= limit else name[: limit - 1].rstrip() + "…"


def horizon_curves_svg(plans: Sequence[Any], quantity: str, title: str, desc: str | None = None, *,
                       width: int = 540) -> str:
    """One line per plan through (0, 0) and each report month's mean of ``quantity`` (``p_ever_remitted``,
    ``p_in_remission`` or ``p_well_6m``), over a shaded band from its interval's low to its high end; x in months
    from now, y 0-100%, a legend with the plans' short names. ``plans`` are the horizon's plans (typed
    :class:`~futility.contract.HorizonPlan` or their JSON dicts), at most 8; ``desc`` defaults to the numbers in words.

    Only the months the horizon reports are drawn (and month 0, where every chance is 0): the lines between them
    are straight joins, not computed values.
    """
    plans = list(plans)[: len(HORIZON_STYLES)]
    if desc is None:
        desc = horizon_curve_words(plans, quantity)
    months = sorted({int(_field(o, "month")) for p in plans for o in _field(p, "outcomes")})
    last = max(months, default=12)
    left, top, plot_w, plot_h = 46, 14, width - 46 - 200, 200
    legend_x = left + plot_w + 18
    rows_h = 16 * len(plans) + 8
    height = top + max(plot_h, rows_h) + 40
    x = lambda m: left + m / last * plot_w  # noqa: E731
    y = lambda p: top + plot_h * (1 - min(max(float(p), 0.0), 1.0))  # noqa: E731
    grey = "#555555"
    body = []
    for k in range(5):
        v = k / 4
        body.append(f'<line x1="{left}" y1="{y(v):.1f}" x2="{left + plot_w}" y2="{y(v):.1f}" stroke="#DDDDDD"/>')
        body.append(_text(left - 5, y(v) + 4, f"{100 * v:.0f}%", 10, "end", fill=grey))
    for m in [0, *months]:
        body.append(f'<line x1="{x(m):.1f}" y1="{top + plot_h}" x2="{x(m):.1f}" y2="{top + plot_h + 4}" stroke="{grey}"/>')
        body.append(_text(x(m), top + plot_h + 15, str(m), 10, "middle", fill=grey))
    body.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="{grey}"/>')
    body.append(f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="{grey}"/>')
    body.append(_text(left + plot_w / 2, top + plot_h + 30, "months from now", 10, "middle"))
    what = HORIZON_QUANTITIES.get(quantity, quantity.replace("_", " "))
    body.append(_text(legend_x, top + 2, f"chance of being {what.split(' (')[0]}", 9, fill=grey))
    bands, lines = [], []
    for i, plan in enumerate(plans):
        colour, dash, shape = HORIZON_STYLES[i]
        outcomes = sorted(_field(plan, "outcomes"), key=lambda o: int(_field(o, "month")))
        summaries = [(int(_field(o, "month")), _field(o, quantity)) for o in outcomes]
        upper = [(x(0), y(0))] + [(x(m), y(_field(s, "hdi_high"))) for m, s in summaries]
        lower = [(x(m), y(_field(s, "hdi_low"))) for m, s in reversed(summaries)]
        band = " ".join(f"{a:.1f},{b:.1f}" for a, b in upper + lower)
        bands.append(f'<polygon class="band" points="{band}" fill="{colour}" fill-opacity="0.13" stroke="none"/>')
        means = [(x(0), y(0))] + [(x(m), y(_field(s, "mean"))) for m, s in summaries]
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        lines.append(f'<polyline class="curve" points="{" ".join(f"{a:.1f},{b:.1f}" for a, b in means)}" fill="none" '
                     f'stroke="{colour}" stroke-width="2"{dashed}/>')
        lines.extend(_marker(shape, a, b, colour) for a, b in means[1:])
        ly = top + 16 + 16 * i
        body.append(f'<line x1="{legend_x}" y1="{ly - 4}" x2="{legend_x + 26}" y2="{ly - 4}" stroke="{colour}" '
                    f'stroke-width="2"{dashed}/>')
        body.append(_marker(shape, legend_x + 13, ly - 4, colour))
        body.append(_text(legend_x + 32, ly, _legend_name(plan), 10))
    return _svg(width, height, title, desc, bands + body + lines)


def horizon_icon_groups(outcome: Any) -> list[IconGroup]:
    """One plan at one month as people out of 100: in remission at that month; in remission at some point before
    but not at that month; never in remission yet (from the means of ``p_in_remission`` and ``p_ever_remitted``,
    rounded once so the three add up to 100). ``outcome`` is a :class:`~futility.contract.HorizonOutcome` or its dict.
    """
    now = float(_field(_field(outcome, "p_in_remission"), "mean"))
    ever = max(float(_field(_field(outcome, "p_ever_remitted"), "mean")), now)
    counts = people_out_of_100([now, ever - now, max(1.0 - ever, 0.0)])
    keys = ("in_remission", "remitted_before", "never_remitted")
    return [IconGroup(k, c, HORIZON_ICON_GROUPS[k].label, HORIZON_ICON_GROUPS[k].colour, HORIZON_ICON_GROUPS[k].filled,
                      HORIZON_ICON_GROUPS[k].term) for k, c in zip(keys, counts)]


def horizon_pictures(plan: Any, months: Sequence[int]) -> list[tuple[int, Any, list[IconGroup], str]]:
    """A plan's pictures at ``months`` (those it reports): (month, outcome, icon groups, sentence) each, the one
    selection and wording the report and the dashboard both draw.
    """
    by_month = {int(_field(o, "month")): o for o in _field(plan, "outcomes")}
    return [(m, by_month[m], horizon_icon_groups(by_month[m]), horizon_sentence("", m, by_month[m]))
            for m in months if m in by_month]
