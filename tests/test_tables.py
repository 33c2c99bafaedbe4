"""Assessment.tables (futility.tables): tidy tables whose numbers are exactly the JSON contract's.

Each table is checked against ``Assessment.to_dict()`` for the demo case and for a case with two
contraindicated options, so the tables and the JSON cannot drift apart; then the long-form shape, the
interval order and the notebook view.
"""
from __future__ import annotations

import dataclasses
import math

import pandas as pd
import pytest
import yaml

import futility
from futility.decision import Policy
from futility.prognosis.intervals import summarise
from futility.tables import DECISION_QUANTITIES, PROGNOSIS_QUANTITIES, AssessmentTables


def _contraindicated_case():
    data = yaml.safe_load(open(futility.demo_case_path(), encoding="utf-8"))
    data.update(id="contra-1", conditions=["arrhythmia"], labs={**data["labs"], "egfr": 25})
    return futility.case_from_dict(data)


@pytest.fixture(scope="module", params=["demo", "contraindicated"])
def assessment(request):
    """The demo case and the contraindicated case, assessed once per module."""
    case = futility.load_case(futility.demo_case_path()) if request.param == "demo" else _contraindicated_case()
    return futility.assess(case)


@pytest.fixture(scope="module")
def contra():
    """The case with lithium augmentation and TCAs contraindicated (eGFR 25, arrhythmia)."""
    return futility.assess(_contraindicated_case())


def _same(number, expected) -> bool:
    """A table cell against its JSON value: exactly equal, or missing where the JSON has null."""
    if expected is None:
        return pd.isna(number)
    return not pd.isna(number) and float(number) == expected


def _rows(table: pd.DataFrame, **where) -> pd.DataFrame:
    mask = pd.Series(True, index=table.index)
    for k, v in where.items():
        mask &= table[k] == v
    return table[mask]


def _one(table: pd.DataFrame, **where) -> pd.Series:
    rows = _rows(table, **where)
    assert len(rows) == 1, (where, len(rows))
    return rows.iloc[0]


# ------------------------------------------------------------------------------------ agreement with to_dict


def test_contraindicated_case_has_contraindications(contra):
    """The second case really excludes options (else its tests would prove little)."""
    assert set(contra.prognosis.contraindicated) == {"lithium_augmentation", "tca"}


def test_prognosis_table_equals_the_json(assessment):
    """Every prognosis cell equals its to_dict() field; an excluded option has no numbers and its reason."""
    table = assessment.tables.prognosis
    entries = assessment.to_dict()["prognosis"]
    assert [e["option"] for e in entries] == list(dict.fromkeys(table["option"]))
    for entry in entries:
        for quantity in PROGNOSIS_QUANTITIES:
            row = _one(table, option=entry["option"], quantity=quantity)
            summary = entry[quantity]
            for part in ("mean", "hdi_low", "hdi_high"):
                assert _same(row[part], None if summary is None else summary[part]), (entry["option"], quantity, part)
            assert bool(row["offered"]) is (entry["contraindicated"] is False)
            assert bool(row["burden_known"]) is entry["burden_known"]
            if entry["contraindicated"] is not False:
                assert row["contraindication"] == entry["contraindicated"]


def test_prognosis_json_is_read_from_the_table_and_equals_the_draws(assessment):
    """to_dict() takes its prognosis from the table, whose numbers are the draws' summaries at the policy's mass
    (the evidence rows behind each option, ``sources``, are added beside them: tests/test_report_committee.py)."""
    records = assessment.tables.prognosis_records()
    json_rows = assessment.to_dict()["prognosis"]
    assert all("sources" in r for r in json_rows)
    assert [{k: v for k, v in r.items() if k != "sources"} for r in json_rows] == records
    assert [r["option"] for r in records] == [*assessment.prognosis.options, *assessment.prognosis.contraindicated]
    for r in records:
        draws = assessment.prognosis.options.get(r["option"])
        assert list(r) == ["option", "p_remission", "p_response", "p_burden", "burden_known", "contraindicated", "evidence_note"]
        for quantity in PROGNOSIS_QUANTITIES:
            expected = None if draws is None else summarise(getattr(draws, quantity), assessment.policy.hdi_prob)
            assert r[quantity] == expected, (r["option"], quantity)


def test_decision_table_equals_the_json(assessment):
    """Every decision cell equals its to_dict() option field (null in the JSON is missing in the table)."""
    table = assessment.tables.decision
    dec = assessment.to_dict()["decision"]
    assert list(dict.fromkeys(table["option"])) == [o["option"] for o in dec["options"]]
    for o in dec["options"]:
        rows = _rows(table, option=o["option"])
        assert set(rows["quantity"]) == set(DECISION_QUANTITIES)
        for key in ("label", "active", "rank"):
            assert set(rows[key]) == {o[key]}, key
        assert set(rows["preferred"]) == {o["option"] == dec["preferred"]}
        caution = rows["caution"].iloc[0]
        assert (pd.isna(caution) if o["caution"] is None else caution == o["caution"])
        for quantity in ("expected_utility", "p_remission", "p_burden"):
            row, summary = _one(rows, quantity=quantity), o[quantity]
            for part in ("mean", "hdi_low", "hdi_high"):
                assert _same(row[part], None if summary is None else summary[part]), (o["option"], quantity, part)
        for quantity in ("p_best", "expected_loss", "p_below_threshold"):
            row = _one(rows, quantity=quantity)
            assert _same(row["mean"], o[quantity]), (o["option"], quantity)
            assert pd.isna(row["hdi_low"]) and pd.isna(row["hdi_high"])


def test_gates_and_futility_tables_equal_the_json(assessment):
    """One row per gate and per futility judgement, each equal to the JSON."""
    dec = assessment.to_dict()["decision"]
    gates = assessment.tables.gates
    assert gates["gate"].tolist() == [g["gate"] for g in dec["gates"]]
    for g, row in zip(dec["gates"], gates.to_dict("records")):
        assert row["passed"] is g["passed"] and row["reason"] == g["reason"]
        assert row["applies_to"] == g["applies_to"] and list(row["items"]) == g["items"]
        assert row["status"] == ("passed" if g["passed"] else "holds back")
    fut = assessment.tables.futility.set_index("judgement")
    for kind in ("quantitative", "qualitative"):
        j, row = dec[f"{kind}_futility"], fut.loc[kind]
        assert _same(row["probability"], j["probability"]) and row["certainty"] == j["certainty"]
        assert bool(row["met"]) is j["met"] and bool(row["met_before_gates"]) is j["met_before_gates"]
        assert list(row["held_back_by"]) == j["held_back_by"] and row["reason"] == j["reason"]
    assert fut.loc["quantitative", "threshold"] == dec["quantitative_futility"]["threshold"]
    assert fut.loc["quantitative", "option"] == dec["quantitative_futility"]["option"]


def test_sensitivity_tables_equal_the_json(assessment):
    """Tornado rows, thresholds and value of information equal the JSON's sensitivity part."""
    sens = assessment.to_dict()["decision"]["sensitivity"]
    tables = assessment.tables.sensitivity
    assert tables.tornado.to_dict("records") == sens["tornado"]
    th = tables.thresholds
    per_option = _rows(th, parameter="p_remission")
    assert per_option["option"].tolist() == [r["option"] for r in sens["threshold"]["per_option"]]
    for r, row in zip(sens["threshold"]["per_option"], per_option.to_dict("records")):
        assert row["compared_with"] == r["compared_with"] and row["value_now"] == r["p_remission_now"]
        assert _same(row["threshold"], r["p_remission_threshold"]) and row["preferred_now"] is r["preferred_now"]
        assert row["headline"] is (r["option"] == sens["threshold"]["remission"]["option"])
    pal = _one(th, parameter="palliative_utility")
    expected = sens["threshold"]["palliative_utility"]
    assert pal["threshold"] == expected["threshold"] and pal["value_now"] == expected["value_now"]
    assert pal["compared_with"] == expected["compared_with"] and bool(pal["preferred_now"]) is expected["preferred_now"]
    voi = tables.value_of_information.set_index("key")
    assert voi.loc["total", "value"] == sens["evpi"]["total"]
    assert voi.loc["remission", "value"] == sens["evpi"]["remission"]
    assert set(voi["units"]) == {sens["evpi"]["units"]}


def test_trials_table_equals_the_json(assessment):
    """One row per trial, every field equal to the JSON's trial entry."""
    trials = assessment.to_dict()["trials"]
    table = assessment.tables.trials
    assert len(table) == len(trials)
    for t, row in zip(trials, table.to_dict("records")):
        for key, value in t.items():
            cell = row[key]
            if isinstance(value, list):
                assert list(cell) == value, key
            elif value is None:
                assert cell is None or pd.isna(cell), key
            else:
                assert cell == value, key


# ------------------------------------------------------------------------------------------- shape and order


def test_prognosis_is_long_one_row_per_option_and_quantity(assessment):
    """Long form: option x quantity, numbers for offered options only, hdi_low <= mean <= hdi_high."""
    table = assessment.tables.prognosis
    options = [*assessment.prognosis.options, *assessment.prognosis.contraindicated]
    assert len(table) == len(options) * len(PROGNOSIS_QUANTITIES)
    assert not table.duplicated(["option", "quantity"]).any()
    assert set(zip(table["option"], table["quantity"])) == {(o, q) for o in options for q in PROGNOSIS_QUANTITIES}
    offered = table[table["offered"]]
    assert set(offered["option"]) == set(assessment.prognosis.options)
    assert offered[["mean", "hdi_low", "hdi_high"]].notna().all().all()
    assert table[~table["offered"]]["mean"].isna().all()
    assert (offered["hdi_low"] <= offered["mean"]).all() and (offered["mean"] <= offered["hdi_high"]).all()
    assert set(table["hdi_prob"]) == {assessment.policy.hdi_prob}
    remission = table[table["quantity"] == "p_remission"]
    assert set(remission["definition"]) == {futility.assessment.REMISSION_DEFINITION["definition"]}
    assert table["time_frame"].str.contains("weeks").all()


def test_decision_is_long_with_ordered_intervals(assessment):
    """Long form with palliative-focused care; intervals ordered and at the policy's mass."""
    table = assessment.tables.decision
    n_options = len(assessment.decision.table)
    assert len(table) == n_options * len(DECISION_QUANTITIES)
    assert not table.duplicated(["option", "quantity"]).any()
    active = table[table["active"]]
    assert active["mean"].notna().all()
    interval = table[table["hdi_low"].notna()]
    assert set(interval["quantity"]) == {"expected_utility", "p_remission", "p_burden"}
    assert (interval["hdi_low"] <= interval["mean"]).all() and (interval["mean"] <= interval["hdi_high"]).all()
    assert set(interval["hdi_prob"]) == {assessment.policy.hdi_prob}
    assert table.loc[table["preferred"], "option"].unique().tolist() == [assessment.decision.preferred]
    assert not set(assessment.prognosis.contraindicated) & set(table["option"])


def test_intervals_follow_the_policy_mass():
    """Another policy mass changes every interval, through the one HDI implementation, and the JSON alike."""
    a = futility.assess(futility.load_case(futility.demo_case_path()), policy=Policy(hdi_prob=0.5))
    row = _one(a.tables.prognosis, option="ect", quantity="p_remission")
    assert row["hdi_prob"] == 0.5
    expected = summarise(a.prognosis.options["ect"].p_remission, 0.5)
    assert (row["hdi_low"], row["hdi_high"]) == (expected["hdi_low"], expected["hdi_high"])
    json_row = next(p for p in a.to_dict()["prognosis"] if p["option"] == "ect")
    assert json_row["p_remission"] == expected
    wide = next(p for p in futility.assess(a.case).to_dict()["prognosis"] if p["option"] == "ect")["p_remission"]
    assert wide["hdi_high"] - wide["hdi_low"] > expected["hdi_high"] - expected["hdi_low"]


def test_tables_are_cached_and_follow_with_values(contra):
    """The tables are computed once per instance, and with_values gets its own."""
    assert contra.tables is contra.tables
    other = contra.with_values(futility.case.Values(palliative_focus=0.9))
    assert other.tables is not contra.tables
    pal = _one(other.tables.decision, option="palliative_focus", quantity="expected_utility")
    assert pal["mean"] == pytest.approx(0.9)
    assert other.to_dict()["decision"]["options"][-1]["expected_utility"]["mean"] == pal["mean"]


# -------------------------------------------------------------------------------------------- notebook view


def test_repr_html_shows_headline_and_option_names(assessment):
    """The notebook view names the case, the staging and every option, with text escaped."""
    page = assessment._repr_html_()
    assert assessment.case.id in page and "Thase-Rush stage" in page and "Maudsley" in page
    for option in [*assessment.prognosis.options, *assessment.prognosis.contraindicated]:
        assert option in page
    # the remission definition holds '<=': shown escaped, never as raw markup
    assert "HRSD17 &lt;= 7" in page and "HRSD17 <= 7" not in page


def test_repr_html_escapes_the_case_id(contra):
    """A validated id is letters, digits, '.', '_' and '-' only (futility/case.py); one built around the
    validation (model_copy does not validate) must still come out escaped.
    """
    with pytest.raises(futility.CaseError):
        futility.case_from_dict({**contra.case.model_dump(mode="json"), "id": "<b>x</b>"})
    odd = dataclasses.replace(contra, case=contra.case.model_copy(update={"id": "<script>alert(1)</script>"}))
    page = odd._repr_html_()
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_repr_is_a_short_summary(contra):
    """repr() is one short line, not the posterior draws."""
    text = repr(contra)
    assert text.startswith("Assessment(case_id='contra-1'") and len(text) < 300


def test_public_api():
    """The notebook path through the public API: import futility, assess, read the tables."""
    import futility as f

    a = f.assess(f.load_case(f.demo_case_path()))
    assert isinstance(a.tables, AssessmentTables) and isinstance(a.tables, f.AssessmentTables)
    for name in ("trials", "prognosis", "decision", "gates", "sensitivity"):
        assert getattr(a.tables, name) is not None
    assert isinstance(a.tables.sensitivity.tornado, pd.DataFrame)
    assert not math.isnan(_one(a.tables.prognosis, option="ect", quantity="p_remission")["mean"])
