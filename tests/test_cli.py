"""The command line: the JSON contract on the demo case, the text view, and one-line errors for bad input."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from futility.case import demo_case_path
from futility.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def demo_json() -> dict:
    """The demo case assessed once through the CLI."""
    result = runner.invoke(app, ["assess", str(demo_case_path()), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_json_has_every_contract_field(demo_json):
    """`assess --json` prints one object with every top-level and nested field of DESIGN.md's contract."""
    for key in ("case_id", "trials", "trd", "staging", "screening", "contraindications", "prognosis", "decision", "model"):
        assert key in demo_json
    trial = demo_json["trials"][0]
    for key in ("index", "agent", "drug_class", "adequate", "reasons", "percent_reduction", "outcome"):
        assert key in trial
    assert set(demo_json["trd"]) >= {"meets_criteria", "adequate_failed_trials", "distinct_classes_failed"}
    assert 0 <= demo_json["staging"]["thase_rush"] <= 5
    assert 3 <= demo_json["staging"]["maudsley"]["score"] <= 15
    assert demo_json["staging"]["maudsley"]["category"] in {"mild", "moderate", "severe"}
    assert set(demo_json["screening"]) >= {"complete", "flags"}
    for c in demo_json["contraindications"]:
        assert c["option"] and c["reason"]
    active = [p for p in demo_json["prognosis"] if not p.get("contraindicated")]
    assert active
    for p in active:
        for key in ("p_remission", "p_burden"):
            interval = p[key]
            assert 0 <= interval["hdi_low"] <= interval["mean"] <= interval["hdi_high"] <= 1
    decision = demo_json["decision"]
    assert {o["option"] for o in decision["options"]} >= {"palliative_focus"}
    assert abs(sum(o["p_best"] for o in decision["options"]) - 1) < 1e-6
    assert set(decision["quantitative_futility"]) >= {"threshold", "probability", "met"}
    assert set(decision["qualitative_futility"]) >= {"met", "reason"}
    assert decision["summary"]
    assert set(demo_json["model"]["diagnostics"]) >= {"max_rhat", "min_ess_bulk", "divergences"}


def test_demo_worked_example(demo_json):
    """The demo's first trial (QIDS-SR 16 -> 12) is a 25% reduction: partial response, not response."""
    first = demo_json["trials"][0]
    assert first["percent_reduction"] == pytest.approx(25.0)
    assert first["outcome"] == "partial_response"


def test_demo_hypertension_excludes_snri(demo_json):
    """The demo's uncontrolled hypertension appears as a reason against SNRIs."""
    assert any(c["option"] == "snri" for c in demo_json["contraindications"])


def test_text_view_is_readable():
    """Without --json the CLI prints a text view naming the case, staging and the decision-support caveat."""
    result = runner.invoke(app, ["demo"])
    assert result.exit_code == 0, result.output
    assert "Case demo-001" in result.stdout
    assert "Thase-Rush stage" in result.stdout
    assert "Quantitative futility" in result.stdout


BAD_INPUTS = [
    (lambda d: d["trials"][0].pop("weeks"), "trials[0].weeks"),
    (lambda d: d["trials"][0].__setitem__("dose_mg_day", -150), "trials[0].dose_mg_day"),
    (lambda d: d["trials"][1].__setitem__("adherence", 1.7), "trials[1].adherence"),
    (lambda d: d["trials"][0].__setitem__("scale", "ZUNG"), "trials[0].scale"),
    (lambda d: d["trials"][0].__setitem__("agent", "unobtainium"), "trials[0].agent"),
    (lambda d: d["trials"][0].__setitem__("baseline", 99), "trials[0].baseline"),
    (lambda d: d["scores"][0].__setitem__("date", "2999-01-01"), "scores[0].date"),
    (lambda d: d["trials"][1].__setitem__("augments", 2), "trials[1].augments"),
]


@pytest.mark.parametrize(("mutate", "field"), BAD_INPUTS)
def test_bad_input_exits_2_with_one_line(tmp_path, mutate, field):
    """Each bad input gives exit status 2 and exactly one stderr line naming the field; no traceback."""
    data = yaml.safe_load(demo_case_path().read_text())
    mutate(data)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data))
    proc = subprocess.run(
        [sys.executable, "-m", "futility", "assess", str(path), "--json"], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(f"error: {field}")
    assert "Traceback" not in proc.stderr


def test_missing_case_file_exits_2(tmp_path):
    """A case path that does not exist is a user error, not a crash."""
    result = runner.invoke(app, ["assess", str(tmp_path / "absent.yaml")])
    assert result.exit_code == 2
    assert "case file not found" in result.stderr


def test_per_patient_path_does_not_import_pymc():
    """Assessing a case never imports PyMC or Panel: a consultation cannot wait for MCMC."""
    code = (
        "import sys, json; from futility.assessment import assess; from futility.case import demo_case_path, load_case;"
        "assess(load_case(demo_case_path()));"
        "print(json.dumps(sorted(m for m in ('pymc', 'pytensor', 'panel', 'bokeh') if m in sys.modules)))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert json.loads(proc.stdout) == []
