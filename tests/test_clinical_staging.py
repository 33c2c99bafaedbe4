"""TRD definition, Thase-Rush and Maudsley staging: vignettes and monotonicity properties."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from futility.case import case_from_dict
from futility.clinical.adequacy import assess_trials
from futility.clinical.staging import maudsley, msm_category, thase_rush
from futility.clinical.trd import assess_trd
from tests.strategies import adequate_trial, case_dicts, case_with, failed_adequate_trial_dicts

NONRESP = {"baseline": 20, "final": 19}  # QIDS-SR16, 5% reduction
PARTIAL = {"baseline": 20, "final": 13}  # 35% reduction
RESPONSE = {"baseline": 20, "final": 9}  # 55% reduction


def rules(trials, **fields):
    """Case from trial dicts -> (case, trial assessments)."""
    case = case_from_dict(case_with(trials, **fields))
    return case, assess_trials(case)


# --- TRD -------------------------------------------------------------------------------------

def test_two_failed_classes_meet_trd():
    """Failed adequate SSRI and SNRI trials meet TRD with two distinct classes."""
    _, tas = rules([adequate_trial("sertraline", **NONRESP), adequate_trial("venlafaxine", **NONRESP)])
    status = assess_trd(tas)
    assert status.meets_criteria
    assert (status.adequate_failed_trials, status.distinct_classes_failed) == (2, 2)


def test_two_ssris_meet_trd_only_without_class_requirement():
    """Two failed SSRIs: TRD only when distinct classes are not required."""
    _, tas = rules([adequate_trial("sertraline", **NONRESP), adequate_trial("citalopram", **NONRESP)])
    assert not assess_trd(tas).meets_criteria
    assert assess_trd(tas, require_distinct_classes=False).meets_criteria


def test_partial_response_counts_as_failure_only_in_default_definition():
    """Two partial responses are failures under '<50%' but not under Sforzini's '<25%'."""
    _, tas = rules([adequate_trial("sertraline", **PARTIAL), adequate_trial("venlafaxine", **PARTIAL)])
    assert assess_trd(tas).meets_criteria
    strict = assess_trd(tas, failure="non_response")
    assert not strict.meets_criteria and strict.adequate_failed_trials == 0
    assert "25%" in strict.definition and "50%" in assess_trd(tas).definition


def test_inadequate_or_unknown_trials_do_not_count():
    """An underdosed failure and a trial without scores are not counted as failures."""
    low = adequate_trial("sertraline", **NONRESP, dose_mg_day=25)
    unscored = {k: v for k, v in adequate_trial("venlafaxine").items() if k not in ("scale", "baseline", "final")}
    _, tas = rules([low, unscored, adequate_trial("bupropion", **NONRESP)])
    status = assess_trd(tas)
    assert status.adequate_failed_trials == 1 and not status.meets_criteria


def test_failed_augmentation_counts_with_its_own_class():
    """SSRI failure plus failed lithium augmentation: two failures, classes ssri and lithium_augmentation."""
    _, tas = rules([adequate_trial("sertraline", **NONRESP), adequate_trial("lithium", augments=0, **NONRESP)])
    status = assess_trd(tas)
    assert status.meets_criteria
    assert set(status.failed_classes) == {"ssri", "lithium_augmentation"}


def test_unknown_failure_definition_is_refused():
    """An unknown failure definition raises instead of silently counting nothing."""
    with pytest.raises(ValueError):
        assess_trd([], failure="bad")


# --- Thase-Rush -------------------------------------------------------------------------------

def test_thase_rush_stage_zero_when_responding():
    """A responder with no failure is stage 0."""
    _, tas = rules([adequate_trial("sertraline", **RESPONSE)])
    assert thase_rush(tas) == 0


@pytest.mark.parametrize(
    ("agents", "stage"),
    [
        (["sertraline"], 1),
        (["sertraline", "citalopram"], 1),
        (["sertraline", "venlafaxine"], 2),
        (["sertraline", "nortriptyline"], 2),
        (["sertraline", "venlafaxine", "nortriptyline"], 3),
        (["sertraline", "venlafaxine", "nortriptyline", "phenelzine"], 4),
        (["sertraline", "nortriptyline", "phenelzine"], 3),
    ],
)
def test_thase_rush_stages(agents, stage):
    """Thase-Rush: I one class, II a second class, III plus TCA, IV plus MAOI."""
    _, tas = rules([adequate_trial(a, **NONRESP) for a in agents])
    assert thase_rush(tas) == stage


def test_thase_rush_stage_five_needs_bilateral_ect():
    """Stage V needs failed bilateral ECT; ECT of unknown placement stays at IV."""
    drugs = [adequate_trial(a, **NONRESP) for a in ("sertraline", "venlafaxine", "nortriptyline", "phenelzine")]
    _, tas = rules(drugs + [adequate_trial("ect", laterality="bilateral", **NONRESP)])
    assert thase_rush(tas) == 5
    _, tas = rules(drugs + [adequate_trial("ect", **NONRESP)])
    assert thase_rush(tas) == 4
    assert any("placement not recorded" in n for n in tas[-1].notes)


def test_thase_rush_ignores_augmentation():
    """A failed lithium augmentation does not raise the Thase-Rush stage."""
    _, tas = rules([adequate_trial("sertraline", **NONRESP), adequate_trial("lithium", augments=0, **NONRESP)])
    assert thase_rush(tas) == 1


# --- Maudsley ---------------------------------------------------------------------------------

def test_maudsley_demo_case_components():
    """Demo: 30 months (3), QIDS baseline 16 severe (4), 2 failed ADs (1), lithium (+1): 9, moderate."""
    from futility.case import demo_case_path, load_case

    case = load_case(demo_case_path())
    stage = maudsley(case, assess_trials(case))
    assert (stage.duration, stage.severity, stage.failures, stage.augmentation, stage.ect) == (3, 4, 1, 1, 0)
    assert stage.score == 9 and stage.category == "moderate"


@pytest.mark.parametrize(("months", "points"), [(0, 1), (12, 1), (12.5, 2), (24, 2), (24.5, 3), (120, 3)])
def test_maudsley_duration(months, points):
    """Duration: <= 12 months 1, 13-24 months 2, > 24 months 3 (Fekadu 2018 Table 3)."""
    case, tas = rules([], diagnosis={"episode_months": months})
    assert maudsley(case, tas).duration == points


@pytest.mark.parametrize(("n_failed", "points"), [(0, 1), (1, 1), (2, 1), (3, 2), (4, 2), (5, 3), (6, 3), (7, 4), (10, 4), (11, 5)])
def test_maudsley_failure_points(n_failed, points):
    """Failed antidepressants: 1-2 -> 1, 3-4 -> 2, 5-6 -> 3, 7-10 -> 4, > 10 -> 5 (0 scores 1)."""
    case, tas = rules([adequate_trial("sertraline", **NONRESP) for _ in range(n_failed)])
    stage = maudsley(case, tas)
    assert stage.failures == points and stage.failed_treatments == n_failed


def test_maudsley_severity_sources():
    """Clinician severity wins; psychotic features score 5; otherwise the worst rating's band."""
    trial = adequate_trial("sertraline", **NONRESP)  # QIDS baseline 20 -> severe
    case, tas = rules([trial], diagnosis={"severity": "mild"})
    assert maudsley(case, tas).severity == 2
    case, tas = rules([trial], diagnosis={"psychotic_features": True})
    assert maudsley(case, tas).severity == 5
    case, tas = rules([trial])
    assert maudsley(case, tas).severity == 4
    case, tas = rules([])
    stage = maudsley(case, tas)
    assert stage.severity == 1 and "not recorded" in stage.severity_basis


def test_maudsley_ect_and_augmentation_items():
    """An adequate ECT course adds 1 and an adequate augmentation adds 1; an inadequate ECT adds nothing."""
    case, tas = rules([adequate_trial("sertraline", **NONRESP), adequate_trial("quetiapine", augments=0, **NONRESP),
                       adequate_trial("ect", **NONRESP)])
    stage = maudsley(case, tas)
    assert (stage.augmentation, stage.ect) == (1, 1)
    case, tas = rules([adequate_trial("ect", **NONRESP, sessions=2)])
    assert maudsley(case, tas).ect == 0


@pytest.mark.parametrize(("score", "band"), [(3, "mild"), (6, "mild"), (7, "moderate"), (10, "moderate"), (11, "severe"), (15, "severe")])
def test_msm_category(score, band):
    """MSM bands: mild 3-6, moderate 7-10, severe 11-15."""
    assert msm_category(score) == band


# --- properties -------------------------------------------------------------------------------

@settings(max_examples=80, deadline=None)
@given(case_dicts())
def test_maudsley_score_always_3_to_15(data):
    """For any valid case the MSM total is within 3-15 and equals the sum of its items."""
    case = case_from_dict(data)
    stage = maudsley(case, assess_trials(case))
    assert 3 <= stage.score <= 15
    assert stage.score == sum(stage.components().values())
    assert stage.category == msm_category(stage.score)


@settings(max_examples=80, deadline=None)
@given(case_dicts(max_trials=5), failed_adequate_trial_dicts(), st.sampled_from(["no_response", "non_response"]))
def test_adding_failed_adequate_trial_never_lowers_stages(data, extra, failure):
    """Appending an adequate failed trial never lowers Thase-Rush, MSM or the count of TRD failures."""
    before_case = case_from_dict(data)
    after_case = case_from_dict({**data, "trials": data["trials"] + [extra]})
    before, after = assess_trials(before_case), assess_trials(after_case)
    assert after[-1].adequate and after[-1].outcome == "non_response"
    assert thase_rush(after, failure) >= thase_rush(before, failure)
    assert maudsley(after_case, after, failure).score >= maudsley(before_case, before, failure).score
    assert assess_trd(after, failure=failure).adequate_failed_trials == assess_trd(before, failure=failure).adequate_failed_trials + 1
    assert 0 <= thase_rush(after, failure) <= 5
