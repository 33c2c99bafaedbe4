"""The futility dashboard: consultation, committee and case-input views over one case.

Run with ``futility serve [CASE]`` or ``panel serve dashboards/app.py`` (the case from the
``FUTILITY_CASE`` environment variable, or ``--args CASE``; the demo case by default).
:func:`create_app` builds one independent app per browser session.
"""
from __future__ import annotations

import html
import os
import sys
from pathlib import Path
from typing import Any

import panel as pn
import param
from panel.viewable import Viewer

from futility.dashboards.a11y import install as install_a11y
from futility.dashboards.case_input import CaseInputView
from futility.dashboards.committee import CommitteeView
from futility.dashboards.consultation import ConsultationView
from futility.dashboards.palette import STYLESHEETS, ConsultationDesign
from futility.dashboards.state import CaseSession
from futility.render.vocabulary import PATIENT_TITLE

#: Names of the three views (tab titles).
VIEWS = ("Consultation", "Committee", "Case input")


def _extension() -> None:
    from futility.dashboards.log_redaction import install
    from futility.dashboards.serving import local_assets

    install()  # no payload, file name or exception text from a callback ever reaches a log
    local_assets()
    # the design puts style.css on every component (16 px text, AA contrast, rows that stack at 768 px)
    pn.extension("tabulator", notifications=False, design=ConsultationDesign)


class DashboardApp(Viewer):
    """The whole app: a header naming the case, and the three views as tabs."""

    session = param.ClassSelector(class_=CaseSession)
    active: param.Selector = param.Selector(default=VIEWS[0], objects=list(VIEWS), doc="the view on screen")

    def __init__(self, **params: Any):
        super().__init__(**params)
        s = self.session
        self._views: dict[str, Viewer] = {}
        self.header = pn.pane.HTML(sizing_mode="stretch_width", css_classes=["fu-header"], stylesheets=STYLESHEETS)
        s.param.watch(self._on_case, ["revision"])
        self._on_case()
        # Only the view on screen is built; the others are built the first time they are opened. The tabs are
        # not dynamic: a built view stays in the document, so Panel never restyles a detached model with
        # stylesheets from its CDN (every asset is served by this server).
        self._slots = {name: pn.Column(sizing_mode="stretch_width") for name in VIEWS}
        self.tabs = pn.Tabs(*self._slots.items(), dynamic=False, sizing_mode="stretch_width", css_classes=["fu-main"])
        self.tabs.param.watch(lambda e: setattr(self, "active", VIEWS[e.new]), "active")
        self._layout = pn.Column(self.header, self.tabs, sizing_mode="stretch_width", css_classes=["fu-app"])
        self._show()

    @param.depends("active", watch=True)
    def _show(self) -> None:
        self.view(self.active)
        index = VIEWS.index(self.active)
        if self.tabs.active != index:
            self.tabs.active = index

    def view(self, name: str) -> Viewer:
        """The view called ``name`` (one of :data:`VIEWS`), built on first use."""
        if name not in self._views:
            factory = {VIEWS[0]: ConsultationView, VIEWS[1]: CommitteeView, VIEWS[2]: CaseInputView}[name]
            self._views[name] = factory(session=self.session)
            self._slots[name].objects = [self._views[name]]
        return self._views[name]

    @property
    def consultation(self) -> ConsultationView:
        return self.view(VIEWS[0])

    @property
    def committee(self) -> CommitteeView:
        return self.view(VIEWS[1])

    @property
    def case_input(self) -> CaseInputView:
        return self.view(VIEWS[2])

    def _on_case(self, *_events: Any) -> None:
        self.header.object = header_html(self.session)

    def __panel__(self) -> pn.viewable.Viewable:
        return self._layout


def header_html(session: CaseSession) -> str:
    """The header naming the case on screen, or the draft being corrected; every user-derived text escaped."""
    case, name = session.case, session.source_name
    source = f" <small>({html.escape(name)})</small>" if name else ""
    if session.pending and case is not None and session.draft_id == case.id:
        label = (f"Case {html.escape(case.id)}{source} <span class=\"fu-draft\">draft with problems: the views show "
                 f"the last valid version of this case</span>")
    elif session.pending:
        named = f"case {html.escape(session.draft_id)}" if session.draft_id else "a case without a readable id"
        label = (f"Draft of {named}{source} <span class=\"fu-draft\">not valid yet, nothing is assessed: "
                 f"correct it in Case input</span>")
    elif case is not None:
        label = f"Case {html.escape(case.id)}{source}"
    else:
        label = "No case loaded"
    return (
        f'<header><h1>{html.escape(PATIENT_TITLE)} <span class="fu-sub">– a decision aid for depression that has not '
        f'lifted after treatment</span></h1>'
        f'<p class="fu-case">{label}</p></header>'
    )


def create_app(case_path: str | Path | None = None, *, db_url: str | None = None, session: CaseSession | None = None) -> DashboardApp:
    """Build the app for one browser session with ``case_path`` (the demo case when None) loaded.

    ``db_url`` is the case store the committee view saves to (None: ``FUTILITY_DB`` or the user file).
    A case that fails validation still opens the app, on the case-input view, with the problems shown.
    """
    _extension()
    install_a11y(pn.state.curdoc)  # slider handles named by their question, tabs reachable by keyboard
    if session is None:
        session = CaseSession(db_url=db_url)
        ok = session.load_path(case_path)
    else:
        ok = session.case is not None
    app = DashboardApp(session=session)
    if not ok:
        app.active = "Case input"
    return app


def _served_case_path() -> str | None:
    """The case for ``panel serve``: ``--args CASE`` or ``FUTILITY_CASE``; None for the demo case."""
    args = [a for a in sys.argv[1:] if not a.startswith("-")]
    if args and Path(args[-1]).suffix.lower() in {".yaml", ".yml", ".json"}:
        return args[-1]
    return os.environ.get("FUTILITY_CASE") or None


if __name__.startswith("bokeh_app"):  # `panel serve dashboards/app.py`
    from futility.dashboards.serving import quiet_logs

    quiet_logs()
    _app = create_app(_served_case_path())
    pn.Column(_app, sizing_mode="stretch_width").servable(title=PATIENT_TITLE)
