"""Expected utility per option over all posterior draws: the draw-by-draw arithmetic (numpy only).

For an active option in draw s, with remission probability r, response-or-better probability q and
significant-burden probability b, and utilities U (patient's or default):

    EU_s = U_remission * r + U_response * (q - r) + U_no_response * (1 - q) + U_burden * b

Burden is treated as independent of the efficacy outcome within a draw (no published joint figures), so
its disutility is simply added with its probability. Palliative-focused care has the patient's stated
utility in every draw (deterministic: we do not model uncertainty in the patient's own valuation; the
tornado and threshold analyses show how much it matters).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from futility.decision._policy import PALLIATIVE
from futility.decision._utilities import Utilities
from futility.prognosis.draws import OptionDraws


@dataclass(frozen=True)
class DrawStack:
    """Active options' draws stacked as (options x draws) arrays, in the caller's order."""

    names: tuple[str, ...]
    remission: np.ndarray
    response: np.ndarray  # response or better
    burden: np.ndarray

    @property
    def n_draws(self) -> int:
        return int(self.remission.shape[1])

    @classmethod
    def from_options(cls, options: Mapping[str, OptionDraws]) -> "DrawStack":
        names = tuple(options)
        if PALLIATIVE in names:
            raise ValueError(f"'{PALLIATIVE}' is added by decide(); do not pass it as an active option")
        if not names:
            return cls((), np.zeros((0, 1)), np.zeros((0, 1)), np.zeros((0, 1)))
        lengths = {options[n].n_draws for n in names}
        if len(lengths) != 1:
            raise ValueError(f"options have different numbers of draws ({sorted(lengths)}); draws must be aligned")
        rem = np.vstack([np.asarray(options[n].p_remission, dtype=float) for n in names])
        resp = np.vstack([np.asarray(options[n].p_response, dtype=float) for n in names])
        bur = np.vstack([np.asarray(options[n].p_burden, dtype=float) for n in names])
        for label, arr in (("p_remission", rem), ("p_response", resp), ("p_burden", bur)):
            if not np.all(np.isfinite(arr)) or arr.min() < 0.0 or arr.max() > 1.0:
                raise ValueError(f"{label}: draws must be probabilities in [0, 1]")
        return cls(names, rem, resp, bur)


def active_eu(stack: DrawStack, u: Utilities) -> np.ndarray:
    """Expected utility of each active option in each draw, shape (options, draws)."""
    u_rem, u_resp, u_nr = u.remission.value, u.response.value, u.no_response.value
    return (
        u_nr
        + (u_rem - u_resp) * stack.remission
        + (u_resp - u_nr) * stack.response
        + u.significant_burden.value * stack.burden
    )


def all_eu(stack: DrawStack, u: Utilities) -> np.ndarray:
    """Active options' rows followed by the palliative-focus row (constant), shape (options + 1, draws)."""
    pal = np.full((1, stack.n_draws), u.palliative_focus.value)
    return np.vstack([active_eu(stack, u), pal]) if stack.names else pal


def mean_active_eu(means: np.ndarray, u: Utilities) -> np.ndarray:
    """Posterior mean EU from mean probabilities (EU is linear in them): ``means`` rows are
    (remission, response, burden), columns options. Used by the sensitivity analyses.
    """
    rem, resp, bur = means
    return (
        u.no_response.value
        + (u.remission.value - u.response.value) * rem
        + (u.response.value - u.no_response.value) * resp
        + u.significant_burden.value * bur
    )


def p_best(eu: np.ndarray) -> np.ndarray:
    """Share of draws in which each row has the highest EU (ties share the draw equally); sums to 1."""
    best = eu >= eu.max(axis=0, keepdims=True) - 1e-12
    return (best / best.sum(axis=0, keepdims=True)).mean(axis=1)


def expected_loss(eu: np.ndarray) -> np.ndarray:
    """Mean over draws of (best EU in that draw - this option's EU): utility given up by this choice."""
    return (eu.max(axis=0, keepdims=True) - eu).mean(axis=1)
