"""CaseStore.find_assessment: the stored record of an assessment on screen (the dashboard stamps its report with it)."""
from __future__ import annotations

import pytest

from futility.errors import StoreError
from futility.store import CaseStore
from records_sample import demo_case, sample_assessment, variant_case


@pytest.fixture
def store():
    with CaseStore("sqlite://") as s:
        yield s


def test_finds_the_newest_record_with_exactly_these_outputs(store) -> None:
    """Saved twice with the same outputs, the newer record is found; its hash is checked."""
    store.save_assessment(demo_case(), sample_assessment(), author="dr_a")
    second = store.save_assessment(demo_case(), sample_assessment(), author="dr_b")
    found = store.find_assessment("demo-001", sample_assessment())
    assert found is not None and found.id == second.id and found.content_hash == second.content_hash


def test_other_outputs_or_another_case_are_not_found(store) -> None:
    """A re-valued assessment (one digit moved) or the same outputs under another case id find nothing."""
    store.save_assessment(demo_case(), sample_assessment(), author="dr_a")
    assert store.find_assessment("demo-001", sample_assessment(shift=0.001)) is None
    store.save_assessment(variant_case(demo_case(), id="case-77"), sample_assessment("case-77"), author="dr_a")
    assert store.find_assessment("case-77", sample_assessment()) is None
    assert store.find_assessment("case-77", sample_assessment("case-77")) is not None


def test_bad_input_is_a_store_error_naming_the_field(store) -> None:
    """Not a mapping, an empty case id, or a non-finite number: one-line errors naming what is wrong."""
    with pytest.raises(StoreError, match="^assessment: must be"):
        store.find_assessment("demo-001", ["not", "a", "mapping"])
    with pytest.raises(StoreError, match="^case id: "):
        store.find_assessment("", sample_assessment())
    bad = sample_assessment()
    bad["prognosis"][0]["p_remission"]["mean"] = float("nan")
    with pytest.raises(StoreError, match="assessment"):
        store.find_assessment("demo-001", bad)
