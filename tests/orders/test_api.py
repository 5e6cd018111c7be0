"""The orders JSON API: placing, listing, detail, each step with its 409, scope, and complaints."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from shouwang.orders.models import OrderState as S
from tests import factories
from tests.orders import factories as of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
API = "/api/v1/orders"


def post(client, url, body=None):
    return client.post(url, json.dumps(body or {}), content_type="application/json")


@pytest.fixture
def padmin_a(admitted_a):
    return factories.user("provider_admin", provider_id=admitted_a.pk)


def test_an_operator_places_an_order_and_reads_it_back(client, operator, elder_a):
    client.force_login(operator)
    start = timezone.now() + dt.timedelta(days=1)
    body = {
        "elder_id": elder_a.pk,
        "items": [{"code": "cleaning", "quantity": 2}],
        "window_start": start.isoformat(),
        "window_end": (start + dt.timedelta(hours=2)).isoformat(),
        "note": "Ring twice",
    }

    created = post(client, API, body)

    assert created.status_code == 201, created.content
    data = created.json()
    assert data["state"] == "created"
    assert data["lines"] == [
        {"code": "cleaning", "name": "助洁·居室保洁", "quantity": 2, "unit_price_fen": None}
    ]
    assert data["transitions"][0]["to_state"] == "created"
    assert "cancel" in data["actions"]
    assert client.get(f"{API}/{data['id']}").json()["note"] == "Ring twice"


def test_a_bad_order_is_422_with_the_field(client, operator, elder_a):
    client.force_login(operator)
    start = timezone.now() + dt.timedelta(days=1)
    body = {"elder_id": elder_a.pk, "items": [], "window_start": start.isoformat(),
            "window_end": start.isoformat()}  # fmt: skip

    refused = post(client, API, body)

    assert refused.status_code == 422
    assert {"items", "window_end"} <= set(refused.json()["errors"])


def test_the_list_is_scoped_filtered_and_paginated(client, worker_a, elder_a, elder_b, admitted_a):
    of.OrderFactory(elder=elder_a)
    of.OrderFactory(elder=elder_a, state=S.DISPATCHED, provider=admitted_a)
    of.OrderFactory(elder=elder_b)
    client.force_login(worker_a)

    everything = client.get(API).json()
    dispatched = client.get(API, {"state": "dispatched"}).json()
    paged = client.get(API, {"page_size": 1, "page": 2}).json()

    assert everything["count"] == 2
    assert [o["state"] for o in dispatched["items"]] == ["dispatched"]
    assert (paged["count"], paged["page"], len(paged["items"])) == (2, 2, 1)
    assert client.get(API, {"provider": admitted_a.pk}).json()["count"] == 1
    assert client.get(API, {"elder": elder_b.pk}).json()["count"] == 0


def test_an_order_out_of_scope_is_404(client, worker_b, elder_a):
    order = of.OrderFactory(elder=elder_a)
    client.force_login(worker_b)
    assert client.get(f"{API}/{order.pk}").status_code == 404
    assert post(client, f"{API}/{order.pk}/cancel", {"reason": "x"}).status_code == 404


def test_a_provider_never_receives_the_elders_id_number(client, padmin_a, elder_a, admitted_a):
    order = of.OrderFactory(elder=elder_a, state=S.DISPATCHED, provider=admitted_a)
    client.force_login(padmin_a)

    listed = client.get(API).content.decode()
    detail = client.get(f"{API}/{order.pk}")

    assert detail.status_code == 200
    for text in (listed, detail.content.decode()):
        assert elder_a.id_number not in text
        assert elder_a.id_number[-6:] not in text
        assert elder_a.phone not in text
    assert detail.json()["elder_phone"] == f"{elder_a.phone[:3]}****{elder_a.phone[-4:]}"


def _provider_order(elder_id: int) -> dict:
    start = of.local(of.tomorrow(), "09:00")
    return {
        "elder_id": elder_id,
        "items": [{"code": "cleaning", "quantity": 1}],
        "window_start": start.isoformat(),
        "window_end": (start + dt.timedelta(hours=1)).isoformat(),
    }


def test_a_provider_orders_for_an_elder_it_serves(client, padmin_a, admitted_a, carer_a, elder_a):
    of.served_by(admitted_a, elder_a)
    client.force_login(padmin_a)

    placed = post(client, API, _provider_order(elder_a.pk))

    assert placed.status_code == 201, placed.content
    assert (placed.json()["state"], placed.json()["elder_name"]) == ("accepted", elder_a.name)


def test_an_order_reveals_no_elder_the_provider_does_not_serve(
    client, padmin_a, admitted_a, admitted_b, carer_a, elder_a, elder_b
):
    of.served_by(admitted_b, elder_a)  # elder_a is in its area but served by another provider
    client.force_login(padmin_a)

    missing = post(client, API, _provider_order(987654))
    answers = [post(client, API, _provider_order(elder.pk)) for elder in (elder_a, elder_b)]

    assert missing.status_code == 404
    for answer in answers:
        assert (answer.status_code, answer.json()) == (404, missing.json())
        assert elder_a.name not in answer.content.decode() and elder_b.name not in answer.content.decode()
    assert not elder_a.orders.filter(provider=admitted_a).exists() and not elder_b.orders.exists()


def test_a_caregiver_sees_only_their_own_orders(client, carer_a, elder_a, admitted_a):
    own = of.OrderFactory(elder=elder_a, state=S.ASSIGNED, provider=admitted_a, caregiver=carer_a)
    other = of.OrderFactory(
        elder=elder_a, state=S.ASSIGNED, provider=admitted_a, caregiver=of.caregiver(admitted_a)
    )
    client.force_login(carer_a.user)

    listed = client.get(API).json()

    assert [o["id"] for o in listed["items"]] == [own.pk]
    assert client.get(f"{API}/{other.pk}").status_code == 404
    assert elder_a.id_number not in client.get(f"{API}/{own.pk}").content.decode()


def test_accept_then_assign_then_illegal_accept_is_409(client, padmin_a, elder_a, admitted_a, carer_a):
    order = of.OrderFactory(elder=elder_a, state=S.DISPATCHED, provider=admitted_a)
    client.force_login(padmin_a)

    accepted = post(client, f"{API}/{order.pk}/accept")
    assigned = post(client, f"{API}/{order.pk}/assign", {"staff_id": carer_a.pk})
    again = post(client, f"{API}/{order.pk}/accept")

    assert accepted.json()["state"] == "accepted"
    assert (assigned.json()["state"], assigned.json()["caregiver_name"]) == ("assigned", carer_a.name)
    assert again.status_code == 409
    assert again.json()["code"] == "illegal_transition"
    assert again.json()["message"]


def test_an_ineligible_caregiver_is_422_with_reasons(client, padmin_a, elder_a, admitted_a):
    order = of.OrderFactory(elder=elder_a, state=S.ACCEPTED, provider=admitted_a, items=["bathing"])
    uncertified = of.caregiver(admitted_a, certificates=())
    client.force_login(padmin_a)

    refused = post(client, f"{API}/{order.pk}/assign", {"staff_id": uncertified.pk})

    assert refused.status_code == 422
    assert refused.json()["code"] == "not_eligible"
    assert uncertified.name in refused.json()["errors"]["staff_id"]


def test_reject_returns_the_new_state(client, padmin_a, elder_a, admitted_a):
    order = of.OrderFactory(elder=elder_a, state=S.DISPATCHED, provider=admitted_a)
    client.force_login(padmin_a)

    without_reason = post(client, f"{API}/{order.pk}/reject", {"reason": ""})
    rejected = post(client, f"{API}/{order.pk}/reject", {"reason": "No staff"})

    assert without_reason.status_code == 422
    assert rejected.json() == {"id": order.pk, "state": "created"}
    assert client.get(f"{API}/{order.pk}").status_code == 404  # handed on: no longer the provider's


def test_cancel_dispute_resolve_settle_and_their_409s(
    client, operator, official, elder_a, admitted_a, carer_a
):
    waiting = of.OrderFactory(elder=elder_a)
    done = of.OrderFactory(elder=elder_a, state=S.COMPLETED, provider=admitted_a, caregiver=carer_a)
    client.force_login(operator)

    assert post(client, f"{API}/{waiting.pk}/cancel", {"reason": "Hospital"}).json()["state"] == "cancelled"
    assert post(client, f"{API}/{waiting.pk}/cancel", {"reason": "Again"}).status_code == 409
    assert post(client, f"{API}/{waiting.pk}/dispute", {"reason": "?"}).status_code == 409
    assert post(client, f"{API}/{done.pk}/dispute", {"reason": "Too short"}).json()["state"] == "disputed"
    assert post(client, f"{API}/{done.pk}/settle").status_code == 403

    client.force_login(official)
    assert post(client, f"{API}/{done.pk}/settle").status_code == 409
    resolved = post(
        client, f"{API}/{done.pk}/resolve-dispute", {"outcome": "confirm", "resolution": "EVV ok"}
    )
    assert resolved.json()["state"] == "confirmed"
    settled = post(client, f"{API}/{done.pk}/settle").json()
    assert (settled["state"], settled["amount_fen"], settled["self_pay_fen"]) == ("settled", 4000, 4000)
    assert (
        post(
            client, f"{API}/{done.pk}/resolve-dispute", {"outcome": "confirm", "resolution": "x"}
        ).status_code
        == 409
    )


def test_complaints_through_the_api(client, operator, official, worker_a, elder_a, admitted_a, carer_a):
    order = of.OrderFactory(elder=elder_a, state=S.COMPLETED, provider=admitted_a, caregiver=carer_a)
    client.force_login(operator)

    filed = post(
        client, f"{API}/complaints", {"source": "family", "description": "Late", "order_id": order.pk}
    )
    complaint = filed.json()
    assert filed.status_code == 201
    assert (complaint["provider_id"], complaint["state"]) == (admitted_a.pk, "received")
    assert post(client, f"{API}/complaints/{complaint['id']}/close").status_code == 409

    client.force_login(official)
    url = f"{API}/complaints/{complaint['id']}"
    assert post(client, f"{url}/assign", {"assignee_id": worker_a.pk}).json()["assignee"] == "worker_a"
    client.force_login(worker_a)
    assert (
        post(client, f"{url}/resolve", {"outcome": "upheld", "resolution": "Warned"}).json()["state"]
        == "resolved"
    )
    assert post(client, f"{url}/close").status_code == 403
    client.force_login(official)
    assert post(client, f"{url}/close").json()["state"] == "closed"
    assert client.get(f"{API}/complaints", {"state": "closed"}).json()["count"] == 1
