"""The health summary: conditions by ICD-10 code, allergies, medications, the family doctor; the registry's
conditions and family-doctor flag carried over without loss; scope."""

import importlib

import pytest
from django.apps import apps

from shouwang.core.errors import Forbidden, NotFound, ValidationFailed
from shouwang.core.models import AuditLog
from shouwang.health import services
from shouwang.health.codes import CONDITION_CODES
from shouwang.health.models import ConditionCode, ElderCondition, HealthSummary
from tests import factories

pytestmark = pytest.mark.django_db


def test_the_code_table_is_loaded_with_chinese_names(tree):
    assert ConditionCode.objects.count() == len(CONDITION_CODES)
    assert ConditionCode.objects.get(pk="I10").name == "原发性高血压"
    assert ConditionCode.objects.get(pk="E11").name == "2型糖尿病"


def test_the_registry_conditions_and_contract_are_carried_over(tree):
    kept = factories.ElderFactory(
        chronic_conditions=["高血压", "糖尿病", "高血压", "祖传怪病"], family_doctor_contract=True
    )
    plain = factories.ElderFactory(chronic_conditions=[], family_doctor_contract=False)
    migration = importlib.import_module("shouwang.health.migrations.0002_condition_codes_and_registry")
    migration.adopt_registry(apps, None)
    migration.adopt_registry(apps, None)  # a second run adds nothing
    conditions = {(c.code_id, c.name, c.source) for c in ElderCondition.objects.filter(elder=kept)}
    assert conditions == {
        ("I10", "原发性高血压", "registry"),
        ("E11", "2型糖尿病", "registry"),
        (None, "祖传怪病", "registry"),  # no code: kept as its text, not lost
    }
    assert HealthSummary.objects.get(elder=kept).contract_status == "active"
    assert not ElderCondition.objects.filter(elder=plain).exists()
    assert not HealthSummary.objects.filter(elder=plain).exists()


def test_a_worker_keeps_the_summary_and_conditions(elder_a, worker_a, english):
    summary = services.update_summary(
        actor=worker_a,
        elder_id=elder_a.pk,
        values={
            "allergies": "青霉素",
            "medications": "氨氯地平 5mg 每日一次",
            "contract_status": "active",
            "family_doctor": "王医生",
            "contract_start": "2026-01-01",
            "contract_end": "2026-12-31",
            "hospital": "吉林市中心医院",
        },
    )
    assert (summary.allergies, summary.family_doctor, str(summary.contract_end)) == (
        "青霉素",
        "王医生",
        "2026-12-31",
    )
    log = AuditLog.objects.get(action="health.summary.update")
    assert log.after["allergies"] == "青霉素" and log.region_code == elder_a.community_id
    with pytest.raises(ValidationFailed) as backwards:
        services.update_summary(actor=worker_a, elder_id=elder_a.pk, values={"contract_end": "2025-01-01"})
    assert set(backwards.value.errors) == {"contract_end"}
    summary.refresh_from_db()
    assert str(summary.contract_end) == "2026-12-31"  # nothing half-saved
    condition = services.add_condition(actor=worker_a, elder_id=elder_a.pk, code="i10")
    assert (condition.code_id, condition.name) == ("I10", "原发性高血压")
    with pytest.raises(ValidationFailed):
        services.add_condition(actor=worker_a, elder_id=elder_a.pk, code="I10")
    with pytest.raises(ValidationFailed):
        services.add_condition(actor=worker_a, elder_id=elder_a.pk, code="Z99")
    services.remove_condition(actor=worker_a, elder_id=elder_a.pk, condition_id=condition.pk)
    assert not ElderCondition.objects.filter(elder=elder_a).exists()


def test_scope_and_roles(elder_a, worker_b, provider_admin_a, operator, english):
    with pytest.raises(NotFound):
        services.update_summary(actor=worker_b, elder_id=elder_a.pk, values={"allergies": "x"})
    with pytest.raises(NotFound):
        services.add_condition(actor=provider_admin_a, elder_id=elder_a.pk, code="I10")
    with pytest.raises(Forbidden):  # the operator reads the summary but does not keep it
        services.update_summary(actor=operator, elder_id=elder_a.pk, values={"allergies": "x"})
    assert not HealthSummary.objects.exists()


def test_the_operator_sees_the_summary_on_an_incident(elder_a, operator, client):
    from shouwang.alarms.incidents import open_incident
    from shouwang.health.models import ContractStatus

    HealthSummary.objects.create(
        elder=elder_a,
        allergies="青霉素",
        hospital="吉林市中心医院",
        contract_status=ContractStatus.ACTIVE,
        family_doctor="王医生",
    )
    ElderCondition.objects.create(elder=elder_a, code_id="I10", name="原发性高血压", source="console")
    incident = open_incident(elder=elder_a, device=None, kind="voice", priority="urgent")
    client.force_login(operator)
    page = client.get(f"/alarms/console/{incident.pk}/").content.decode()
    for text in ("原发性高血压", "青霉素", "吉林市中心医院", "王医生"):
        assert text in page
