"""Import from the health record (FHIR R4): synthetic records in, the case checked field by field."""
from __future__ import annotations

import copy
import datetime as dt
import json

import fhir_bundles as fb
import pytest
from typer.testing import CliRunner

from futility.case import case_from_dict
from futility.cli import app
from futility.record import RecordError, import_record

TODAY = dt.date(2024, 6, 1)


def _import(resources, **kw):
    return import_record(fb.text(resources), today=TODAY, case_id="t1", **kw)


@pytest.fixture(scope="module")
def realistic():
    return _import(fb.realistic())


def test_patient_gives_age_and_sex_and_nothing_identifying(realistic):
    """Age at the import date and sex; no name, identifier, address or FHIR id reaches the case."""
    case = realistic.case
    assert case["age"] == 53 and case["sex"] == "female" and case["id"] == "t1"
    text = realistic.yaml_text()
    for secret in ("Testperson", "Ada", "MRN-998877", "Springfield", "p1", "m1", "urn:uuid"):
        assert secret not in text


def test_overlapping_courses_become_trials_oldest_first(realistic):
    """Two sertraline records are one course at the higher dose; venlafaxine, lithium, ECT follow by start."""
    trials = realistic.case["trials"]
    assert [t["agent"] for t in trials] == ["sertraline", "venlafaxine", "lithium", "ect"]
    sertraline, venlafaxine, lithium, ect = trials
    assert sertraline["dose_mg_day"] == 100 and sertraline["weeks"] == 12.0
    assert venlafaxine["dose_mg_day"] == 150  # 75 mg twice a day
    assert venlafaxine["weeks"] == round((dt.date(2023, 9, 25) - dt.date(2023, 5, 1)).days / 7, 1)
    assert lithium["dose_mg_day"] == 800 and lithium["augments"] == 1 and lithium["level_mmol_l"] == 0.7
    assert "augments" not in venlafaxine and "augments" not in sertraline
    assert ect["sessions"] == 10 and "dose_mg_day" not in ect and "laterality" not in ect


def test_ratings_give_scores_and_trial_baselines_by_date(realistic):
    """PHQ-9 totals are the scores; each trial's baseline and final are the ratings at its start and end."""
    case = realistic.case
    assert [s["value"] for s in case["scores"]] == [19, 17, 16, 20, 18, 15, 21, 12]
    assert case["scores"][0] == {"date": "2023-01-06", "scale": "PHQ-9", "value": 19}
    got = [(t["baseline"], t["final"]) for t in case["trials"]]
    assert got == [(19, 16), (20, 15), (18, 15), (21, 12)]
    assert all(t["scale"] == "PHQ-9" for t in case["trials"])


def test_labs_conditions_and_screening(realistic):
    """eGFR below 30, lithium level, TSH; CKD from ICD-10 N18.4; a bipolar code is a positive screen."""
    case = realistic.case
    assert case["labs"] == {"egfr": 27, "lithium_level_mmol_l": 0.7, "tsh_miu_l": 2.1}
    assert case["conditions"] == ["chronic_kidney_disease"]
    assert case["screening"] == {"bipolar": "positive"}
    assert case["diagnosis"]["polarity"] == "bipolar"


def test_what_the_record_does_not_say_is_a_gap_never_a_value(realistic):
    """Adherence, burden and the episode are missing and listed; uncoded screens are not_done, not negative."""
    case, lines = realistic.case, realistic.gap_lines
    assert "episode_months" not in case["diagnosis"]
    assert all("adherence" not in t and "burden" not in t for t in case["trials"])
    assert "trials[2].adherence: not in the record; ask the patient" in lines
    assert "trials[0].burden: not in the record; ask the patient (FIBSER global burden item)" in lines
    assert any(line.startswith("diagnosis.episode_months:") for line in lines)
    for screen in ("substance_use", "eating_disorder", "adhd"):
        assert screen not in case["screening"]
        assert any(line.startswith(f"screening.{screen}: no coded evidence") for line in lines)
    assert not any(v == "done_negative" for v in case["screening"].values())
    assert any(line.startswith("trials[0].dose_mg_day: 100 mg/day is the highest of 2 doses") for line in lines)


def test_completed_import_validates_and_assesses_like_the_hand_written_case(realistic):
    """Filled in, the imported case is the hand-written case: same validated case, same assessment."""
    from futility.assessment import assess

    completed = copy.deepcopy(realistic.case)
    completed["diagnosis"]["episode_months"] = 18
    for trial in completed["trials"]:
        trial.setdefault("adherence", 0.9) if trial["agent"] != "ect" else None
    hand = {
        "id": "t1", "age": 53, "sex": "female",
        "diagnosis": {"polarity": "bipolar", "episode_months": 18},
        "screening": {"bipolar": "positive"},
        "conditions": ["chronic_kidney_disease"],
        "labs": {"egfr": 27, "lithium_level_mmol_l": 0.7, "tsh_miu_l": 2.1},
        "trials": [
            {"agent": "sertraline", "dose_mg_day": 100, "weeks": 12, "adherence": 0.9, "scale": "PHQ-9", "baseline": 19, "final": 16},
            {"agent": "venlafaxine", "dose_mg_day": 150, "weeks": 21, "adherence": 0.9, "scale": "PHQ-9", "baseline": 20, "final": 15},
            {"agent": "lithium", "dose_mg_day": 800, "weeks": 12, "adherence": 0.9, "scale": "PHQ-9", "baseline": 18, "final": 15,
             "augments": 1, "level_mmol_l": 0.7},
            {"agent": "ect", "weeks": 3.9, "sessions": 10, "scale": "PHQ-9", "baseline": 21, "final": 12},
        ],
        "scores": [{"date": d, "scale": "PHQ-9", "value": v} for d, v in [
            ("2023-01-06", 19), ("2023-02-20", 17), ("2023-04-03", 16), ("2023-05-01", 20),
            ("2023-07-03", 18), ("2023-09-25", 15), ("2023-11-01", 21), ("2023-12-06", 12)]],
    }
    imported, written = case_from_dict(completed, today=TODAY), case_from_dict(hand, today=TODAY)
    assert imported == written
    a, b = assess(imported).to_dict(), assess(written).to_dict()
    for key in ("trials", "trd", "staging", "screening", "contraindications"):
        assert a[key] == b[key], key
    assert any(c["option"] == "lithium_augmentation" and c["severity"] == "contraindicated" for c in a["contraindications"])


def test_the_written_yaml_reads_back_as_the_same_case(realistic):
    """The YAML file (with its gap comments) parses to the mapping the import built."""
    import yaml

    assert yaml.safe_load(realistic.yaml_text()) == realistic.case


def test_request_chain_runs_to_the_next_change_and_active_to_today():
    """MedicationRequests with authoredOn only: a dose change continues the course; an active one runs to the import date."""
    res = [fb.patient(), fb.request("r1", "2556", "citalopram", "2024-01-08", 20, status="stopped"),
           fb.request("r2", "2556", "citalopram", "2024-02-05", 40, status="active")]
    result = _import(res)
    (trial,) = result.case["trials"]
    assert trial["dose_mg_day"] == 40 and trial["weeks"] == round((TODAY - dt.date(2024, 1, 8)).days / 7, 1)
    assert any("still active" in line for line in result.gap_lines)


def test_course_without_an_end_has_no_weeks_and_says_so():
    """A stopped statement with no end date: the weeks are missing (a gap), never made up."""
    res = [fb.patient(), fb.statement("m1", "36437", "sertraline", "2024-01-08", None, 100, status="stopped")]
    result = _import(res)
    assert "weeks" not in result.case["trials"][0]
    assert any(line.startswith("trials[0].weeks: the record gives no end") for line in result.gap_lines)


def test_right_unilateral_ect_code_gives_laterality_and_dispenses_give_adherence():
    """Laterality from the SNOMED CT code; adherence as the proportion of days covered by dispenses."""
    res = [fb.patient(), fb.statement("m1", "36437", "sertraline", "2024-01-01", "2024-02-26", 100)]
    res += [{"resourceType": "MedicationDispense", "id": f"d{i}", "status": "completed", "subject": fb.PATIENT,
             "medicationCodeableConcept": {"coding": [{"system": fb.RX, "code": "36437"}]},
             "whenHandedOver": f"2024-01-{1 + 14 * i:02d}", "daysSupply": {"value": 14, "unit": "d"}} for i in range(2)]
    res += [fb.ect(f"e{i}", f"2024-03-{4 + 2 * i:02d}", right_unilateral=True) for i in range(6)]
    case = _import(res).case
    assert case["trials"][0]["adherence"] == round(28 / 57, 2)
    assert case["trials"][1]["laterality"] == "right_unilateral" and case["trials"][1]["sessions"] == 6


def test_ndjson_export_reads_like_a_bundle():
    """An NDJSON export (one resource a line) gives the same case as the collection Bundle."""
    lines = "\n".join(json.dumps(r) for r in fb.realistic())
    assert import_record(lines, today=TODAY, case_id="t1").case == _import(fb.realistic()).case


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("text, where, problem", [
    ("id: 1\nage: 3\n", "", "not JSON"),
    ('{"hello": "world"}', "", "not FHIR"),
    ('{"resourceType": "Bundle", "type": "transaction", "entry": []}', "Bundle.type", "searchset or a collection"),
])
def test_a_file_that_is_not_a_fhir_record_is_refused(text, where, problem):
    """Not JSON, JSON that is not FHIR, a Bundle of the wrong type: one error naming the place."""
    with pytest.raises(RecordError) as exc:
        import_record(text, today=TODAY)
    assert exc.value.where == where and problem in exc.value.problem


def test_a_resource_failing_fhir_validation_names_its_entry_and_element():
    """fhir.resources' validation of entry 1 fails at its dose value: the message names that element."""
    res = [fb.patient(), fb.statement("m1", "36437", "sertraline", "2024-01-01", "2024-02-26", 100)]
    res[1]["dosage"][0]["doseAndRate"][0]["doseQuantity"]["value"] = "lots"
    with pytest.raises(RecordError) as exc:
        _import(res)
    assert exc.value.where == "Bundle.entry[1].resource.dosage[0].doseAndRate[0].doseQuantity.value"
    assert "fails FHIR validation" in exc.value.problem


def test_an_unknown_medication_is_refused_unless_asked_to_leave_it_out():
    """Metformin is no agent: refused naming the entry; with ignore_other_medications it is listed as left out."""
    res = [fb.patient(), fb.statement("m1", "6809", "metformin", "2024-01-01", "2024-02-26", 1000)]
    with pytest.raises(RecordError) as exc:
        _import(res)
    assert exc.value.where == "Bundle.entry[1].resource.medication" and "RxNorm 6809" in exc.value.problem
    result = _import(res, ignore_other_medications=True)
    assert result.case["trials"] == [] and result.skipped[0][0] == "Bundle.entry[1].resource"


def test_a_dose_with_no_unit_is_refused_naming_the_dosage():
    """A doseQuantity without a unit: RecordError at that dosage, never read as mg."""
    res = [fb.patient(), fb.statement("m1", "36437", "sertraline", "2024-01-01", "2024-02-26", 100, unit=None)]
    with pytest.raises(RecordError) as exc:
        _import(res)
    assert exc.value.where == "Bundle.entry[1].resource.dosage[0].doseAndRate[0].doseQuantity"
    assert "no unit" in exc.value.problem


def test_an_out_of_range_score_is_refused_naming_its_observation():
    """A PHQ-9 total of 30 fails the case validation; the error names the Observation it came from."""
    res = [fb.patient(), fb.phq9("o1", "2024-01-01", 30)]
    with pytest.raises(RecordError) as exc:
        _import(res)
    assert exc.value.where == "Bundle.entry[1].resource" and "scores[0].value" in exc.value.problem


# --------------------------------------------------------------------------- the command


def _one_line(result) -> str:
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    return lines[0]


def test_command_writes_the_case_and_prints_one_line_per_gap(tmp_path):
    """`futility import fhir` writes the case file and prints each gap; the file reads back."""
    src = tmp_path / "record.json"
    src.write_text(fb.text(fb.realistic()), encoding="utf-8")
    out = tmp_path / "case.yaml"
    result = CliRunner().invoke(app, ["import", "fhir", str(src), "--out", str(out), "--id", "x-1"])
    assert result.exit_code == 0, result.output
    assert "trials[2].adherence: not in the record; ask the patient" in result.output.splitlines()
    import yaml

    assert yaml.safe_load(out.read_text(encoding="utf-8"))["id"] == "x-1"


@pytest.mark.parametrize("mutate, expected", [
    (lambda r: r[1]["dosage"][0]["doseAndRate"][0]["doseQuantity"].clear() or r[1]["dosage"][0]["doseAndRate"][0]["doseQuantity"].update(value=5),
     "error: Bundle.entry[1].resource.dosage[0].doseAndRate[0].doseQuantity: a dose with no unit"),
    (lambda r: r[1]["medicationCodeableConcept"]["coding"][0].update(code="6809", display="metformin"),
     "error: Bundle.entry[1].resource.medication: RxNorm 6809 (metformin) is not an agent"),
])
def test_command_bad_input_exit_2_one_line_and_nothing_written(tmp_path, mutate, expected):
    """A bad record: exit status 2, one line naming the resource, and no output file."""
    res = [fb.patient(), fb.statement("m1", "36437", "sertraline", "2024-01-01", "2024-02-26", 100)]
    mutate(res)
    src = tmp_path / "record.json"
    src.write_text(fb.text(res), encoding="utf-8")
    line = _one_line(CliRunner().invoke(app, ["import", "fhir", str(src), "--out", str(tmp_path / "case.yaml")]))
    assert line.startswith(expected)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["record.json"]


def test_command_without_the_fhir_extra_names_it(monkeypatch, tmp_path):
    """Without fhir.resources the command says which extra to install (exit 2, one line)."""
    import sys

    monkeypatch.setitem(sys.modules, "fhir", None)
    src = tmp_path / "record.json"
    src.write_text("{}", encoding="utf-8")
    assert _one_line(CliRunner().invoke(app, ["import", "fhir", str(src)])) == \
        "error: futility import fhir needs the 'fhir' extra: pip install 'futility[fhir]'"


def test_the_shipped_demo_bundle_imports():
    """The packaged demo bundle (synthetic) imports into a case with trials and ratings."""
    from importlib import resources

    text = (resources.files("futility") / "data" / "fhir" / "demo-bundle.json").read_text(encoding="utf-8")
    result = import_record(text, today=TODAY, case_id="demo")
    assert len(result.case["trials"]) == 4 and result.case["scores"]
