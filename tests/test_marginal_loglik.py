"""The fused registry likelihood: the Op against numpy, and the model's registry term against brute force."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import integrate, special, stats

from futility.model import fit as model

pytensor = pytest.importorskip("pytensor")
import pytensor.tensor as pt  # noqa: E402

from futility.model.marginal_loglik import history_logsumexp  # noqa: E402


def reference_total(table, index, count, log_w):
    """Plain numpy: gather, sum over each history's rows, log-sum-exp over nodes, weighted sum."""
    padded = np.vstack([table, np.zeros((1, table.shape[1]))])
    rows = padded[np.where(index < 0, table.shape[0], index)].sum(axis=1)
    return float((count * special.logsumexp(rows + log_w, axis=1)).sum())


@pytest.fixture
def problem():
    rng = np.random.default_rng(0)
    table = rng.normal(-1.0, 0.7, size=(9, 5))
    index = rng.integers(0, 9, size=(6, 4))
    index[1, 2:] = -1  # a shorter history
    index[4, 1:] = -1
    count = rng.integers(1, 5, size=6).astype(float)
    log_w = np.log(rng.dirichlet(np.ones(5)))
    return table, index, count, log_w


@pytest.mark.parametrize("mode", ["FAST_COMPILE", "FAST_RUN", "NUMBA"])
def test_value_and_gradient_match_numpy(problem, mode):
    """Value and gradient equal the numpy reference and central finite differences, in both backends."""
    table, index, count, log_w = problem
    t = pt.dmatrix("t")
    total = history_logsumexp(t, index, count, log_w)
    f = pytensor.function([t], [total, pt.grad(total, t)], mode=mode)
    value, grad = f(table)
    assert float(value) == pytest.approx(reference_total(table, index, count, log_w), rel=1e-12)
    eps = 1e-6
    numeric = np.zeros_like(table)
    for r in range(table.shape[0]):
        for g in range(table.shape[1]):
            up, down = table.copy(), table.copy()
            up[r, g] += eps
            down[r, g] -= eps
            numeric[r, g] = (reference_total(up, index, count, log_w) - reference_total(down, index, count, log_w)) / (2 * eps)
    np.testing.assert_allclose(grad, numeric, atol=1e-6)
    unused = sorted(set(range(table.shape[0])) - set(index[index >= 0].tolist()))
    assert np.all(grad[unused] == 0.0)


def test_verify_grad(problem):
    """PyTensor's own gradient check through the Op."""
    table, index, count, log_w = problem
    pytensor.gradient.verify_grad(lambda t: history_logsumexp(t, index, count, log_w), [table], rng=np.random.default_rng(1))


@pytest.mark.parametrize(
    ("nodes", "trait_nodes", "tolerance"), [(40, 30, 1e-7), (model.REGISTRY_NODES, model.REGISTRY_ECT_TRAIT_NODES, 2e-3)]
)
def test_registry_term_equals_the_brute_force_marginal_likelihood(tmp_path: Path, monkeypatch, nodes, trait_nodes, tolerance):
    """The model's registry potentials equal sum over patients of log ∫ prod_t P(y_t | u, e) dN(u) dN(e) by quad.

    This checks the whole path: reading, cells, collapsed histories, the softplus table and the Op, and
    ECT's own responsiveness e, shared by a patient's ECT courses (patient d has two). With 40 x 30 nodes
    the quadrature is exact to rounding; the default 12 x 6 nodes stay within 2e-3 in total.
    """
    monkeypatch.setattr(model, "REGISTRY_NODES", nodes)
    monkeypatch.setattr(model, "REGISTRY_ECT_TRAIT_NODES", trait_nodes)
    rows = [
        "a,1,ssri,1,non_response,0,1,0,0,30",
        "a,2,snri,1,response,1,1,0,0,30",
        "a,3,ect,1,remission,1,1,0,0,30",
        "b,1,ssri,1,partial_response,,0,0,1,7",
        "b,2,rtms,1,non_response,0,0,0,1,7",
        "b,3,lithium_augmentation,0,remission,,0,0,1,7",  # inadequate: no efficacy evidence
        "c,1,ssri,1,remission,0,0,1,0,100",
        "d,1,ssri,1,non_response,,0,0,0,12",
        "d,2,ect,1,non_response,,0,0,0,12",
        "d,3,ect,1,response,,0,0,0,12",  # a second ECT course: e ties it to the first
    ]
    path = tmp_path / "registry.csv"
    path.write_text(",".join(model.REGISTRY_COLUMNS) + "\n" + "\n".join(rows) + "\n")
    reg = model.read_registry(path)
    m = model.build_model(registry=reg)
    point = m.initial_point()
    rng = np.random.default_rng(2)
    point = {k: v + rng.normal(0, 0.3, size=np.shape(v)) for k, v in point.items()}

    def evaluate(names):  # in terms of the value variables, so no random draw replaces a parameter
        outs = m.replace_rvs_by_values([m[n] for n in names])
        return m.compile_fn(outs, inputs=m.value_vars, on_unused_input="ignore")(point)

    values = dict(zip(["eff", "bur"], evaluate(["registry_efficacy", "registry_burden"])))
    params = evaluate(
        ["alpha", "mu_alpha", "delta", "mu_delta", "lam", "kappa", "beta", "beta_ect", "sigma_u", "sigma_v", "ect_loading"]
    )
    alpha, mu_alpha, delta, mu_delta, lam, kappa, beta, beta_ect, sigma_u, sigma_v, ect_loading = params
    kinds = model.OPTION_KINDS
    from futility.model.cohorts import ECT_COLUMNS, KIND_GROUP_INDEX, ect_factors, ect_reference_mix, reference_mix
    from futility.model.evidence import load_outcomes

    x_ref = reference_mix(load_outcomes())
    ect_ref = ect_reference_mix(load_outcomes())

    def lam_of(kind):
        return lam[KIND_GROUP_INDEX[kinds.index(kind)]] if kind in kinds else lam[0]

    def base_of(x, kind):
        x5 = np.array([*x, np.nan], dtype=float)
        dx = np.nan_to_num(x5 - x_ref)
        general = np.dot(dx, beta)
        if kind != "ect":
            return general
        dx_ect = np.nan_to_num(ect_factors(x5) - ect_ref)
        return general - np.dot(dx[ECT_COLUMNS], beta[ECT_COLUMNS]) + np.dot(dx_ect, beta_ect)

    def a_of(kind):
        return alpha[kinds.index(kind)] if kind in kinds else mu_alpha

    def d_of(kind):
        return delta[kinds.index(kind)] if kind in kinds else mu_delta

    patients = {
        # factors (severe, psychotic, anxiety, months rounded to 6, capped at 60), efficacy trials, burden trials
        "a": ((1, 0, 0, 30), [("ssri", 0, 0), ("snri", 1, 1), ("ect", 2, 2)], [("ssri", 0), ("snri", 1), ("ect", 1)]),
        "b": ((0, 0, 1, 6), [("ssri", 0, 0), ("rtms", 1, 0)], [("rtms", 0)]),
        "c": ((0, 1, 0, 60), [("ssri", 0, 2)], [("ssri", 0)]),
        "d": ((0, 0, 0, 12), [("ssri", 0, 0), ("ect", 1, 0), ("ect", 2, 1)], []),
    }
    own = sigma_u * np.sqrt(1 - ect_loading**2)  # ECT's own spread: w u + s e has sd sigma_u
    eff_total = bur_total = 0.0
    for x, trials, burdens in patients.values():
        def efficacy(u, e=0.0, x=x, trials=trials):
            out = 1.0
            for kind, failures, y in trials:
                # ECT: its own one-step decline, a partial loading on u and its own trait e (version 7)
                cap = model.ECT_FAILURES_EFFECT if kind == "ect" else model.MAX_FAILURES_EFFECT
                load, extra = (ect_loading, own * e) if kind == "ect" else (1.0, 0.0)
                eta = a_of(kind) + base_of(x, kind) - lam_of(kind) * min(failures, cap) + load * u + extra
                p_rem, p_resp = special.expit(eta), special.expit(eta + kappa)
                out *= (1 - p_resp, p_resp - p_rem, p_rem)[y]
            return out * stats.norm.pdf(u, 0, sigma_u)

        def burden(v, burdens=burdens):
            out = 1.0
            for kind, b in burdens:
                p = special.expit(d_of(kind) + v)
                out *= p if b else 1 - p
            return out * stats.norm.pdf(v, 0, sigma_v)

        if any(kind == "ect" for kind, _, _ in trials):
            joint = lambda e, u, f=efficacy: f(u, e) * stats.norm.pdf(e)  # noqa: E731
            lik = integrate.dblquad(joint, -12 * sigma_u, 12 * sigma_u, -10, 10, epsabs=0, epsrel=1e-10)[0]
        else:
            lik = integrate.quad(efficacy, -12 * sigma_u, 12 * sigma_u, epsabs=0, epsrel=1e-12)[0]
        eff_total += np.log(lik)
        bur_total += np.log(integrate.quad(burden, -12 * sigma_v, 12 * sigma_v, epsabs=0, epsrel=1e-12)[0])
    assert float(values["eff"]) == pytest.approx(eff_total, abs=tolerance)
    assert float(values["bur"]) == pytest.approx(bur_total, abs=tolerance)
