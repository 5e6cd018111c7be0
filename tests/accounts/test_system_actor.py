"""A missing actor is refused by every account service; the platform acts only when named (SYSTEM), and
the audit log shows its actions as 系统."""

import pytest
from django.utils import translation

from shouwang.accounts.models import ApiToken, Role, User
from shouwang.accounts.services import (
    create_api_token,
    create_user,
    revoke_api_token,
    set_password,
    update_user,
)
from shouwang.core.actors import SYSTEM
from shouwang.core.errors import ValidationFailed
from shouwang.core.models import AuditLog
from shouwang.providers.admission import apply_online
from tests.factories import COMMUNITY_A, DISTRICT, PASSWORD, credit_code

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "call",
    [
        lambda worker: create_user(
            actor=None, username="x1", password=PASSWORD, role=Role.ADMIN, region_codes=[]
        ),
        lambda worker: update_user(actor=None, user_id=worker.pk, role=Role.ADMIN),
        lambda worker: set_password(actor=None, user_id=worker.pk, password="Another-Pass-99"),
        lambda worker: create_api_token(actor=None, user=worker, name="stolen"),
        lambda worker: revoke_api_token(
            actor=None, token_id=create_api_token(actor=worker, user=worker, name="t")[0].pk
        ),
    ],
)
def test_no_account_service_takes_a_missing_actor(worker_a, call):
    password = worker_a.password
    with pytest.raises(TypeError, match="SYSTEM"):
        call(worker_a)
    worker_a.refresh_from_db()
    assert not User.objects.filter(role=Role.ADMIN).exists()
    assert (worker_a.role, worker_a.password) == (Role.COMMUNITY_WORKER, password)
    assert not ApiToken.objects.filter(name="stolen").exists()
    assert not ApiToken.objects.filter(revoked_at__isnull=False).exists()


def test_the_system_acts_when_named_and_the_log_says_system(tree):
    created = create_user(
        actor=SYSTEM, username="ops", password=PASSWORD, role=Role.ADMIN, full_name="运维", region_codes=[]
    )
    record = AuditLog.objects.get(action="accounts.user.create", object_id=str(created.pk))
    assert record.actor is None and record.actor_username == "system"
    with translation.override("zh-hans"):
        assert record.actor_label == "系统"


def test_the_audit_page_shows_system(client, admin_user):
    create_user(
        actor=SYSTEM, username="w9", password=PASSWORD, role=Role.COMMUNITY_WORKER, region_codes=[COMMUNITY_A]
    )
    client.force_login(admin_user)
    page = client.get("/audit/", headers={"Accept-Language": "zh-hans"}).content.decode()
    assert ">系统<" in page


def test_the_name_system_is_reserved(tree):
    for name in ("system", "System"):
        with pytest.raises(ValidationFailed) as refused:
            create_user(actor=SYSTEM, username=name, password=PASSWORD, role=Role.ADMIN, region_codes=[])
        assert "username" in refused.value.errors
    assert not User.objects.filter(username__iexact="system").exists()


def test_the_public_application_names_the_system(tree):
    provider = apply_online(
        name="新申请机构",
        credit_code=credit_code(),
        kind="company",
        region_code=DISTRICT,
        contact_name="李四",
        contact_phone="13800001234",
        username="applicant1",
        password=PASSWORD,
    )
    admin = User.objects.get(username="applicant1")
    assert (admin.role, admin.provider_id) == (Role.PROVIDER_ADMIN, provider.pk)
    records = AuditLog.objects.filter(action__in=["accounts.user.create", "providers.apply_online"])
    assert {record.actor_username for record in records} == {"system"}
