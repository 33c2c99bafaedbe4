"""A hand-written assessment dict following the JSON contract, for store and report tests.

Shaped like ``Assessment.to_dict()`` for the demo case and validated against :mod:`futility.contract`
on every call, so the store and the report can be tested without the posterior and the fixture cannot
drift from the real output. The numbers are illustrative test data, not clinical figures.
``real_assessment()`` runs the real pipeline when it is available.
"""
from __future__ import annotations

import copy
from typing import Any

from futility.case import Case, case_from_dict, demo_case_path, load_case
from futility.contract import AssessmentOutput


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
    """A contract-shaped assessment; ``shift`` moves the remission chances (for history comparisons).

    Validated against :mod:`futility.contract` on every call, so it cannot drift from the real output.
    """
    prog = [
        ("ect", 0.38 + shift, 0.24 + shift, 0.53 + shift, 0.55, 0.21, 0.13, 0.31),
        ("esketamine", 0.22 + shift, 0.12 + shift, 0.34 + shift, 0.36, 0.28, 0.18, 0.40),
        ("antipsychotic_augmentation", 0.12 + shift, 0.06 + shift, 0.20 + shift, 0.22, 0.35, 0.24, 0.47),
        ("tca", 0.07 + shift, 0.03 + shift, 0.13 + shift, 0.15, 0.38, 0.27, 0.50),
    ]
    by_option = {o: (m, lo, hi, b, blo, bhi) for o, m, lo, hi, _r, b, blo, bhi in prog}
    eu = {"ect": 0.61, "esketamine": 0.52, "antipsychotic_augmentation": 0.46, "tca": 0.43, "palliative_focus": 0.45}
    p_best = {"ect": 0.71, "esketamine": 0.14, "antipsychotic_augmentation": 0.05, "tca": 0.02, "palliative_focus": 0.08}
    below = {"ect": 0.0, "esketamine": 0.0, "antipsychotic_augmentation": 0.0, "tca": 0.002}
    caution = "uncontrolled hypertension: blood pressure rises after each dose"
    patient = {"source": "patient", "citation": "the patient's own value", "short_citation": "patient"}

    def option_row(rank: int, option: str, value: float) -> dict[str, Any]:
        active = option != "palliative_focus"
        m, lo, hi, b, blo, bhi = by_option.get(option, (0, 0, 0, 0, 0, 0))
        return {
            "option": option, "label": option.replace("_", " "), "active": active,
            "expected_utility": _iv(v := value, v - 0.08, v + 0.07) if active else _iv(value, value, value),
            "p_best": p_best[option], "expected_loss": round(eu["ect"] - value, 6), "rank": rank,
            "p_remission": _iv(m, lo, hi) if active else None, "p_burden": _iv(b, blo, bhi) if active else None,
            "p_below_threshold": below[option] if active else None,
            "caution": caution if option == "esketamine" else None,
        }

    def trial(index: int, agent: str, drug_class: str, role: str, adequate: bool, reasons: list[str],
              reduction: float, outcome: str, burden: int, augments: int | None) -> dict[str, Any]:
        return {"index": index, "agent": agent, "drug_class": drug_class, "role": role, "adequate": adequate,
                "reasons": reasons, "percent_reduction": reduction, "outcome": outcome, "burden_score": burden,
                "significant_burden": burden >= 3, "augments": augments, "laterality": None,
                "stopped_for_side_effects": False, "notes": []}

    data = {
        "case_id": case_id,
        "trials": [
            # QIDS-SR16 16 -> 12 is a 25% reduction: a partial response (futility.clinical.scales)
            trial(0, "sertraline", "ssri", "antidepressant", True, [], 25.0, "partial_response", 2, None),
            trial(1, "bupropion", "ndri", "antidepressant", True, [], 13.3, "non_response", 3, None),
            trial(2, "lithium", "lithium_augmentation", "augmenter", False,
                  ["no serum level recorded and dose below 900 mg/day <script>"], 14.3, "non_response", 4, 1),
        ],
        "trd": {"meets_criteria": True, "adequate_failed_trials": 2, "distinct_classes_failed": 2,
                "definition": ">= 2 adequate trials with less than 50% improvement (no response), of >= 2 distinct mechanistic classes",
                "failed_classes": ["ndri", "ssri"]},
        "staging": {
            "thase_rush": 2,
            "maudsley": {"score": 8, "category": "moderate",
                         "components": {"duration": 3, "severity": 3, "failures": 1, "augmentation": 1, "ect": 0},
                         "failed_treatments": 2, "severity_basis": "most severe rating in the episode: QIDS-SR16 baseline 16 (severe)"},
        },
        "screening": {"complete": True, "flags": [], "not_done": [], "reasons": []},
        "contraindications": [
            {"option": "esketamine", "reason": caution, "source": "Spravato (esketamine) label [S]", "severity": "caution"}
        ],
        "inflammation": "CRP 4.1 mg/L is above 3 mg/L: low-grade inflammation (Osimo 2019); repeat if infection possible",
        "measurement": {"scale": "PHQ-9", "n_points": 2, "first_date": "2026-01-05", "latest_date": "2026-03-02",
                        "first": 19.0, "latest": 17.0, "change_points": -2.0, "percent_reduction": 10.5,
                        "weeks_elapsed": 8.1, "status": "non_response", "severity_band": "moderately_severe"},
        "prognosis": [
            {"option": o, "p_remission": _iv(m, lo, hi), "p_response": _iv(r, max(lo, 0.0), min(r + 0.15, 1.0)),
             "p_burden": _iv(b, blo, bhi), "burden_known": True, "contraindicated": False}
            for o, m, lo, hi, r, b, blo, bhi in prog
        ],
        "prognosis_definition": {
            "outcome": "remission", "definition": "strict remission: QIDS-SR16 <= 5", "time_frame": "about 8-12 weeks",
            "setting": "routine care", "response": "a reduction of 50% or more",
            "burden": "FIBSER burden item 3 or more",
        },
        "decision": {
            "options": [option_row(rank, o, v)
                        for rank, (o, v) in enumerate(sorted(eu.items(), key=lambda kv: -kv[1]), start=1)],
            "preferred": "ect",
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
                {"gate": "screening_incomplete", "passed": True, "reason": "the screening is complete", "applies_to": "all",
                 "items": []},
                {"gate": "not_trd", "passed": True, "reason": "the case meets the criteria for TRD", "applies_to": "all",
                 "items": []},
                {"gate": "guideline_options_untried", "passed": False,
                 "reason": "guideline options remain untried and not contraindicated: ect, esketamine", "applies_to": "all",
                 "items": ["ect", "esketamine"]},
            ],
            "utilities": {
                "remission": {"value": 1.0, **patient},
                "response": {"value": 0.7, **patient},
                "no_response": {"value": 0.3, **patient},
                "significant_burden": {"value": -0.15, **patient},
                "palliative_focus": {"value": 0.45, **patient},
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
            "policy": {
                "futility_threshold": 0.01, "futility_certainty": 0.95, "qualitative_certainty": 0.95, "hdi_prob": 0.94,
                "next_option": "tca", "tornado_span": 0.1, "guideline_options": ["ect", "esketamine"],
                "require_patient_values": True, "references": {"schneiderman_1990": 0.01, "seed_example": 0.06},
            },
            "excluded": {},
            "cautions": {"esketamine": caution},
            "n_draws": 2000,
            "summary": "ECT has the highest expected value for this patient; futility is not established.",
            "technical_summary": "Best option ect (p_best 0.71); quantitative futility 0.002 < 0.95.",
        },
        "model": {
            "version": "trd-pop-1",
            "posterior_file_hash": "a" * 64,
            "data_hash": "b" * 64,
            "n_draws": 2000,
            "diagnostics": {"max_rhat": 1.004, "min_ess_bulk": 812.0, "divergences": 0},
        },
        "assumptions": {"adequacy": {"min_weeks": 6.0, "min_adherence": 0.8, "missing_adherence_is_adequate": False,
                                     "early_stop_min_weeks": 4.0, "use_agent_min_weeks": True}},
        "package_version": "0.1.0",
    }
    AssessmentOutput.model_validate(data)  # a fixture that breaks the contract fails here, naming the field
    return copy.deepcopy(data)


def real_assessment(case: Case) -> dict[str, Any] | None:
    """``assess(case).to_dict()`` from the real pipeline, or None while it cannot run (posterior missing or
    refused). Any other error, a contract violation included, is raised: it must fail the test, not skip it."""
    from futility.assessment import assess
    from futility.errors import PosteriorError

    try:
        return assess(case).to_dict()
    except PosteriorError:
        return None
