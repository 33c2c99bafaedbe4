"""The published figures the plans-over-time model runs on, read by id from ``futility/data/horizon/``.

Every number the horizon uses is looked up here by the id of its row in the horizon evidence tables
(``futility/data/horizon/README.md``; each row carries its citation, locator and evidence tag), so the
model holds no clinical number of its own. The arithmetic done on them (monthly to 4-weekly hazards,
a hazard ratio applied to a hazard, a cumulative figure turned into a constant hazard) is in the
functions below and in ``docs/horizon.md``.
"""
from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

__all__ = [
    "CYCLE_WEEKS", "DAYS_PER_MONTH", "Course", "Figure", "Relapse", "comfort_remission_ceiling", "comfort_relapse",
    "course", "figure", "mortality_hazard_ratio", "per_cycle", "plan_sources", "relapse", "response_hazard_ratio",
]

#: The model's cycle: 4 weeks (the issue's design; Ross & Soeteman 2020 and the esketamine model use 4-weekly
#: or monthly cycles, futility/data/horizon/models.csv).
CYCLE_WEEKS = 4
#: Days in an average Gregorian month, to turn monthly figures into 4-weekly ones.
DAYS_PER_MONTH = 365.2425 / 12
_TABLES = ("relapse", "durations", "background_remission", "mortality", "utilities", "models")


@dataclass(frozen=True)
class Figure:
    """One row of a horizon evidence table: the value as published and where it comes from."""

    id: str
    value: float
    unit: str
    citation: str
    tag: str
    window_months: float | None

    @property
    def source(self) -> str:
        """The short source said beside the number: citation, evidence tag and row id."""
        return f"{self.citation.split('.')[0]} ({self.tag}; {self.id})"


@lru_cache(maxsize=1)
def _rows() -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    base = resources.files("futility") / "data" / "horizon"
    for table in _TABLES:
        with (base / f"{table}.csv").open("r", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                out[row["id"]] = row
    return out


def figure(row_id: str) -> Figure:
    """The figure of row ``row_id``; KeyError when no row has that id, ValueError when it has no value (a GAP)."""
    row = _rows()[row_id]
    if not row["value"]:
        raise ValueError(f"{row_id}: no published value ({row['tag']})")
    window = row.get("window_months") or ""
    return Figure(row_id, float(row["value"]), row["unit"], row["citation"], row["tag"], float(window) if window else None)


def per_cycle(monthly: float) -> float:
    """A monthly probability as the probability over one 4-week cycle (constant hazard within the month)."""
    return 1.0 - (1.0 - monthly) ** (CYCLE_WEEKS * 7 / DAYS_PER_MONTH)


def _monthly(fig: Figure) -> float:
    if fig.unit != "percent per month":
        raise ValueError(f"{fig.id}: expected a monthly hazard, got {fig.unit}")
    return fig.value / 100.0


# ----- courses ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Course:
    """How long one course of a kind runs before its outcome is judged, in weeks and whole 4-week cycles."""

    kind: str
    weeks: float
    source: str

    @property
    def cycles(self) -> int:
        return max(1, math.ceil(self.weeks / CYCLE_WEEKS - 1e-9))


#: Weeks to the judged outcome of a course, by kind, each from a durations.csv row. Oral medicines,
#: augmentation and psychotherapy: STAR*D's levels ran up to 12 weeks with a 14-week maximum
#: (stard_l1_course_max); 12 weeks is the prognosis' own time frame ("about 8-12 weeks").
_ORAL_WEEKS = 12.0
_COURSES = {
    "ect": (8.0, "husain_ect_remission_by_10"),  # 65% remitted by session 10 (0.81 months), 75% by course end: 2 cycles
    "esketamine": (4.0, "esk_induction_length"),  # 4-week induction
    "ketamine": (2.0, "phillips_ketamine_course"),  # 6 infusions over 2 weeks
    "rtms": (6.0, "oreardon_rtms_course"),  # 4-6 weeks of daily sessions: the upper end
}


def course(kind: str) -> Course:
    """The course length of ``kind`` (oral and augmentation kinds: 12 weeks, see ``_ORAL_WEEKS``)."""
    weeks, row_id = _COURSES.get(kind, (_ORAL_WEEKS, "stard_l1_course_max"))
    fig = _rows()[row_id]
    return Course(kind, weeks, f"{fig['citation'].split('.')[0]} ({fig['tag']}; {row_id})")


# ----- relapse ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Relapse:
    """Monthly relapse probability after a remission brought by one kind of course, continued as in the source.

    ``early`` applies in the first 6 months of the remission, ``late`` afterwards (equal where the source
    gives one figure). ``basis`` says what the figure rests on, in words.
    """

    early: float
    late: float
    basis: str
    sources: tuple[str, ...]


def _stard_relapse(failures: int) -> Relapse:
    """Oral and augmentation courses: STAR*D's naturalistic follow-up, 4.2%/month after level 1 (no earlier
    failure) and 9.8%/month after level 4 (three or more), log-linear in between (the per-level figures for
    levels 2 and 3 in horizon-evidence.md are unverified [R]; the interpolation is ours, docs/horizon.md).
    """
    l1, l4 = figure("stard_l1_relapse_monthly"), figure("stard_l4_relapse_monthly")
    share = min(max(failures, 0), 3) / 3.0
    monthly = math.exp((1 - share) * math.log(_monthly(l1)) + share * math.log(_monthly(l4)))
    return Relapse(monthly, monthly, f"STAR*D naturalistic follow-up after {min(failures, 3)}{'+' if failures > 3 else ''} "
                   "failed steps (level 1 to level 4, interpolated)", (l1.source, l4.source))


def relapse(kind: str, failures_before: int) -> Relapse:
    """Relapse after a remission brought by a course of ``kind``, given ``failures_before`` failed courses
    before it, with the continuation treatment the source studied (ECT: continuation pharmacotherapy;
    esketamine: continued; IV ketamine: no maintenance, the only figure; rTMS: naturalistic follow-up).
    """
    if kind == "ect":
        m1, m7 = figure("jelovac_cpharm_relapse_monthly_m1_6"), figure("jelovac_cpharm_relapse_monthly_m7_12")
        return Relapse(_monthly(m1), _monthly(m7), "after ECT with continuation medicines (meta-analysis)", (m1.source, m7.source))
    if kind == "esketamine":
        stopped, hr = figure("sustain1_placebo_relapse_monthly"), figure("sustain1_relapse_hr")
        monthly = 1.0 - (1.0 - _monthly(stopped)) ** hr.value  # the hazard ratio of continuing, on the stopped arm's hazard
        return Relapse(monthly, monthly, "esketamine continued with an oral antidepressant", (stopped.source, hr.source))
    if kind == "ketamine":
        fig = figure("murrough_relapse_monthly")
        return Relapse(_monthly(fig), _monthly(fig), "IV ketamine without maintenance infusions (no maintenance figure exists)", (fig.source,))
    if kind == "rtms":
        fig = figure("dunner_tms_sustained_12m")
        monthly = 1.0 - (fig.value / 100.0) ** (1.0 / 12.0)  # 62.5% with sustained benefit at 12 months, constant hazard
        return Relapse(monthly, monthly, "rTMS, naturalistic follow-up (benefit sustained at 12 months)", (fig.source,))
    return _stard_relapse(failures_before)


def response_hazard_ratio() -> tuple[float, str]:
    """How much faster response without remission relapses than remission: Paykel 1995, 76% vs 25% relapse
    over the same follow-up, as a ratio of constant hazards (log survival ratio), with its source.
    """
    residual, none = figure("paykel_relapse_residual"), figure("paykel_relapse_no_residual")
    ratio = math.log(1 - residual.value / 100) / math.log(1 - none.value / 100)
    return ratio, f"{residual.source}; {none.source}"


# ----- comfort-focused care -----------------------------------------------------------------------
def comfort_remission_ceiling() -> tuple[float, str]:
    """The upper end of the monthly remission chance under comfort-focused care, with its basis.

    No study reports outcomes under palliative psychiatry (background_remission.csv: palliative_outcomes_gap).
    The ceiling is the constant monthly chance that gives Fekadu's 60.2% ever remitted over a mean 39 months
    of follow-up in tertiary TRD under *continued active care*: comfort-focused care is assumed to do no
    better than that, and possibly no better than never remitting (the floor, 0).
    """
    fig = figure("fekadu_ever_remitted")
    months = fig.window_months or 39.0
    return 1.0 - (1.0 - fig.value / 100.0) ** (1.0 / months), fig.source


def comfort_relapse() -> tuple[float, str]:
    """Monthly relapse after a remission under comfort-focused care: no figure exists; the model uses the
    highest naturalistic figure among treated resistant patients (STAR*D after level 4, 9.8%/month).
    """
    fig = figure("stard_l4_relapse_monthly")
    return _monthly(fig), fig.source


def mortality_hazard_ratio() -> tuple[float, str]:
    """All-cause mortality in TRD relative to other depression (Reutfors 2018, HR 1.35)."""
    fig = figure("reutfors_allcause_hr")
    return fig.value, fig.source


# ----- where a plan's figures come from -----------------------------------------------------------
def plan_sources(courses: list[dict], deaths_counted: bool) -> list[str]:
    """Every horizon evidence row behind one plan's figures, each 'citation (tag; row id)', in order, once each.

    ``courses`` are the plan's course descriptions (``course_source``, ``relapse_sources``, as in the JSON's
    ``horizon.plans[].courses``). Then, for a plan with courses, the faster relapse from response than from
    remission (Paykel 1995); for every plan, since every plan ends in it, comfort-focused care's relapse and the
    ceiling of its assumed remission chance; and the TRD mortality ratio when deaths are counted. Each course's
    remission chance is the prognosis' (``prognosis[].sources``), not a horizon row.
    """
    found: list[str] = []
    for c in courses:
        found += [c["course_source"], *c["relapse_sources"]]
    if courses:
        found += response_hazard_ratio()[1].split("; ")
    found += [comfort_relapse()[1], comfort_remission_ceiling()[1]]
    if deaths_counted:
        found.append(mortality_hazard_ratio()[1])
    return list(dict.fromkeys(found))
