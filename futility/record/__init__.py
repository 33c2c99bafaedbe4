"""Import a case from the health record (FHIR R4): a Bundle or NDJSON export in, a case file out.

Public API: :func:`import_record` (pure: text and the import date in, :class:`ImportResult` out) and
:class:`RecordError` (one line naming the resource and the problem). Needs the ``fhir`` extra
(``fhir.resources``); the mapping is documented in docs/fhir.md.
"""
from __future__ import annotations

from futility.record.assemble import ImportResult, import_record
from futility.record.errors import RecordError

__all__ = ["FHIR_MODULES", "ImportResult", "RecordError", "import_record", "require_fhir"]

#: The modules the ``fhir`` extra provides.
FHIR_MODULES = ("fhir.resources",)


def require_fhir(what: str = "futility import fhir") -> None:
    """Raise MissingExtraError (one line with the pip command) unless fhir.resources can be imported."""
    from importlib.util import find_spec

    from futility.extras import MissingExtraError

    try:
        found = find_spec("fhir") is not None and find_spec("fhir.resources") is not None
    except (ImportError, ValueError):
        found = False
    if not found:
        raise MissingExtraError(f"{what} needs the 'fhir' extra: pip install 'futility[fhir]'")
