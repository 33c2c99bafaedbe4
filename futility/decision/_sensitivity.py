"""Sensitivity analyses: threshold analysis, one-way (tornado) over each utility, value of information.

Expected utility is linear in the state probabilities, so the posterior mean EU of an option at any set
of utilities follows from the mean probabilities alone; the threshold and tornado analyses use that and
cost microseconds. The choice analysed is the one with the highest posterior mean EU.

* Threshold on remission: for each active option, the remission chance at which its mean EU equals the
  best other option's, holding its chance of response-without-remission and of burden at their means
  (the extra remission comes out of "no response"). None when no value in the possible range changes it.
* Threshold on palliative utility: palliative-focused care is preferred exactly when the patient values
  it above the best active option's mean EU.
* EVPI: expected value of perfect information about everything uncertain; EVPPI for remission: about
  the remission chances alone, by the regression method of Strong, Oakley & Brennan (Med Decis Making
  2014;34:311-326) with a linear fit on all options' remission draws. Both in utility units (0-1 scale).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypedDict

import numpy as np
import pandas as pd

from futility.decision._expected import DrawStack, mean_active_eu
from futility.decision._policy import PALLIATIVE
from futility.decision._utilities import BOUNDS, NAMES, Utilities


class ValueOfInformation(TypedDict):
    """EVPI (``total``) and EVPPI for the remission chances (``remission``), in ``units``."""

    total: float
    remission: float
    units: str


@dataclass(frozen=True)
class Sensitivity:
    threshold: dict[str, Any]
    tornado_rows: list[dict[str, Any]]
    evpi: ValueOfInformation

    @property
    def tornado(self) -> pd.DataFrame:
        """The one-way analysis as a tidy table (one row per utility, widest swing first)."""
        return pd.DataFrame(self.tornado_rows, columns=TORNADO_COLUMNS)

    def to_dict(self) -> dict[str, Any]:
        return {
            "threshold": self.threshold,
            "tornado": [dict(r) for r in self.tornado_rows],
            "evpi": dict(self.evpi),
        }


def _means(stack: DrawStack) -> np.ndarray:
    return np.vstack([stack.remission.mean(axis=1), stack.response.mean(axis=1), stack.burden.mean(axis=1)])


def _all_means(means: np.ndarray, u: Utilities) -> np.ndarray:
    return np.append(mean_active_eu(means, u), u.palliative_focus.value)


def remission_thresholds(names: tuple[str, ...], means: np.ndarray, u: Utilities) -> list[dict[str, Any]]:
    """Per active option: the remission chance at which it ties with the best other option."""
    eu = _all_means(means, u)
    labels = (*names, PALLIATIVE)
    gain = u.remission.value - u.no_response.value
    rows = []
    for k, name in enumerate(names):
        others = np.delete(eu, k)
        alt = int(np.argmax(others))
        alt_name = np.delete(np.array(labels, dtype=object), k)[alt]
        partial = means[1, k] - means[0, k]  # response without remission
        base = u.no_response.value + partial * (u.response.value - u.no_response.value) + means[2, k] * u.significant_burden.value
        tie = (others[alt] - base) / gain if gain > 1e-9 else None
        inside = tie is not None and 0.0 <= tie <= 1.0 - partial
        rows.append(
            {
                "option": name,
                "compared_with": str(alt_name),
                "p_remission_now": float(means[0, k]),
                "p_remission_threshold": float(tie) if inside and tie is not None else None,
                "preferred_now": bool(eu[k] > others[alt]),
                "note": "preferred when its remission chance is above the threshold"
                if inside
                else "no remission chance in the possible range changes the comparison",
            }
        )
    return rows


def threshold_analysis(stack: DrawStack, u: Utilities, focus: str | None) -> dict[str, Any]:
    """Headline thresholds: remission chance of the focus option, and the palliative-focus utility."""
    means = _means(stack)
    per_option = remission_thresholds(stack.names, means, u)
    out: dict[str, Any] = {"per_option": per_option, "remission": None, "palliative_utility": None}
    if not stack.names:
        return out
    if focus not in stack.names:
        focus = stack.names[int(np.argmax(means[0]))]
    out["remission"] = next(r for r in per_option if r["option"] == focus)
    eu = mean_active_eu(means, u)
    best = int(np.argmax(eu))
    out["palliative_utility"] = {
        "value_now": u.palliative_focus.value,
        "threshold": float(eu[best]),
        "compared_with": stack.names[best],
        "preferred_now": bool(u.palliative_focus.value > eu[best]),
        "note": "palliative-focused care is preferred when valued above the threshold",
    }
    return out


TORNADO_COLUMNS = ["utility", "source", "value", "low", "high", "margin_low", "margin_high", "preferred_low", "preferred_high", "swing"]


def tornado(stack: DrawStack, u: Utilities, span: float) -> list[dict[str, Any]]:
    """One-way analysis: each utility moved down and up by ``span`` (within its bounds).

    ``margin`` = best active option's mean EU minus palliative-focused care's; positive favours active
    treatment. Rows are sorted by swing, widest first.
    """
    if not stack.names:
        return []
    means = _means(stack)
    labels = (*stack.names, PALLIATIVE)
    rows = []
    for name in NAMES:
        v = u.value(name)
        lo_b, hi_b = BOUNDS[name]
        lo, hi = max(lo_b, v - span), min(hi_b, v + span)
        res = []
        for x in (lo, hi):
            eu = _all_means(means, u.replace(name, x))
            res.append((float(eu[:-1].max() - eu[-1]), labels[int(np.argmax(eu))]))
        rows.append(
            {
                "utility": name,
                "source": getattr(u, name).source,
                "value": v,
                "low": lo,
                "high": hi,
                "margin_low": res[0][0],
                "margin_high": res[1][0],
                "preferred_low": res[0][1],
                "preferred_high": res[1][1],
                "swing": abs(res[1][0] - res[0][0]),
            }
        )
    return sorted(rows, key=lambda r: -r["swing"])


def value_of_information(stack: DrawStack, eu: np.ndarray) -> ValueOfInformation:
    """EVPI (all uncertainty) and EVPPI for the remission chances, in utility units (0-1 scale)."""
    mean_eu = eu.mean(axis=1)
    evpi = float(eu.max(axis=0).mean() - mean_eu.max())
    if not stack.names:
        return {"total": 0.0, "remission": 0.0, "units": "utility (0-1 scale) per person"}
    x = np.column_stack([np.ones(stack.n_draws), stack.remission.T])
    # least squares through the small Gram matrix (pinv copes with collinear options). einsum, not `@`:
    # threaded BLAS on these thin matrices costs 5x more wall time on a busy machine than it saves.
    y = eu[:-1]
    coef = np.linalg.pinv(np.einsum("si,sj->ij", x, x)) @ np.einsum("si,ks->ik", x, y)
    fitted = np.vstack([np.einsum("si,ik->ks", x, coef), eu[-1:]])
    evppi = float(fitted.max(axis=0).mean() - fitted.mean(axis=1).max())
    evpi = max(evpi, 0.0)
    return {"total": evpi, "remission": min(max(evppi, 0.0), evpi), "units": "utility (0-1 scale) per person"}


def sensitivity(stack: DrawStack, eu: np.ndarray, u: Utilities, focus: str | None, span: float) -> Sensitivity:
    return Sensitivity(threshold_analysis(stack, u, focus), tornado(stack, u, span), value_of_information(stack, eu))
