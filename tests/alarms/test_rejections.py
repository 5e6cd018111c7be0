"""Refused device events are counted, not stored one row each, and an address that keeps sending refused
posts is answered 429 unread for the rest of the minute (issue 14, finding 5)."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from shouwang.alarms.ingestion import ingest_batch
from shouwang.alarms.models import DeviceEvent, IngestRejection
from shouwang.alarms.selectors import rejection_counts
from tests.alarms.factories import refused, signed

pytestmark = pytest.mark.django_db

URL = "/api/v1/devices/events"


def post(client, body: bytes, signature: str = "0" * 64, address: str = "203.0.113.7"):
    return client.post(
        URL,
        data=body,
        content_type="application/json",
        headers={"X-Signature": signature},
        REMOTE_ADDR=address,
    )


def junk(n: int) -> bytes:
    return json.dumps(
        {"device_id": f"dv_guess{n:08d}", "event_id": str(n), "type": "sos", "ts": "x"}
    ).encode()


def test_two_hundred_junk_posts_add_to_one_count_not_two_hundred_rows(client, tree, settings):
    settings.SHOUWANG_DEVICE_EVENT_REJECTIONS_PER_MINUTE = 0  # no rate limit: only the counting is seen
    for n in range(200):
        assert post(client, junk(n)).status_code == 401
    row = IngestRejection.objects.get()
    assert (row.reason, row.source, row.device_id, row.count) == ("unknown_device", "203.0.113.7", "", 200)
    assert "dv_guess00000199" in row.excerpt  # the latest one


def test_counts_are_kept_per_source_reason_device_and_hour(tree, device):
    now = timezone.now()
    an_hour_later = now + dt.timedelta(hours=1)
    bad = (signed(device)[0], "0" * 64)
    ingest_batch([bad, bad, (b"{", "x")], via="http", source="198.51.100.1", received_at=[now] * 3)
    ingest_batch([bad], via="http", source="198.51.100.2", received_at=[now])
    ingest_batch([bad], via="http", source="198.51.100.1", received_at=[an_hour_later])
    ingest_batch([bad], via="mqtt", received_at=[now])
    rows = {
        (
            row.via,
            row.source,
            row.reason,
            row.device_id,
            row.hour == now.replace(minute=0, second=0, microsecond=0),
        ): row.count
        for row in IngestRejection.objects.all()
    }
    assert rows == {
        ("http", "198.51.100.1", "bad_signature", device.device_id, True): 2,
        ("http", "198.51.100.1", "bad_json", "", True): 1,
        ("http", "198.51.100.2", "bad_signature", device.device_id, True): 1,
        ("http", "198.51.100.1", "bad_signature", device.device_id, False): 1,
        ("mqtt", "", "bad_signature", device.device_id, True): 1,
    }


def test_the_admins_count_of_rejections_adds_up_the_hourly_counts(tree, admin_user, operator, device):
    bad = (signed(device)[0], "0" * 64)
    ingest_batch([bad, bad, bad, (b"{", "x")], via="mqtt")
    assert rejection_counts(admin_user) == {"bad_signature": 3, "bad_json": 1}
    assert rejection_counts(operator) == {}


def test_an_address_with_too_many_refused_posts_is_answered_429_unread(client, tree, settings, device):
    settings.SHOUWANG_DEVICE_EVENT_REJECTIONS_PER_MINUTE = 5
    answers = [post(client, junk(n)).status_code for n in range(8)]
    assert answers == [401] * 5 + [429] * 3
    limited = post(client, junk(99))
    assert limited.json()["code"] == "rate_limited" and limited["Retry-After"] == "60"
    assert refused() == 5  # the limited ones were not even read
    # Another address is not held back, and good events of that address still count nothing against it.
    body, signature = signed(device, event_id="good")
    assert post(client, body, signature, address="198.51.100.9").status_code == 202
    assert DeviceEvent.objects.filter(event_id="good").exists()


def test_good_events_never_count_against_an_address(client, tree, settings, device):
    settings.SHOUWANG_DEVICE_EVENT_REJECTIONS_PER_MINUTE = 3
    for n in range(10):
        body, signature = signed(device, type="heartbeat", event_id=f"hb{n}")
        assert post(client, body, signature).status_code == 202
    assert post(client, junk(1)).status_code == 401
    assert refused() == 1
