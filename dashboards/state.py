"""The dashboard's state: one case, its assessment, the patient's values and the decision under them.

Everything clinical is computed by the package: :func:`futility.assessment.assess` once per case (rules,
prognosis draws, decision) and :meth:`Assessment.with_values` on every values change (decision only; the
prognosis draws stay fixed for the case). The state holds plain data for the views: ``report`` (the JSON
contract of the assessment) and ``decision`` (its ``decision`` part under the current values). It can be
driven without a browser: set a values parameter and read ``decision``.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import param
import yaml

from futility.case import Case, CaseError, Values, case_from_dict, case_from_text, demo_case_path, load_case

#: The five values, in the order the sliders show them.
VALUE_NAMES = ("remission", "response", "no_response", "significant_burden", "palliative_focus")

log = logging.getLogger("futility.dashboard")


_ASSESSMENTS: dict[str, Any] = {}
_ASSESSMENTS_MAX = 32


def _default_assess(case: Case) -> Any:
    """``futility.assessment.assess``, cached per case content (assessments are immutable, so sessions
    showing the same case share one; the per-session values never change the cached object)."""
    from futility.assessment import assess  # imported late: the app starts before the posterior loads

    key = case.model_dump_json()
    found = _ASSESSMENTS.get(key)
    if found is None:
        found = assess(case)
        if len(_ASSESSMENTS) >= _ASSESSMENTS_MAX:
            _ASSESSMENTS.pop(next(iter(_ASSESSMENTS)))
        _ASSESSMENTS[key] = found
    return found


class CaseSession(param.Parameterized):
    """One case in the dashboard, from loading to the decision under the patient's current values.

    A failed load keeps the previous case and its assessment on screen and reports every problem in
    ``problems`` as ``(field path, problem)``; nothing the user typed is dropped (``case_text`` keeps it).
    """

    case = param.Parameter(default=None, doc="the validated case (futility.case.Case) on screen")
    assessment = param.Parameter(default=None, doc="the Assessment of the case (from futility.assessment.assess)")
    report = param.Dict(default={}, doc="assessment.to_dict(): the JSON contract, at the case's own values")
    decision = param.Dict(default={}, doc="the 'decision' part of the contract under the current values")
    source_name = param.String(default="", doc="where the case came from (file name), for the header")
    case_text = param.String(default="", doc="the case as YAML text; kept as typed when it fails validation")
    problems = param.List(default=[], doc="(field path, problem) pairs from the last failed input")
    message = param.String(default="", doc="a one-line status message for the user")

    remission = param.Number(default=1.0, bounds=(0.0, 1.0), doc="utility of remission (0 worst, 1 best)")
    response = param.Number(default=0.7, bounds=(0.0, 1.0), doc="utility of response without remission")
    no_response = param.Number(default=0.3, bounds=(0.0, 1.0), doc="utility of no response")
    significant_burden = param.Number(default=-0.15, bounds=(-1.0, 0.0), doc="added when side effects are significant")
    palliative_focus = param.Number(default=0.45, bounds=(0.0, 1.0), doc="utility of palliative-focused care")

    stated = param.List(default=[], doc="values the patient has given (case file or moved here); others are defaults")
    update_ms = param.Number(default=0.0, doc="server-side time of the last re-decision, in milliseconds")
    db_url = param.String(default=None, allow_None=True, doc="case store URL (None: FUTILITY_DB or the user file)")

    def __init__(self, assess_fn: Callable[[Case], Any] | None = None, **params: Any):
        super().__init__(**params)
        self._assess = assess_fn or _default_assess
        self._loading = False

    # ----- loading -------------------------------------------------------------------------------
    def load_path(self, path: str | Path | None = None) -> bool:
        """Load a case file (the demo case when ``path`` is None); False and ``problems`` on failure."""
        path = Path(path) if path is not None else demo_case_path()
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            return self._fail([("", f"cannot read {path.name}: {exc.strerror or exc}")], text=None)
        return self.load_text(text, name=path.name, fmt="json" if path.suffix.lower() == ".json" else "yaml")

    def load_text(self, text: str, *, name: str = "", fmt: str | None = None) -> bool:
        """Validate and assess a case given as YAML or JSON text (an upload or the editor)."""
        if fmt is None:
            fmt = "json" if name.lower().endswith(".json") or text.lstrip().startswith("{") else "yaml"
        try:
            case = case_from_text(text, fmt=fmt)
        except CaseError as exc:
            return self._fail(exc.problems, text=text)
        return self.load_case(case, name=name or self.source_name, text=text)

    def load_mapping(self, data: dict[str, Any], *, name: str = "") -> bool:
        """Validate and assess a case given as a mapping (the trial editor's result)."""
        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
        try:
            case = case_from_dict(data)
        except CaseError as exc:
            return self._fail(exc.problems, text=None)  # the table keeps what was typed; the text is untouched
        return self.load_case(case, name=name or self.source_name, text=text)

    def load_case(self, case: Case, *, name: str = "", text: str | None = None) -> bool:
        """Assess a validated case and put it on screen with its own values on the sliders."""
        try:
            assessment = self._assess(case)
        except CaseError as exc:
            return self._fail(exc.problems, text=text)
        except Exception as exc:  # noqa: BLE001 - a refused posterior etc.: say so, keep the old case
            from futility.errors import UserError

            if not isinstance(exc, UserError):
                raise
            return self._fail([("", str(exc))], text=text)
        report = assessment.to_dict()
        utilities = report.get("decision", {}).get("utilities", {})
        sliders = {}
        for key in VALUE_NAMES:
            entry = utilities.get(key)
            if isinstance(entry, dict) and entry.get("value") is not None:
                sliders[key] = float(entry["value"])
        stated = [n for n in VALUE_NAMES if case.values is not None and getattr(case.values, n) is not None]
        self._loading = True
        try:
            self.param.update(
                case=case,
                assessment=assessment,
                report=report,
                decision=report.get("decision", {}),
                source_name=name,
                case_text=text if text is not None else _case_yaml(case),
                problems=[],
                message=f"Loaded case {case.id}" + (f" from {name}" if name else ""),
                stated=stated,
                **sliders,
            )
        finally:
            self._loading = False
        log.info("case loaded (%d trials)", len(case.trials))  # never the contents
        return True

    def _fail(self, problems: list[tuple[str, str]], *, text: str | None) -> bool:
        update: dict[str, Any] = {
            "problems": [tuple(p) for p in problems],
            "message": "The case was not loaded: please correct the fields marked below.",
        }
        if text is not None:
            update["case_text"] = text
        self.param.update(**update)
        log.info("case rejected (%d problems)", len(problems))
        return False

    # ----- values ---------------------------------------------------------------------------------
    def values(self) -> Values:
        """The values the patient has stated (case file or sliders); the rest left to the defaults."""
        return Values(**{n: (getattr(self, n) if n in self.stated else None) for n in VALUE_NAMES})

    def set_values(self, **values: float) -> None:
        """Set one or more values as the patient's own (what a slider move does)."""
        self.param.update(**values)

    @param.depends(*VALUE_NAMES, watch=True)
    def _values_changed(self) -> None:
        if self._loading or self.assessment is None:
            return
        changed = [n for n in VALUE_NAMES if n not in self.stated]
        if changed:
            # Only the moved sliders become the patient's: compare with the decision's defaults.
            used = self.decision.get("utilities", {})
            moved = [n for n in changed if abs(getattr(self, n) - float(used.get(n, {}).get("value", getattr(self, n)))) > 1e-9]
            if moved:
                self.stated = self.stated + moved
        self.redecide()

    def redecide(self) -> None:
        """Re-run the decision analysis under the current values (prognosis draws unchanged)."""
        start = time.perf_counter()
        decided = self.assessment.with_values(self.values())
        self.decision = decided.decision.to_dict()
        self.update_ms = 1000.0 * (time.perf_counter() - start)

    def reset_values(self) -> None:
        """Back to the values in the case file (defaults where it has none)."""
        if self.case is not None:
            self.load_case(self.case, name=self.source_name, text=self.case_text)


def _case_yaml(case: Case) -> str:
    data = case.model_dump(mode="json", exclude_none=True, exclude_defaults=False)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
