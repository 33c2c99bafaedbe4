"""Plans over time for one patient: run every plan per posterior draw, then summarise at 6, 12, 24, 60 months.

:func:`plan_horizon` takes the rules' and the prognosis' plain results and returns a :class:`Horizon`:
per plan and report month, the chance of having remitted at least once, of being in remission, of having
been well (in remission) for 6 months at least once, the expected months in remission, in response, depressed
and on a course with significant burden, and quality-adjusted life-years under the patient's utilities, each
with its mean and highest-density interval; P(best plan) and expected loss by QALYs over the whole horizon;
the expected value of perfect information over plans; and the futility statements on the horizon. Every
probability is of *strict remission* (the prognosis' definition) or of response or better, as named.
:meth:`Horizon.with_utilities` re-values the same runs under other utilities (what a slider move needs).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from futility.horizon import evidence as ev
from futility.horizon.assumptions import REPORT_MONTHS, HorizonAssumptions
from futility.horizon.chain import SUSTAINED_CYCLES, CourseStep, PlanRun, run_plans
from futility.horizon.plans import COMFORT, USUAL_CARE, Plan, default_plans
from futility.prognosis.intervals import hdi

__all__ = ["Horizon", "PlanOutcome", "QUANTITIES", "plan_horizon"]

#: Weeks per cycle and months per cycle.
_CYCLE_MONTHS = ev.CYCLE_WEEKS * 7 / ev.DAYS_PER_MONTH
_CYCLE_YEARS = ev.CYCLE_WEEKS * 7 / 365.2425
#: Quantities reported per plan and month: name -> (what it is, unit).
QUANTITIES = {
    "p_ever_remitted": ("chance of having been in strict remission at least once by this month", "probability"),
    "p_in_remission": ("chance of being in strict remission at this month", "probability"),
    "p_well_6m": ("chance of having been in remission for 6 months or more at least once by this month", "probability"),
    "months_in_remission": ("expected months in remission up to this month", "months"),
    "months_in_response": ("expected months in response without remission up to this month", "months"),
    "months_depressed": ("expected months depressed (on a course before its outcome, or under comfort-focused care) "
                         "up to this month", "months"),
    "months_on_burden": ("expected months on a course with significant side-effect burden up to this month", "months"),
    "qalys": ("quality-adjusted life-years up to this month under the patient's utilities", "QALYs"),
}


def _cycle(month: float) -> int:
    return int(round(month / _CYCLE_MONTHS))


@dataclass(frozen=True)
class PlanOutcome:
    """One plan's per-draw results at the report months: quantity -> (months, S) array."""

    plan: Plan
    draws: dict[str, np.ndarray]
    run: PlanRun = field(repr=False)


@dataclass(frozen=True)
class Horizon:
    """Every plan over time for one patient, with the futility statements on the horizon."""

    months: tuple[int, ...]
    plans: list[PlanOutcome]
    assumptions: HorizonAssumptions
    utilities: dict[str, float]
    hdi_prob: float
    futility_threshold: float
    futility_certainty: float
    qualitative_certainty: float
    gates_all_pass: bool
    gates_qualitative_pass: bool
    steps: dict[str, list[dict[str, Any]]]  # plan -> per course: kind, cycles, relapse basis and sources
    notes: list[str]
    comfort_monthly: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0))  # per draw, the assumption's value

    # ----- decision quantities over plans --------------------------------------------------------
    @cached_property
    def _qaly_matrix(self) -> np.ndarray:
        return np.stack([p.draws["qalys"][-1] for p in self.plans])

    def qalys(self) -> np.ndarray:
        """QALYs over the whole horizon, (plans, S); stacked once per instance (P(best), loss, EVPI, futility and
        sensitivity all read it; :meth:`with_utilities` makes a new instance).
        """
        return self._qaly_matrix

    def p_best(self) -> np.ndarray:
        q = self.qalys()
        best = q.argmax(axis=0)
        return np.array([(best == i).mean() for i in range(q.shape[0])])

    def expected_loss(self) -> np.ndarray:
        q = self.qalys()
        return (q.max(axis=0) - q).mean(axis=1)

    def evpi(self) -> float:
        """Expected value of perfect information over plans, in QALYs: E[max] - max E."""
        q = self.qalys()
        return float(q.max(axis=0).mean() - q.mean(axis=1).max())

    def plan(self, name: str) -> PlanOutcome:
        return next(p for p in self.plans if p.plan.plan == name)

    # ----- futility on the horizon ---------------------------------------------------------------
    def quantitative_futility(self) -> dict[str, Any]:
        """P(the chance of remission within 12 months under usual care is below the futility line)."""
        usual = self.plan(USUAL_CARE)
        month = self.months.index(12) if 12 in self.months else 0
        draws = usual.draws["p_ever_remitted"][month]
        probability = float((draws < self.futility_threshold).mean())
        before = probability >= self.futility_certainty
        met = before and self.gates_all_pass
        reason = (
            f"chance of remission within {self.months[month]} months under usual care: mean {draws.mean():.1%}; "
            f"P(below {self.futility_threshold:.0%}) = {probability:.3f}, needed {self.futility_certainty:.2f}"
            + ("" if self.gates_all_pass or not before else "; held back by a safety gate")
        )
        return {"month": self.months[month], "threshold": self.futility_threshold, "certainty": self.futility_certainty,
                "probability": probability, "met_before_gates": before, "met": met, "reason": reason}

    def qualitative_futility(self) -> dict[str, Any]:
        """P(comfort-focused care gives at least the QALYs of every plan with courses), over the whole horizon."""
        q = self.qalys()
        names = [p.plan.plan for p in self.plans]
        comfort = q[names.index(COMFORT)]
        active = [i for i, p in enumerate(self.plans) if p.plan.steps]
        if not active:
            return {"probability": None, "certainty": self.qualitative_certainty, "met_before_gates": False, "met": False,
                    "reason": "no plan with a course to compare"}
        probability = float((comfort >= q[active].max(axis=0)).mean())
        before = probability >= self.qualitative_certainty
        met = before and self.gates_all_pass and self.gates_qualitative_pass
        reason = (f"P(comfort-focused care gives at least the quality-adjusted life-years of every plan over "
                  f"{self.months[-1]} months) = {probability:.3f}, needed {self.qualitative_certainty:.2f}"
                  + ("" if met or not before else "; held back by a safety gate"))
        return {"probability": probability, "certainty": self.qualitative_certainty, "met_before_gates": before, "met": met,
                "reason": reason}

    def with_utilities(self, utilities: dict[str, float], *, gates_qualitative_pass: bool | None = None) -> "Horizon":
        """The same runs re-valued under other utilities (occupancies are unchanged, so this is cheap)."""
        plans = [dataclasses.replace(p, draws={**p.draws, "qalys": _qalys(p.run, utilities, self.months,
                                                                          self.assumptions)}) for p in self.plans]
        return dataclasses.replace(self, plans=plans, utilities=dict(utilities),
                                   gates_qualitative_pass=self.gates_qualitative_pass if gates_qualitative_pass is None
                                   else gates_qualitative_pass)

    def comfort_sensitivity(self) -> dict[str, Any] | None:
        """How the comparison with comfort-focused care moves with its remission chance (the assumption).

        The chance is drawn per draw, so the margin (QALYs of the best plan with courses minus comfort-focused
        care's, over the horizon) can be read against it: its mean among the draws in the lowest and the highest
        tenth of the assumed range, the least-squares slope, and the monthly chance at which the fitted margin
        reaches zero (None when it does not within the range). None without a plan with courses or a range.
        """
        m = self.comfort_monthly
        active = [i for i, p in enumerate(self.plans) if p.plan.steps]
        if m.size == 0 or not active or float(m.max() - m.min()) <= 0.0:
            return None
        q = self.qalys()
        comfort = q[[p.plan.plan for p in self.plans].index(COMFORT)]
        margin = q[active].max(axis=0) - comfort
        lo, hi = np.quantile(m, [0.1, 0.9])
        slope, intercept = np.polyfit(m, margin, 1)
        zero = -intercept / slope if slope != 0 else None
        inside = zero is not None and float(m.min()) <= zero <= float(m.max())
        return {
            "parameter": "comfort_remission_monthly",
            "low_tenth": {"monthly": float(m[m <= lo].mean()), "margin": float(margin[m <= lo].mean())},
            "high_tenth": {"monthly": float(m[m >= hi].mean()), "margin": float(margin[m >= hi].mean())},
            "slope": float(slope),
            "threshold_monthly": float(zero) if inside and zero is not None else None,
            "note": "margin: QALYs of the best plan with courses minus comfort-focused care's over the horizon; "
                    "positive favours a plan with courses",
        }

    # ----- output --------------------------------------------------------------------------------
    def summary(self, values: np.ndarray) -> dict[str, float]:
        low, high = hdi(values, self.hdi_prob)
        return {"mean": float(values.mean()), "hdi_low": float(low), "hdi_high": float(high)}

    def table(self) -> pd.DataFrame:
        """Long form: one row per plan, month and quantity with mean, hdi_low, hdi_high (what the JSON reads);
        built once per instance, so ``Assessment.tables.horizon`` and the JSON share it.
        """
        return self._table

    @cached_property
    def _table(self) -> pd.DataFrame:
        rows = []
        for p in self.plans:
            for j, month in enumerate(self.months):
                for k in QUANTITIES:
                    rows.append({"plan": p.plan.plan, "month": month, "quantity": k, **self.summary(p.draws[k][j])})
        return pd.DataFrame(rows, columns=["plan", "month", "quantity", "mean", "hdi_low", "hdi_high"])

    def to_dict(self) -> dict[str, Any]:
        """The ``horizon`` part of the JSON contract (docs/contract.md), read from :meth:`table`."""
        p_best, loss = self.p_best(), self.expected_loss()
        table = self.table()
        cells = {(r.plan, r.month, r.quantity): {"mean": r.mean, "hdi_low": r.hdi_low, "hdi_high": r.hdi_high}
                 for r in table.itertuples(index=False)}
        plans = []
        for i, p in enumerate(self.plans):
            name = p.plan.plan
            outcomes = [{"month": m, **{k: cells[(name, m, k)] for k in QUANTITIES}} for m in self.months]
            plans.append({"plan": p.plan.plan, "label": p.plan.label, "origin": p.plan.origin, "steps": list(p.plan.steps),
                          "courses": self.steps[p.plan.plan], "outcomes": outcomes,
                          "p_best": float(p_best[i]), "expected_loss": float(loss[i]),
                          "sources": ev.plan_sources(self.steps[p.plan.plan], bool(self.assumptions.monthly_mortality))})
        return {
            "months": list(self.months),
            "definition": "strict remission as in prognosis_definition; response: response or better; months are "
                          "calendar months from today; QALYs undiscounted unless assumptions.discount_rate is set",
            "plans": plans,
            "evpi": self.evpi(),
            "quantitative_futility": self.quantitative_futility(),
            "qualitative_futility": self.qualitative_futility(),
            "sensitivity": self.comfort_sensitivity(),
            "assumptions": {**self.assumptions.to_dict(), "cycle_weeks": ev.CYCLE_WEEKS,
                            "report_cycles": [_cycle(m) for m in self.months], "sustained_cycles": SUSTAINED_CYCLES},
            "utilities": dict(self.utilities),
            "notes": list(self.notes),
        }


def _qalys(run: PlanRun, u: dict[str, float], months: tuple[int, ...], assumptions: HorizonAssumptions) -> np.ndarray:
    """Cumulative QALYs at the report months, (months, S)."""
    per_cycle = (run.remission * u["remission"] + run.response * u["response"] + run.on_course * u["no_response"]
                 + run.on_burden * u["significant_burden"] + run.comfort * u["palliative_focus"])
    t = np.arange(per_cycle.shape[0])
    discount = (1.0 + assumptions.discount_rate) ** (-(t * _CYCLE_YEARS))
    cumulative = np.cumsum(per_cycle * (discount * _CYCLE_YEARS)[:, None], axis=0)
    return np.stack([cumulative[_cycle(m) - 1] for m in months])


def _outcomes(run: PlanRun, u: dict[str, float], months: tuple[int, ...], assumptions: HorizonAssumptions) -> dict[str, np.ndarray]:
    cycles = [_cycle(m) for m in months]

    def occupancy_months(x: np.ndarray) -> np.ndarray:
        c = np.cumsum(x, axis=0) * _CYCLE_MONTHS
        return np.stack([c[k - 1] for k in cycles])

    return {
        "p_ever_remitted": np.stack([run.ever_remitted[k] for k in cycles]),
        "p_in_remission": np.stack([run.remission[k] for k in cycles]),
        "p_well_6m": np.stack([run.well_6m[k] for k in cycles]),
        "months_in_remission": occupancy_months(run.remission),
        "months_in_response": occupancy_months(run.response),
        "months_depressed": occupancy_months(run.on_course + run.comfort),
        "months_on_burden": occupancy_months(run.on_burden),
        "qalys": _qalys(run, u, months, assumptions),
    }


def _survive(run: PlanRun, monthly_mortality: float | None) -> PlanRun:
    """Apply a state-independent death hazard (background x TRD hazard ratio) as a survival factor."""
    if not monthly_mortality:
        return run
    hr, _ = ev.mortality_hazard_ratio()
    per_cycle = ev.per_cycle(1.0 - (1.0 - monthly_mortality) ** hr)
    alive = (1.0 - per_cycle) ** np.arange(run.remission.shape[0])[:, None]

    def cumulative(x: np.ndarray) -> np.ndarray:
        flows = np.diff(x, axis=0, prepend=0.0)
        return np.cumsum(flows * alive, axis=0)

    return dataclasses.replace(
        run, remission=run.remission * alive, response=run.response * alive, on_course=run.on_course * alive,
        on_burden=run.on_burden * alive, comfort=run.comfort * alive, ever_remitted=cumulative(run.ever_remitted),
        well_6m=cumulative(run.well_6m), relapses=cumulative(run.relapses))


def plan_horizon(case: Any, trials: list[Any], prognosis: Any, posterior: Any, *, guideline: tuple[str, ...],
                 tried: frozenset[str], utilities: dict[str, float], policy: Any, gates_all_pass: bool,
                 gates_qualitative_pass: bool, assumptions: HorizonAssumptions | None = None, resistant: bool = False) -> Horizon:
    """Every plan for one patient over 60 months (see the module docstring).

    ``prognosis`` is the next-option :class:`futility.prognosis.predict.Prognosis` (its options are the
    kinds not contraindicated; their burden draws are reused per course); ``utilities`` name -> value (the
    decision's in use); ``policy`` the decision policy (threshold, certainties, interval mass); the gate
    flags are the decision's; ``resistant``: the patient meets TRD criteria (the order of usual care, plans.py).
    """
    from futility.prognosis.predict import plans_step_draws

    assumptions = assumptions or HorizonAssumptions()
    months = REPORT_MONTHS
    n_cycles = _cycle(months[-1]) + 1
    stride = max(1, posterior.n_draws // assumptions.draws)
    draw_idx = np.arange(0, posterior.n_draws, stride)[: assumptions.draws]
    offered = {k: float(d.p_remission.mean()) for k, d in prognosis.options.items()}
    notes: list[str] = []
    case_plans = []
    for i, steps in enumerate(getattr(case, "plans", None) or [], start=1):
        refused = [k for k in steps if k not in offered]
        if refused:
            notes.append(f"plan {i} from the case file was left out: {', '.join(refused)} "
                         f"{'is' if len(refused) == 1 else 'are'} contraindicated for this patient")
            continue
        case_plans.append(list(steps))
    plans = default_plans(guideline, tried, offered, assumptions.leading_options, case_plans, resistant=resistant)
    ratio, _ = ev.response_hazard_ratio()
    failures0 = int(prognosis.adequate_failures)
    course_steps: list[list[CourseStep]] = []
    described: dict[str, list[dict[str, Any]]] = {}
    all_draws = plans_step_draws(case, trials, posterior, [list(p.steps) for p in plans])
    for plan, step_draws in zip(plans, all_draws):
        built, words = [], []
        for j, (kind, sd) in enumerate(zip(plan.steps, step_draws)):
            rel = ev.relapse(kind, failures0 + j)
            course = ev.course(kind)
            early, late = ev.per_cycle(rel.early), ev.per_cycle(rel.late)
            built.append(CourseStep(kind, course.cycles, sd.p_remission[draw_idx], sd.p_response[draw_idx],
                                    prognosis.options[kind].p_burden[draw_idx], early, late, 1.0 - (1.0 - early) ** ratio))
            words.append({"kind": kind, "weeks": course.weeks, "cycles": course.cycles, "course_source": course.source,
                          "relapse_monthly_early": rel.early, "relapse_monthly_late": rel.late, "relapse_basis": rel.basis,
                          "relapse_sources": list(rel.sources),
                          "p_remission": float(sd.p_remission[draw_idx].mean())})
        course_steps.append(built)
        described[plan.plan] = words
    low, high = assumptions.comfort_range()
    rng = np.random.default_rng(assumptions.seed)
    comfort_monthly = rng.uniform(low, high, size=draw_idx.size)
    comfort_cycle = 1.0 - (1.0 - comfort_monthly) ** (ev.CYCLE_WEEKS * 7 / ev.DAYS_PER_MONTH)
    relapse_k, _ = ev.comfort_relapse()
    runs = run_plans(course_steps, comfort_cycle, ev.per_cycle(relapse_k), n_cycles)
    if assumptions.monthly_mortality is None:
        notes.append("deaths are not counted: the evidence pack holds the TRD mortality hazard ratio (Reutfors 2018, "
                     "1.35) but no general-population life table; give a monthly mortality for this patient's age and "
                     "sex to include them")
    notes.append("stopping a course early for side effects is not modelled as its own state: no source gives "
                 "discontinuation by option kind (clinical-evidence.md: GAP); burden counts as time on a burdensome course")
    outcomes = []
    for plan, run in zip(plans, runs):
        run = _survive(run, assumptions.monthly_mortality)
        outcomes.append(PlanOutcome(plan, _outcomes(run, utilities, months, assumptions), run))
    return Horizon(
        months=months, plans=outcomes, assumptions=assumptions, utilities=dict(utilities), hdi_prob=policy.hdi_prob,
        futility_threshold=policy.futility_threshold, futility_certainty=policy.futility_certainty,
        qualitative_certainty=policy.qualitative_certainty, gates_all_pass=gates_all_pass,
        gates_qualitative_pass=gates_qualitative_pass, steps=described, notes=notes, comfort_monthly=comfort_monthly,
    )
