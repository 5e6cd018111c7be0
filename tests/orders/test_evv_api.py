"""The EVV and confirmation API, and the console pages: caregivers reach only their own visits,
providers only their own exceptions."""

import base64
import datetime as dt
import hashlib

import pytest
from django.utils import timezone

from shouwang.core.models import OutboundMessage
from shouwang.orders import evv
from shouwang.orders.models import CorrectionRequest, OrderState, Visit, VisitException
from tests.orders import factories as of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

HOME = (43.85, 126.55)
PNG = b"\x89PNG\r\n\x1a\n" + b"kitchen after cleaning"


@pytest.fixture
def elder(elder_a):
    elder_a.lat, elder_a.lon = HOME
    elder_a.save(update_fields=["lat", "lon"])
    return elder_a


@pytest.fixture
def order(elder, admitted_a, carer_a):
    """Today's assigned visit that began an hour ago."""
    start = timezone.now() - dt.timedelta(hours=1)
    return of.OrderFactory(
        elder=elder, state=OrderState.ASSIGNED, provider=admitted_a, caregiver=carer_a,
        window_start=start, window_end=start + dt.timedelta(hours=2),
    )  # fmt: skip


def post(client, url, body=None):
    return client.post(url, body or {}, content_type="application/json")


def test_check_in_and_out_by_api_with_a_base64_photo(client, order, carer_a, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(carer_a.user)
    base = f"/api/v1/orders/{order.pk}"
    response = post(client, f"{base}/check-in", {"lat": HOME[0], "lon": HOME[1], "accuracy_m": 8})
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "in_service" and response.json()["checkin_distance_m"] == 0
    assert response.json()["exceptions"] == ["late"]

    photo = "data:image/png;base64," + base64.b64encode(PNG).decode()
    response = post(client, f"{base}/check-out", {"lat": HOME[0], "lon": HOME[1], "photo_base64": photo})
    body = response.json()
    assert response.status_code == 200, body
    assert body["state"] == "completed" and body["photo_sha256"] == hashlib.sha256(PNG).hexdigest()
    assert Visit.objects.get(order=order).photo.read() == PNG

    assert post(client, f"{base}/check-out", {"lat": HOME[0], "lon": HOME[1]}).json()["code"] == (
        "illegal_transition"
    )


def test_another_caregiver_gets_404(client, order, carer_b):
    client.force_login(carer_b.user)
    response = post(client, f"/api/v1/orders/{order.pk}/check-in", {"lat": HOME[0], "lon": HOME[1]})
    assert response.status_code == 404
    assert client.get(f"/orders/visits/{order.pk}/").status_code == 404
    assert not Visit.objects.exists()


def test_a_bad_photo_is_422(client, order, carer_a):
    client.force_login(carer_a.user)
    post(client, f"/api/v1/orders/{order.pk}/check-in", {"lat": HOME[0], "lon": HOME[1]})
    response = post(
        client,
        f"/api/v1/orders/{order.pk}/check-out",
        {"lat": HOME[0], "lon": HOME[1], "photo_base64": "bm9wZQ=="},
    )
    assert response.status_code == 422 and "JPEG or PNG" in response.json()["message"]


def _complete(order, carer):
    start = order.window_start
    evv.check_in(actor=carer.user, order_id=order.pk, lat=HOME[0], lon=HOME[1], at=start)
    evv.check_out(
        actor=carer.user, order_id=order.pk, lat=HOME[0], lon=HOME[1], at=start + dt.timedelta(minutes=50)
    )


def test_confirm_by_code_over_the_api(client, order, carer_a):
    _complete(order, carer_a)
    client.force_login(carer_a.user)
    base = f"/api/v1/orders/{order.pk}"
    sent = post(client, f"{base}/confirmation-code").json()
    assert "****" in sent["sent_to"]
    body = OutboundMessage.objects.get(purpose="order_confirmation_code").body
    code = next(
        word.strip(".") for word in body.split() if len(word.strip(".")) == 6 and word.strip(".").isdigit()
    )
    wrong = post(
        client,
        f"{base}/confirm",
        {"method": "sms_code", "code": "999999" if code != "999999" else "1", "rating": 5},
    )
    assert wrong.status_code == 422 and wrong.json()["code"] == "wrong_code"
    response = post(
        client, f"{base}/confirm", {"method": "sms_code", "code": code, "rating": 4, "comment": "好"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "confirmed" and response.json()["confirmed_via"] == "sms_code"


def test_confirm_by_callback_over_the_api(client, order, carer_a, operator):
    _complete(order, carer_a)
    client.force_login(operator)
    response = post(
        client, f"/api/v1/orders/{order.pk}/confirm", {"method": "callback", "rating": 1, "note": "x"}
    )
    assert response.json()["state"] == "disputed"
    client.force_login(carer_a.user)
    response = post(client, f"/api/v1/orders/{order.pk}/confirm", {"method": "signature", "rating": 5})
    assert response.status_code == 409


def test_exceptions_api_is_scoped_and_resolves(client, order, carer_a, provider_admin_a, provider_admin_b):
    evv.check_in(actor=carer_a.user, order_id=order.pk, lat=HOME[0] + 0.01, lon=HOME[1])
    assert set(VisitException.objects.values_list("kind", flat=True)) == {"late", "outside_radius"}

    client.force_login(provider_admin_b)
    assert client.get("/api/v1/orders/exceptions").json()["count"] == 0
    late = VisitException.objects.get(kind="late")
    assert (
        post(client, f"/api/v1/orders/exceptions/{late.pk}/resolve", {"decision": "uphold"}).status_code
        == 404
    )

    client.force_login(provider_admin_a)
    listed = client.get("/api/v1/orders/exceptions?kind=late").json()
    assert [item["id"] for item in listed["items"]] == [late.pk]
    response = post(client, f"/api/v1/orders/exceptions/{late.pk}/resolve", {"decision": "uphold"})
    assert response.status_code == 200 and response.json()["state"] == "upheld"

    client.force_login(carer_a.user)
    assert client.get("/api/v1/orders/exceptions").json()["count"] == 0


def test_corrections_api(client, order, carer_a, provider_admin_a):
    evv.check_in(actor=carer_a.user, order_id=order.pk, lat=HOME[0], lon=HOME[1], at=order.window_start)
    checkout = timezone.now() - dt.timedelta(minutes=5)
    client.force_login(carer_a.user)
    response = post(
        client,
        f"/api/v1/orders/{order.pk}/corrections",
        {"checkout_at": checkout.isoformat(), "reason": "Forgot."},
    )
    assert response.status_code == 200, response.content
    correction_id = response.json()["id"]
    assert post(client, f"/api/v1/orders/corrections/{correction_id}/approve").status_code == 403

    client.force_login(provider_admin_a)
    assert post(client, f"/api/v1/orders/corrections/{correction_id}/refuse").status_code == 422
    response = post(client, f"/api/v1/orders/corrections/{correction_id}/approve", {"note": "ok"})
    assert response.json()["state"] == "approved"
    order.refresh_from_db()
    assert order.state == OrderState.COMPLETED


# --- pages ---------------------------------------------------------------------------------------------


def test_todays_visits_page_lists_own_visits_in_time_order(client, elder, admitted_a, carer_a, carer_b):
    today = timezone.localdate()

    def visit(carer, start, end):
        return of.OrderFactory(
            elder=elder, state="assigned", provider=admitted_a, caregiver=carer,
            window_start=of.local(today, start), window_end=of.local(today, end),
        )  # fmt: skip

    late = visit(carer_a, "15:00", "16:00")
    early = visit(carer_a, "08:00", "09:00")
    visit(carer_b, "10:00", "11:00")
    of.OrderFactory(elder=elder, state="assigned", provider=admitted_a, caregiver=carer_a)  # tomorrow
    client.force_login(carer_a.user)
    response = client.get("/orders/visits/")
    assert [row.order.pk for row in response.context["rows"]] == [early.pk, late.pk]
    html = response.content.decode()
    assert "https://uri.amap.com/marker?position=" in html and elder.name in html
    assert elder.id_number not in html and elder.phone not in html


def test_visit_page_buttons_follow_the_state(client, order, carer_a):
    client.force_login(carer_a.user)
    page = client.get(f"/orders/visits/{order.pk}/").content.decode()
    assert f"/orders/visits/{order.pk}/check-in/" in page and order.elder.id_number not in page
    response = client.post(
        f"/orders/visits/{order.pk}/check-in/", {"lat": HOME[0], "lon": HOME[1]}, follow=True
    )
    assert "Checked in, but: Checked in 60 minutes after the window began." in response.content.decode()
    assert f"/orders/visits/{order.pk}/check-out/" in response.content.decode()
    response = client.post(f"/orders/visits/{order.pk}/check-out/", {"lat": "", "lon": ""}, follow=True)
    assert "allow location access" in response.content.decode()
    client.post(f"/orders/visits/{order.pk}/check-out/", {"lat": HOME[0], "lon": HOME[1]})
    page = client.get(f"/orders/visits/{order.pk}/").content.decode()
    assert "signature-pad" in page and f"/orders/visits/{order.pk}/send-code/" in page


def test_pages_by_role(client, order, carer_a, provider_admin_a, official):
    client.force_login(provider_admin_a)
    assert client.get("/orders/visits/").status_code == 403
    assert client.get("/orders/exceptions/").status_code == 200
    assert client.get("/orders/corrections/").status_code == 200
    client.force_login(carer_a.user)
    assert client.get("/orders/exceptions/").status_code == 403
    assert client.get("/orders/corrections/").status_code == 200


def test_exceptions_page_resolves(client, order, carer_a, provider_admin_a, provider_admin_b):
    evv.check_in(actor=carer_a.user, order_id=order.pk, lat=HOME[0], lon=HOME[1])
    late = VisitException.objects.get(kind="late")
    client.force_login(provider_admin_b)
    assert f"exception-{late.pk}" not in client.get("/orders/exceptions/").content.decode()
    client.force_login(provider_admin_a)
    assert f"exception-{late.pk}" in client.get("/orders/exceptions/").content.decode()
    client.post(f"/orders/exceptions/{late.pk}/resolve/", {"decision": "accept", "explanation": "Traffic."})
    late.refresh_from_db()
    assert late.state == "accepted"


def test_corrections_page_decides(client, order, carer_a, provider_admin_a):
    evv.check_in(actor=carer_a.user, order_id=order.pk, lat=HOME[0], lon=HOME[1], at=order.window_start)
    client.force_login(carer_a.user)
    checkout = timezone.localtime(timezone.now() - dt.timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M")
    client.post(
        f"/orders/visits/{order.pk}/correction/", {"checkout_at": checkout, "reason": "Battery died."}
    )
    correction = CorrectionRequest.objects.get()
    client.force_login(provider_admin_a)
    assert "Battery died." in client.get("/orders/corrections/").content.decode()
    client.post(f"/orders/corrections/{correction.pk}/decide/", {"decision": "approve"})
    correction.refresh_from_db()
    order.refresh_from_db()
    assert correction.state == "approved" and order.state == OrderState.COMPLETED


def test_an_operator_records_a_call_back_from_a_page(client, order, carer_a, operator):
    _complete(order, carer_a)
    client.force_login(carer_a.user)
    assert client.post(f"/orders/{order.pk}/callback/", {"rating": 5}).status_code == 403
    client.force_login(operator)
    response = client.post(
        f"/orders/{order.pk}/callback/", {"rating": "5", "comment": "满意", "next": "https://evil.example/"}
    )
    assert response.status_code == 302 and response.url == "/"
    order.refresh_from_db()
    assert (order.state, order.confirmed_via, order.rating_comment) == ("confirmed", "callback", "满意")


FAR_AWAY = (HOME[0] + 950_000 / 111_195.0, HOME[1])


def test_a_caregiver_checking_in_far_away_is_warned_at_once_and_the_supervisor_sees_it(
    client, order, carer_a, provider_admin_a
):
    client.force_login(carer_a.user)
    response = client.post(
        f"/orders/visits/{order.pk}/check-in/", {"lat": FAR_AWAY[0], "lon": FAR_AWAY[1]}, follow=True
    )
    page = response.content.decode()
    assert "alert-warning" in page and "Checked in, but:" in page and "950 km" in page
    assert "Checked in." not in page  # not the plain green message
    assert "950 km from the home" in page
    client.force_login(provider_admin_a)
    assert "950 km" in client.get("/orders/exceptions/").content.decode()


def test_a_check_in_at_the_home_on_time_is_plain(client, order, carer_a):
    order.window_start = timezone.now() - dt.timedelta(minutes=5)
    order.save(update_fields=["window_start"])
    client.force_login(carer_a.user)
    page = client.post(
        f"/orders/visits/{order.pk}/check-in/", {"lat": HOME[0], "lon": HOME[1]}, follow=True
    ).content.decode()
    assert "Checked in." in page and "Checked in, but:" not in page


def test_the_api_check_in_answers_with_the_warnings(client, order, carer_a):
    client.force_login(carer_a.user)
    body = post(
        client, f"/api/v1/orders/{order.pk}/check-in", {"lat": FAR_AWAY[0], "lon": FAR_AWAY[1]}
    ).json()
    assert body["exceptions"] == ["late", "outside_radius"]  # the window began an hour ago
    assert any("950 km" in warning for warning in body["warnings"]) and len(body["warnings"]) == 2
