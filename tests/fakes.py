"""A fake sampler for fast tests: prior draws stand in for the posterior (no MCMC).

``prior_sample`` has the signature of :func:`futility.model.fit._sample`; the ``fake_sampler`` fixture in
conftest.py puts it in its place, so :func:`futility.model.fit` builds the real PyMC models, merges the
parts, computes diagnostics, writes provenance and thins exactly as in a real fit, and
:func:`futility.model.fit.save_posterior` and the loader read the result through the same files. Only the
draws differ: independent draws from the priors (``pm.sample_prior_predictive``) in the shape a
sampler returns, ``(chain, draw, ...)``.

The diagnostics are honest: :func:`futility.model.fit.convergence_diagnostics` computes them on these
draws, and no NUTS transition diverged because none ran. Independent draws mix perfectly, so R-hat
is near 1 and bulk ESS near the number of draws; a small fake fit (fewer than 400 draws in all) fails
the gate on ESS. The gate cannot tell a prior from a posterior; the file's ``sampler`` attribute,
``prior (test fake)``, can. A test that needs a loadable file writes passing diagnostics into it
explicitly and says so.
"""
from __future__ import annotations

import warnings

import numpy as np

SAMPLER_NAME = "prior (test fake)"

__all__ = ["SAMPLER_NAME", "prior_sample"]


def prior_sample(model, *, draws, chains, random_seed, **_settings):
    """``draws`` x ``chains`` prior draws of every free and deterministic variable; returns (idata, name).

    The sampler settings (tune, cores, target_accept, low_rank, sampler) are accepted and ignored.
    """
    import arviz as az
    import pymc as pm
    import xarray as xr

    names = [v.name for v in model.free_RVs] + [v.name for v in model.deterministics]
    with model, warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*Potential.*")  # potentials carry the likelihood only
        prior = pm.sample_prior_predictive(draws=draws * chains, var_names=names, random_seed=random_seed).prior
    data = {}
    for name in names:
        values = prior[name].values[0]  # (draws * chains, ...)
        data[name] = (("chain", "draw", *prior[name].dims[2:]), values.reshape(chains, draws, *values.shape[1:]))
    coords = {c: prior.coords[c].values for c in prior.coords if c not in ("chain", "draw")}
    posterior = xr.Dataset(data, coords={"chain": np.arange(chains), "draw": np.arange(draws), **coords})
    stats = xr.Dataset({"diverging": (("chain", "draw"), np.zeros((chains, draws), dtype=bool))},
                       coords={"chain": np.arange(chains), "draw": np.arange(draws)})
    return az.InferenceData(posterior=posterior, sample_stats=stats), SAMPLER_NAME
