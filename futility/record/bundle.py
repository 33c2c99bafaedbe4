"""Reading a FHIR R4 record: a Bundle (``searchset`` or ``collection``) or an NDJSON export.

Every resource is validated by ``fhir.resources`` (its R4B models: R4B changed only resources of low
maturity that this import never reads, http://hl7.org/fhir/R4B/r3maps.html), one at a time so that a
failure names its entry: ``Bundle.entry[7].resource.dosage[0].doseAndRate[0]``. What comes out is
plain data: one :class:`Entry` per resource, holding the validated JSON mapping.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from futility.record.errors import RecordError

__all__ = ["BUNDLE_TYPES", "MAX_RESOURCES", "Entry", "read_record"]

#: Bundle types that are a set of resources about the patient (a transaction would be a request).
BUNDLE_TYPES = ("searchset", "collection")
#: Most resources read (a ten-year psychiatric history is a few thousand).
MAX_RESOURCES = 20_000


@dataclass(frozen=True)
class Entry:
    """One validated resource: where it was (for messages), its type, its JSON mapping, its reference."""

    where: str  # "Bundle.entry[3].resource" or "line 4"
    type: str
    data: dict[str, Any]
    reference: str  # "MedicationStatement/abc" or "" (used only to resolve references inside the record)
    full_url: str = ""


def _path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}"
    return out


def _validate(data: Any, where: str) -> dict[str, Any]:
    """The resource mapping, validated by fhir.resources, or a RecordError naming the element."""
    from fhir.resources.R4B import get_fhir_model_class
    from pydantic import ValidationError

    if not isinstance(data, dict) or not isinstance(data.get("resourceType"), str):
        raise RecordError(where, "is not a FHIR resource (no resourceType)")
    try:
        model = get_fhir_model_class(data["resourceType"])
    except (KeyError, ValueError, AttributeError, ImportError):
        raise RecordError(f"{where}.resourceType", f"'{str(data['resourceType'])[:40]}' is not a FHIR R4 resource type") from None
    try:
        model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        message = str(first.get("msg", "is not valid")).removeprefix("Value error, ")
        raise RecordError(f"{where}{_path(tuple(first.get('loc', ())))}", f"fails FHIR validation: {message}") from None
    except (ValueError, TypeError) as exc:  # fhir.resources' own root validators
        raise RecordError(where, f"fails FHIR validation: {' '.join(str(exc).split())[:200]}") from None
    return data


def _entry(data: dict[str, Any], where: str, full_url: str = "") -> Entry:
    rid = data.get("id")
    return Entry(where, data["resourceType"], data, f"{data['resourceType']}/{rid}" if isinstance(rid, str) else "", full_url)


def _from_bundle(doc: dict[str, Any]) -> list[Entry]:
    shell = {k: v for k, v in doc.items() if k != "entry"}
    _validate(shell, "Bundle")
    if doc.get("type") not in BUNDLE_TYPES:
        raise RecordError("Bundle.type", f"is '{str(doc.get('type'))[:40]}'; a record to import is a searchset or a collection")
    entries = doc.get("entry") or []
    if not isinstance(entries, list):
        raise RecordError("Bundle.entry", "must be a list")
    if len(entries) > MAX_RESOURCES:
        raise RecordError("Bundle.entry", f"has {len(entries):,} entries; at most {MAX_RESOURCES:,} are read")
    out: list[Entry] = []
    for i, item in enumerate(entries):
        where = f"Bundle.entry[{i}]"
        if not isinstance(item, dict) or "resource" not in item:
            raise RecordError(where, "has no resource")
        search = item.get("search") or {}
        if isinstance(search, dict) and search.get("mode") == "outcome":
            continue  # an OperationOutcome about the search, not patient data
        data = _validate(item["resource"], f"{where}.resource")
        out.append(_entry(data, f"{where}.resource", str(item.get("fullUrl") or "")))
    return out


def _from_ndjson(text: str) -> list[Entry]:
    out: list[Entry] = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except ValueError:
            raise RecordError(f"line {n}", "is not JSON (an NDJSON export has one resource per line)") from None
        if len(out) >= MAX_RESOURCES:
            raise RecordError(f"line {n}", f"more than {MAX_RESOURCES:,} resources")
        out.append(_entry(_validate(data, f"line {n}"), f"line {n}"))
    return out


def read_record(text: str) -> list[Entry]:
    """The resources of a Bundle (JSON) or an NDJSON export, each validated; RecordError otherwise."""
    stripped = text.strip()
    if not stripped:
        raise RecordError("", "the file is empty; expected a FHIR R4 Bundle (JSON) or an NDJSON export")
    try:
        doc = json.loads(stripped)
    except ValueError:
        doc = None
        if "\n" in stripped and stripped.startswith("{"):
            return _from_ndjson(stripped)
        raise RecordError("", "the file is not JSON; expected a FHIR R4 Bundle (JSON) or an NDJSON export") from None
    if not isinstance(doc, dict) or "resourceType" not in doc:
        raise RecordError("", "the file is JSON but not FHIR (no resourceType); expected a Bundle")
    if doc["resourceType"] == "Bundle":
        return _from_bundle(doc)
    return [_entry(_validate(doc, "line 1"), "line 1")]  # a one-line NDJSON export
