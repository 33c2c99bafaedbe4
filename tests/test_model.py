"""The population model: evidence arrays, the registry reader, fits through the gate and the save path.

Real MCMC fits are marked ``slow`` (``--run-slow``); the default run drives the same ``fit``, save,
load and CLI path with the fake sampler of tests/fakes.py (prior draws, honest diagnostics). The one
real fit in the default run is the leave-one-trial-out fold in tests/test_validation.py.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from futility.model import fit as model
from futility.errors import PosteriorError, UserError
from futility.model.evidence import load_outcomes

REGISTRY_HEADER = "patient_id,order,option,adequate,outcome,significant_burden,severe,psychotic_features,comorbid_anxiety,episode_months\n"


def write_registry(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "registry.csv"
    path.write_text(REGISTRY_HEADER + "".join(r + "\n" for r in rows))
    return path


def test_versions_and_gate_agree_between_model_and_loader():
    """The loader (no PyMC) and the model agree on the model version and the convergence gate."""
    from futility.prognosis import posterior

    assert posterior.MODEL_VERSION == model.MODEL_VERSION
    assert posterior.GATE == model.GATE


def test_evidence_arrays_follow_the_rows():
    """Fitted rows become arrays: mixtures sum to one, failure distributions expand into weighted sub-rows."""
    from futility.model.cohorts import arm_design, efficacy_rows, reference_mix

    outcomes = load_outcomes()
    rows = efficacy_rows(outcomes)
    design = arm_design(rows, reference_mix(outcomes))
    assert design.n_rows == len(rows) and len(design.trials) == len({r.trial for r in rows})
    shares = np.bincount(design.parent, weights=design.share, minlength=design.n_rows)
    np.testing.assert_allclose(shares, 1.0)
    options = np.bincount(design.option_sub, weights=design.option_weight, minlength=design.n_sub)
    np.testing.assert_allclose(options, 1.0)
    steps = np.bincount(design.slot_sub, minlength=design.n_sub)
    np.testing.assert_array_equal(steps, design.failures)
    assert np.all(design.events <= design.n)
    bdata = model.burden_data(outcomes)
    burden_rows = [o for o in outcomes if o.use == "fit" and o.outcome in ("burden", "discontinuation")]
    assert bdata.option.shape == (len(burden_rows), len(model.OPTION_KINDS))
    np.testing.assert_array_equal(bdata.is_stopping, [o.outcome == "discontinuation" for o in burden_rows])
    assert {o.id for o in burden_rows if o.outcome == "burden"} == {"stard_l1_fibser_burden"}


def test_registry_collapses_identical_histories(tmp_path):
    """Patients with identical factors and trial sequences become one pattern with a count."""
    rows = [
        "a,1,ssri,1,non_response,0,1,0,0,30",
        "a,2,ect,1,remission,1,1,0,0,30",
        "b,1,ssri,yes,non_response,no,1,0,0,30",
        "b,2,ect,true,remission,yes,1,0,0,30",
        "c,1,melatonergic,1,response,,0,0,1,200",
        "c,2,ssri,0,non_response,,0,0,1,200",
    ]
    reg = model.read_registry(write_registry(tmp_path, rows))
    assert reg.n_patients == 3 and reg.n_trials == 6
    assert sorted(reg.count.tolist()) == [1.0, 2.0]
    twice = reg.obs[int(np.argmax(reg.count))]
    cells = [(int(reg.cell_kind[o // 3]), int(reg.cell_failures[o // 3]), o % 3) for o in twice if o >= 0]
    ssri, ect = model.OPTION_KINDS.index("ssri"), model.OPTION_KINDS.index("ect")
    assert sorted(cells) == [(ssri, 0, 0), (ect, 1, 2)]  # no response to an SSRI, then remission with ECT after one failure
    ect_burden = [o for o in reg.burden_obs[0] if o >= 0]
    assert reg.burden_count.tolist() == [2.0] and sorted(ect_burden) == [ssri * 2 + 0, ect * 2 + 1]
    once = [o for o in reg.obs[int(np.argmin(reg.count))] if o >= 0]
    assert len(once) == 1  # the inadequate SSRI trial is left out
    cell = once[0] // 3
    assert reg.cell_kind[cell] == len(model.OPTION_KINDS) and once[0] % 3 == 1  # agomelatine: population mean kind
    assert np.isnan(reg.cell_x[cell, model.FACTORS.index("age_decades")])  # no age column: taken at the reference
    assert reg.cell_x[cell, model.FACTORS.index("episode_months")] == model.EPISODE_MONTHS_CAP


def test_registry_errors_name_the_line(tmp_path):
    """A bad value is reported with the file line; a missing column is named."""
    with pytest.raises(UserError, match="line 3: outcome"):
        model.read_registry(write_registry(tmp_path, ["a,1,ssri,1,non_response,0,0,0,0,1", "a,2,ssri,1,cured,0,0,0,0,1"]))
    bad = tmp_path / "bad.csv"
    bad.write_text("patient_id,order\n1,1\n")
    with pytest.raises(UserError, match="missing column"):
        model.read_registry(bad)
    with pytest.raises(UserError, match="not found"):
        model.read_registry(tmp_path / "nope.csv")


def test_gate_refuses_each_failure():
    """R-hat above 1.01, bulk ESS below 400 or any divergence fails the gate."""
    good = {"max_rhat": 1.005, "min_ess_bulk": 800.0, "divergences": 0}
    assert model.passes_gate(good)
    for bad in ({"max_rhat": 1.02}, {"min_ess_bulk": 399.0}, {"divergences": 1}):
        diagnostics = {**good, **bad}
        assert not model.passes_gate(diagnostics)
        with pytest.raises(PosteriorError, match="convergence gate"):
            model.require_gate(diagnostics)


@pytest.mark.slow
def test_small_fit_is_refused_then_usable_when_converged(tmp_path):
    """A tiny PyMC fit is saved, refused by the loader for failing the gate, and usable once it passes."""
    import h5py

    from futility.prognosis.posterior import load_posterior
    from futility.model.validation import draws_from_posterior, predict_arms

    idata = model.fit(draws=60, tune=60, chains=2, sampler="pymc", random_seed=7)
    path = model.save_posterior(idata, tmp_path / "small.nc")
    diagnostics = model.convergence_diagnostics(idata)
    if not model.passes_gate(diagnostics):
        with pytest.raises(PosteriorError, match="convergence gate"):
            load_posterior(path)
    with h5py.File(path, "r+") as fh:
        fh["posterior"].attrs["diagnostics"] = json.dumps({"max_rhat": 1.0, "min_ess_bulk": 1000, "divergences": 0})
        fh["sample_stats"]["diverging"][...] = 0
    post = load_posterior(path)
    assert post.n_draws == 120 and post.version == model.MODEL_VERSION
    level1 = [r for r in load_outcomes() if r.id == "stard_level1_total"]
    from futility.model.cohorts import reference_mix

    rate = predict_arms(draws_from_posterior(post), level1, reference_mix(load_outcomes()))
    assert 0.1 < rate.mean() < 0.7  # a short fit lands somewhere near STAR*D level 1


def ect_after_ssri_registry(tmp_path: Path) -> Path:
    """400 patients who failed an SSRI, then remitted with ECT 90% of the time (well above the evidence's 48%)."""
    rng = np.random.default_rng(3)
    rows = []
    for i in range(400):
        rows.append(f"p{i},1,ssri,1,non_response,0,0,0,0,12")
        rows.append(f"p{i},2,ect,1,{'remission' if rng.random() < 0.9 else 'non_response'},0,0,0,0,12")
    return write_registry(tmp_path, rows)


@pytest.mark.slow
def test_registry_moves_the_posterior(tmp_path):
    """A large synthetic registry with high ECT remission after failures raises the ECT effect."""
    reg = model.read_registry(ect_after_ssri_registry(tmp_path))
    base = model.fit(draws=150, tune=150, chains=2, sampler="pymc", random_seed=5)
    updated = model.fit(reg, draws=150, tune=150, chains=2, sampler="pymc", random_seed=5)
    ect = model.OPTION_KINDS.index("ect")
    assert updated.posterior["alpha"].values[..., ect].mean() > base.posterior["alpha"].values[..., ect].mean() + 0.3


@pytest.mark.slow
def test_nutpie_registry_fit_moves_ect_above_the_shipped_posterior(tmp_path):
    """The default registry path (nutpie, centred effects, low-rank mass matrix, fused likelihood) learns from the data.

    Patients who remit with ECT after an SSRI failure 90% of the time pull the ECT effect above the
    published-evidence posterior shipped with the package.
    """
    from futility.prognosis.posterior import load_posterior

    reg = model.read_registry(ect_after_ssri_registry(tmp_path))
    updated = model.fit(reg, draws=200, chains=2, random_seed=5)  # the registry default warm-up (500)
    assert updated.attrs_futility["sampler"] == "nutpie" and updated.attrs_futility["registry_patients"] == 400
    assert "alpha_raw" not in updated.posterior  # centred with a registry
    signed = updated.posterior["sigma_u_signed"].values  # spread sampled on the real line, recorded as |s|
    np.testing.assert_allclose(updated.posterior["sigma_u"].values, np.abs(signed))
    ect = model.OPTION_KINDS.index("ect")
    shipped = load_posterior().alpha[:, ect].mean()
    assert updated.posterior["alpha"].values[..., ect].mean() > shipped + 0.3
    # Version 5's registry geometry (trial effects with no registry data) leaves a few divergences in a
    # 200-draw fit; the gate refuses such a posterior at fit time, so this test no longer asserts none.


def test_fit_command_reports_a_bad_registry_in_one_line(tmp_path):
    """`futility fit --registry` with a broken file exits with status 2 and one line naming the line."""
    from typer.testing import CliRunner

    from futility.cli import app

    path = write_registry(tmp_path, ["a,1,ssri,1,cured,0,0,0,0,1"])
    result = CliRunner().invoke(app, ["fit", "--registry", str(path), "--out", str(tmp_path / "p.nc")])
    assert result.exit_code == 2
    lines = [line for line in result.output.strip().splitlines() if line]
    assert len(lines) == 1 and "line 2: outcome" in lines[0]
    assert not (tmp_path / "p.nc").exists()


# ---------------------------------------------------------------- the fake sampler (tests/fakes.py)


def _write_passing_diagnostics(path: Path) -> None:
    """Overwrite a saved file's diagnostics with passing ones: stated by the test, never by the fake."""
    import h5py

    with h5py.File(path, "r+") as fh:
        fh["posterior"].attrs["diagnostics"] = json.dumps({"max_rhat": 1.0, "min_ess_bulk": 1000, "divergences": 0})
        fh["sample_stats"]["diverging"][...] = 0


def test_fake_fit_is_saved_refused_by_the_gate_then_loadable(tmp_path, fake_sampler):
    """A small fit (fake draws) is saved, refused by the loader on its own diagnostics, and loads once they pass.

    The fast stand-in for test_small_fit_is_refused_then_usable_when_converged: the same fit, save and
    load calls, with 120 prior draws whose honest bulk ESS is far below the gate's 400.
    """
    from fakes import SAMPLER_NAME

    from futility.prognosis.posterior import load_posterior
    from futility.model.validation import draws_from_posterior, predict_arms

    idata = model.fit(draws=60, tune=60, chains=2, sampler="pymc", random_seed=7)
    assert idata.attrs_futility["sampler"] == SAMPLER_NAME
    diagnostics = model.fit_diagnostics(idata)
    assert diagnostics == model.convergence_diagnostics(idata)  # computed on the draws, not asserted by the fake
    assert diagnostics["min_ess_bulk"] < model.GATE["min_ess_bulk"] and not model.passes_gate(diagnostics)
    path = model.save_posterior(idata, tmp_path / "small.nc")
    with pytest.raises(PosteriorError, match="convergence gate"):
        load_posterior(path)
    _write_passing_diagnostics(path)
    post = load_posterior(path)
    assert post.n_draws == 120 and post.version == model.MODEL_VERSION
    np.testing.assert_allclose(post.alpha, idata.posterior["alpha"].values.reshape(120, -1))  # the draws survive the file
    assert post.option_kinds == tuple(model.OPTION_KINDS)
    level1 = [r for r in load_outcomes() if r.id == "stard_level1_total"]
    from futility.model.cohorts import reference_mix

    rate = predict_arms(draws_from_posterior(post), level1, reference_mix(load_outcomes()))
    assert rate.shape == (120, 1) and np.all((rate > 0) & (rate < 1))  # the draws feed the arm predictions


def test_fake_registry_fit_is_centred_and_records_the_registry(tmp_path, fake_sampler):
    """With a registry, fit builds the centred model, records the registry and |s| as the spread.

    The fast stand-in for the structural checks of test_nutpie_registry_fit_moves_ect_above_the_shipped_posterior
    (whose sampler and learning checks need real MCMC and stay there).
    """
    reg = model.read_registry(ect_after_ssri_registry(tmp_path))
    updated = model.fit(reg, draws=50, chains=2, random_seed=5)
    assert updated.attrs_futility["registry_patients"] == 400 and updated.attrs_futility["registry_trials"] == 800
    assert "alpha_raw" not in updated.posterior  # centred with a registry
    signed = updated.posterior["sigma_u_signed"].values
    np.testing.assert_allclose(updated.posterior["sigma_u"].values, np.abs(signed))
    base = model.fit(draws=50, chains=2, random_seed=5)
    assert "alpha_raw" in base.posterior and base.attrs_futility["registry_patients"] == 0  # non-centred without


def test_fake_fit_thins_after_the_diagnostics(fake_sampler):
    """``thin`` keeps every k-th draw; the diagnostics stay those of every draw."""
    full = model.fit(draws=40, chains=2, random_seed=3)
    thinned = model.fit(draws=40, chains=2, random_seed=3, thin=4)
    assert thinned.posterior.sizes["draw"] == 10 and thinned.attrs_futility["thin"] == 4
    assert model.fit_diagnostics(thinned) == model.fit_diagnostics(full)
    np.testing.assert_array_equal(thinned.posterior["alpha"].values, full.posterior["alpha"].values[:, ::4])


def test_fit_command_refuses_a_posterior_failing_the_gate(tmp_path, fake_sampler):
    """`futility fit` whose draws fail the gate exits with status 2, one line, and writes no file."""
    from typer.testing import CliRunner

    from futility.cli import app

    out = tmp_path / "p.nc"
    result = CliRunner().invoke(app, ["fit", "--out", str(out), "--draws", "100", "--chains", "2"])
    assert result.exit_code == 2
    lines = [line for line in result.output.strip().splitlines() if line]
    assert len(lines) == 1 and "convergence gate" in lines[0] and "refit with more draws" in lines[0]
    assert not out.exists()


def test_fit_command_writes_a_loadable_posterior(tmp_path, fake_sampler):
    """`futility fit --registry` end to end with fake draws: summary JSON, the file, and the loader accepts it.

    4,000 independent prior draws pass the gate honestly (R-hat near 1, ESS near 4,000, no sampler
    transitions); the file's sampler attribute says they are the test fake.
    """
    from fakes import SAMPLER_NAME
    from typer.testing import CliRunner

    from futility.cli import app
    from futility.model.evidence import evidence_hash
    from futility.prognosis.posterior import load_posterior

    registry = write_registry(tmp_path, ["a,1,ssri,1,non_response,0,1,0,0,30", "a,2,ect,1,remission,1,1,0,0,30"])
    out = tmp_path / "site.nc"
    result = CliRunner().invoke(app, ["fit", "--registry", str(registry), "--out", str(out), "--draws", "1000",
                                      "--chains", "4", "--seed", "11"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["out"] == str(out) and out.is_file()
    assert summary["sampler"] == SAMPLER_NAME and summary["model_version"] == model.MODEL_VERSION
    assert summary["registry_patients"] == 1 and summary["registry_trials"] == 2
    assert summary["data_hash"] == evidence_hash(registry.read_bytes())
    assert model.passes_gate(summary["diagnostics"])
    post = load_posterior(out)
    assert post.n_draws == 4000 and post.diagnostics["divergences"] == 0
