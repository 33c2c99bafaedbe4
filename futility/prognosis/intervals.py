"""Highest-density intervals: the one implementation every summary in the output uses.

An interval is the narrowest one holding ``prob`` of the posterior draws (ArviZ's ``hdi`` on a sample);
94% is ArviZ's default and the output's (:data:`HDI_PROB`). Written here once so that the prognosis,
the decision analysis and validation cannot disagree about an interval (issue 12).
"""
from __future__ import annotations

import numpy as np

__all__ = ["HDI_PROB", "hdi", "hdi_rows", "summarise"]

#: Credible-interval mass used everywhere in the output (ArviZ's default).
HDI_PROB = 0.94


def hdi_rows(draws: np.ndarray, prob: float = HDI_PROB) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper bounds of the HDI of each row of a (R, S) array of draws."""
    x = np.sort(np.asarray(draws, dtype=float), axis=-1)
    n = x.shape[-1]
    if n == 0:
        nan = np.full(x.shape[:-1], np.nan)
        return nan, nan
    width = int(np.floor(prob * n))
    if width < 1 or width >= n:
        return x[..., 0], x[..., -1]
    spans = x[..., width:] - x[..., : n - width]
    start = np.argmin(spans, axis=-1)
    low = np.take_along_axis(x, start[..., None], axis=-1)[..., 0]
    high = np.take_along_axis(x, (start + width)[..., None], axis=-1)[..., 0]
    return low, high


def hdi(draws: np.ndarray, prob: float = HDI_PROB) -> tuple[float, float]:
    """The HDI of one array of draws, as two floats."""
    low, high = hdi_rows(np.ravel(draws), prob)
    return float(low), float(high)


def summarise(draws: np.ndarray, prob: float = HDI_PROB) -> dict[str, float]:
    """``{mean, hdi_low, hdi_high}`` of a draw array."""
    low, high = hdi(draws, prob)
    return {"mean": float(np.mean(draws)), "hdi_low": low, "hdi_high": high}
