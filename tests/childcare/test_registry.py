"""The childcare registry: filing and its decision, the institution's own edits, scope, audit."""

from __future__ import annotations

import pytest

from shouwang.childcare.models import RegistrationState
from shouwang.childcare.selectors import institutions_for
from shouwang.childcare.services import decide_registration, update_institution
from shouwang.core.errors import Forbidden, NotFound, ValidationFailed
from shouwang.core.models import AuditLog
from tests import factories

from .conftest import institution

pytestmark = pytest.mark.django_db


def test_an_institution_sees_and_changes_only_its_own_record(client, nursery_a, nursery_b):
    own = nursery_a.account
    assert list(institutions_for(own)) == [nursery_a]
    client.force_login(own)
    assert client.get(f"/api/v1/childcare/institutions/{nursery_a.pk}").status_code == 200
    assert client.get(f"/api/v1/childcare/institutions/{nursery_b.pk}").status_code == 404
    assert client.get("/api/v1/childcare/institutions/999999").status_code == 404
    listed = client.get("/api/v1/childcare/institutions").json()
    assert [row["id"] for row in listed["items"]] == [nursery_a.pk]
    changed = client.patch(
        f"/api/v1/childcare/institutions/{nursery_a.pk}", {"enrolled_0_1": 8}, content_type="application/json"
    )
    assert changed.status_code == 200 and changed.json()["enrolled"] == 33
    other = client.patch(
        f"/api/v1/childcare/institutions/{nursery_b.pk}", {"enrolled_1_2": 1}, content_type="application/json"
    )
    assert other.status_code == 404
    # 普惠 status is the bureau's to give
    refused = client.patch(
        f"/api/v1/childcare/institutions/{nursery_a.pk}",
        {"affordable": False},
        content_type="application/json",
    )
    assert refused.status_code == 403
    nursery_a.refresh_from_db()
    assert nursery_a.affordable and nursery_a.enrolled_0_1 == 8
    assert AuditLog.objects.filter(action="childcare.updated", object_id=str(nursery_a.pk)).count() == 1


def test_an_institution_account_reaches_no_other_app(client, nursery_a):
    client.force_login(nursery_a.account)
    assert client.get("/api/v1/elders").status_code in (403, 200)
    body = client.get("/api/v1/elders").json()
    assert body.get("count", 0) == 0
    assert client.get("/api/v1/childcare/indicators?region=220202000000").status_code == 403


def test_region_scope_applies_to_officials(tree, nursery_a, nursery_b):
    street_b = factories.user("official", regions=("220202002000",))
    assert list(institutions_for(street_b)) == [nursery_b]
    with pytest.raises(NotFound):
        update_institution(actor=street_b, institution_id=nursery_a.pk, values={"phone": "1"})


def test_filing_moves_and_an_illegal_one_is_409(client, official, tree):
    filed = institution(register=False)
    assert filed.state == RegistrationState.PENDING
    with pytest.raises(ValidationFailed):
        decide_registration(actor=official, institution_id=filed.pk, state="refused", note="")
    client.force_login(official)
    url = f"/api/v1/childcare/institutions/{filed.pk}/decision"
    bad = client.post(url, {"state": "suspended", "note": "x"}, content_type="application/json")
    assert bad.status_code == 409 and bad.json()["code"] == "illegal_transition"
    ok = client.post(url, {"state": "registered"}, content_type="application/json")
    assert ok.status_code == 200 and ok.json()["state"] == "registered"
    assert AuditLog.objects.filter(action="childcare.registered", object_id=str(filed.pk)).exists()


def test_a_community_worker_reads_but_does_not_decide(tree, worker_a, nursery_a):
    assert list(institutions_for(worker_a)) == [nursery_a]
    with pytest.raises(Forbidden):
        decide_registration(actor=worker_a, institution_id=nursery_a.pk, state="suspended", note="x")


def test_enrolment_cannot_exceed_places(official, nursery_a):
    with pytest.raises(ValidationFailed) as refused:
        update_institution(actor=official, institution_id=nursery_a.pk, values={"enrolled_2_3": 31})
    assert "enrolled_2_3" in refused.value.errors
    nursery_a.refresh_from_db()
    assert nursery_a.enrolled_2_3 == 15


def test_filing_through_the_api_with_an_account(client, official):
    client.force_login(official)
    body = {
        "name": "丙托育园", "kind": "family", "licence_number": "托备0099", "operator_name": "丙家庭",
        "operator_credit_code": factories.credit_code(9999), "community": factories.COMMUNITY_B,
        "address": "文庙街1号", "places_2_3": 5, "username": "nursery_c", "password": factories.PASSWORD,
    }  # fmt: skip
    made = client.post("/api/v1/childcare/institutions", body, content_type="application/json")
    assert made.status_code == 201, made.content
    assert made.json()["state"] == "pending" and made.json()["places"] == 5
    wrong = client.post(
        "/api/v1/childcare/institutions", {**body, "community": "229999999999", "username": ""},
        content_type="application/json",
    )  # fmt: skip
    assert wrong.status_code == 422
