"""The horizon's adjustable assumptions: visible in every output, changeable by a clinic or committee.

Nothing here is a published figure except where a source is named; the comfort-focused remission chance
in particular has none (no study reports outcomes under palliative psychiatry, horizon-evidence.md §3 and
background_remission.csv: palliative_outcomes_gap), so it is an explicit range, drawn per posterior draw
so that its uncertainty is in every interval, and it is varied in the sensitivity analysis.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from futility.horizon.evidence import comfort_remission_ceiling

__all__ = ["HorizonAssumptions", "REPORT_MONTHS"]

#: Months at which every plan is reported (the issue's 6, 12, 24 and 60 months).
REPORT_MONTHS = (6, 12, 24, 60)


@dataclass(frozen=True)
class HorizonAssumptions:
    """What the plans-over-time model assumes beyond the evidence tables.

    ``comfort_remission_monthly``: (low, high) of the monthly remission chance under comfort-focused care,
    uniform between them per draw; default 0 to the constant monthly chance that gives Fekadu 2010's 60.2%
    ever remitted over a mean 39 months in tertiary TRD under continued active care (2.3%/month): no
    better than continued care, possibly no remission at all. ``monthly_mortality``: the background
    all-cause death chance per month for this patient's age and sex (None: deaths are not counted, as the
    evidence pack has no life table); when given it is multiplied by the TRD hazard ratio (Reutfors 2018,
    1.35). ``discount_rate``: per year, for quality-adjusted life-years (0: undiscounted; NICE uses 3.5%,
    models.csv). ``draws``: posterior draws the horizon runs on (evenly thinned from the stored ones; see
    docs/horizon.md for its speed). ``leading_options``: how many "try X, then comfort-focused care" plans.
    """

    comfort_remission_monthly: tuple[float, float] | None = None
    monthly_mortality: float | None = None
    discount_rate: float = 0.0
    draws: int = 1000
    leading_options: int = 3
    seed: int = 20261203

    def __post_init__(self) -> None:
        low, high = self.comfort_range()
        if not 0.0 <= low <= high < 1.0:
            raise ValueError(f"HorizonAssumptions.comfort_remission_monthly: need 0 <= low <= high < 1, got {(low, high)!r}")
        if self.monthly_mortality is not None and not 0.0 <= self.monthly_mortality < 0.1:
            raise ValueError(f"HorizonAssumptions.monthly_mortality: must be between 0 and 0.1, got {self.monthly_mortality!r}")
        if not 0.0 <= self.discount_rate <= 0.2:
            raise ValueError(f"HorizonAssumptions.discount_rate: must be between 0 and 0.2 per year, got {self.discount_rate!r}")
        if not 100 <= self.draws:
            raise ValueError(f"HorizonAssumptions.draws: at least 100, got {self.draws!r}")
        if not 0 <= self.leading_options <= 6:
            raise ValueError(f"HorizonAssumptions.leading_options: 0 to 6, got {self.leading_options!r}")

    def comfort_range(self) -> tuple[float, float]:
        """The (low, high) monthly remission chance under comfort-focused care in use."""
        if self.comfort_remission_monthly is not None:
            low, high = self.comfort_remission_monthly
            return float(low), float(high)
        return 0.0, comfort_remission_ceiling()[0]

    def to_dict(self) -> dict[str, Any]:
        low, high = self.comfort_range()
        ceiling, source = comfort_remission_ceiling()
        return {
            "comfort_remission_monthly": {"low": low, "high": high, "default": self.comfort_remission_monthly is None,
                                          "basis": f"no published figure; ceiling {ceiling:.4f}/month from {source}"},
            "monthly_mortality": self.monthly_mortality,
            "discount_rate": self.discount_rate,
            "draws": self.draws,
            "leading_options": self.leading_options,
        }
