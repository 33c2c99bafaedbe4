"""The bundled evidence base: every row cited, well-formed, and the figures the issue requires present."""
from __future__ import annotations

import math

import pytest

from futility.model.evidence import evidence_hash, load_effects, load_outcomes, parse_mixture
from futility.model.fit import FACTORS, OPTION_KINDS


def test_every_outcome_row_is_cited_and_tagged():
    """Each outcome row names a source, the table or abstract, and a confidence tag."""
    for row in load_outcomes():
        assert row.source.strip(), row.id
        assert row.table.strip(), row.id
        assert row.tag in {"V", "S", "R"}, row.id


def test_fit_rows_have_denominators_and_rates_in_range():
    """Rows used in the fit carry N and a proportion, and events never exceed N."""
    for row in load_outcomes():
        assert 0.0 <= row.rate <= 1.0, row.id
        if row.use == "fit":
            assert row.n is not None and row.n > 0, row.id
            assert 0 <= row.events <= row.n, row.id


def test_option_kinds_in_evidence_are_model_kinds():
    """Every option or history kind named in the evidence is one of the model's option kinds."""
    for row in load_outcomes():
        for mixture in (row.option, *row.history):
            assert set(mixture) <= set(OPTION_KINDS), row.id
            assert math.isclose(sum(mixture.values()), 1.0)


def test_star_d_levels_with_sizes_are_present():
    """STAR*D QIDS-SR16 remission by level (Rush 2006 abstract) is bundled with its level sizes."""
    levels = {r.id: r for r in load_outcomes() if r.id.startswith("stard_level")}
    assert [round(levels[f"stard_level{k}_total"].rate * 100, 1) for k in (1, 2, 3, 4)] == [36.8, 30.6, 13.7, 13.0]
    assert all(levels[f"stard_level{k}_total"].n for k in (1, 2, 3, 4))
    assert [levels[f"stard_level{k}_total"].prior_failures for k in (1, 2, 3, 4)] == [0, 1, 2, 3]


@pytest.mark.parametrize(
    "kind",
    ["ect", "esketamine", "ketamine", "lithium_augmentation", "maoi", "tca"],
)
def test_required_options_have_a_fitted_remission_row(kind):
    """ECT, (es)ketamine, lithium augmentation, MAOI and TCA each have a fitted remission row."""
    assert any(r.use == "fit" and r.outcome == "remission" and r.option.get(kind) == 1.0 for r in load_outcomes())


def test_ect_after_medication_failure_is_conditioned_on_a_failure():
    """Heijnen 2010's ECT-after-failure cohort enters with one failed step, the other with none."""
    rows = {r.id: r for r in load_outcomes()}
    assert rows["ect_after_medication_failure_remission"].prior_failures == 1
    assert rows["ect_no_prior_failure_remission"].prior_failures == 0
    assert rows["ect_after_medication_failure_remission"].events == 281


def test_effects_have_cis_or_are_factor_priors():
    """Option contrasts carry a 95% CI; patient-factor rows name a factor of the model."""
    for eff in load_effects():
        assert eff.source.strip() and eff.tag in {"V", "S", "R"}
        if eff.parameter in ("alpha", "delta"):
            assert eff.ci_low < eff.estimate < eff.ci_high, eff.id
            assert eff.option in OPTION_KINDS and set(eff.reference) <= set(OPTION_KINDS)
        elif eff.parameter == "beta_ect":
            from futility.model.cohorts import ECT_FACTORS

            assert eff.option in ECT_FACTORS and eff.ci_low < eff.estimate < eff.ci_high, eff.id
        else:
            assert eff.option in FACTORS, eff.id


def test_parse_mixture_normalises_weights():
    """Arm sizes become weights summing to one; a bare kind has weight one."""
    assert parse_mixture("ect") == {"ect": 1.0}
    mix = parse_mixture("ssri:1;snri:3")
    assert mix == {"ssri": 0.25, "snri": 0.75}
    with pytest.raises(ValueError):
        parse_mixture(" ; ")


def test_evidence_hash_changes_with_extra_data():
    """The data hash covers a registry's bytes as well as the bundled files."""
    assert evidence_hash() != evidence_hash(b"patient_id\n")
    assert len(evidence_hash()) == 64


def test_definitions_column_is_a_closed_vocabulary(tmp_path):
    import csv

    from futility.model.evidence import OUTCOMES_CSV

    rows = list(csv.DictReader(open(OUTCOMES_CSV, newline="", encoding="utf-8")))
    rows[0]["definitions"] = "per-study"
    bad = tmp_path / "outcomes.csv"
    with open(bad, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    with pytest.raises(ValueError, match="definitions"):
        load_outcomes(str(bad))
