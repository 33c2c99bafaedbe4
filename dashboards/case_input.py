"""Case input: upload a case file, or edit the trials in a table or the whole case as text.

Validation is the package's (:mod:`futility.case`); this view shows each problem next to the field it
names (a trial's problems on that trial's row) and never discards what was typed: a failed check leaves
the table and the text exactly as entered. A failed input is a draft of the case *it* names (see
:class:`futility.dashboards.state.CaseSession`): the table, the text and the header always show that one case, and
"Check and use these trials" applies the table to that draft, never to a previously loaded case.
"""
from __future__ import annotations

import html
import math
import re
from typing import Any

import pandas as pd
import panel as pn
import param
from panel.viewable import Viewer

from futility.dashboards.palette import STYLESHEETS
from futility.dashboards.state import CaseSession, read_draft, text_format

#: Trial fields shown as table columns, in the case file's order.
TRIAL_COLUMNS = ["agent", "dose_mg_day", "weeks", "adherence", "scale", "baseline", "final", "burden", "augments", "sessions"]
_INT_COLUMNS = {"augments", "sessions"}
_TRIAL_PATH = re.compile(r"^trials\[(\d+)\]\.?(.*)$")


def trials_frame(case_trials: list[Any]) -> pd.DataFrame:
    """The trials as an editable table (one row per trial, oldest first; empty cells for missing fields)."""
    rows = [{c: (t.get(c) if isinstance(t, dict) else None) for c in TRIAL_COLUMNS} for t in case_trials]
    rows = [{c: ("" if v is None else v) for c, v in row.items()} for row in rows]
    frame = pd.DataFrame(rows, columns=TRIAL_COLUMNS, dtype=object)
    frame["check"] = ""
    return frame


def _cell(column: str, value: Any) -> Any:
    """A table cell as the case file would hold it: numbers typed as text become numbers."""
    if isinstance(value, str):
        text = value.strip()
        try:
            number = float(text)
        except ValueError:
            return text
        value = number
    if column in _INT_COLUMNS and isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def frame_trials(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Back from the table to trial mappings: empty cells are left out, whole numbers kept whole."""
    trials = []
    for record in frame.to_dict(orient="records"):
        trial: dict[str, Any] = {}
        for column in TRIAL_COLUMNS:
            value = record.get(column)
            if value is None or (isinstance(value, float) and math.isnan(value)) or (isinstance(value, str) and not value.strip()):
                continue
            trial[column] = value if column in {"agent", "scale", "burden"} else _cell(column, value)
        if trial:
            trials.append(trial)
    return trials


def row_problems(problems: list[tuple[str, str]]) -> tuple[dict[int, list[str]], list[str]]:
    """Split problems into those of a trial row (by 0-based index) and the rest (whole-case fields)."""
    by_row: dict[int, list[str]] = {}
    other: list[str] = []
    for field, problem in problems:
        m = _TRIAL_PATH.match(field)
        if m:
            by_row.setdefault(int(m.group(1)), []).append(f"{m.group(2) or 'trial'}: {problem}")
        else:
            other.append(f"{field}: {problem}" if field else problem)
    return by_row, other


def gaps_html(lines: list[str]) -> str:
    """What an imported health record does not say, one item per gap (beside the trials table)."""
    if not lines:
        return ""
    items = "".join(f"<li>{html.escape(line)}</li>" for line in lines)
    return (f'<div class="fu-gaps" role="status"><b>Not in the health record: please complete</b> '
            f"({len(lines)})<ul>{items}</ul></div>")


def import_fhir_text(session: CaseSession, text: str, name: str) -> list[str]:
    """Import a FHIR R4 record into ``session`` through its own ``load_text`` (the case YAML with its gaps);
    the gap lines, or [] when the record was refused (then the problem is the session's, naming the resource).
    """
    import datetime as dt

    from futility.errors import UserError
    from futility.record import import_record, require_fhir

    try:
        require_fhir("importing a health record")
        result = import_record(text, today=dt.date.today())
    except UserError as exc:
        session._fail([(getattr(exc, "where", ""), getattr(exc, "problem", str(exc)))], text=None, name=name)
        return []
    session.load_text(result.yaml_text(), name=name, fmt="yaml")
    return [f"left out: {where}: {what}" for where, what in result.skipped] + result.gap_lines


def problems_html(problems: list[tuple[str, str]]) -> str:
    """Every problem with its field, as an alert list (role=alert so screen readers announce it)."""
    if not problems:
        return ""
    items = "".join(
        f"<li><code>{html.escape(field or 'file')}</code>: {html.escape(problem)}</li>" for field, problem in problems
    )
    return f'<div class="fu-problems" role="alert"><b>Please correct:</b><ul>{items}</ul></div>'


class CaseInputView(Viewer):
    """Upload, table editor and text editor, each validated by the package."""

    session = param.ClassSelector(class_=CaseSession)

    def __init__(self, **params: Any):
        super().__init__(**params)
        s = self.session
        self._table_attempt = False
        self.upload = pn.widgets.FileInput(accept=".yaml,.yml,.json", multiple=False, label="Case file")
        self.upload.param.watch(self._on_upload, "value")
        self.fhir_upload = pn.widgets.FileInput(accept=".json,.ndjson", multiple=False, label="Health record (FHIR R4)")
        self.fhir_upload.param.watch(self._on_fhir_upload, "value")
        self.gaps = pn.pane.HTML(sizing_mode="stretch_width", stylesheets=STYLESHEETS, css_classes=["fu-gaps-pane"], visible=False)
        self._gap_lines: list[str] = []
        self._gap_case = ""
        self.table = pn.widgets.Tabulator(
            pd.DataFrame(columns=[*TRIAL_COLUMNS, "check"]),
            show_index=False,
            sizing_mode="stretch_width",
            editors={"check": None},
            layout="fit_data_stretch",
            height=220,
        )
        self.add_row = pn.widgets.Button(label="Add a trial", color="light")
        self.add_row.on_click(self._add_row)
        self.apply_table = pn.widgets.Button(label="Check and use these trials", color="primary")
        self.apply_table.on_click(self._apply_table)
        self.text = pn.widgets.TextAreaInput(
            label="The whole case as YAML (a failed JSON input is kept as typed)", height=320, sizing_mode="stretch_width"
        )
        self.apply_text = pn.widgets.Button(label="Check and use this text", color="primary")
        self.apply_text.on_click(self._apply_text)
        self.problems = pn.pane.HTML(sizing_mode="stretch_width", stylesheets=STYLESHEETS, css_classes=["fu-problems-pane"])
        self.status = pn.pane.Markdown(sizing_mode="stretch_width")
        s.param.watch(self._redraw, ["revision"])
        self._redraw()
        self._layout = pn.Column(
            pn.pane.Markdown("## Case input\nLoad a case file (YAML or JSON), or edit the trials or the whole case below. "
                             "Nothing you type is lost when a check fails: it stays here as a draft of its case."),
            self.status,
            self.problems,
            pn.pane.Markdown("### Load a case file"),
            self.upload,
            pn.pane.Markdown("### Import from the health record\nA FHIR R4 Bundle or NDJSON export: the case is filled "
                             "from it, and what the record does not say is listed above the trials, to complete."),
            self.fhir_upload,
            pn.pane.Markdown("### Trials (oldest first)\nThe *check* column shows the problems of each trial."),
            self.gaps,
            self.table,
            pn.Row(self.add_row, self.apply_table),
            pn.pane.Markdown("### The whole case as text"),
            self.text,
            self.apply_text,
            sizing_mode="stretch_width",
        )

    def _on_upload(self, event: Any) -> None:
        data = event.new
        if not data:
            return
        name = self.upload.filename or "upload"
        try:
            text = data.decode("utf-8") if isinstance(data, bytes) else str(data)
        except UnicodeDecodeError:
            self.session._fail([("", "the file is not UTF-8 text (expected YAML or JSON)")], text=None, name=name)
            return
        try:
            self.session.load_text(text, name=name)
        except Exception:  # noqa: BLE001 - never into Panel, which would log the uploaded bytes
            self.session._fail([("", "the file could not be read as a case (YAML or JSON)")], text=text, name=name)

    def _on_fhir_upload(self, event: Any) -> None:
        data = event.new
        if not data:
            return
        name = self.fhir_upload.filename or "record"
        try:
            text = data.decode("utf-8-sig") if isinstance(data, bytes) else str(data)
        except UnicodeDecodeError:
            self.session._fail([("", "the record is not UTF-8 text (expected FHIR JSON or NDJSON)")], text=None, name=name)
            return
        try:
            lines = import_fhir_text(self.session, text, name)
        except Exception:  # noqa: BLE001 - never into Panel, which would log the record
            self.session._fail([("", "the record could not be imported")], text=None, name=name)
            lines = []
        s = self.session
        self._gap_lines = lines
        self._gap_case = s.case.id if s.case is not None and not s.pending else s.draft_id
        self._redraw()

    def _redraw(self, *_events: Any) -> None:
        """Table, text, status and problems, all from one case: the draft while one is pending, else the case."""
        s = self.session
        self.status.object = html.escape(s.message)
        self.problems.object = problems_html(s.problems)
        if self._table_attempt and s.pending:
            frame = self.table.value  # a failed table check: keep the table exactly as typed
        elif s.pending:
            trials = s.draft.get("trials") if isinstance(s.draft, dict) else None
            frame = trials_frame(trials if isinstance(trials, list) else [])
        elif s.case is not None:
            frame = trials_frame([t.model_dump(mode="json") for t in s.case.trials])
        else:
            frame = trials_frame([])
        by_row, _ = row_problems(s.problems)
        if frame is None or "check" not in frame.columns:
            frame = trials_frame([])
        frame = frame.copy()
        frame["check"] = ["; ".join(by_row.get(i, [])) for i in range(len(frame))]
        self.table.value = frame
        self.text.value = s.case_text
        shown = s.draft_id if s.pending else (s.case.id if s.case is not None else "")
        self.gaps.object = gaps_html(self._gap_lines) if getattr(self, "_gap_case", "") and shown == self._gap_case else ""
        self.gaps.visible = bool(self.gaps.object)  # an empty pane must not take half the table's width

    def _add_row(self, _event: Any) -> None:
        frame = self.table.value.copy()
        frame.loc[len(frame)] = [""] * (len(TRIAL_COLUMNS) + 1)
        self.table.value = frame

    def _apply_table(self, _event: Any) -> None:
        s = self.session
        self._table_attempt = True  # whatever happens, the table stays as typed
        data = s.draft_base()
        if data is None:
            # the pending draft cannot be read: the table cannot be joined to the rest of that case
            data = read_draft(self.text.value or "", text_format(self.text.value or ""))
            if data is None:
                try:
                    s._fail([("", "the case text cannot be read: correct it in the text box below, then use the trials")],
                            text=s.case_text, name=s.source_name)
                finally:
                    self._table_attempt = False
                return
        try:
            data["trials"] = frame_trials(self.table.value)
            s.load_mapping(data, name=s.source_name)
        except Exception:  # noqa: BLE001
            s._fail([("", "the trials could not be checked")], text=None, name=s.source_name, draft=data)
        finally:
            self._table_attempt = False

    def _apply_text(self, _event: Any) -> None:
        text = self.text.value or ""
        try:
            self.session.load_text(text, name=self.session.source_name, fmt=text_format(text))
        except Exception:  # noqa: BLE001
            self.session._fail([("", "the text could not be read as a case (YAML or JSON)")], text=text, name=self.session.source_name)

    def __panel__(self) -> pn.viewable.Viewable:
        return self._layout
