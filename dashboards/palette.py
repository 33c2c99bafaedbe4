"""The dashboard's stylesheet. Colours and words are shared with the report: :mod:`futility.render.vocabulary`."""
from __future__ import annotations

from pathlib import Path

#: The dashboard's stylesheet, attached to each HTML pane (Panel renders panes in shadow DOM).
STYLESHEETS = [Path(__file__).with_name("style.css").read_text(encoding="utf-8")]
