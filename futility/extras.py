"""Optional extras: which modules each one provides, and the one-line hint when one is missing.

The core install (``pip install futility``) runs the per-patient path, the CLI's text and JSON, the
case store and the HTML report. Fitting the model, the dashboard and PDF reports need an extra each;
a command that needs a missing one stops with exit status 2 and says what to install, e.g.
``error: the dashboard needs the 'dashboard' extra: pip install 'futility[dashboard]'``.
"""
from __future__ import annotations

from importlib.util import find_spec

from futility.errors import UserError

__all__ = ["EXTRAS", "MissingExtraError", "missing_modules", "require_extra"]

#: The importable modules each extra provides (their distributions are listed in pyproject.toml).
EXTRAS: dict[str, tuple[str, ...]] = {
    "model": ("pymc", "pytensor", "nutpie", "numba", "arviz", "xarray", "h5netcdf"),
    "dashboard": ("panel", "param", "bokeh"),
    "pdf": ("xhtml2pdf",),
    "fhir": ("fhir",),
}


class MissingExtraError(UserError):
    """A command needs an optional extra that is not installed."""


def missing_modules(extra: str) -> list[str]:
    """The modules of ``extra`` that cannot be imported here (found without importing them)."""
    missing = []
    for module in EXTRAS[extra]:
        try:
            found = find_spec(module) is not None
        except (ImportError, ValueError):  # a broken install, or a module set to None in sys.modules
            found = False
        if not found:
            missing.append(module)
    return missing


def require_extra(extra: str, what: str) -> None:
    """Raise :class:`MissingExtraError` (one line, with the pip command) unless ``extra`` is installed.

    ``what`` names the feature in the message: ``"the dashboard"``, ``"futility fit"``.
    """
    if missing_modules(extra):
        raise MissingExtraError(f"{what} needs the '{extra}' extra: pip install 'futility[{extra}]'")
