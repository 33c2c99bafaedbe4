"""Saving an assessment to the case store and recording a committee review, from the committee view.

The store (:class:`futility.store.CaseStore`) keeps every assessment immutably with an audit trail; this
panel only collects the author, the review decision and the comment, and lists the case's history.
"""
from __future__ import annotations

import html
from typing import Any

import panel as pn
import param
from panel.viewable import Viewer

from futility.dashboards.committee import html_table
from futility.dashboards.palette import STYLESHEETS
from futility.dashboards.state import CaseSession


class StorePanel(Viewer):
    """Save the assessment on screen (under the current values), list the case's history, add a review."""

    session = param.ClassSelector(class_=CaseSession)
    db_url = param.String(default=None, allow_None=True, doc="SQLAlchemy URL of the store (None: FUTILITY_DB or the user file)")

    def __init__(self, **params: Any):
        super().__init__(**params)
        from futility.store import REVIEW_DECISIONS

        self.author = pn.widgets.TextInput(label="Your name or role (recorded as author)", placeholder="e.g. dr_a")
        self.save = pn.widgets.Button(label="Save this assessment to the case store", color="primary")
        self.save.on_click(self._save)
        self.reviewer = pn.widgets.TextInput(label="Reviewer (committee or member)")
        self.decision = pn.widgets.Select(label="Review decision", options=list(REVIEW_DECISIONS))
        self.comment = pn.widgets.TextAreaInput(label="Comment", height=90, sizing_mode="stretch_width")
        self.review = pn.widgets.Button(label="Add the review to the latest saved assessment", color="primary")
        self.review.on_click(self._review)
        self.status = pn.pane.Markdown(sizing_mode="stretch_width")
        self.history = pn.pane.HTML(sizing_mode="stretch_width", stylesheets=STYLESHEETS)
        self.session.param.watch(lambda _e: self._refresh(), ["case"])
        self._layout = pn.Card(
            self.author, self.save, self.history, self.reviewer, self.decision, self.comment, self.review, self.status,
            title="Case store: save and review", collapsed=True, sizing_mode="stretch_width",
        )
        self._layout.param.watch(lambda e: self._refresh() if not e.new else None, "collapsed")

    def _store(self) -> Any:
        from futility.store import CaseStore

        return CaseStore(self.db_url)

    def _refresh(self) -> None:
        case = self.session.case
        if case is None:
            self.history.object = ""
            return
        if self._layout.collapsed:
            return
        try:
            with self._store() as store:
                records = store.history(case.id)
        except Exception as exc:  # noqa: BLE001 - a store error is shown, never raised into the UI
            self.status.object = html.escape(f"The case store cannot be read: {_one_line(exc)}")
            return
        rows = [[r.id, r.created_at, r.author, r.model_version, r.best_option] for r in records]
        self.history.object = html_table(
            ["id", "saved (UTC)", "author", "model", "best fit"], rows or [["-", "nothing saved yet", "", "", ""]],
            caption=f"Saved assessments of case {case.id}",
        )

    def _save(self, _event: Any) -> None:
        s = self.session
        if s.case is None or s.current is None:
            return
        data = s.current.model_dump(mode="json", exclude={"assessment_id"})  # the contract under the current values
        try:
            with self._store() as store:
                record = store.save_assessment(s.case, data, author=self.author.value or None)
        except Exception as exc:  # noqa: BLE001
            self.status.object = html.escape(f"Not saved: {_one_line(exc)}")
            return
        self.status.object = f"Saved as assessment {record.id} (content hash {record.content_hash[:12]}...)."
        self._refresh()

    def _review(self, _event: Any) -> None:
        s = self.session
        if s.case is None:
            return
        try:
            with self._store() as store:
                latest = store.latest(s.case.id)
                review = store.add_review(latest.id, self.reviewer.value, self.decision.value, self.comment.value)
        except Exception as exc:  # noqa: BLE001
            self.status.object = html.escape(f"Review not recorded: {_one_line(exc)}")
            return
        self.status.object = f"Review {review.id} recorded on assessment {latest.id}."

    def __panel__(self) -> pn.viewable.Viewable:
        return self._layout


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())[:300]
