"""The case file: pydantic models and a loader for YAML and JSON with one-line, field-named errors.

A case is validated once, here, at the boundary. Every problem found is collected and raised as a
single :class:`CaseError` whose message names each field as a path (``trials[2].weeks``) and says
what is wrong, so the CLI can print one line and exit with status 2. Nothing downstream re-checks.
"""
from __future__ import annotations

import datetime as dt
import difflib
import json
from enum import Enum
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError

from futility.errors import UserError
from futility.clinical.agents import known_agent_names, lookup_agent
from futility.clinical.scales import scale_table

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
    "Values",
    "case_from_dict",
    "case_from_text",
    "demo_case_path",
    "load_case",
]

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
    """A case that cannot be used, with every problem as ``(field path, problem)``."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        super().__init__("; ".join(f"{field}: {problem}" if field else problem for field, problem in problems))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class ScreeningResult(str, Enum):
    """Outcome of one pseudo-resistance screen."""

    done_negative = "done_negative"
    positive = "positive"
    not_done = "not_done"


class Diagnosis(_Strict):
    """The current depressive episode."""

    polarity: Literal["unipolar", "bipolar", "unknown"] = "unipolar"
    episode_months: float = Field(ge=0, le=1200, description="duration of the current episode in months")
    psychotic_features: bool = False
    severity: Literal["subsyndromal", "mild", "moderate", "severe"] | None = Field(
        default=None, description="clinician-rated severity at baseline (Maudsley Staging Method item)"
    )
    comorbid_anxiety: bool = False
    age_at_onset: float | None = Field(default=None, ge=0, le=120)


class Screening(_Strict):
    """Pseudo-resistance screens (CANMAT 2023; Dold & Kasper 2017). Missing means not done."""

    bipolar: ScreeningResult = ScreeningResult.not_done
    thyroid: ScreeningResult = ScreeningResult.not_done
    substance_use: ScreeningResult = ScreeningResult.not_done
    eating_disorder: ScreeningResult = ScreeningResult.not_done
    adhd: ScreeningResult = ScreeningResult.not_done


class Labs(_Strict):
    """Laboratory and ECG values relevant to the rules; all optional."""

    crp_mg_l: float | None = Field(default=None, ge=0, le=500)
    egfr: float | None = Field(default=None, ge=0, le=250)
    qtc_ms: float | None = Field(default=None, ge=200, le=800)
    tsh_miu_l: float | None = Field(default=None, ge=0, le=200)
    lithium_level_mmol_l: float | None = Field(default=None, ge=0, le=5)


class Trial(_Strict):
    """One treatment trial, oldest first in the case."""

    agent: str
    dose_mg_day: float | None = Field(default=None, ge=0, le=5000)
    weeks: float = Field(ge=0, le=520)
    adherence: float | None = Field(default=None, ge=0, le=1, description="fraction of doses taken")
    scale: ScaleName | None = None
    baseline: float | None = Field(default=None, ge=0)
    final: float | None = Field(default=None, ge=0)
    burden: Burden | None = Field(default=None, description="FIBSER global burden item")
    augments: int | None = Field(default=None, ge=0, description="0-based index of the trial this one augments")
    sessions: int | None = Field(default=None, ge=0, le=1000)
    level_mmol_l: float | None = Field(default=None, ge=0, le=5, description="serum level (lithium)")
    laterality: Literal["bilateral", "right_unilateral", "bifrontal"] | None = None
    stopped_for_side_effects: bool = False

    @field_validator("agent")
    @classmethod
    def _known_agent(cls, value: str) -> str:
        agent = lookup_agent(value)
        if agent is None:
            close = difflib.get_close_matches(value.lower(), known_agent_names(), n=3, cutoff=0.6)
            hint = f"did you mean {' or '.join(close)}?" if close else "known: " + ", ".join(known_agent_names())
            raise PydanticCustomError("unknown_agent", "unknown agent '{value}' ({hint})", {"value": value, "hint": hint})
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

    date: dt.date
    scale: ScaleName
    value: float

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


class Values(_Strict):
    """The patient's own utilities, 0 (worst) to 1 (best); each may be left out to use a default."""

    remission: float | None = Field(default=None, ge=0, le=1)
    response: float | None = Field(default=None, ge=0, le=1)
    no_response: float | None = Field(default=None, ge=0, le=1)
    significant_burden: float | None = Field(default=None, ge=-1, le=0, description="added when burden is significant")
    palliative_focus: float | None = Field(default=None, ge=0, le=1)


class Case(_Strict):
    """A whole case as entered: pseudonymous id, diagnosis, screening, comorbidity, labs, trials, scores, values."""

    id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    age: float = Field(ge=12, le=120)
    sex: Literal["female", "male", "other", "unknown"] = "unknown"
    diagnosis: Diagnosis
    screening: Screening = Field(default_factory=Screening)
    conditions: list[str] = Field(default_factory=list)
    labs: Labs = Field(default_factory=Labs)
    trials: list[Trial] = Field(default_factory=list)
    scores: list[Score] = Field(default_factory=list)
    values: Values | None = None

    @field_validator("conditions")
    @classmethod
    def _snake_case_conditions(cls, value: list[str]) -> list[str]:
        cleaned = []
        for item in value:
            name = item.strip().lower().replace(" ", "_").replace("-", "_")
            if not name.replace("_", "").isalnum():
                raise PydanticCustomError("condition_name", "'{item}' is not a condition name", {"item": item})
            cleaned.append(name)
        return cleaned


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
    "string_too_long": "is too long",
    "string_pattern_mismatch": "must be a pseudonymous identifier (letters, digits, '.', '_' or '-')",
}


def _field_path(loc: tuple[Any, ...]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif isinstance(part, str) and not part.startswith(("function-", "literal[", "constrained-")):
            path += f".{part}" if path else part
    return path


def _problem(error: dict[str, Any]) -> tuple[str, str]:
    path = _field_path(tuple(error["loc"]))
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
    """Read a YAML (``.yaml``/``.yml``) or JSON case file and validate it."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CaseError([("", f"case file not found: {path}")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CaseError([("", f"cannot read case file {path}: {exc}")]) from None
    return case_from_text(text, fmt="json" if path.suffix.lower() == ".json" else "yaml", today=today)


def case_from_text(text: str, *, fmt: Literal["yaml", "json"] = "yaml", today: dt.date | None = None) -> Case:
    """Parse YAML or JSON text (as uploaded in the dashboard) and validate it."""
    try:
        data = json.loads(text) if fmt == "json" else yaml.safe_load(text)
    except json.JSONDecodeError as exc:
        raise CaseError([("", f"not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}")]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(exc, "problem", None) or "syntax error"
        raise CaseError([("", f"not valid YAML{where}: {problem}")]) from None
    return case_from_dict(data, today=today)


def demo_case_path() -> Path:
    """The bundled demo case (a copy of shared/examples/demo-case.yaml)."""
    from importlib import resources

    return Path(str(resources.files("futility") / "data" / "demo-case.yaml"))
