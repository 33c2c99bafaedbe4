"""``futility fit [--registry FILE] [--out FILE]``: build a population posterior from the evidence base.

Binds arguments and calls :mod:`futility.model.fit`; PyMC is imported only when the command runs.
A posterior failing the convergence gate is refused (exit status 2, one line), never written.
"""
from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Annotated, Optional

import typer

from futility.commands._common import user_errors
from futility.errors import UserError
from futility.extras import require_extra

__all__ = ["register", "registry_bytes"]


def registry_bytes(path: Path) -> bytes:
    """The registry file's bytes, refused (one line) unless it is a regular file of UTF-8 text.

    Checked here, before :func:`futility.model.fit.read_registry` opens it: a directory or a non-UTF-8
    file would otherwise end in a traceback, and a named pipe would hang the read.
    """
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise UserError(f"--registry: file not found: {path}") from None
    except OSError as exc:
        raise UserError(f"--registry: cannot read {path} ({exc.strerror or exc})") from None
    if not stat.S_ISREG(info.st_mode):
        raise UserError(f"--registry: {path} is not a regular file")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UserError(f"--registry: cannot read {path} ({exc.strerror or exc})") from None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UserError(f"--registry: {path} is not UTF-8 text (bad byte at offset {exc.start})") from None
    return data


def run_fit(registry: Optional[Path], out: Path, draws: int, tune: Optional[int], chains: int, seed: int, sampler: str) -> dict:
    """Fit, gate and save; returns a summary dict (path, diagnostics, seconds, hashes)."""
    require_extra("model", "futility fit")
    raw = registry_bytes(registry) if registry is not None else None  # before the seconds-long PyMC import
    from futility.model import fit as model
    from futility.model.evidence import evidence_hash

    reg = model.read_registry(registry) if registry is not None else None
    data_hash = evidence_hash(raw) if raw is not None else evidence_hash()
    idata = model.fit(reg, draws=draws, tune=tune, chains=chains, random_seed=seed, sampler=sampler, data_hash=data_hash)
    diagnostics = model.fit_diagnostics(idata)
    model.require_gate(diagnostics)
    path = model.save_posterior(idata, out)
    return {
        "out": str(path),
        "model_version": model.MODEL_VERSION,
        "data_hash": data_hash,
        "diagnostics": diagnostics,
        "fit_seconds": round(idata.fit_seconds, 1),
        "sampler": idata.attrs_futility["sampler"],
        "registry_patients": reg.n_patients if reg else 0,
        "registry_trials": reg.n_trials if reg else 0,
    }


def fit_command(
    registry: Annotated[Optional[Path], typer.Option(help="Site registry CSV of patient-level trials (docs/model.md).")] = None,
    out: Annotated[Path, typer.Option(help="Where to write the posterior (ArviZ netcdf).")] = Path("posterior.nc"),
    draws: Annotated[int, typer.Option(help="Draws per chain kept.", min=100, max=100_000)] = 1000,
    tune: Annotated[
        Optional[int], typer.Option(help="Tuning steps per chain [default: 3000, or 500 with a registry].", min=100, max=100_000)
    ] = None,
    chains: Annotated[int, typer.Option(help="Chains.", min=2, max=16)] = 4,
    seed: Annotated[int, typer.Option(help="Random seed.", min=0, max=2**32 - 1)] = 20260101,
    sampler: Annotated[str, typer.Option(help="nutpie (default) or pymc.")] = "nutpie",
) -> None:
    """Fit the population model to the bundled evidence (and a registry) and write the posterior."""
    if sampler not in ("nutpie", "pymc"):
        from futility.commands._common import fail

        fail(f"--sampler: must be nutpie or pymc, not {sampler!r}")
    with user_errors():
        summary = run_fit(registry, out, draws, tune, chains, seed, sampler)
    typer.echo(json.dumps(summary, indent=2))


def register(app: typer.Typer) -> None:
    """Add ``fit`` to the CLI."""
    app.command("fit")(fit_command)
