"""The dashboard's stylesheet and design. Colours and words are shared with the report: :mod:`futility.render.vocabulary`.

Panel renders every component in its own shadow DOM, so a page-wide stylesheet does not reach inside
them. :class:`ConsultationDesign` (Panel's native design plus ``style.css``) attaches ``style.css`` to
every component: 16 px text inside Panel's widgets and markdown, alert colours with WCAG AA contrast,
rows that stack on a narrow (768 px) screen. Served, the sheet is one URL per page (the browser loads it
once); outside a server (tests, notebooks) it is inlined.
"""
from __future__ import annotations

from pathlib import Path

from panel.theme import Inherit, Native
from panel.viewable import Viewable

#: The stylesheet file (next to this module; served by Panel's component resource route).
STYLE_CSS = Path(__file__).with_name("style.css")

#: The dashboard's stylesheet as text, attached to each HTML pane (kept for panes rendered outside a server).
STYLESHEETS = [STYLE_CSS.read_text(encoding="utf-8")]


class ConsultationDesign(Native):
    """Panel's native design with the dashboard's stylesheet on every component (readable, AA contrast)."""

    modifiers = {
        Viewable: {
            "stylesheets": [Inherit, STYLE_CSS.name],
        },
    }
