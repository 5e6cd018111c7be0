"""Our records as HL7 FHIR R4 resources, built and validated with ``fhir.resources`` (its ``R4B``
package: the R4-compatible release 4.3, whose Patient, Observation, Condition, CarePlan and Bundle are
R4's). Each builder returns a validated model; ``as_json`` gives what the server sends.

- Patient: the elder, ``id`` the elder's id in the JSON API; the resident ID number as an identifier only
  for a client allowed to read it (``HealthClient.may_read_id_numbers``).
- Observation: a reading, coded in LOINC with UCUM units (blood pressure as the 85354-9 panel with its
  systolic and diastolic components), interpreted against the elder's thresholds.
- Condition: a chronic condition, coded in ICD-10 (or its text alone when it has no code).
- CarePlan: a care plan of the assessments app, its service lines as activities.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.careplan import CarePlan as FhirCarePlan
from fhir.resources.R4B.condition import Condition
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.patient import Patient

from .codes import (
    BLOOD_PRESSURE_PANEL,
    ICD10_SYSTEM,
    KIND_MEASURES,
    LABORATORY_KINDS,
    LOINC_SYSTEM,
    MEASURE_LABELS,
    MEASURES,
    UCUM_SYSTEM,
)
from .models import ElderCondition, Level, Vital, VitalKind

OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
# A reading's level as an interpretation: out of range is abnormal (A), urgent critical (AA).
INTERPRETATIONS = {
    Level.NORMAL: ("N", "Normal"),
    Level.OUT_OF_RANGE: ("A", "Abnormal"),
    Level.URGENT: ("AA", "Critical abnormal"),
}
# The family-doctor contract as the pull reads it from the platform (EpisodeOfCare.type).
FAMILY_DOCTOR_TYPE = "family-doctor-contract"
GENDERS = {"M": "male", "F": "female"}
CARE_PLAN_STATUS = {"draft": "draft", "approved": "active", "superseded": "revoked"}
TIMING_UNITS = {"day": "d", "week": "wk", "month": "mo"}


def _instant(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _meta(updated: dt.datetime) -> dict:
    return {"lastUpdated": _instant(updated)}


def _reference(elder_id: int) -> dict:
    return {"reference": f"Patient/{elder_id}"}


def patient(elder, *, with_id_number: bool) -> Patient:
    data: dict[str, Any] = {
        "id": str(elder.pk),
        "meta": _meta(elder.updated_at),
        "active": elder.status == "active",
        "name": [{"use": "official", "text": elder.name}],
        "gender": GENDERS.get(elder.sex, "unknown"),
        "birthDate": elder.birth_date.isoformat(),
    }
    if elder.address:
        data["address"] = [{"use": "home", "text": elder.address}]
    if elder.status == "deceased":
        data["deceasedBoolean"] = True
    if with_id_number:
        data["identifier"] = [
            {"use": "official", "system": settings.SHOUWANG_FHIR_ID_NUMBER_SYSTEM, "value": elder.id_number}
        ]
    return Patient.model_validate(data)


def _quantity(name: str, value: float) -> dict:
    measure = MEASURES[name]
    return {"value": value, "unit": measure.unit, "system": UCUM_SYSTEM, "code": measure.unit}


def _loinc(code: str, display: str) -> dict:
    return {"coding": [{"system": LOINC_SYSTEM, "code": code, "display": display}], "text": display}


def observation(vital: Vital) -> Observation:
    names = KIND_MEASURES[vital.kind]
    category = "laboratory" if vital.kind in LABORATORY_KINDS else "vital-signs"
    code, display = INTERPRETATIONS[Level(vital.level)]
    data: dict[str, Any] = {
        "id": str(vital.pk),
        "meta": _meta(vital.recorded_at),
        "status": "final",
        "category": [{"coding": [{"system": OBSERVATION_CATEGORY, "code": category}]}],
        "subject": _reference(vital.elder_id),
        "effectiveDateTime": _instant(vital.measured_at),
        "interpretation": [{"coding": [{"system": INTERPRETATION, "code": code, "display": display}]}],
    }
    if vital.kind == VitalKind.BLOOD_PRESSURE:
        data["code"] = _loinc(BLOOD_PRESSURE_PANEL, str(VitalKind(vital.kind).label))
        data["component"] = [
            {
                "code": _loinc(MEASURES[name].loinc, str(MEASURE_LABELS[name])),
                "valueQuantity": _quantity(name, value),
            }
            for name, value in zip(names, (vital.value, vital.second_value or 0.0), strict=True)
        ]
    else:
        data["code"] = _loinc(MEASURES[names[0]].loinc, str(MEASURE_LABELS[names[0]]))
        data["valueQuantity"] = _quantity(names[0], vital.value)
    return Observation.model_validate(data)


def condition(row: ElderCondition) -> Condition:
    code: dict[str, Any] = {"text": row.name}
    if row.code_id:
        code["coding"] = [{"system": ICD10_SYSTEM, "code": row.code_id, "display": row.name}]
    data: dict[str, Any] = {
        "id": str(row.pk),
        "meta": _meta(row.updated_at),
        "clinicalStatus": {"coding": [{"system": CONDITION_CLINICAL, "code": "active"}]},
        "verificationStatus": {"coding": [{"system": CONDITION_VERIFICATION, "code": "confirmed"}]},
        "category": [{"coding": [{"system": CONDITION_CATEGORY, "code": "problem-list-item"}]}],
        "code": code,
        "subject": _reference(row.elder_id),
    }
    if row.noted_on:
        data["recordedDate"] = row.noted_on.isoformat()
    return Condition.model_validate(data)


def care_plan(plan) -> FhirCarePlan:
    data: dict[str, Any] = {
        "id": str(plan.pk),
        "meta": _meta(plan.updated_at),
        "status": CARE_PLAN_STATUS.get(plan.state, "unknown"),
        "intent": "plan",
        "title": plan.note or None,
        "subject": _reference(plan.elder_id),
        "created": _instant(plan.created_at),
        "activity": [
            {
                "detail": {
                    "code": {"text": item.service},
                    "status": "scheduled" if plan.state == "approved" else "not-started",
                    "description": item.why or None,
                    "scheduledTiming": {
                        "repeat": {"frequency": item.times, "period": 1, "periodUnit": TIMING_UNITS[item.per]}
                    },
                }
            }
            for item in plan.items.all()
        ],
    }
    if plan.approved_at:
        data["period"] = {"start": _instant(plan.approved_at)}
    return FhirCarePlan.model_validate(_without_none(data))


def _without_none(value):
    if isinstance(value, dict):
        return {key: _without_none(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [_without_none(item) for item in value]
    return value


def searchset(resources: list, *, total: int, base: str, self_url: str, next_url: str | None) -> Bundle:
    links = [{"relation": "self", "url": self_url}]
    if next_url:
        links.append({"relation": "next", "url": next_url})
    return Bundle.model_validate(
        {
            "type": "searchset",
            "total": total,
            "link": links,
            "entry": [
                {
                    "fullUrl": f"{base}/{resource.get_resource_type()}/{resource.id}",
                    "resource": resource,
                    "search": {"mode": "match"},
                }
                for resource in resources
            ],
        }
    )


def outcome(code: str, text: str, severity: str = "error") -> OperationOutcome:
    """``code`` from the FHIR issue-type value set (not-found, forbidden, login, invalid, not-supported)."""
    return OperationOutcome.model_validate(
        {"issue": [{"severity": severity, "code": code, "diagnostics": text}]}
    )


def as_json(resource) -> str:
    return resource.model_dump_json(exclude_none=True)
