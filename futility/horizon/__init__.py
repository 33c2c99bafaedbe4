"""Plans over time: remission, relapse and time well over 1, 2 and 5 years (docs/horizon.md).

Pure numpy: the per-course chances come from the stored posterior through
:func:`futility.prognosis.predict.plan_step_draws`; relapse, course lengths and comfort-focused care from
the horizon evidence tables (:mod:`futility.horizon.evidence`). Nothing here fits a model or imports PyMC.
"""
from futility.horizon.assumptions import REPORT_MONTHS, HorizonAssumptions
from futility.horizon.outcomes import QUANTITIES, Horizon, PlanOutcome, plan_horizon
from futility.horizon.plans import COMFORT, USUAL_CARE, Plan

__all__ = ["COMFORT", "QUANTITIES", "REPORT_MONTHS", "USUAL_CARE", "Horizon", "HorizonAssumptions", "Plan", "PlanOutcome",
           "plan_horizon"]
