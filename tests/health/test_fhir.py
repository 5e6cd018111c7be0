"""The FHIR R4 server: every answer validated by fhir.resources and round-tripped; bearer tokens per health
system; a client sees only its region's elders; the ID number only for a client allowed it; search by
identifier, patient, code and _lastUpdated; every read audited."""

import datetime as dt
import json

import pytest
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.patient import Patient

from shouwang.assessments.models import CarePlan, CarePlanItem
from shouwang.core.actors import SYSTEM
from shouwang.core.models import AuditLog
from shouwang.health import services
from shouwang.health.clients import create_client
from shouwang.health.models import ElderCondition
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(elder_a, elder_b, worker_a):
    services.record_vital(
        actor=worker_a, elder_id=elder_a.pk, kind="blood_pressure", values={"systolic": 150, "diastolic": 95}
    )
    services.record_vital(actor=worker_a, elder_id=elder_a.pk, kind="heart_rate", values={"value": 72})
    services.record_vital(actor=SYSTEM, elder_id=elder_b.pk, kind="heart_rate", values={"value": 66})
    ElderCondition.objects.create(elder=elder_a, code_id="I10", name="原发性高血压", source="console")
    plan = CarePlan.objects.create(
        elder=elder_a, state="approved", note="居家照护", approved_at=timezone.now()
    )
    CarePlanItem.objects.create(plan=plan, service="助浴", times=2, per="week", why="洗澡需要帮助")
    _a, a_token = create_client(
        actor=SYSTEM, name="甲社区卫生服务中心", region_code=factories.COMMUNITY_A, may_read_id_numbers=True
    )
    _b, b_token = create_client(actor=SYSTEM, name="乙社区卫生服务中心", region_code=factories.COMMUNITY_B)
    return {"a": a_token, "b": b_token, "plan": plan}


def get(client, token, path, **params):
    return client.get(f"/fhir/r4/{path}", params, headers={"Authorization": f"Bearer {token}"})


def round_trip(response, model=Bundle):
    """The answer validated by fhir.resources, and unchanged by a parse and dump."""
    assert response["Content-Type"].startswith("application/fhir+json")
    resource = model.model_validate_json(response.content)
    again = model.model_validate_json(resource.model_dump_json(exclude_none=True))
    assert json.loads(again.model_dump_json(exclude_none=True)) == json.loads(response.content)
    return json.loads(response.content)


def test_patient_search_by_identifier(client, world, elder_a):
    response = get(client, world["a"], "Patient", identifier=elder_a.id_number, _count="10")
    assert response.status_code == 200
    bundle = round_trip(response)
    assert (bundle["type"], bundle["total"]) == ("searchset", 1)
    patient = bundle["entry"][0]["resource"]
    assert patient["id"] == str(elder_a.pk)  # the elder's id in the JSON API
    assert patient["identifier"][0]["value"] == elder_a.id_number
    assert patient["name"][0]["text"] == elder_a.name
    Patient.model_validate(patient)
    assert bundle["entry"][0]["fullUrl"].endswith(f"/fhir/r4/Patient/{elder_a.pk}")


def test_a_client_sees_only_its_regions_elders(client, world, elder_a, elder_b):
    everyone = round_trip(get(client, world["b"], "Patient"))
    assert [entry["resource"]["id"] for entry in everyone["entry"]] == [str(elder_b.pk)]
    assert "identifier" not in everyone["entry"][0]["resource"]  # not allowed the ID number
    refused = get(client, world["b"], f"Patient/{elder_a.pk}")
    missing = get(client, world["b"], "Patient/99999999")
    assert refused.status_code == missing.status_code == 404
    OperationOutcome.model_validate_json(refused.content)
    others = round_trip(get(client, world["b"], "Observation", patient=str(elder_a.pk)))
    assert others["total"] == 0 and "entry" not in others
    own = round_trip(get(client, world["b"], "Observation", patient=f"Patient/{elder_b.pk}"))
    assert own["total"] == 1
    by_number = get(client, world["b"], "Patient", identifier=elder_a.id_number)
    assert by_number.status_code == 403  # cannot even test whether a number is registered


def test_observations_carry_loinc_codes_and_units(client, world, elder_a):
    bundle = round_trip(get(client, world["a"], "Observation", patient=str(elder_a.pk)))
    assert bundle["total"] == 2
    by_code = {entry["resource"]["code"]["coding"][0]["code"]: entry["resource"] for entry in bundle["entry"]}
    pressure, pulse = by_code["85354-9"], by_code["8867-4"]
    components = {c["code"]["coding"][0]["code"]: c["valueQuantity"] for c in pressure["component"]}
    assert components["8480-6"] == {
        "value": 150.0,
        "unit": "mm[Hg]",
        "system": "http://unitsofmeasure.org",
        "code": "mm[Hg]",
    }
    assert components["8462-4"]["value"] == 95.0
    assert pressure["interpretation"][0]["coding"][0]["code"] == "A"
    assert (
        pulse["valueQuantity"]["value"] == 72.0 and pulse["category"][0]["coding"][0]["code"] == "vital-signs"
    )
    only_pulse = round_trip(
        get(client, world["a"], "Observation", patient=str(elder_a.pk), code="http://loinc.org|8867-4")
    )
    assert only_pulse["total"] == 1


def test_conditions_and_care_plans(client, world, elder_a):
    conditions = round_trip(get(client, world["a"], "Condition", patient=str(elder_a.pk)))
    coding = conditions["entry"][0]["resource"]["code"]["coding"][0]
    assert (coding["system"], coding["code"], coding["display"]) == (
        "http://hl7.org/fhir/sid/icd-10",
        "I10",
        "原发性高血压",
    )
    plans = round_trip(get(client, world["a"], "CarePlan", patient=str(elder_a.pk)))
    plan = plans["entry"][0]["resource"]
    assert (plan["id"], plan["status"], plan["intent"]) == (str(world["plan"].pk), "active", "plan")
    assert plan["activity"][0]["detail"]["code"]["text"] == "助浴"
    assert plan["activity"][0]["detail"]["scheduledTiming"]["repeat"] == {
        "frequency": 2,
        "period": 1.0,
        "periodUnit": "wk",
    }


def test_last_updated_and_paging(client, world, elder_a):
    today = timezone.localdate()
    tomorrow = (today + dt.timedelta(days=1)).isoformat()
    assert (
        round_trip(get(client, world["a"], "Observation", _lastUpdated=f"ge{today.isoformat()}"))["total"]
        == 2
    )
    assert round_trip(get(client, world["a"], "Observation", _lastUpdated=f"ge{tomorrow}"))["total"] == 0
    assert round_trip(get(client, world["a"], "Observation", _lastUpdated=f"lt{tomorrow}"))["total"] == 2
    first = round_trip(get(client, world["a"], "Observation", _count="1"))
    assert first["total"] == 2 and len(first["entry"]) == 1
    next_url = next(link["url"] for link in first["link"] if link["relation"] == "next")
    second = round_trip(client.get(next_url, headers={"Authorization": f"Bearer {world['a']}"}))
    assert second["entry"][0]["resource"]["id"] != first["entry"][0]["resource"]["id"]
    assert not [link for link in second["link"] if link["relation"] == "next"]
    bad = get(client, world["a"], "Observation", _lastUpdated="ge2026-13-45")
    assert bad.status_code == 400
    OperationOutcome.model_validate_json(bad.content)


def test_a_token_is_required_and_every_read_is_audited(client, world, elder_a):
    assert client.get("/fhir/r4/Patient").status_code == 401
    assert get(client, "fhir_not-a-token", "Patient").status_code == 401
    before = AuditLog.objects.filter(action="health.fhir.read").count()
    get(client, world["a"], "Patient", identifier=elder_a.id_number)
    get(client, world["a"], f"Patient/{elder_a.pk}")
    logs = list(AuditLog.objects.filter(action="health.fhir.read").order_by("pk"))[before:]
    assert len(logs) == 2
    assert logs[0].after["ids"] == [f"Patient/{elder_a.pk}"] and logs[0].region_code == factories.COMMUNITY_A
    assert elder_a.id_number not in json.dumps(logs[0].after)  # the query's ID number is masked


def test_the_capability_statement(client, tree):
    from fhir.resources.R4B.capabilitystatement import CapabilityStatement

    response = client.get("/fhir/r4/metadata")
    statement = round_trip(response, CapabilityStatement)
    assert statement["fhirVersion"] == "4.0.1"
    assert {r["type"] for r in statement["rest"][0]["resource"]} == {
        "Patient",
        "Observation",
        "Condition",
        "CarePlan",
    }


def test_values_no_database_could_hold_are_refused_or_match_nothing(client, world):
    huge = "9" * 30
    assert get(client, world["a"], f"Patient/{huge}").status_code == 404
    assert round_trip(get(client, world["a"], "Observation", patient=huge))["total"] == 0
    assert round_trip(get(client, world["a"], "Patient", _id=huge))["total"] == 0
    for params in (
        {"_offset": huge},
        {"_count": huge},
        {"_lastUpdated": "ge0001-01-01"},
        {"_lastUpdated": "9999-12-31"},
    ):
        refused = get(client, world["a"], "Observation", **params)
        assert refused.status_code == 400, params
        OperationOutcome.model_validate_json(refused.content)
