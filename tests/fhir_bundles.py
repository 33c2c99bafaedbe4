"""Synthetic FHIR R4 records for the import tests: made here, no patient's data."""
from __future__ import annotations

import datetime as dt
import json
from typing import Any

RX = "http://www.nlm.nih.gov/research/umls/rxnorm"
SCT = "http://snomed.info/sct"
ICD10 = "http://hl7.org/fhir/sid/icd-10-cm"
CPT = "http://www.ama-assn.org/go/cpt"
LOINC = "http://loinc.org"
PATIENT = {"reference": "Patient/p1"}


def patient(birth: str = "1971-04-02", gender: str = "female") -> dict[str, Any]:
    return {"resourceType": "Patient", "id": "p1", "birthDate": birth, "gender": gender,
            "name": [{"family": "Testperson", "given": ["Ada"]}], "identifier": [{"system": "urn:mrn", "value": "MRN-998877"}],
            "address": [{"city": "Springfield"}]}


def statement(rid: str, rxcui: str, name: str, start: str, end: str | None, mg: float, per_day: int = 1,
              status: str = "completed", unit: str | None = "mg") -> dict[str, Any]:
    quantity: dict[str, Any] = {"value": mg}
    if unit:
        quantity.update(unit=unit, system="http://unitsofmeasure.org", code=unit)
    period = {"start": start} | ({"end": end} if end else {})
    return {"resourceType": "MedicationStatement", "id": rid, "status": status, "subject": PATIENT,
            "medicationCodeableConcept": {"coding": [{"system": RX, "code": rxcui, "display": name}]},
            "effectivePeriod": period,
            "dosage": [{"timing": {"repeat": {"frequency": per_day, "period": 1, "periodUnit": "d"}},
                        "doseAndRate": [{"doseQuantity": quantity}]}]}


def request(rid: str, rxcui: str, name: str, authored: str, mg: float, status: str = "active") -> dict[str, Any]:
    return {"resourceType": "MedicationRequest", "id": rid, "status": status, "intent": "order", "subject": PATIENT,
            "medicationCodeableConcept": {"coding": [{"system": RX, "code": rxcui, "display": name}]},
            "authoredOn": authored,
            "dosageInstruction": [{"timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}},
                                   "doseAndRate": [{"doseQuantity": {"value": mg, "unit": "mg", "system": "http://unitsofmeasure.org", "code": "mg"}}]}]}


def ect(rid: str, day: str, right_unilateral: bool = False) -> dict[str, Any]:
    code = {"system": SCT, "code": "1010697006", "display": "Right unilateral electroconvulsive therapy"} if right_unilateral \
        else {"system": CPT, "code": "90870", "display": "Electroconvulsive therapy"}
    return {"resourceType": "Procedure", "id": rid, "status": "completed", "subject": PATIENT,
            "code": {"coding": [code]}, "performedDateTime": f"{day}T09:00:00+01:00"}


def phq9(rid: str, day: str, value: int) -> dict[str, Any]:
    return {"resourceType": "Observation", "id": rid, "status": "final", "subject": PATIENT,
            "code": {"coding": [{"system": LOINC, "code": "44261-6", "display": "PHQ-9 total score"}]},
            "effectiveDateTime": day, "valueInteger": value}


def lab(rid: str, loinc: str, day: str, value: float, unit: str) -> dict[str, Any]:
    return {"resourceType": "Observation", "id": rid, "status": "final", "subject": PATIENT,
            "code": {"coding": [{"system": LOINC, "code": loinc}]}, "effectiveDateTime": day,
            "valueQuantity": {"value": value, "unit": unit, "system": "http://unitsofmeasure.org", "code": unit}}


def condition(rid: str, system: str, code: str, status: str = "active") -> dict[str, Any]:
    return {"resourceType": "Condition", "id": rid, "subject": PATIENT,
            "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": status}]},
            "code": {"coding": [{"system": system, "code": code}]}}


def bundle(resources: list[dict[str, Any]], kind: str = "collection") -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": kind, "entry": [{"fullUrl": f"urn:uuid:{i:08d}-0000-4000-8000-000000000000", "resource": r}
                                                                for i, r in enumerate(resources)]}


def realistic() -> list[dict[str, Any]]:
    """Sertraline (dose raised), then venlafaxine with lithium augmentation, then ECT; PHQ-9 series; eGFR 27."""
    res = [patient(),
           statement("m1", "36437", "sertraline", "2023-01-09", "2023-02-20", 50),
           statement("m2", "36437", "sertraline", "2023-02-20", "2023-04-03", 100),
           statement("m3", "39786", "venlafaxine", "2023-05-01", "2023-09-25", 75, per_day=2),
           statement("m4", "6448", "lithium", "2023-07-03", "2023-09-25", 400, per_day=2),
           lab("l1", "14334-7", "2023-07-31", 0.7, "mmol/L"),
           lab("l2", "98980-6", "2024-03-01", 27, "mL/min/{1.73_m2}"),
           lab("l3", "3016-3", "2023-01-05", 2.1, "m[IU]/L"),
           condition("c1", SCT, "13746004"),
           condition("c2", ICD10, "N18.4")]
    res += [ect(f"e{i}", (dt.date(2023, 11, 6) + dt.timedelta(days=3 * i - (i % 2))).isoformat()) for i in range(10)]
    for i, (day, value) in enumerate([("2023-01-06", 19), ("2023-02-20", 17), ("2023-04-03", 16), ("2023-05-01", 20),
                                      ("2023-07-03", 18), ("2023-09-25", 15), ("2023-11-01", 21), ("2023-12-06", 12)]):
        res.append(phq9(f"o{i}", day, value))
    return res


def text(resources: list[dict[str, Any]], kind: str = "collection") -> str:
    return json.dumps(bundle(resources, kind))
