"""The per-patient prognosis: load the stored posterior and predict each candidate next option (numpy only).

- :mod:`~futility.prognosis.posterior`: the stored posterior as numpy draws, refused if it fails the gate;
- :mod:`~futility.prognosis.predict`: :func:`prognose`, predictive remission, response and burden draws;
- :mod:`~futility.prognosis.draws`: :class:`OptionDraws`, the prognosis -> decision interface;
- :mod:`~futility.prognosis.intervals`: the one HDI implementation.
"""
from __future__ import annotations

from futility.prognosis.predict import (
    CANDIDATE_OPTIONS,
    HDI_PROB,
    REMISSION_DEFINITION,
    Prognosis,
    hdi,
    option_kind,
    prognose,
    summarise,
)

__all__ = [
    "CANDIDATE_OPTIONS", "HDI_PROB", "REMISSION_DEFINITION", "Prognosis", "hdi", "option_kind", "prognose", "summarise",
]
