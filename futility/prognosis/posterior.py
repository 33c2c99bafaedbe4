"""Load a stored population posterior as plain numpy draws (no PyMC, no ArviZ).

The file is the ArviZ InferenceData netcdf written by ``futility fit`` (or the shipped default,
``futility/data/posterior/default.nc``). It is read with h5py directly: importing ArviZ costs seconds and
the per-patient path needs only the arrays. A posterior is refused, with one line saying why, when the
file is missing or unreadable, when its model version differs from :data:`MODEL_VERSION`, or when its
stored diagnostics fail the convergence gate (max R-hat <= 1.01, min bulk ESS >= 400, no divergences).
"""
from __future__ import annotations

import hashlib
import json
import os
import stat as _stat
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np

from futility.errors import PosteriorError
from futility.model.spec import GATE, MODEL_VERSION

__all__ = ["GATE", "MODEL_VERSION", "PosteriorDraws", "default_posterior_path", "load_posterior"]


#: Arrays every posterior file must carry (docs/model.md): option effects and burden, patient factors,
#: decline per failure by group, same-class resistance, the spreads, and a new trial's effect.
_REQUIRED = (
    "alpha", "delta", "beta", "beta_ect", "mu_alpha", "mu_delta", "lam", "rho", "sigma_u", "kappa", "sigma_v",
    "trial_new", "ect_loading",
)
#: Arrays used to predict published arms (validation), not by the per-patient path.
_OPTIONAL = ("d_madrs12", "d_other", "d_single_blind", "d_double_blind", "tau_trial", "tau_definition", "trial_effect", "gamma")


@dataclass(frozen=True, eq=False)
class PosteriorDraws:
    """Population parameters, one row per posterior draw (chains stacked).

    ``alpha``/``delta`` are (S, K) with columns in ``option_kinds``; ``beta`` is (S, F) with columns in
    ``factors``; ``beta_ect`` (S, E) in ``ect_factors``; ``lam`` (S, G) in ``decline_groups``; the rest
    are (S,). ``trial_new`` is the effect of a new trial or setting drawn from the between-trial
    distribution, so predictions carry that spread. See docs/model.md for what each parameter means.
    """

    alpha: np.ndarray
    delta: np.ndarray
    beta: np.ndarray
    beta_ect: np.ndarray
    mu_alpha: np.ndarray
    mu_delta: np.ndarray
    lam: np.ndarray
    rho: np.ndarray
    sigma_u: np.ndarray
    kappa: np.ndarray
    sigma_v: np.ndarray
    trial_new: np.ndarray
    option_kinds: tuple[str, ...]
    factors: tuple[str, ...]
    ect_factors: tuple[str, ...]
    decline_groups: tuple[str, ...]
    kind_groups: tuple[str, ...]  # decline group of each option kind
    reference_mix: np.ndarray  # the reference cohort's factors (STAR*D level 1)
    ect_reference_mix: np.ndarray  # the ECT population's mix of ect_factors
    offered_kinds: tuple[str, ...]  # kinds with a fitted remission row of their own
    burden_evidence_kinds: tuple[str, ...]  # kinds with burden evidence of their own
    trials: tuple[str, ...]  # fitted trials, the columns of extras["trial_effect"]
    episode_months_cap: float
    max_failures_effect: int
    version: str
    file_hash: str
    data_hash: str
    #: How far ECT's chance tracks the responsiveness shown on drug trials, (S,); None = fully (1.0).
    ect_loading: np.ndarray | None = None
    #: Cap of ECT's own decline (a step: medication resistance or not); None = max_failures_effect.
    ect_failures_effect: int | None = None
    extras: dict = field(default_factory=dict)  # _OPTIONAL arrays present in the file
    diagnostics: dict = field(default_factory=dict)
    path: str = ""

    @property
    def n_draws(self) -> int:
        return int(self.sigma_u.shape[0])

    def lam_of(self, kind: str | None) -> np.ndarray:
        """Decline per earlier failure for ``kind``'s group (oral for a kind outside the model), (S,)."""
        idx = self.option_index(kind)
        group = self.kind_groups[idx] if idx is not None else "oral"
        return self.lam[:, self.decline_groups.index(group)]

    def loading_of(self, kind: str | None) -> np.ndarray | float:
        """How strongly ``kind``'s chance tracks the latent responsiveness u: 1 for every kind but ECT, (S,) or 1.0."""
        if kind == "ect" and self.ect_loading is not None:
            return self.ect_loading
        return 1.0

    def failures_cap_of(self, kind: str | None) -> int:
        """How many earlier failures the explicit decline counts for ``kind`` (ECT: one step)."""
        if kind == "ect" and self.ect_failures_effect is not None:
            return self.ect_failures_effect
        return self.max_failures_effect

    def option_index(self, kind: str | None) -> int | None:
        """Column of ``kind`` in alpha/delta, or None for a kind outside the model."""
        try:
            return self.option_kinds.index(kind)
        except ValueError:
            return None

def default_posterior_path() -> Path:
    """The posterior shipped in the package."""
    return Path(str(resources.files("futility") / "data" / "posterior" / "default.nc"))


_CACHE: dict[tuple, PosteriorDraws] = {}


def _attr(attrs, name: str, default=None):
    if name not in attrs:
        return default
    value = attrs[name]
    if isinstance(value, bytes):
        value = value.decode()
    if isinstance(value, np.ndarray):
        value = value.item() if value.size == 1 else value.tolist()
    if isinstance(value, np.generic):
        value = value.item()
    return value


def _stack(group, name: str) -> np.ndarray:
    arr = np.asarray(group[name][()], dtype=float)
    return arr.reshape((arr.shape[0] * arr.shape[1],) + arr.shape[2:])


def load_posterior(path: str | os.PathLike | None = None) -> PosteriorDraws:
    """Read, check and cache a stored posterior; raise :class:`PosteriorError` when it cannot be used."""
    path = Path(path) if path is not None else default_posterior_path()
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise PosteriorError(f"posterior file not found: {path} (run 'futility fit' or reinstall)") from None
    except OSError as exc:
        raise PosteriorError(f"posterior file {path} cannot be read ({exc.strerror or exc})") from None
    if not _stat.S_ISREG(stat.st_mode):  # a directory, pipe or device: reading it would fail or hang
        raise PosteriorError(f"posterior file {path} is not a regular file")
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    cached = _CACHE.get(key)
    if cached is not None:
        return cached
    draws = _read(path)
    _CACHE.clear()
    _CACHE[key] = draws
    return draws


def _read(path: Path) -> PosteriorDraws:
    try:
        blob = path.read_bytes()
    except OSError as exc:
        raise PosteriorError(f"posterior file {path} cannot be read ({exc.strerror or exc})") from None
    file_hash = hashlib.sha256(blob).hexdigest()
    try:
        import h5py

        with h5py.File(path, "r") as fh:
            if "posterior" not in fh:
                raise PosteriorError(f"posterior file {path} has no posterior group (not a futility posterior)")
            group = fh["posterior"]
            attrs = group.attrs
            version = _attr(attrs, "model_version", "unknown")
            if version != MODEL_VERSION:
                raise PosteriorError(
                    f"posterior file {path} was built by model version {version}, this program needs "
                    f"{MODEL_VERSION}; run 'futility fit' to rebuild it"
                )
            diagnostics = json.loads(_attr(attrs, "diagnostics", "{}"))
            arrays = {name: _stack(group, name) for name in _REQUIRED}
            extras = {name: _stack(group, name) for name in _OPTIONAL if name in group}
            divergences = None
            if "sample_stats" in fh and "diverging" in fh["sample_stats"]:
                divergences = int(np.asarray(fh["sample_stats"]["diverging"][()]).sum())
            option_kinds = tuple(json.loads(_attr(attrs, "option_kinds", "[]")))
            factors = tuple(json.loads(_attr(attrs, "factors", "[]")))
            labels = {
                key: tuple(json.loads(_attr(attrs, key, "[]")))
                for key in ("ect_factors", "decline_groups", "kind_groups", "offered_kinds", "burden_evidence_kinds", "trials")
            }
            mixes = {key: np.array(json.loads(_attr(attrs, key, "[]")), dtype=float) for key in ("reference_mix", "ect_reference_mix")}
            cap = float(_attr(attrs, "episode_months_cap", 60.0))
            max_failures = int(_attr(attrs, "max_failures_effect", 4))
            ect_failures = int(_attr(attrs, "ect_failures_effect", max_failures))
            data_hash = str(_attr(attrs, "data_hash", ""))
    except PosteriorError:
        raise
    except (OSError, KeyError, ValueError, TypeError) as exc:
        raise PosteriorError(f"posterior file {path} cannot be read ({type(exc).__name__}: {exc})") from None
    if divergences is not None:
        diagnostics["divergences"] = max(divergences, int(diagnostics.get("divergences", 0)))
    _check_gate(path, diagnostics)
    for name, values in arrays.items():  # a NaN draw would turn every probability into NaN
        if values.size == 0 or not np.all(np.isfinite(values)):
            raise PosteriorError(f"posterior file {path} has missing or non-finite draws of {name}; refit it")
    if (
        arrays["alpha"].shape[1] != len(option_kinds)
        or arrays["beta"].shape[1] != len(factors)
        or mixes["reference_mix"].shape != (len(factors),)
        or arrays["lam"].shape[1] != len(labels["decline_groups"])
        or len(labels["kind_groups"]) != len(option_kinds)
    ):
        raise PosteriorError(f"posterior file {path} is inconsistent (option or factor columns do not match)")
    return PosteriorDraws(
        alpha=arrays["alpha"],
        delta=arrays["delta"],
        beta=arrays["beta"],
        beta_ect=arrays["beta_ect"],
        mu_alpha=arrays["mu_alpha"],
        mu_delta=arrays["mu_delta"],
        lam=arrays["lam"],
        rho=arrays["rho"],
        sigma_u=arrays["sigma_u"],
        kappa=arrays["kappa"],
        sigma_v=arrays["sigma_v"],
        trial_new=arrays["trial_new"],
        ect_loading=arrays["ect_loading"],
        option_kinds=option_kinds,
        factors=factors,
        ect_factors=labels["ect_factors"],
        decline_groups=labels["decline_groups"],
        kind_groups=labels["kind_groups"],
        offered_kinds=labels["offered_kinds"],
        burden_evidence_kinds=labels["burden_evidence_kinds"],
        trials=labels["trials"],
        reference_mix=mixes["reference_mix"],
        ect_reference_mix=mixes["ect_reference_mix"],
        extras=extras,
        episode_months_cap=cap,
        max_failures_effect=max_failures,
        ect_failures_effect=ect_failures,
        version=version,
        file_hash=file_hash,
        data_hash=data_hash,
        diagnostics=diagnostics,
        path=str(path),
    )


def _check_gate(path: Path, diagnostics: dict) -> None:
    try:
        rhat = float(diagnostics["max_rhat"])
        ess = float(diagnostics["min_ess_bulk"])
        div = int(diagnostics["divergences"])
    except (KeyError, TypeError, ValueError):
        raise PosteriorError(f"posterior file {path} carries no convergence diagnostics; refit it") from None
    problems = []
    if not rhat <= GATE["max_rhat"]:
        problems.append(f"max R-hat {rhat:g} > {GATE['max_rhat']}")
    if not ess >= GATE["min_ess_bulk"]:
        problems.append(f"min bulk ESS {ess:g} < {GATE['min_ess_bulk']:g}")
    if div > GATE["divergences"]:
        problems.append(f"{div} divergent transitions")
    if problems:
        raise PosteriorError(
            f"posterior file {path} failed the convergence gate ({'; '.join(problems)}); refit with more draws"
        )
