"""The operators' live console: the queue, one incident's panel, its buttons, and the console stream."""

import json

import pytest

from shouwang.alarms.models import ContactAttempt, Incident, Priority
from shouwang.core import live
from tests import factories
from tests.alarms.factories import DeviceFactory, IncidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator_a(tree):
    return factories.user("operator", regions=(factories.COMMUNITY_A,), username="operator_a")


@pytest.fixture
def operator_b(tree):
    return factories.user("operator", regions=(factories.COMMUNITY_B,), username="operator_b")


@pytest.fixture
def sos_a(elder_a):
    return IncidentFactory(device=DeviceFactory(elder=elder_a))


@pytest.fixture
def water_b(elder_b):
    return IncidentFactory(device=DeviceFactory(elder=elder_b), kind="water", priority=Priority.HIGH)


def _post(client, incident, action, **data):
    return client.post(f"/alarms/console/{incident.pk}/{action}/", data, headers={"HX-Request": "true"})


def test_queue_lists_open_incidents_in_scope_with_the_urgent_cue(client, operator_a, sos_a, water_b):
    client.force_login(operator_a)
    response = client.get("/alarms/console/")
    page = response.content.decode()

    assert response.status_code == 200
    assert f'data-incident="{sos_a.pk}"' in page
    assert f'data-incident="{water_b.pk}"' not in page
    assert "alarm-blink" in page and "is-urgent" in page
    assert 'data-stream="/alarms/console/stream/"' in page
    assert f'data-after="{live.latest_id()}"' in page
    assert "data-enable-sound" in page


def test_operator_of_another_area_sees_none_of_them(client, operator_b, sos_a):
    client.force_login(operator_b)
    assert f'data-incident="{sos_a.pk}"' not in client.get("/alarms/console/").content.decode()
    assert client.get(f"/alarms/console/{sos_a.pk}/").status_code == 404
    assert _post(client, sos_a, "acknowledge").status_code == 404
    assert Incident.objects.get(pk=sos_a.pk).state == "received"


def test_roles_without_alarms_may_not_open_the_console(client, provider_admin_a):
    client.force_login(provider_admin_a)
    assert client.get("/alarms/console/").status_code == 403
    assert client.get("/alarms/console/stream/").status_code == 403


def test_anonymous_is_sent_to_login(client):
    response = client.get("/alarms/console/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_incident_page_shows_profile_medical_summary_contacts_and_masked_phones(client, operator_a, sos_a):
    elder = sos_a.elder
    elder.chronic_conditions, elder.family_doctor_contract = ["高血压", "糖尿病"], True
    elder.lat, elder.lon = 43.85, 126.55
    elder.save()
    from shouwang.core.actors import SYSTEM
    from shouwang.health.services import adopt_registry

    adopt_registry(actor=SYSTEM, elder_ids=[elder.pk])  # the health records carry the registry's conditions
    client.force_login(operator_a)
    page = client.get(f"/alarms/console/{sos_a.pk}/").content.decode()

    assert elder.name in page
    assert "原发性高血压" in page and "2型糖尿病" in page and "已签约" in page
    assert "openstreetmap.org/?mlat=43.85" in page
    assert 'data-map data-lat="43.850000"' in page and "/static/leaflet/leaflet.js" in page  # drawn map
    assert "张小明" in page and "139****1111" in page and "13900001111" not in page
    assert elder.phone not in page
    assert f"/elders/{elder.pk}/reveal/" in page  # the existing audited reveal
    assert 'data-action="acknowledge"' in page


def test_incident_without_a_location_draws_no_map(client, operator_a, sos_a):
    client.force_login(operator_a)
    page = client.get(f"/alarms/console/{sos_a.pk}/").content.decode()
    assert "data-map" not in page and "leaflet" not in page
    assert "openstreetmap.org/?mlat" not in page


def test_acknowledge_then_contacts_responder_on_site_and_close(client, operator_a, sos_a):
    client.force_login(operator_a)
    contact = sos_a.elder.contacts.get()

    panel = _post(client, sos_a, "acknowledge").content.decode()
    assert 'data-state="acknowledged"' in panel and 'data-action="acknowledge"' not in panel
    _post(client, sos_a, "contact", result="no_answer")
    _post(client, sos_a, "contact", contact=contact.pk, result="answered")
    _post(client, sos_a, "responder", kind="community_worker", note="王主任 10 分钟到")
    _post(client, sos_a, "on-site")
    panel = _post(client, sos_a, "close", outcome="resolved_on_site", notes="老人已扶起").content.decode()

    incident = Incident.objects.get(pk=sos_a.pk)
    assert (incident.state, incident.outcome, incident.acknowledged_by) == (
        "closed",
        "resolved_on_site",
        operator_a,
    )
    assert incident.responder_kind == "community_worker"
    assert list(ContactAttempt.objects.filter(incident=incident).values_list("contact_id", "result")) == [
        (None, "no_answer"),
        (contact.pk, "answered"),
    ]
    assert 'data-state="closed"' in panel


def test_a_step_the_state_does_not_allow_shows_the_refusal(client, operator_a, sos_a, english):
    client.force_login(operator_a)
    response = _post(client, sos_a, "on-site")
    assert response.status_code == 200
    assert "data-error" in response.content.decode()
    assert Incident.objects.get(pk=sos_a.pk).state == "received"


def test_without_htmx_a_button_returns_to_the_incident_page(client, operator_a, sos_a):
    client.force_login(operator_a)
    response = client.post(f"/alarms/console/{sos_a.pk}/acknowledge/")
    assert response.status_code == 302 and response["Location"] == f"/alarms/console/{sos_a.pk}/"
    assert Incident.objects.get(pk=sos_a.pk).state == "acknowledged"


def test_console_stream_is_scoped_to_the_operator(client, operator_a, sos_a, water_b):
    from shouwang.alarms.live import publish_incident

    start = live.latest_id()
    publish_incident(incident=water_b, change="created")
    publish_incident(incident=sos_a, change="created")
    client.force_login(operator_a)
    response = client.get("/alarms/console/stream/", {"after": start})
    chunks = iter(response.streaming_content)
    next(chunks)  # retry
    message = next(chunks).decode()
    response.close()
    assert json.loads(message.split("data: ", 1)[1])["id"] == sos_a.pk


def test_leaflet_comes_from_the_package_not_a_cdn(client, operator_a):
    client.force_login(operator_a)
    script = client.get("/static/leaflet/leaflet.js")
    assert script.status_code == 200 and b"Leaflet" in b"".join(script.streaming_content)[:2000]
