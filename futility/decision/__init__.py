"""Decision analysis on prognosis draws: expected utility, futility judgements, gates, sensitivity.

Pure numpy/pandas, no UI, no PyMC. The public API::

    from futility.decision import decide, Policy, GateContext, Decision
    d = decide(prognosis.options, case.values, GateContext(...), Policy())
    d.table          # one row per option, palliative-focused care included
    d.to_dict()      # the ``decision`` part of the JSON contract

See ``docs/decision.md`` for the model, the defaults and their sources.
"""
from __future__ import annotations

from futility.decision._decide import TABLE_COLUMNS, Decision, decide
from futility.decision._judgements import Gate, QualitativeFutility, QuantitativeFutility
from futility.decision._policy import (
    PALLIATIVE,
    SCHNEIDERMAN_THRESHOLD,
    SEED_EXAMPLE_REMISSION,
    GateContext,
    Policy,
    guideline_table,
    option_experience,
    plain_label,
)
from futility.decision._sensitivity import Sensitivity
from futility.decision._utilities import Utilities, Utility, default_table, resolve_utilities

__all__ = [
    "PALLIATIVE",
    "SCHNEIDERMAN_THRESHOLD",
    "SEED_EXAMPLE_REMISSION",
    "TABLE_COLUMNS",
    "Decision",
    "Gate",
    "GateContext",
    "Policy",
    "QualitativeFutility",
    "QuantitativeFutility",
    "Sensitivity",
    "Utilities",
    "Utility",
    "decide",
    "default_table",
    "guideline_table",
    "option_experience",
    "plain_label",
    "resolve_utilities",
]
