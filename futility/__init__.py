"""futility: a clinical decision aid for treatment-resistant depression.

Rules, Bayesian prognosis from a stored posterior, and an expected-utility analysis with futility
judgements. The tool supports a decision; it never makes one.

Public API (imported lazily so that ``import futility`` stays cheap)::

    from futility import load_case, assess
    assessment = assess(load_case("case.yaml"))
    assessment.to_dict()        # the JSON contract
    assessment.to_json_model()  # the same, as the validated futility.contract.AssessmentOutput
    assessment.tables.prognosis # tidy pandas tables of the same numbers (futility.tables)
"""
from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "Case": "futility.case",
    "CaseError": "futility.case",
    "load_case": "futility.case",
    "case_from_dict": "futility.case",
    "case_from_text": "futility.case",
    "demo_case_path": "futility.case",
    "Assessment": "futility.assessment",
    "assess": "futility.assessment",
    "AssessmentOutput": "futility.contract",
    "AssessmentTables": "futility.tables",
    "UserError": "futility.errors",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'futility' has no attribute {name!r}")
