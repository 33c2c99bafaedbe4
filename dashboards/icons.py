"""Icon arrays in the dashboard: the shared SVG (:mod:`futility.render.charts`) as one image, and an HTML legend.

People are drawn solid (the event), striped (part of it: response without remission) or outlined (none):
a shape cue besides colour, the same in the picture and in the legend's swatches.

Icon arrays with a fixed denominator of 100 are what IPDAS recommends for showing outcome chances
(Trevena et al., BMC Med Inform Decis Mak 2013;13 Suppl 2:S7). The groups, their rounding to whole
people and the picture are the report's too; only the page furniture is here.
"""
from __future__ import annotations

import html

from futility.render.charts import IconGroup, icon_array_svg, icon_style, svg_img
from futility.render.vocabulary import OUTLINE


def icon_array_img(groups: list[IconGroup], description: str, *, uid: str, size: int = 17) -> str:
    """The icon array as one ``<img>`` (an SVG data URI) with ``description`` as its alt text.

    One image instead of 100 inline elements keeps the page light: a dozen options draw at once.
    """
    return svg_img(icon_array_svg(groups, description, uid=uid, size=size), description, "fu-icons")


def legend_html(groups: list[IconGroup]) -> str:
    """A legend naming each group with its count, so the numbers are there in words too."""
    items = []
    for group in groups:
        style = icon_style(group)
        if style == "striped":  # the same stripes as the people in the picture
            background = f"repeating-linear-gradient(180deg,{group.colour} 0 2px,#FFFFFF 2px 3px)"
            colour = group.colour
        else:
            colour = group.colour if style == "filled" else OUTLINE
            background = group.colour if style == "filled" else "#FFFFFF"
        items.append(
            f'<li><span class="fu-swatch fu-swatch-{style}" style="background:{background};border:1px solid {colour}" '
            f'aria-hidden="true"></span><b>{group.count}</b> {html.escape(group.label)}</li>'
        )
    return f'<ul class="fu-legend">{"".join(items)}</ul>'
