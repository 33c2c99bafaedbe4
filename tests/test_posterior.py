"""Loading stored posteriors: the shipped default passes the gate; bad files are refused in one line."""
from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys

import h5py
import numpy as np
import pytest

from futility.errors import PosteriorError
from futility.prognosis.posterior import GATE, MODEL_VERSION, default_posterior_path, load_posterior


@pytest.fixture()
def copy(tmp_path):
    path = tmp_path / "posterior.nc"
    shutil.copy(default_posterior_path(), path)
    return path


def test_default_posterior_is_small_converged_and_current():
    """The shipped posterior is under 5 MB, has thousands of draws, passes the gate and matches the version."""
    path = default_posterior_path()
    assert path.stat().st_size < 5e6
    post = load_posterior()
    assert post.version == MODEL_VERSION and post.n_draws >= 2000
    d = post.diagnostics
    assert d["max_rhat"] <= GATE["max_rhat"] and d["min_ess_bulk"] >= GATE["min_ess_bulk"] and d["divergences"] == 0
    assert post.file_hash == hashlib.sha256(path.read_bytes()).hexdigest()
    assert post.alpha.shape == (post.n_draws, len(post.option_kinds))
    assert np.all(post.sigma_u > 0) and np.all(post.kappa > 0)


def test_loading_is_cached():
    """A second load of the same unchanged file returns the cached object."""
    assert load_posterior() is load_posterior(default_posterior_path())


def test_missing_file_refused(tmp_path):
    """A missing file raises PosteriorError naming the path."""
    with pytest.raises(PosteriorError, match="not found"):
        load_posterior(tmp_path / "absent.nc")


def test_corrupt_file_refused(tmp_path):
    """A file that is not netcdf/HDF5 raises PosteriorError, not a library traceback."""
    bad = tmp_path / "bad.nc"
    bad.write_bytes(b"not a netcdf file at all")
    with pytest.raises(PosteriorError, match="cannot be read"):
        load_posterior(bad)


def test_wrong_version_refused(copy):
    """A posterior built by another model version is refused with a hint to refit."""
    with h5py.File(copy, "r+") as fh:
        fh["posterior"].attrs["model_version"] = "trd-latent-ordinal-0"
    with pytest.raises(PosteriorError, match="futility fit"):
        load_posterior(copy)


@pytest.mark.parametrize(
    "diagnostics, message",
    [
        ({"max_rhat": 1.05, "min_ess_bulk": 900, "divergences": 0}, "R-hat"),
        ({"max_rhat": 1.0, "min_ess_bulk": 120, "divergences": 0}, "ESS"),
        ({"max_rhat": 1.0, "min_ess_bulk": 900, "divergences": 3}, "divergent"),
    ],
)
def test_failing_gate_refused(copy, diagnostics, message):
    """Each way of failing the convergence gate is refused and named."""
    with h5py.File(copy, "r+") as fh:
        fh["posterior"].attrs["diagnostics"] = json.dumps(diagnostics)
    with pytest.raises(PosteriorError, match=message):
        load_posterior(copy)


def test_divergences_in_sample_stats_are_counted(copy):
    """Divergent transitions stored in sample_stats fail the gate even if the attributes say zero."""
    with h5py.File(copy, "r+") as fh:
        fh["sample_stats"]["diverging"][0, 0] = 1
    with pytest.raises(PosteriorError, match="divergent"):
        load_posterior(copy)


def test_error_message_is_one_line(tmp_path):
    """Refusals are single-line messages fit for the CLI."""
    with pytest.raises(PosteriorError) as info:
        load_posterior(tmp_path / "absent.nc")
    assert "\n" not in str(info.value)


def test_per_patient_path_imports_no_pymc_arviz_or_scipy():
    """Loading the posterior and running a prognosis imports neither PyMC, ArviZ, Panel nor scipy."""
    code = (
        "import sys\n"
        "from futility.case import load_case, demo_case_path\n"
        "from futility.clinical.adequacy import assess_trials\n"
        "from futility.prognosis.posterior import load_posterior\n"
        "from futility.prognosis.predict import prognose\n"
        "case = load_case(demo_case_path())\n"
        "prognose(case, assess_trials(case), [], load_posterior())\n"
        "print(','.join(m for m in ('pymc', 'arviz', 'panel', 'pytensor', 'scipy') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
