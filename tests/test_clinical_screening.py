"""Pseudo-resistance screening, contraindications and the CRP note, with clinical vignettes."""
from __future__ import annotations

from hypothesis import given, settings

from futility.case import case_from_dict
from futility.clinical.adequacy import assess_trials
from futility.clinical.screening import (
    adequacy_advisories,
    contraindications,
    inflammation_note,
    screen,
)
from tests.strategies import adequate_trial, case_dicts, case_with


def build(**fields):
    """A validated vignette case."""
    return case_from_dict(case_with(**fields))


def options(case, severity=None):
    """Option kinds with a contraindication (of one severity if given)."""
    return {c.option for c in contraindications(case) if severity is None or c.severity == severity}


def test_all_negative_screens_are_complete_without_flags():
    """Every screen done and negative: complete, no flags."""
    status = screen(build())
    assert status.complete and status.flags == () and status.not_done == ()


def test_positive_and_missing_screens():
    """A positive substance screen is a flag; an undone ADHD screen makes screening incomplete."""
    status = screen(build(screening={"substance_use": "positive", "adhd": "not_done"}))
    assert "substance_use" in status.flags
    assert not status.complete and status.not_done == ("adhd",)


def test_bipolar_or_unknown_polarity_flags_bipolar():
    """Polarity bipolar or unknown flags bipolar even with a negative screen."""
    assert "bipolar" in screen(build(diagnosis={"polarity": "bipolar"})).flags
    assert "bipolar" in screen(build(diagnosis={"polarity": "unknown"})).flags
    assert "bipolar" not in screen(build()).flags


def test_tsh_outside_range_flags_thyroid_and_counts_as_screen():
    """TSH 8 flags thyroid; TSH 2 with the thyroid screen not done counts as a negative screen."""
    assert "thyroid" in screen(build(labs={"tsh_miu_l": 8})).flags
    status = screen(build(screening={"thyroid": "not_done"}, labs={"tsh_miu_l": 2.0}))
    assert status.complete and "thyroid" not in status.flags


def test_lithium_and_kidneys():
    """eGFR 25 contraindicates lithium; eGFR 45 is a caution; eGFR 90 raises nothing."""
    assert "lithium_augmentation" in options(build(labs={"egfr": 25}), "contraindicated")
    assert "lithium_augmentation" in options(build(labs={"egfr": 45}), "caution")
    assert "lithium_augmentation" not in options(build(labs={"egfr": 90}))


def test_tca_and_the_heart():
    """Arrhythmia contraindicates TCAs; QTc 455 ms does so for a man but not a woman (limits 450/460)."""
    assert "tca" in options(build(conditions=["arrhythmia"]), "contraindicated")
    assert "tca" in options(build(sex="male", labs={"qtc_ms": 455}), "contraindicated")
    assert "tca" not in options(build(sex="female", labs={"qtc_ms": 455}))
    assert "tca" in options(build(labs={"qtc_ms": 455}), "contraindicated")  # sex unknown: 450


def test_uncontrolled_hypertension_cautions_snri_and_esketamine():
    """Uncontrolled hypertension gives cautions (not exclusions) for SNRIs and esketamine, with sources."""
    found = [c for c in contraindications(build(conditions=["uncontrolled_hypertension"]))]
    kinds = {c.option: c for c in found}
    assert kinds["snri"].severity == "caution" and "Thase" in kinds["snri"].source
    assert kinds["esketamine"].severity == "caution"


def test_maoi_washout_from_current_ssri():
    """On fluoxetine now: MAOI caution naming a 5-week washout; on sertraline: 2 weeks."""
    flu = build(trials=[adequate_trial("fluoxetine")])
    (c,) = [c for c in contraindications(flu) if c.option == "maoi"]
    assert c.severity == "caution" and "5 weeks" in c.reason
    ser = build(trials=[adequate_trial("sertraline")])
    (c,) = [c for c in contraindications(ser) if c.option == "maoi"]
    assert "2 weeks" in c.reason


def test_every_contraindication_has_source_and_valid_severity():
    """All rules fire on a heavily comorbid case, and each carries a source and a known severity."""
    case = build(conditions=["arrhythmia", "uncontrolled_hypertension", "epilepsy", "pregnancy", "aneurysm"],
                 labs={"egfr": 20, "qtc_ms": 500}, trials=[adequate_trial("venlafaxine")])
    found = contraindications(case)
    assert {"tca", "snri", "esketamine", "lithium_augmentation", "maoi", "ect"} <= {c.option for c in found}
    for c in found:
        assert c.source and c.reason and c.severity in {"contraindicated", "caution"}


def test_inflammation_note_thresholds():
    """CRP 2: no note; 4: low-grade inflammation; 7: possible immune-target candidate; both say repeat."""
    assert inflammation_note(build(labs={"crp_mg_l": 2})) is None
    assert inflammation_note(build()) is None
    low = inflammation_note(build(labs={"crp_mg_l": 4}))
    high = inflammation_note(build(labs={"crp_mg_l": 7}))
    assert "low-grade" in low and "candidate" not in low and "Repeat" in low
    assert "candidate" in high and "Raison" in high


def test_adequacy_advisories():
    """An underdosed, poorly taken trial yields inadequate_trials, low_dose and poor_adherence advisories."""
    case = build(trials=[adequate_trial("sertraline", dose_mg_day=25, adherence=0.5)])
    found = adequacy_advisories(assess_trials(case))
    assert {"inadequate_trials", "low_dose", "poor_adherence"} <= set(found)
    assert adequacy_advisories(assess_trials(build(trials=[adequate_trial("sertraline")]))) == ()


@settings(max_examples=60, deadline=None)
@given(case_dicts())
def test_screening_is_consistent(data):
    """Complete exactly when nothing is not_done; flags are known names; contraindications well formed."""
    case = case_from_dict(data)
    status = screen(case)
    assert status.complete == (not status.not_done)
    assert set(status.flags) <= {"bipolar", "thyroid", "substance_use", "eating_disorder", "adhd"}
    assert len(status.flags) == len(status.reasons)
    for c in contraindications(case):
        assert c.severity in {"contraindicated", "caution"} and c.source
