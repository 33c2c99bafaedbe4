"""Charts for the committee report as small pure functions returning SVG text (no plotting library).

Every chart carries its own text alternative (``<title>`` and ``<desc>``, ``role="img"``); the report
puts a table with the same numbers beside it. Colours are the Okabe-Ito palette, safe for the common
forms of colour blindness (Okabe & Ito 2008, "Color Universal Design"), and no meaning rests on colour
alone: every series is also labelled in words. The same SVG is inlined in the HTML and embedded as an
image in the PDF.
"""
from __future__ import annotations

import hashlib
from collections.abc import Sequence
from html import escape

from futility.render.palette import OKABE_ITO

_FONT = 'font-family="Helvetica, Arial, sans-serif"'


def _svg(width: float, height: float, title: str, desc: str, body: list[str]) -> str:
    # ids from the content, not a counter, so that the same report renders to the same bytes
    n = hashlib.sha256("".join([title, desc, *body]).encode("utf-8")).hexdigest()[:10]
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" role="img" aria-labelledby="t{n} d{n}">'
        f'<title id="t{n}">{escape(title)}</title><desc id="d{n}">{escape(desc)}</desc>'
        + "".join(body)
        + "</svg>"
    )


def _text(x: float, y: float, s: str, size: float = 11, anchor: str = "start", weight: str = "normal",
          fill: str = "#000000") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" font-weight="{weight}" '
        f'fill="{fill}" {_FONT}>{escape(s)}</text>'
    )


def _person(x: float, y: float, size: float) -> str:
    """Path commands for one person ``size`` wide: a round head over a body with rounded shoulders."""
    r = size * 0.2
    cx, cy = x + size / 2, y + r
    bx, by, bw, bh, c = x + size * 0.18, y + 2.2 * r, size * 0.64, size * 0.62, size * 0.16
    return (
        f"M{cx - r:.1f},{cy:.1f}a{r:.1f},{r:.1f} 0 1,0 {2 * r:.1f},0a{r:.1f},{r:.1f} 0 1,0 {-2 * r:.1f},0Z"
        f"M{bx:.1f},{by + bh:.1f}v{-(bh - c):.1f}q0,{-c:.1f} {c:.1f},{-c:.1f}h{bw - 2 * c:.1f}"
        f"q{c:.1f},0 {c:.1f},{c:.1f}v{bh - c:.1f}Z"
    )


def people_counts(probabilities: Sequence[float], total: int = 100) -> list[int]:
    """Whole people out of ``total`` for probabilities that sum to at most 1 (largest-remainder rounding).

    The remainder (1 - sum) becomes the last, implicit group, so the counts always add up to ``total``.
    """
    probs = [max(0.0, float(p)) for p in probabilities]
    rest = max(0.0, 1.0 - sum(probs))
    shares = [p * total for p in [*probs, rest]]
    counts = [int(s) for s in shares]
    order = sorted(range(len(shares)), key=lambda i: shares[i] - counts[i], reverse=True)
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def icon_array(groups: Sequence[tuple[str, int, str]], title: str, size: float = 12, columns: int = 10) -> str:
    """100 people (or ``sum`` of the counts) coloured by group: ``groups`` is ``(label, count, colour)``.

    Filled row by row from the top left, group after group, with a legend below naming each group and its count.
    """
    total = sum(c for _, c, _ in groups)
    rows = -(-total // columns)
    gap = size * 0.3
    grid_h = rows * (size + gap) + 4
    body = []
    i = 0
    for _, count, colour in groups:  # one path per group keeps the SVG small and quick to draw in the PDF
        d = "".join(_person((k % columns) * (size + gap), (k // columns) * (size + gap) + 4, size)
                    for k in range(i, i + count))
        i += count
        if d:
            body.append(f'<path d="{d}" fill="{colour}"/>')
    for j, (label, count, colour) in enumerate(groups):
        y = grid_h + 6 + j * 16
        body.append(f'<rect x="0" y="{y:.1f}" width="10" height="10" fill="{colour}"/>')
        body.append(_text(15, y + 9, f"{count} of {total}: {label}", 10))
    desc = "; ".join(f"{count} of {total} people: {label}" for label, count, _ in groups)
    return _svg(240, grid_h + 10 + 16 * len(groups), title, desc, body)


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
            v = r.get(key)
            if v is None:
                continue
            left, right = sorted((x(0), x(float(v))))
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


def score_plot(points: Sequence[tuple[str, float]], title: str, scale: str, maximum: float) -> str:
    """Rating-scale scores over time (``date label, value``), oldest first."""
    w, h, left, top, plot_w, plot_h = 540, 170, 40, 12, 480, 120
    n = len(points)
    x = lambda i: left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)  # noqa: E731
    y = lambda v: top + plot_h * (1 - v / maximum)  # noqa: E731
    body = [f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#000000"/>']
    for v in (0, maximum / 2, maximum):
        body.append(_text(left - 4, y(v) + 4, f"{v:.0f}", 9, "end"))
    coords = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, (_, v) in enumerate(points))
    if n > 1:
        body.append(f'<polyline points="{coords}" fill="none" stroke="{OKABE_ITO["blue"]}" stroke-width="2"/>')
    for i, (label, v) in enumerate(points):
        body.append(f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="4" fill="{OKABE_ITO["blue"]}"/>')
        body.append(_text(x(i), top + plot_h + 16, label, 9, "middle"))
    desc = f"{scale} scores: " + "; ".join(f"{label} {v:g}" for label, v in points)
    return _svg(w, h, title, desc, body)
