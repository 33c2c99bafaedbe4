"""The dashboard's state: one case, its assessment, the patient's values and the decision under them.

Everything clinical is computed by the package: :func:`futility.assessment.assess` once per case (rules,
prognosis draws, decision) and :meth:`Assessment.with_values` on every values change (decision only; the
prognosis draws and the plans' runs stay fixed for the case). The state holds the typed contract for the
views: ``output`` (:class:`futility.contract.AssessmentOutput` at the case's own values), ``current`` (the
same under the current values) and ``decision`` (its ``decision`` part, :class:`futility.contract.Decision`).
Which values are the patient's own is the decision's word (``utilities[name].source``), not the view's.
It can be driven without a browser: set a values parameter and read ``decision``.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, get_args

import param
import yaml

from futility.case import Case, CaseError, Values, ValueSetter, case_from_dict, case_from_text, demo_case_path
from futility.decision._utilities import BOUNDS, NAMES, resolve_utilities

#: The five values, in the order the sliders show them.
VALUE_NAMES = NAMES
#: The sliders start at the defaults the decision analysis uses (futility/data/utilities.csv; palliative-focused
#: care: equal to no response, as no published value exists), within the same bounds: one source for both.
_DEFAULTS = {n: resolve_utilities(None).value(n) for n in NAMES}

log = logging.getLogger("futility.dashboard")


_ASSESSMENTS: dict[str, Any] = {}
_ASSESSMENTS_MAX = 32


def _default_assess(case: Case) -> Any:
    """``futility.assessment.assess``, cached per case content (assessments are immutable, so sessions
    showing the same case share one; the per-session values never change the cached object).
    """
    from futility.assessment import assess  # imported late: the app starts before the posterior loads

    key = case.model_dump_json()
    found = _ASSESSMENTS.get(key)
    if found is None:
        found = assess(case)
        if len(_ASSESSMENTS) >= _ASSESSMENTS_MAX:
            _ASSESSMENTS.pop(next(iter(_ASSESSMENTS)))
        _ASSESSMENTS[key] = found
    return found


class _DraftLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that leaves dates as text, so an impossible date (2026-13-45) cannot crash the read
    of a draft: validation then names the field.
    """


_DraftLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

_ID_LINE = re.compile(r'^id:\s*["\']?([A-Za-z0-9][A-Za-z0-9._-]{0,63})', re.MULTILINE)
_ID_JSON = re.compile(r'"id"\s*:\s*"([A-Za-z0-9][A-Za-z0-9._-]{0,63})"')

#: The problem shown when reading or checking the input failed in an unexpected way (no detail: the
#: exception's text may quote the file).
UNREADABLE = "the file could not be read as a case (YAML or JSON); check its syntax and its dates"


def text_format(text: str, name: str = "") -> str:
    """"json" or "yaml" for an input: by its content first (the text box may hold either), then its name."""
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        return "json"
    if name.lower().endswith(".json") and not stripped:
        return "json"
    return "yaml"


def read_draft(text: str, fmt: str) -> dict[str, Any] | None:
    """The mapping a (possibly invalid) input holds, read without dates and without ever raising; None when
    it cannot be read as a mapping. Used to show a failed input as a draft of *its own* case.
    """
    try:
        data = json.loads(text) if fmt == "json" else yaml.load(text, Loader=_DraftLoader)  # noqa: S506 - safe loader
    except BaseException as exc:  # noqa: BLE001 - RecursionError, ValueError, YAMLError...: no draft, no crash
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        return None
    return data if isinstance(data, dict) else None


def draft_id(draft: dict[str, Any] | None, text: str | None) -> str:
    """The case id a failed input names ('' when none can be read)."""
    if draft is not None:
        value = draft.get("id")
        return str(value) if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
    if text:
        found = _ID_LINE.search(text) or _ID_JSON.search(text)
        if found:
            return found.group(1)
    return ""


class CaseSession(param.Parameterized):
    """One case in the dashboard, from loading to the decision under the patient's current values.

    A failed input becomes a *draft of the case it names* (``pending``, ``draft``, ``draft_id``); every
    problem is in ``problems`` as ``(field path, problem)`` and nothing typed is dropped (``case_text``).
    When the draft names the case on screen, that case's last valid version stays assessed; when it names
    another case (or none can be read), the previous case is closed, so that one patient's data is never
    shown or merged under another's name. ``revision`` changes on every load and every failed input:
    every view redraws on it.
    """

    case = param.Parameter(default=None, doc="the validated case (futility.case.Case) on screen")
    assessment = param.Parameter(default=None, doc="the Assessment of the case (from futility.assessment.assess)")
    output = param.Parameter(default=None, doc="assessment.output: the validated contract (AssessmentOutput) at the case's own values")
    current = param.Parameter(default=None, doc="the contract under the current values (decision and horizon re-valued)")
    decision = param.Parameter(default=None, doc="the contract's Decision under the current values (None: no case)")
    source_name = param.String(default="", doc="where the case came from (file name), for the header")
    case_text = param.String(default="", doc="the case as YAML text; kept as typed when it fails validation")
    problems = param.List(default=[], doc="(field path, problem) pairs from the last failed input")
    message = param.String(default="", doc="a one-line status message for the user")
    pending = param.Boolean(default=False, doc="the last input failed: table and text hold a draft, not the case")
    draft = param.Parameter(default=None, doc="the mapping of the failed input (a draft of its case), None if unreadable")
    draft_id = param.String(default="", doc="the case id the failed input names ('' when none can be read)")
    revision = param.Integer(default=0, doc="bumped on every load and every failed input (views redraw on it)")

    remission = param.Number(default=_DEFAULTS["remission"], bounds=BOUNDS["remission"], doc="utility of remission (0 worst, 1 best)")
    response = param.Number(default=_DEFAULTS["response"], bounds=BOUNDS["response"], doc="utility of response without remission")
    no_response = param.Number(default=_DEFAULTS["no_response"], bounds=BOUNDS["no_response"], doc="utility of no response")
    significant_burden = param.Number(
        default=_DEFAULTS["significant_burden"], bounds=BOUNDS["significant_burden"], doc="added when side effects are significant"
    )
    palliative_focus = param.Number(
        default=_DEFAULTS["palliative_focus"], bounds=BOUNDS["palliative_focus"], doc="utility of palliative-focused care"
    )

    stated = param.List(default=[], doc="values the patient has given (case file or moved here); others are defaults")
    recorded = param.Dict(default={}, doc="per stated value: who set it, how and when ({set_by, method, on}), as in the case file")
    confirmed = param.Dict(default=None, allow_None=True, doc="the patient's confirmation ({by, on}); None until 'these are my answers'")
    answerer: param.Selector = param.Selector(default="patient", objects=list(get_args(ValueSetter)),
                              doc="who is giving the values now (recorded with each value)")
    update_ms = param.Number(default=0.0, doc="server-side time of the last re-decision, in milliseconds")
    db_url = param.String(default=None, allow_None=True, doc="case store URL (None: FUTILITY_DB or the user file)")

    def __init__(self, assess_fn: Callable[[Case], Any] | None = None, **params: Any):
        super().__init__(**params)
        self._assess = assess_fn or _default_assess
        self._loading = False
        self._method = "rating_scale"  # how the values being set now are given (set_values)

    # ----- loading -------------------------------------------------------------------------------
    def load_path(self, path: str | Path | None = None) -> bool:
        """Load a case file (the demo case when ``path`` is None); False and ``problems`` on failure."""
        path = Path(path) if path is not None else demo_case_path()
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or "not UTF-8 text"
            return self._fail([("", f"cannot read {path.name}: {reason}")], text=None, name=path.name)
        return self.load_text(text, name=path.name, fmt="json" if path.suffix.lower() == ".json" else "yaml")

    def load_text(self, text: str, *, name: str = "", fmt: str | None = None) -> bool:
        """Validate and assess a case given as YAML or JSON text (an upload or the editor)."""
        if fmt is None:
            fmt = "json" if name.lower().endswith(".json") or text.lstrip().startswith("{") else "yaml"
        name = name or self.source_name
        try:
            case = case_from_text(text, fmt="json" if fmt == "json" else "yaml")
        except CaseError as exc:
            return self._fail(exc.problems, text=text, name=name, fmt=fmt)
        except Exception:  # noqa: BLE001 - any crash of the loader is a user-facing problem, never a log entry
            return self._fail(self._fallback_problems(text, fmt), text=text, name=name, fmt=fmt)
        # The text box is labelled YAML: a JSON input is shown as the YAML of the case it holds.
        return self.load_case(case, name=name, text=text if fmt == "yaml" else None)

    @staticmethod
    def _fallback_problems(text: str, fmt: str) -> list[tuple[str, str]]:
        """Problems for an input the loader failed on unexpectedly: validate its date-free reading, so the
        field is still named (e.g. ``scores[0].date``); a generic problem when even that fails.
        """
        data = read_draft(text, fmt)
        if data is None:
            return [("", UNREADABLE)]
        try:
            case_from_dict(data)
        except CaseError as exc:
            return [(str(p[0]), str(p[1])) for p in exc.problems] or [("", UNREADABLE)]
        except Exception:  # noqa: BLE001
            return [("", UNREADABLE)]
        return [("", UNREADABLE)]

    def load_mapping(self, data: dict[str, Any], *, name: str = "") -> bool:
        """Validate and assess a case given as a mapping (the trial editor's result)."""
        name = name or self.source_name
        try:
            case = case_from_dict(data)
        except CaseError as exc:
            # the table keeps what was typed; the text is untouched; the draft is this mapping
            return self._fail(exc.problems, text=None, name=name, draft=data)
        except Exception:  # noqa: BLE001
            return self._fail([("", UNREADABLE)], text=None, name=name, draft=data)
        return self.load_case(case, name=name, text=None)

    def load_case(self, case: Case, *, name: str = "", text: str | None = None) -> bool:
        """Assess a validated case and put it on screen with its own values on the sliders."""
        draft = case.model_dump(mode="json", exclude_none=True)
        shown = text if text is not None else _case_yaml(case)  # on failure the text box shows this case
        try:
            assessment = self._assess(case)
        except CaseError as exc:
            return self._fail(exc.problems, text=shown, name=name, draft=draft)
        except Exception as exc:  # noqa: BLE001 - a refused posterior, or any crash: said on screen, never logged
            from futility.errors import UserError

            problem = " ".join(str(exc).split())[:300] if isinstance(exc, UserError) else (
                "the case could not be assessed (an internal error; the case was not changed)")
            log.error("case assessment failed (%s)", type(exc).__name__)  # the type only, never the text
            return self._fail([("", problem)], text=shown, name=name, draft=draft)
        output = assessment.output
        utilities = output.decision.utilities
        sliders = {n: float(getattr(utilities, n).value) for n in VALUE_NAMES}
        # the patient's own values are those the decision used as the patient's (its source), none other
        stated = [n for n in VALUE_NAMES if getattr(utilities, n).source == "patient"]
        given = case.values
        recorded = {n: r.model_dump(mode="json") for n, r in given.recorded.items()} if given is not None else {}
        confirmed = given.confirmed.model_dump(mode="json") if given is not None and given.confirmed is not None else None
        self._loading = True
        try:
            self.param.update(
                case=case,
                assessment=assessment,
                output=output,
                current=output,
                decision=output.decision,
                source_name=name,
                case_text=text if text is not None else _case_yaml(case),
                problems=[],
                message=f"Loaded case {case.id}" + (f" from {name}" if name else ""),
                stated=stated,
                recorded=recorded,
                confirmed=confirmed,
                pending=False,
                draft=None,
                draft_id="",
                revision=self.revision + 1,
                **sliders,
            )
        finally:
            self._loading = False
        log.info("case loaded (%d trials)", len(case.trials))  # never the contents
        return True

    def _fail(
        self,
        problems: list[tuple[str, str]],
        *,
        text: str | None,
        name: str = "",
        fmt: str | None = None,
        draft: dict[str, Any] | None = None,
    ) -> bool:
        """Make the failed input the draft of the case it names (see the class docstring).

        ``text`` is the input as typed (shown in the text box); ``draft`` its mapping when already known
        (the trial table's). With neither, the input could not be read at all: the text box is emptied so
        that it never shows another case's text under this input's name.
        """
        if draft is None and text is not None:
            draft = read_draft(text, fmt or text_format(text, name))
        named = draft_id(draft, text)
        same = self.case is not None and bool(named) and named == self.case.id
        update: dict[str, Any] = {
            "problems": [tuple(p) for p in problems] or [("", UNREADABLE)],
            "pending": True,
            "draft": draft,
            "draft_id": named,
            "source_name": name,
            "revision": self.revision + 1,
        }
        if text is not None:
            update["case_text"] = text
        elif draft is None:
            update["case_text"] = ""
        if same:
            update["message"] = (
                f"This version of case {named} was not used: please correct the fields marked below. "
                "The other views still show the last valid version of this case."
            )
        else:
            closed = self.case.id if self.case is not None else None
            what = f"Case {named}" if named else "The case"
            update["message"] = f"{what} was not loaded: please correct the fields marked below." + (
                f" The previous case ({closed}) is closed, so that its data is not mixed with this one." if closed else ""
            )
            self._loading = True
            try:
                # the sliders go back to the defaults: they must not show the closed patient's values
                defaults = {n: self.param[n].default for n in VALUE_NAMES}
                update.update(case=None, assessment=None, output=None, current=None, decision=None, stated=[], recorded={},
                              confirmed=None, **defaults)
                self.param.update(**update)
            finally:
                self._loading = False
            log.info("case rejected (%d problems)", len(problems))
            return False
        self.param.update(**update)
        log.info("case rejected (%d problems)", len(problems))
        return False

    def draft_base(self) -> dict[str, Any] | None:
        """The whole case the trial table is applied to: the pending draft (never the previous case), else
        the case on screen; None when the pending draft cannot be read (fix it in the text first).
        """
        if self.pending:
            return dict(self.draft) if isinstance(self.draft, dict) else None
        if self.case is None:
            return {}
        return self.case.model_dump(mode="json", exclude_none=True)

    # ----- values ---------------------------------------------------------------------------------
    def values(self) -> Values:
        """The values the patient has stated (case file or sliders), with who set each, when and how, and the
        confirmation when given; the rest left to the defaults.
        """
        given = {n: (getattr(self, n) if n in self.stated else None) for n in VALUE_NAMES}
        recorded = {n: r for n, r in self.recorded.items() if n in self.stated}
        return Values.model_validate({**given, "recorded": recorded, "confirmed": self.confirmed})

    def case_with_values(self) -> Case | None:
        """The case on screen with the values as now given (what the case store saves)."""
        if self.case is None:
            return None
        return self.case.model_copy(update={"values": self.values()})

    def set_values(self, method: str = "rating_scale", **values: float) -> None:
        """Set one or more values as the patient's own (what moving a slider does; ``method`` is how they were
        given: ``rating_scale`` or ``standard_gamble``). Any change withdraws an earlier confirmation.
        """
        self._method = method
        try:
            self.param.update(**values)
        finally:
            self._method = "rating_scale"

    def confirm_values(self) -> bool:
        """The patient's "these are my answers": only when all five values are given; False (and a message)
        otherwise. Recorded with who answered and today's date; the decision is re-run (the values gate).
        """
        if self.assessment is None:
            return False
        missing = [n for n in VALUE_NAMES if n not in self.stated]
        if missing:
            self.message = "Not confirmed: first answer " + ", ".join(m.replace("_", " ") for m in missing) + "."
            return False
        self.confirmed = {"by": self.answerer, "on": dt.date.today().isoformat()}
        self.message = "Values confirmed."
        self.redecide()
        return True

    @param.depends(*VALUE_NAMES, watch=True)
    def _values_changed(self) -> None:
        if self._loading or self.assessment is None:
            return
        used = self.decision.utilities if self.decision is not None else None
        # Only the moved sliders become the patient's: compare with the values the decision used.
        moved = [n for n in VALUE_NAMES if used is None or abs(getattr(self, n) - float(getattr(used, n).value)) > 1e-9]
        if moved:
            today = dt.date.today().isoformat()
            self.stated = self.stated + [n for n in moved if n not in self.stated]
            self.recorded = {**self.recorded, **{n: {"set_by": self.answerer, "method": self._method,
                                                     "on": today} for n in moved}}
            if self.confirmed is not None:
                self.confirmed = None  # a changed answer must be confirmed again
        self.redecide()

    def redecide(self) -> None:
        """Re-run the decision analysis under the current values (prognosis draws unchanged)."""
        start = time.perf_counter()
        decided = self.assessment.with_values(self.values())
        current = decided.output
        self.param.update(current=current, decision=current.decision)
        self.update_ms = 1000.0 * (time.perf_counter() - start)

    def reset_values(self) -> None:
        """Back to the values in the case file (defaults where it has none)."""
        if self.case is None:
            return
        if not self.pending:
            self.load_case(self.case, name=self.source_name, text=self.case_text)
            return
        # A draft of this case is being corrected: reset the values, keep the draft exactly as it is.
        kept = {k: getattr(self, k) for k in ("pending", "draft", "draft_id", "case_text", "problems", "message", "source_name")}
        self.load_case(self.case, name=self.source_name, text=None)
        self.param.update(**kept, revision=self.revision + 1)


def _case_yaml(case: Case) -> str:
    data = case.model_dump(mode="json", exclude_none=True, exclude_defaults=False)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
