"""Icon arrays: 100 people in a 10 x 10 grid, as accessible inline SVG.

Icon arrays with a fixed denominator of 100 are what IPDAS recommends for showing outcome chances
(Trevena et al., BMC Med Inform Decis Mak 2013;13 Suppl 2:S7). This module only lays icons out: the
chances come from the prognosis table; here they are rounded to whole people out of 100 (largest
remainder, so the groups always add up to 100) and drawn, each array with a text alternative.
"""
from __future__ import annotations

import base64
import html
import math
from dataclasses import dataclass

from futility.dashboards.palette import OUTCOME_COLOURS

#: One person: a head and shoulders, drawn in a 10 x 10 cell.
_PERSON = (
    '<symbol id="{sid}" viewBox="0 0 10 10">'
    '<circle cx="5" cy="2.4" r="2"/>'
    '<path d="M1.2 10 V7.4 Q1.2 4.8 5 4.8 Q8.8 4.8 8.8 7.4 V10 Z"/>'
    "</symbol>"
)


@dataclass(frozen=True)
class IconGroup:
    """A group of people drawn in one style: ``count`` of the 100, with a legend label."""

    key: str
    count: int
    label: str
    colour: str
    filled: bool = True


def people_out_of_100(shares: list[float]) -> list[int]:
    """Round shares (summing to at most 1) to whole people out of 100, keeping the total at 100.

    The last share is taken as the remainder when the shares add up to less than 1. Largest-remainder
    rounding keeps every count within one person of its exact value.
    """
    clipped = [min(max(float(s), 0.0), 1.0) for s in shares]
    total = sum(clipped)
    if total > 1.0:
        clipped = [s / total for s in clipped]
    else:
        clipped[-1] += 1.0 - total
    exact = [100.0 * s for s in clipped]
    counts = [math.floor(x) for x in exact]
    short = 100 - sum(counts)
    order = sorted(range(len(exact)), key=lambda i: exact[i] - counts[i], reverse=True)
    for i in order[: max(short, 0)]:
        counts[i] += 1
    return counts


def outcome_groups(p_remission: float, p_response: float) -> list[IconGroup]:
    """Remission, response without remission, no response (from mean chances; response means response or better)."""
    remission, response_only, none = people_out_of_100(
        [p_remission, max(p_response - p_remission, 0.0), max(1.0 - p_response, 0.0)]
    )
    return [
        IconGroup("remission", remission, "feel well again (remission)", OUTCOME_COLOURS["remission"]),
        IconGroup("response", response_only, "clearly better but not fully well (response)", OUTCOME_COLOURS["response"]),
        IconGroup("no_response", none, "no real improvement", OUTCOME_COLOURS["no_response"], filled=False),
    ]


def burden_groups(p_burden: float) -> list[IconGroup]:
    """Significant side effects or not (from the mean chance)."""
    burden, rest = people_out_of_100([p_burden, max(1.0 - p_burden, 0.0)])
    return [
        IconGroup("side_effects", burden, "significant side effects", OUTCOME_COLOURS["side_effects"]),
        IconGroup("no_side_effects", rest, "no significant side effects", OUTCOME_COLOURS["no_side_effects"], filled=False),
    ]


def icon_array_svg(groups: list[IconGroup], description: str, *, uid: str, size: int = 17) -> str:
    """An SVG of 100 people filled row by row in group order, with ``description`` as its text alternative.

    Filled icons carry the event; outlined ones do not, so the array reads without colour too. Each group
    is one CSS class, so the 100 icons stay short (``<use>`` of one symbol).
    """
    gap = max(size // 6, 2)
    side = 10 * size + 9 * gap
    sid = f"p-{uid}"
    styles = []
    cells: list[str] = []
    index = 0
    for k, group in enumerate(groups):
        fill, stroke = (group.colour, group.colour) if group.filled else ("#FFFFFF", "#6E6E6E")
        styles.append(f".g{k}{{fill:{fill};stroke:{stroke};stroke-width:0.6}}")
        for _ in range(group.count):
            row, col = divmod(index, 10)
            cells.append(f'<use href="#{sid}" x="{col * (size + gap)}" y="{row * (size + gap)}" class="g{k}"/>')
            index += 1
    label = html.escape(description, quote=True)
    symbol = _PERSON.format(sid=sid).replace('viewBox="0 0 10 10">', f'viewBox="0 0 10 10" width="{size}" height="{size}">')
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{label}" '
        f'width="{side}" height="{side}" viewBox="0 0 {side} {side}">'
        f"<title>{label}</title><style>{''.join(styles)}</style><defs>{symbol}</defs>{''.join(cells)}</svg>"
    )


def icon_array_img(groups: list[IconGroup], description: str, *, uid: str, size: int = 17) -> str:
    """The icon array as one ``<img>`` (an SVG data URI) with ``description`` as its alt text.

    One image instead of 100 inline elements keeps the page light: a dozen options draw at once.
    """
    svg = icon_array_svg(groups, description, uid=uid, size=size)
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    side = 10 * size + 9 * max(size // 6, 2)
    alt = html.escape(description, quote=True)
    return f'<img class="fu-icons" src="data:image/svg+xml;base64,{data}" width="{side}" height="{side}" alt="{alt}">'


def legend_html(groups: list[IconGroup]) -> str:
    """A legend naming each group with its count, so the numbers are there in words too."""
    items = []
    for group in groups:
        swatch_style = (
            f"background:{group.colour};border:1px solid {group.colour}"
            if group.filled
            else "background:#FFFFFF;border:1px solid #6E6E6E"
        )
        items.append(
            f'<li><span class="fu-swatch" style="{swatch_style}" aria-hidden="true"></span>'
            f"<b>{group.count}</b> {html.escape(group.label)}</li>"
        )
    return f'<ul class="fu-legend">{"".join(items)}</ul>'


def outcome_sentence(option_name: str, groups: list[IconGroup], interval: tuple[float, float] | None) -> str:
    """The text alternative for an outcome array, e.g. 'Of 100 people like you who try X, about 6 ...'."""
    counts = {g.key: g.count for g in groups}
    text = (
        f"Of 100 people like you who try {option_name}, about {counts['remission']} feel well again "
        f"(remission), about {counts['response']} more are clearly better but not fully well, and about "
        f"{counts['no_response']} do not improve much."
    )
    if interval is not None:
        low, high = (round(100 * v) for v in interval)
        text += f" The evidence is compatible with anywhere from {low} to {high} in 100 feeling well again."
    return text


def burden_sentence(option_name: str, groups: list[IconGroup], interval: tuple[float, float] | None) -> str:
    """The text alternative for a side-effect array."""
    count = groups[0].count
    text = f"Of 100 people like you who try {option_name}, about {count} have significant side effects."
    if interval is not None:
        low, high = (round(100 * v) for v in interval)
        text += f" The evidence is compatible with anywhere from {low} to {high} in 100."
    return text
