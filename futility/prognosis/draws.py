"""Posterior draws per candidate option: the interface between prognosis and decision.

Prognosis produces one :class:`OptionDraws` per candidate next option; decision consumes them. Each
array holds one value per stored posterior draw, aligned across options (draw ``s`` of every option
comes from the same population-parameter draw), so differences between options keep their correlation.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class OptionDraws:
    """Predictive probabilities for one option, one entry per posterior draw.

    ``p_response`` is the probability of response *or better* (>= 50% reduction, remission included),
    so ``p_remission <= p_response`` holds draw by draw; response without remission is the difference.
    ``p_burden`` is the probability of significant side-effect burden (FIBSER burden item >= 3).
    """

    option: str
    p_remission: np.ndarray
    p_response: np.ndarray
    p_burden: np.ndarray

    def __post_init__(self) -> None:
        n = self.p_remission.shape
        if self.p_response.shape != n or self.p_burden.shape != n or len(n) != 1:
            raise ValueError(f"{self.option}: draw arrays must be 1-D and of equal length")
        if np.any(self.p_remission > self.p_response + 1e-12):
            raise ValueError(f"{self.option}: p_remission exceeds p_response in some draws")

    @property
    def n_draws(self) -> int:
        return int(self.p_remission.shape[0])
