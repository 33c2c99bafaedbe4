"""The case file: pydantic models and a loader for YAML and JSON with one-line, field-named errors.

A case is validated once, here, at the boundary. Every problem found is collected and raised as a
single :class:`CaseError` whose message names each field as a path (``trials[2].weeks``) and says
what is wrong, so the CLI can print one line and exit with status 2. Nothing downstream re-checks.
"""
from __future__ import annotations

import datetime as dt
import re
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails, PydanticCustomError

from futility.case_io import MAX_FILE_BYTES, InputProblem, decode, parse_json, parse_yaml, read_case_bytes
from futility.clinical.agents import known_agent_names, lookup_agent
from futility.clinical.scales import scale_table
from futility.clinical.vocabulary import KNOWN_CONDITIONS, close_matches, did_you_mean, known_condition
from futility.errors import UserError

__all__ = [
    "BURDEN_LEVELS",
    "Case",
    "CaseError",
    "Diagnosis",
    "Labs",
    "Score",
    "Screening",
    "ScreeningResult",
    "Trial",
    "ValueRecord",
    "Values",
    "ValuesConfirmation",
    "case_from_dict",
    "case_from_text",
    "demo_case_path",
    "load_case",
]

#: Limits on a case (docs/contract.md, "Limits"): far above any real case, low enough that a hostile
#: or broken file is refused in milliseconds instead of taking minutes and gigabytes.
MAX_TRIALS = 50
MAX_SCORES = 200
MAX_CONDITIONS = 50
MAX_TEXT = 200  # characters in any text field (the id: 64)
MAX_PROBLEMS = 10  # problems named in one error line; the rest are counted
#: Earliest date accepted for a rating (and a committee review): earlier ones are typing errors.
MIN_DATE = dt.date(1900, 1, 1)

#: FIBSER global burden item (Wisniewski et al. 2006, J Psychiatr Pract 12:71-79), item scored 0-6.
#: The words map onto the item's anchors: none 0, minimal 1, mild 2, moderate 3, marked 4,
#: severe 5, intolerable 6.
BURDEN_LEVELS: dict[str, int] = {
    "none": 0,
    "minimal": 1,
    "mild": 2,
    "moderate": 3,
    "marked": 4,
    "severe": 5,
    "intolerable": 6,
}

ScaleName = Literal["PHQ-9", "QIDS-SR16", "MADRS", "HAMD-17", "BDI-II"]
Burden = Literal["none", "minimal", "mild", "moderate", "marked", "severe", "intolerable"]


class CaseError(UserError, ValueError):
    """A case that cannot be used, with every problem as ``(field path, problem)``.

    The message is one line (whitespace collapsed) naming at most :data:`MAX_PROBLEMS` problems.
    """

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        shown = [" ".join((f"{field}: {problem}" if field else problem).split()) for field, problem in problems[:MAX_PROBLEMS]]
        if len(problems) > MAX_PROBLEMS:
            shown.append(f"and {len(problems) - MAX_PROBLEMS} more problem(s)")
        super().__init__("; ".join(shown))


def _case_date(value: Any) -> dt.date:
    """A date written as YYYY-MM-DD (or a YAML date), a real one, not before :data:`MIN_DATE`.

    Numbers are refused: pydantic would read ``0`` as 1970-01-01 (a Unix timestamp).
    """
    if isinstance(value, dt.datetime):
        raise PydanticCustomError("date_with_time", "must be a date (YYYY-MM-DD) without a time")
    if isinstance(value, str):
        text = value.strip()
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise PydanticCustomError("date_format", "must be a date (YYYY-MM-DD)")
        try:
            value = dt.date.fromisoformat(text)
        except ValueError:
            raise PydanticCustomError("date_impossible", "{value} is not a real date", {"value": text}) from None
    if not isinstance(value, dt.date):
        raise PydanticCustomError("date_format", "must be a date (YYYY-MM-DD)")
    if value < MIN_DATE:
        raise PydanticCustomError("date_too_early", "{value} is before {min}", {"value": value.isoformat(), "min": MIN_DATE.isoformat()})
    return value


def _condition(value: str) -> str:
    name = known_condition(value)
    if name is None:
        raise PydanticCustomError("unknown_condition", "unknown condition '{value}' ({hint})",
                                  {"value": _short(value), "hint": did_you_mean(value, KNOWN_CONDITIONS)})
    return name


#: Strict scalars: a boolean is never a number (``weeks: true`` is not 1 week) and a number never a
#: boolean or text.
Number = Annotated[float, Strict()]
Whole = Annotated[int, Strict()]
Flag = Annotated[bool, Strict()]
Text = Annotated[str, Strict()]
CaseDate = Annotated[dt.date, BeforeValidator(_case_date)]
Condition = Annotated[str, Strict(), AfterValidator(_condition)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True, str_max_length=MAX_TEXT,
                              allow_inf_nan=False)


class ScreeningResult(str, Enum):
    """Outcome of one pseudo-resistance screen."""

    done_negative = "done_negative"
    positive = "positive"
    not_done = "not_done"


class Diagnosis(_Strict):
    """The current depressive episode."""

    polarity: Literal["unipolar", "bipolar", "unknown"] = "unipolar"
    episode_months: Number = Field(ge=0, le=1200, description="duration of the current episode in months")
    psychotic_features: Flag = False
    severity: Literal["subsyndromal", "mild", "moderate", "severe"] | None = Field(
        default=None, description="clinician-rated severity at baseline (Maudsley Staging Method item)"
    )
    comorbid_anxiety: Flag = False
    age_at_onset: Number | None = Field(default=None, ge=0, le=120)


class Screening(_Strict):
    """Pseudo-resistance screens (CANMAT 2023; Dold & Kasper 2017). Missing means not done."""

    bipolar: ScreeningResult = ScreeningResult.not_done
    thyroid: ScreeningResult = ScreeningResult.not_done
    substance_use: ScreeningResult = ScreeningResult.not_done
    eating_disorder: ScreeningResult = ScreeningResult.not_done
    adhd: ScreeningResult = ScreeningResult.not_done


class Labs(_Strict):
    """Laboratory and ECG values relevant to the rules; all optional."""

    crp_mg_l: Number | None = Field(default=None, ge=0, le=500)
    egfr: Number | None = Field(default=None, ge=0, le=250)
    qtc_ms: Number | None = Field(default=None, ge=200, le=800)
    tsh_miu_l: Number | None = Field(default=None, ge=0, le=200)
    lithium_level_mmol_l: Number | None = Field(default=None, ge=0, le=5)


class Trial(_Strict):
    """One treatment trial, oldest first in the case."""

    agent: Text
    dose_mg_day: Number | None = Field(default=None, ge=0, le=5000)
    weeks: Number = Field(ge=0, le=520)
    adherence: Number | None = Field(default=None, ge=0, le=1, description="fraction of doses taken")
    scale: ScaleName | None = None
    baseline: Number | None = Field(default=None, ge=0)
    final: Number | None = Field(default=None, ge=0)
    burden: Burden | None = Field(default=None, description="FIBSER global burden item")
    augments: Whole | None = Field(default=None, ge=0, description="0-based index of the trial this one augments")
    sessions: Whole | None = Field(default=None, ge=0, le=1000)
    level_mmol_l: Number | None = Field(default=None, ge=0, le=5, description="serum level (lithium)")
    laterality: Literal["bilateral", "right_unilateral", "bifrontal"] | None = None
    stopped_for_side_effects: Flag = False

    @field_validator("agent")
    @classmethod
    def _known_agent(cls, value: str) -> str:
        agent = lookup_agent(value)
        if agent is None:
            hint = did_you_mean(value, known_agent_names(), list_all_up_to=60)
            raise PydanticCustomError("unknown_agent", "unknown agent '{value}' ({hint})", {"value": _short(value), "hint": hint})
        return agent.name

    @model_validator(mode="after")
    def _scores_within_scale(self) -> "Trial":
        if (self.baseline is not None or self.final is not None) and self.scale is None:
            raise PydanticCustomError("missing_scale", "scale: required when baseline or final is given")
        if self.scale is not None:
            scale = scale_table()[self.scale]
            for name in ("baseline", "final"):
                value = getattr(self, name)
                if value is not None and not scale.minimum <= value <= scale.maximum:
                    raise PydanticCustomError(
                        "score_range",
                        "{field}: {value} is outside the {scale} range {low}-{high}",
                        {"field": name, "value": f"{value:g}", "scale": scale.name, "low": scale.minimum, "high": scale.maximum},
                    )
        return self

    @property
    def burden_score(self) -> int | None:
        """FIBSER burden item, 0-6."""
        return None if self.burden is None else BURDEN_LEVELS[self.burden]


class Score(_Strict):
    """One measurement-based-care rating."""

    date: CaseDate
    scale: ScaleName
    value: Number

    @model_validator(mode="after")
    def _within_scale(self) -> "Score":
        scale = scale_table()[self.scale]
        if not scale.minimum <= self.value <= scale.maximum:
            raise PydanticCustomError(
                "score_range",
                "value: {value} is outside the {scale} range {low}-{high}",
                {"value": f"{self.value:g}", "scale": scale.name, "low": scale.minimum, "high": scale.maximum},
            )
        return self


ValueName = Literal["remission", "response", "no_response", "significant_burden", "palliative_focus"]
#: Who gave a value: the patient alone, the patient with a clinician's help, or someone speaking for the patient.
ValueSetter = Literal["patient", "patient_with_clinician", "proxy"]
#: How a value was given: a 0-10 rating scale, or the standard-gamble question (dashboards/elicitation.py).
ValueMethod = Literal["rating_scale", "standard_gamble"]


class ValueRecord(_Strict):
    """Who set one value, when, and how."""

    set_by: ValueSetter
    method: ValueMethod
    on: CaseDate


class ValuesConfirmation(_Strict):
    """The patient's "these are my answers": only confirmed values pass the decision's values gate."""

    by: ValueSetter
    on: CaseDate


class Values(_Strict):
    """The patient's own utilities, 0 (worst) to 1 (best); each may be left out to use a default.

    ``recorded`` says who set each value, when and how; ``confirmed`` is the patient's confirmation of the
    whole set, which needs every value given (a default is never confirmed as the patient's).
    """

    remission: Number | None = Field(default=None, ge=0, le=1)
    response: Number | None = Field(default=None, ge=0, le=1)
    no_response: Number | None = Field(default=None, ge=0, le=1)
    significant_burden: Number | None = Field(default=None, ge=-1, le=0, description="added when burden is significant")
    palliative_focus: Number | None = Field(default=None, ge=0, le=1)
    recorded: dict[ValueName, ValueRecord] = Field(default_factory=dict)
    confirmed: ValuesConfirmation | None = None

    @model_validator(mode="after")
    def _confirmable(self) -> "Values":
        names = ("remission", "response", "no_response", "significant_burden", "palliative_focus")
        missing = [n for n in names if getattr(self, n) is None]
        unrecorded = [n for n in self.recorded if getattr(self, n) is None]
        if unrecorded:
            raise PydanticCustomError("record_without_value", "records a value that is not given: {names}",
                                      {"names": ", ".join(unrecorded)})
        if self.confirmed is not None and missing:
            raise PydanticCustomError("confirmed_incomplete", "confirmed, but these values are not given: {names}",
                                      {"names": ", ".join(missing)})
        return self

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed is not None


#: At most this many plans a clinician writes in a case file, each of at most MAX_PLAN_STEPS courses.
MAX_PLANS = 6
MAX_PLAN_STEPS = 12


def _plan_kind(value: str) -> str:
    """A plan step: an option kind the prognosis offers (futility.model.evidence.offered_kinds)."""
    from futility.model.evidence import offered_kinds

    kinds = offered_kinds()
    if value not in kinds:
        raise PydanticCustomError(
            "plan_kind", "unknown option kind '{value}' ({hint})",
            {"value": _short(value), "hint": did_you_mean(value, kinds)},
        )
    return value


PlanKind = Annotated[str, AfterValidator(_plan_kind)]
PlanSteps = Annotated[list[PlanKind], Field(min_length=1, max_length=MAX_PLAN_STEPS)]


class Case(_Strict):
    """A whole case as entered: pseudonymous id, diagnosis, screening, comorbidity, labs, trials, scores, values,
    and plans a clinician wants compared over time (each a list of option kinds, then comfort-focused care).
    """

    id: Text = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    age: Number = Field(ge=12, le=120)
    sex: Literal["female", "male", "other", "unknown"] = "unknown"
    diagnosis: Diagnosis
    screening: Screening = Field(default_factory=Screening)
    conditions: list[Condition] = Field(default_factory=list, max_length=MAX_CONDITIONS)
    labs: Labs = Field(default_factory=Labs)
    trials: list[Trial] = Field(default_factory=list, max_length=MAX_TRIALS)
    scores: list[Score] = Field(default_factory=list, max_length=MAX_SCORES)
    values: Values | None = None
    plans: list[PlanSteps] = Field(default_factory=list, max_length=MAX_PLANS)


def _cross_field_problems(case: Case, today: dt.date) -> list[tuple[str, str]]:
    """Checks that need the whole case: augmentation links and dates."""
    problems: list[tuple[str, str]] = []
    for i, trial in enumerate(case.trials):
        if trial.augments is not None:
            if trial.augments >= i:
                problems.append(
                    (f"trials[{i}].augments", f"points at trial {trial.augments}, which is not an earlier trial")
                )
    for i, score in enumerate(case.scores):
        if score.date > today:
            problems.append((f"scores[{i}].date", f"{score.date.isoformat()} is in the future"))
    if case.values is not None:
        for name, record in case.values.recorded.items():
            if record.on > today:
                problems.append((f"values.recorded.{name}.on", f"{record.on.isoformat()} is in the future"))
        if case.values.confirmed is not None and case.values.confirmed.on > today:
            problems.append(("values.confirmed.on", f"{case.values.confirmed.on.isoformat()} is in the future"))
    return problems


_MESSAGES = {
    "greater_than_equal": "must be >= {ge}",
    "less_than_equal": "must be <= {le}",
    "greater_than": "must be > {gt}",
    "less_than": "must be < {lt}",
    "missing": "is required",
    "extra_forbidden": "is not a known field",
    "literal_error": "must be one of {expected}",
    "enum": "must be one of {expected}",
    "float_parsing": "must be a number",
    "float_type": "must be a number",
    "int_parsing": "must be a whole number",
    "int_type": "must be a whole number",
    "int_from_float": "must be a whole number",
    "bool_parsing": "must be true or false",
    "bool_type": "must be true or false",
    "string_type": "must be text",
    "date_from_datetime_parsing": "must be a date (YYYY-MM-DD)",
    "date_parsing": "must be a date (YYYY-MM-DD)",
    "date_type": "must be a date (YYYY-MM-DD)",
    "list_type": "must be a list",
    "model_type": "must be a mapping of fields",
    "dict_type": "must be a mapping of fields",
    "string_too_short": "must not be empty",
    "string_too_long": "is longer than {max_length} characters",
    "too_long": "has {actual_length} items; at most {max_length} are allowed",
    "finite_number": "must be a finite number",
    "invalid_key": "is not a known field (field names are text)",
    "string_pattern_mismatch": "must be a pseudonymous identifier (letters, digits, '.', '_' or '-')",
}


def _short(value: Any, limit: int = 40) -> str:
    """A value as at most ``limit`` characters on one line, for echoing in a message."""
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _field_path(loc: tuple[Any, ...]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int) and not isinstance(part, bool):
            path += f"[{part}]"
        elif isinstance(part, str) and part.startswith(("function-", "literal[", "constrained-")):
            continue
        else:
            part = _short(part)
            path += f".{part}" if path else part
    return path


def _vocabulary_hint(error: ErrorDetails) -> str:
    """`` (did you mean X?)`` for a misspelt word of a literal or enum field, else ``""``."""
    value = error.get("input")
    if not isinstance(value, str):
        return ""
    choices = re.findall(r"'([^']*)'", str((error.get("ctx") or {}).get("expected", "")))
    close = close_matches(value, choices)
    return f" (did you mean {' or '.join(close)}?)" if close else ""


def _problem(error: ErrorDetails) -> tuple[str, str]:
    loc = tuple(error["loc"])
    if error["type"] == "invalid_key" and loc:  # the key itself ends the location; it is not a list index
        parent, key = _field_path(loc[:-1]), _short(loc[-1])
        path = f"{parent}.{key}" if parent else key
    else:
        path = _field_path(loc)
    template = _MESSAGES.get(error["type"])
    ctx = error.get("ctx") or {}
    if template is not None:
        try:
            message = template.format(**{k: (f"{v:g}" if isinstance(v, float) else v) for k, v in ctx.items()})
        except (KeyError, IndexError):
            message = error["msg"]
    else:
        message = error["msg"]
        for prefix in ("Value error, ", "Assertion failed, "):
            message = message.removeprefix(prefix)
    if error["type"] in {"literal_error", "enum"}:
        message += _vocabulary_hint(error)
    # Model-level checks name their own sub-field ("baseline: ..."): fold it into the path.
    if ": " in message and error["type"] in {"score_range", "missing_scale"}:
        sub, message = message.split(": ", 1)
        path = f"{path}.{sub}" if path else sub
    return path, message


def case_from_dict(data: Any, *, today: dt.date | None = None) -> Case:
    """Validate a mapping as a case; raise :class:`CaseError` listing every problem."""
    if not isinstance(data, dict):
        raise CaseError([("", "a case must be a mapping of fields (YAML or JSON object)")])
    try:
        case = Case.model_validate(data)
    except ValidationError as exc:
        raise CaseError([_problem(e) for e in exc.errors(include_url=False)]) from None
    problems = _cross_field_problems(case, today or dt.date.today())
    if problems:
        raise CaseError(problems)
    return case


def load_case(path: str | Path, *, today: dt.date | None = None) -> Case:
    """Read a YAML (``.yaml``/``.yml``) or JSON case file and validate it.

    Only a regular file of at most 1 MB is read (see :func:`futility.case_io.read_case_bytes`).
    """
    path = Path(path)
    try:
        text = decode(read_case_bytes(path), f"case file {path}")
    except InputProblem as exc:
        raise CaseError([(exc.field, exc.problem)]) from None
    return case_from_text(text, fmt="json" if path.suffix.lower() == ".json" else "yaml", today=today)


def case_from_text(text: str, *, fmt: Literal["yaml", "json"] = "yaml", today: dt.date | None = None) -> Case:
    """Parse YAML or JSON text (as uploaded in the dashboard) and validate it.

    Repeated keys, YAML aliases, nesting deeper than 10 levels and text over 1 MB are refused.
    """
    if len(text) > MAX_FILE_BYTES:
        raise CaseError([("", f"a case is limited to {MAX_FILE_BYTES:,} characters")])
    try:
        data = parse_json(text) if fmt == "json" else parse_yaml(text)
    except InputProblem as exc:
        raise CaseError([(exc.field, exc.problem)]) from None
    return case_from_dict(data, today=today)


def demo_case_path() -> Path:
    """The bundled demo case (a copy of shared/examples/demo-case.yaml)."""
    from importlib import resources

    return Path(str(resources.files("futility") / "data" / "demo-case.yaml"))
