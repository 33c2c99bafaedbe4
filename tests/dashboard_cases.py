"""Case files for the issue-10 dashboard tests (unit and browser): the demo, a second patient, a long journey."""
from __future__ import annotations

import yaml

from futility.case import demo_case_path


def demo() -> dict:
    return yaml.safe_load(demo_case_path().read_text(encoding="utf-8"))


def other_case(**changes) -> dict:
    """A second patient, different from demo-001 in every field the merge bug mixed up."""
    data = demo()
    data.update(id="v-bad", age=33, conditions=["epilepsy"], labs={"crp_mg_l": 1.2, "egfr": 95, "qtc_ms": 410},
                scores=[{"date": "2026-02-10", "scale": "PHQ-9", "value": 22}],
                values={"remission": 0.9, "response": 0.6, "no_response": 0.2, "significant_burden": -0.3, "palliative_focus": 0.25})
    data["trials"] = [
        {"agent": "escitalopram", "dose_mg_day": 20, "weeks": 9, "adherence": 0.95, "scale": "QIDS-SR16", "baseline": 18, "final": 15, "burden": "mild"},
        {"agent": "venlafaxine", "dose_mg_day": 225, "weeks": 7, "adherence": 0.9, "scale": "QIDS-SR16", "baseline": 17, "final": 16, "burden": "moderate"},
    ]
    data.update(changes)
    return data


def seven_trials() -> dict:
    """The demo patient with seven trials (a longer journey axis than the demo's)."""
    data = demo()
    data["id"] = "seven-007"
    agents = ["sertraline", "bupropion", "venlafaxine", "mirtazapine", "escitalopram", "duloxetine", "nortriptyline"]
    data["trials"] = [
        {"agent": a, "dose_mg_day": 150, "weeks": 8, "adherence": 0.9, "scale": "QIDS-SR16", "baseline": 16, "final": 13, "burden": "mild"}
        for a in agents
    ]
    return data
