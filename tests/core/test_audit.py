"""Every service write leaves an audit record, and so does every reveal of personal data."""

import io

import pytest

from shouwang.accounts.services import create_api_token, create_user, set_password, update_user
from shouwang.core.audit import fingerprint
from shouwang.core.errors import NotFound
from shouwang.core.models import AuditLog
from shouwang.core.selectors import audit_log_for
from shouwang.elders.services import reveal_elder, update_elder
from shouwang.providers.services import create_provider
from shouwang.regions.services import load_regions_csv
from tests.factories import COMMUNITY_A, COMMUNITY_B, DISTRICT, PASSWORD, STREET_A, credit_code, user

pytestmark = pytest.mark.django_db


def last_record() -> AuditLog:
    return AuditLog.objects.order_by("-id").first()


def test_create_user_is_audited_with_after_values(official):
    created = create_user(
        actor=official, username="w1", password=PASSWORD, role="community_worker", region_codes=[COMMUNITY_A]
    )
    record = last_record()
    assert (record.action, record.actor, record.object_id) == (
        "accounts.user.create",
        official,
        str(created.pk),
    )
    assert record.after["regions"] == [COMMUNITY_A]
    assert record.region_code == COMMUNITY_A
    assert "password" not in record.after


def test_update_user_records_before_and_after_of_changed_fields_only(official, worker_a):
    update_user(actor=official, user_id=worker_a.pk, full_name="新名字")
    record = last_record()
    assert record.action == "accounts.user.update"
    assert record.before == {"full_name": "测试community_worker"}
    assert record.after == {"full_name": "新名字"}


def test_set_password_is_audited_without_the_password(official, worker_a):
    set_password(actor=official, user_id=worker_a.pk, password="Brand-New-Pass-7")
    record = last_record()
    assert record.action == "accounts.user.set_password"
    assert "Brand-New-Pass-7" not in str(record.before) + str(record.after)


def test_provider_creation_is_audited(official):
    provider = create_provider(
        actor=official, name="新服务商", credit_code=credit_code(), kind="company", region_code=DISTRICT
    )
    record = last_record()
    assert (record.action, record.provider_id, record.region_code) == (
        "providers.create",
        provider.pk,
        DISTRICT,
    )


def test_region_load_is_audited(admin_user):
    load_regions_csv(actor=admin_user, source=io.StringIO("code,name\n220202003000,新街道\n"))
    record = last_record()
    assert record.action == "regions.load" and record.after["created"] == 1


def test_elder_change_is_audited(worker_a, elder_a):
    update_elder(actor=worker_a, elder_id=elder_a.pk, data={"phone": "13912345678"})
    record = last_record()
    assert record.action == "elders.update"
    assert record.after == {"phone": f"139****5678 #{fingerprint('13912345678')}"}
    assert record.region_code == COMMUNITY_A


def test_reveal_is_audited(client, worker_a, elder_a):
    client.force_login(worker_a)
    response = client.post(
        f"/api/v1/elders/{elder_a.pk}/reveal", data='{"reason": "电话回访"}', content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["id_number"] == elder_a.id_number
    record = last_record()
    assert (record.action, record.actor, record.object_id) == ("elders.reveal", worker_a, str(elder_a.pk))
    assert record.after["reason"] == "电话回访"
    assert record.channel == "api"


def test_reveal_refused_for_role_without_need_and_not_audited(tree, elder_a):
    assessor = user("assessor", regions=(COMMUNITY_A,))
    before = AuditLog.objects.count()
    with pytest.raises(NotFound):  # an assessor's scope is own assignments only
        reveal_elder(actor=assessor, elder_id=elder_a.pk, reason="回访")
    assert AuditLog.objects.count() == before


def test_token_creation_is_audited(admin_user):
    token, raw = create_api_token(actor=admin_user, user=admin_user, name="vendor")
    assert last_record().action == "accounts.token.create"
    assert raw not in str(last_record().after)


def test_audit_viewer_is_scoped_to_region(tree, official, elder_a, elder_b):
    street_official = user("official", regions=(STREET_A,))
    worker_b = user("community_worker", regions=(COMMUNITY_B,))
    update_elder(actor=official, elder_id=elder_a.pk, data={"phone": "13911112222"})
    update_elder(actor=worker_b, elder_id=elder_b.pk, data={"phone": "13933334444"})
    seen = {record.region_code for record in audit_log_for(street_official).filter(action="elders.update")}
    assert seen == {COMMUNITY_A}
    assert audit_log_for(worker_b).count() == 0


def test_audit_page_lists_records_for_official(client, official, worker_a):
    update_user(actor=official, user_id=worker_a.pk, full_name="新名字")
    client.force_login(official)
    page = client.get("/audit/").content.decode()
    assert "accounts.user.update" in page
