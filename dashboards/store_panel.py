"""Saving an assessment to the case store and recording a committee review, from the committee view.

The store (:class:`futility.store.CaseStore`) keeps every assessment immutably with an audit trail; this
panel only collects the author, the assessment a review is for, the review decision and the comment, and lists
the case's history with the reviews of each assessment. It also finds the stored record of the assessment on
screen, so that the exported report carries its id, hash and reviews (:meth:`StorePanel.stored_report`).
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
from futility.render.vocabulary import short_label


def saved_form(current: Any) -> dict[str, Any]:
    """The assessment on screen as it is saved (the contract under the current values, without a store id).

    Saving and finding a saved assessment use this one form, so that the same assessment is recognised.
    """
    return current.model_dump(mode="json", exclude={"assessment_id"})


def review_words(decision: str) -> str:
    """A review decision in words ('endorse_with_conditions' -> 'endorse with conditions')."""
    return decision.replace("_", " ")


class StorePanel(Viewer):
    """Save the assessment on screen (under the current values), list the case's history, review a chosen assessment."""

    session = param.ClassSelector(class_=CaseSession)
    db_url = param.String(default=None, allow_None=True, doc="SQLAlchemy URL of the store (None: FUTILITY_DB or the user file)")

    def __init__(self, **params: Any):
        super().__init__(**params)
        from futility.store import REVIEW_DECISIONS

        self.author = pn.widgets.TextInput(label="Your name or role (recorded as author)", placeholder="e.g. dr_a")
        self.save = pn.widgets.Button(label="Save this assessment to the case store", color="primary")
        self.save.on_click(self._save)
        self.target = pn.widgets.Select(label="Assessment to review (newest first)", options={}, sizing_mode="stretch_width")
        self.reviewer = pn.widgets.TextInput(label="Reviewer (committee or member)")
        self.decision = pn.widgets.Select(label="Review decision", options={review_words(d): d for d in REVIEW_DECISIONS})
        self.comment = pn.widgets.TextAreaInput(label="Comment", height=90, sizing_mode="stretch_width")
        self.review = pn.widgets.Button(label="Add the review to the chosen assessment", color="primary")
        self.review.on_click(self._review)
        self.status = pn.pane.Markdown(sizing_mode="stretch_width")
        self.history = pn.pane.HTML(sizing_mode="stretch_width", stylesheets=STYLESHEETS)
        self.session.param.watch(lambda _e: self._refresh(), ["case"])
        self._layout = pn.Card(
            self.author, self.save, self.history, self.target, self.reviewer, self.decision, self.comment, self.review,
            self.status, title="Case store: save and review", collapsed=True, sizing_mode="stretch_width",
        )
        self._layout.param.watch(lambda e: self._refresh() if not e.new else None, "collapsed")

    def _store(self) -> Any:
        from futility.store import CaseStore

        return CaseStore(self.db_url)

    def _refresh(self, select: int | None = None) -> None:
        """Redraw the history and the assessments a review can be addressed to (``select``: the one to choose)."""
        case = self.session.case
        if case is None:
            self.history.object = ""
            self.target.options = {}
            return
        if self._layout.collapsed:
            return
        from futility.errors import StoreError

        try:
            with self._store() as store:
                try:
                    records = store.history(case.id)
                except StoreError:  # no assessment of this case yet
                    records = []
                reviews = store.case_reviews(case.id) if records else []
        except Exception as exc:  # noqa: BLE001 - a store error is shown, never raised into the UI
            self.status.object = html.escape(f"The case store cannot be read: {_one_line(exc)}")
            return
        by_assessment: dict[int, list[Any]] = {}
        for r in reviews:
            by_assessment.setdefault(r.assessment_id, []).append(r)
        newest = list(reversed(records))
        rows = [[r.id, r.created_at, r.author, r.model_version, short_label(r.best_option),
                 _reviews_words(by_assessment.get(r.id, []))] for r in newest]
        self.history.object = html_table(
            ["id", "saved (UTC)", "author", "model", "best fit", "reviews"],
            rows or [["-", "nothing saved yet", "", "", "", ""]],
            caption=f"Saved assessments of case {case.id}, newest first",
        )
        options = {_record_words(r, len(by_assessment.get(r.id, []))): r.id for r in newest}
        keep = select if select is not None else self.target.value
        self.target.options = options
        if options:
            self.target.value = keep if keep in options.values() else newest[0].id

    def _case_to_save(self) -> Any:
        """The case stored with the assessment: the one place it is taken. The case with the values as now given,
        with who set each, when and how, and the patient's confirmation (``values.recorded``, ``values.confirmed``).
        """
        return self.session.case_with_values()

    def _save(self, _event: Any) -> None:
        s = self.session
        if s.case is None or s.current is None:
            return
        case = self._case_to_save()
        data = saved_form(s.current)  # the contract under the current values
        try:
            with self._store() as store:
                record = store.save_assessment(case, data, author=self.author.value or None)
        except Exception as exc:  # noqa: BLE001
            self.status.object = html.escape(f"Not saved: {_one_line(exc)}")
            return
        self.status.object = (f"Saved as assessment {record.id} (content hash {record.content_hash[:12]}...). "
                              "The exported report now carries this id and hash.")
        self._refresh(select=record.id)

    def _review(self, _event: Any) -> None:
        s = self.session
        if s.case is None:
            return
        chosen = self.target.value
        if chosen is None:
            self.status.object = "Review not recorded: no saved assessment is chosen (save the assessment first)."
            return
        try:
            with self._store() as store:
                record = store.get_assessment(int(chosen))
                if record.case_id != s.case.id:  # the list is the case on screen's; never review another case
                    self.status.object = "Review not recorded: the chosen assessment is not of the case on screen."
                    return
                review = store.add_review(record.id, self.reviewer.value, self.decision.value, self.comment.value)
        except Exception as exc:  # noqa: BLE001
            self.status.object = html.escape(f"Review not recorded: {_one_line(exc)}")
            return
        self.status.object = f"Review {review.id} recorded on assessment {record.id}."
        self._refresh(select=record.id)

    def stored_report(self) -> bytes | None:
        """The report of the assessment on screen as stored (id, hash, reviews), or None when it is not stored.

        The stored record is the newest one of this case whose outputs equal the assessment on screen (saved under the
        same values); the report is then rendered from the record exactly as stored, with its reviews, and the export
        is recorded in the audit log. A store that cannot be read gives None, and the status says why.
        """
        s = self.session
        if s.case is None or s.current is None:
            return None
        from futility.render.report import render_record

        try:
            with self._store() as store:
                record = store.find_assessment(s.case.id, saved_form(s.current))
                if record is None:
                    return None
                reviews = store.reviews(record.id)
                content = str(render_record(record, reviews))
                store.log_event("render_report", self.author.value or None, case_id=record.case_id,
                                object_type="assessment", object_id=record.id,
                                details={"from": "dashboard", "identifiable": False})
        except Exception as exc:  # noqa: BLE001
            self.status.object = html.escape(f"The report is not stamped with a stored id: {_one_line(exc)}")
            return None
        return content.encode("utf-8")

    def __panel__(self) -> pn.viewable.Viewable:
        return self._layout


def _record_words(record: Any, n_reviews: int) -> str:
    """How a saved assessment is named in the review selector: '#12, 2026-03-01 14:02 UTC by dr_a (1 review)'."""
    when = record.created_at[:16].replace("T", " ")
    return f"#{record.id}, {when} UTC by {record.author} ({n_reviews} review{'' if n_reviews == 1 else 's'})"


def _reviews_words(reviews: list[Any]) -> str:
    """The reviews of one assessment in a table cell: 'endorse by ethics panel, 2026-03-01; ...' ('none')."""
    if not reviews:
        return "none"
    return "; ".join(f"{review_words(r.decision)} by {r.reviewer}, {r.review_date}"
                     + (f": {_one_line(Exception(r.comment))[:80]}" if r.comment else "") for r in reviews)


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())[:300]
