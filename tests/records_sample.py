"""A hand-written assessment dict following the JSON contract, for store and report tests.

Shaped like ``Assessment.to_dict()`` (DESIGN.md plus docs/architecture.md extensions) for the demo case,
so the store and the report can be tested without the posterior. The numbers are illustrative test
data, not clinical figures. ``real_assessment()`` runs the real pipeline when it is available.
"""
from __future__ import annotations

import copy
from typing import Any

from futility.case import Case, case_from_dict, demo_case_path, load_case


def demo_case() -> Case:
    return load_case(demo_case_path())


def variant_case(case: Case, **changes: Any) -> Case:
    """The case with top-level fields replaced (e.g. another id), validated again."""
    data = case.model_dump(mode="json")
    data.update(changes)
    return case_from_dict(data)


def _iv(mean: float, low: float, high: float) -> dict[str, float]:
    def clip(x: float) -> float:
        return round(min(max(x, 0.0), 1.0), 6)

    return {"mean": clip(mean), "hdi_low": clip(low), "hdi_high": clip(high)}


def sample_assessment(case_id: str = "demo-001", *, shift: float = 0.0) -> dict[str, Any]:
    """A contract-shaped assessment; ``shift`` moves the remission chances (for history comparisons)."""
    prog = [
        ("ect", 0.38 + shift, 0.24 + shift, 0.53 + shift, 0.55, 0.21, 0.13, 0.31),
        ("esketamine", 0.22 + shift, 0.12 + shift, 0.34 + shift, 0.36, 0.28, 0.18, 0.40),
        ("antipsychotic_augmentation", 0.12 + shift, 0.06 + shift, 0.20 + shift, 0.22, 0.35, 0.24, 0.47),
        ("tca", 0.07 + shift, 0.03 + shift, 0.13 + shift, 0.15, 0.38, 0.27, 0.50),
    ]
    eu = {"ect": 0.61, "esketamine": 0.52, "antipsychotic_augmentation": 0.46, "tca": 0.43, "palliative_focus": 0.45}
    p_best = {"ect": 0.71, "esketamine": 0.14, "antipsychotic_augmentation": 0.05, "tca": 0.02, "palliative_focus": 0.08}
    return copy.deepcopy(
        {
            "case_id": case_id,
            "trials": [
                {"index": 0, "agent": "sertraline", "drug_class": "ssri", "role": "antidepressant", "adequate": True,
                 "reasons": [], "percent_reduction": 25.0, "outcome": "non_response", "burden_score": 2,
                 "significant_burden": False, "augments": None},
                {"index": 1, "agent": "bupropion", "drug_class": "ndri", "role": "antidepressant", "adequate": True,
                 "reasons": [], "percent_reduction": 13.3, "outcome": "non_response", "burden_score": 3,
                 "significant_burden": True, "augments": None},
                {"index": 2, "agent": "lithium", "drug_class": "lithium_augmentation", "role": "augmenter",
                 "adequate": False, "reasons": ["no serum level recorded and dose below 900 mg/day <script>"],
                 "percent_reduction": 14.3, "outcome": "non_response", "burden_score": 4,
                 "significant_burden": True, "augments": 1},
            ],
            "trd": {"meets_criteria": True, "adequate_failed_trials": 2, "distinct_classes_failed": 2},
            "staging": {
                "thase_rush": 2,
                "maudsley": {"score": 8, "category": "moderate",
                             "components": {"duration": 3, "severity": 3, "failures": 1, "augmentation": 1, "ect": 0}},
            },
            "screening": {"complete": True, "flags": [], "not_done": []},
            "contraindications": [
                {"option": "maoi", "reason": "uncontrolled hypertension", "source": "CANMAT 2023 [S]"}
            ],
            "inflammation": "CRP 4.1 mg/L is above 3 mg/L: low-grade inflammation (Osimo 2019); repeat if infection possible",
            "measurement": {"scale": "PHQ-9", "first": 19, "last": 17, "change": -2, "points": 2},
            "prognosis": [
                {"option": o, "p_remission": _iv(m, lo, hi), "p_response": _iv(r, max(lo, 0.0), min(r + 0.15, 1.0)),
                 "p_burden": _iv(b, blo, bhi), "contraindicated": False}
                for o, m, lo, hi, r, b, blo, bhi in prog
            ],
            "decision": {
                "options": [
                    {"option": o, "label": o.replace("_", " "), "active": o != "palliative_focus",
                     "expected_utility": _iv(v, v - 0.08, v + 0.07) if o != "palliative_focus" else _iv(v, v, v),
                     "p_best": p_best[o], "rank": rank}
                    for rank, (o, v) in enumerate(sorted(eu.items(), key=lambda kv: -kv[1]), start=1)
                ],
                "warnings": [],
                "quantitative_futility": {
                    "threshold": 0.01, "certainty": 0.95, "probability": 0.002, "met": False,
                    "met_before_gates": False, "option": "tca", "held_back_by": [],
                    "reason": "the next standard option's remission chance is very unlikely to be below 1%",
                    "per_option": {"tca": 0.002, "antipsychotic_augmentation": 0.0},
                },
                "qualitative_futility": {
                    "certainty": 0.95, "probability": 0.08, "met": False, "met_before_gates": False,
                    "held_back_by": [], "reason": "ECT is expected to be worth more to the patient than palliative-focused care",
                },
                "gates": [
                    {"gate": "screening_incomplete", "passed": True, "reason": "the screening is complete", "applies_to": "all"},
                    {"gate": "not_trd", "passed": True, "reason": "the case meets the criteria for TRD", "applies_to": "all"},
                    {"gate": "guideline_options_untried", "passed": False,
                     "reason": "guideline options remain untried and not contraindicated: ect, esketamine", "applies_to": "all"},
                ],
                "utilities": {
                    "remission": {"value": 1.0, "source": "patient", "citation": "the patient's own value"},
                    "response": {"value": 0.7, "source": "patient", "citation": "the patient's own value"},
                    "no_response": {"value": 0.3, "source": "patient", "citation": "the patient's own value"},
                    "significant_burden": {"value": -0.15, "source": "patient", "citation": "the patient's own value"},
                    "palliative_focus": {"value": 0.45, "source": "patient", "citation": "the patient's own value"},
                },
                "sensitivity": {
                    "threshold": {
                        "per_option": [
                            {"option": "tca", "compared_with": "ect", "p_remission_now": 0.07,
                             "p_remission_threshold": 0.31, "preferred_now": False,
                             "note": "preferred when its remission chance is above the threshold"},
                        ],
                        "remission": {"option": "ect", "compared_with": "esketamine", "p_remission_now": 0.38,
                                      "p_remission_threshold": 0.27, "preferred_now": True,
                                      "note": "preferred when its remission chance is above the threshold"},
                        "palliative_utility": {"value_now": 0.45, "threshold": 0.61, "compared_with": "ect",
                                               "preferred_now": False,
                                               "note": "palliative-focused care is preferred when valued above the threshold"},
                    },
                    "tornado": [
                        {"utility": "palliative_focus", "source": "patient", "value": 0.45, "low": 0.25, "high": 0.65,
                         "margin_low": 0.36, "margin_high": -0.04, "preferred_low": "ect",
                         "preferred_high": "palliative_focus", "swing": 0.40},
                        {"utility": "remission", "source": "patient", "value": 1.0, "low": 0.8, "high": 1.0,
                         "margin_low": 0.08, "margin_high": 0.16, "preferred_low": "ect", "preferred_high": "ect",
                         "swing": 0.08},
                        {"utility": "significant_burden", "source": "patient", "value": -0.15, "low": -0.35,
                         "high": 0.0, "margin_low": 0.12, "margin_high": 0.19, "preferred_low": "ect",
                         "preferred_high": "ect", "swing": 0.07},
                    ],
                    "evpi": {"total": 0.021, "remission": 0.015, "units": "utility (0-1 scale) per person"},
                },
                "summary": "ECT has the highest expected value for this patient; futility is not established.",
                "technical_summary": "Best option ect (p_best 0.71); quantitative futility 0.002 < 0.95.",
            },
            "model": {
                "version": "trd-pop-1",
                "posterior_file_hash": "a" * 64,
                "n_draws": 2000,
                "diagnostics": {"max_rhat": 1.004, "min_ess_bulk": 812.0, "divergences": 0},
            },
            "assumptions": {"adequacy": {"min_weeks": 6.0, "min_adherence": 0.8}, "policy": {"futility_threshold": 0.01}},
            "package_version": "0.1.0",
        }
    )


def real_assessment(case: Case) -> dict[str, Any] | None:
    """``assess(case).to_dict()`` from the real pipeline, or None while it cannot run (posterior missing)."""
    try:
        from futility.assessment import assess

        return assess(case).to_dict()
    except Exception:  # noqa: BLE001 - pipeline under construction: the caller skips
        return None
