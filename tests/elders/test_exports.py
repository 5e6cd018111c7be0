"""Exports are masked unless a permitted user asks for full numbers, and every export is audited."""

import pytest
import python_calamine_plus as calamine

from shouwang.core.errors import Forbidden
from shouwang.core.models import AuditLog
from shouwang.elders.exports import run_export, start_export
from shouwang.elders.models import SpreadsheetJob
from tests import factories

pytestmark = pytest.mark.django_db


def _rows(job):
    return list(calamine.CalamineWorkbook.from_path(job.result_path).get_sheet_by_index(0).iter_rows())


def test_export_is_masked_by_default(worker_a, elder_a, elder_b):
    job = run_export(job_id=start_export(actor=worker_a, filters={}, enqueue=False).pk)
    header, *rows = _rows(job)
    assert header[:2] == ["姓名", "身份证号码"] and len(rows) == 1  # elder_b is in another community
    assert rows[0][0] == elder_a.name
    assert rows[0][1] == elder_a.id_number[:6] + "********" + elder_a.id_number[-4:]
    assert elder_a.phone not in [str(cell) for cell in rows[0]]
    assert AuditLog.objects.get(action="elders.export").after == {"rows": 1, "filters": {}, "unmasked": False}


def test_unmasked_export_for_a_permitted_role_is_audited_as_such(official, elder_a):
    job = run_export(
        job_id=start_export(actor=official, filters={"q": "zs"}, unmasked=True, enqueue=False).pk
    )
    _, row = _rows(job)
    assert row[1] == elder_a.id_number and str(row[5]) == elder_a.phone
    assert AuditLog.objects.get(action="elders.export").after["unmasked"] is True


def test_unmasked_export_is_refused_to_other_roles(tree):
    assessor = factories.user("assessor", regions=(factories.DISTRICT,))
    with pytest.raises(Forbidden):
        start_export(actor=assessor, filters={}, unmasked=True, enqueue=False)


def test_export_follows_the_filters(official, elder_a, elder_b):
    job = run_export(
        job_id=start_export(actor=official, filters={"community": factories.COMMUNITY_B}, enqueue=False).pk
    )
    _, *rows = _rows(job)
    assert [row[0] for row in rows] == [elder_b.name]


@pytest.mark.parametrize("role", ["provider_admin", "caregiver", "volunteer", "elder", "assessor"])
def test_export_is_refused_to_roles_without_the_registry(client, tree, provider_a, role):
    """The console's registry pages are not theirs; the API refused the export neither (it made an empty
    job). Found by the scope-leak suite (tests/leaks)."""
    by_provider = role in ("provider_admin", "caregiver")
    user = factories.user(
        role,
        provider_id=provider_a.pk if by_provider else None,
        regions=() if by_provider else (factories.COMMUNITY_A,),
    )
    client.force_login(user)
    answer = client.post("/api/v1/elders/exports", {}, content_type="application/json")
    assert answer.status_code == 403 and answer.json()["code"] == "forbidden"
    assert not SpreadsheetJob.objects.exists()
    with pytest.raises(Forbidden):
        start_export(actor=user, filters={}, enqueue=False)
