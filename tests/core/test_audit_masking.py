"""The audit log holds no ID number or phone in full (decision 0012): values are masked when a record is
written, with a keyed fingerprint so a change stays visible; records written before are masked by a
migration; every page and endpoint that shows audit records shows them masked."""

import datetime as dt
import importlib
import json

import pytest
from django.apps import apps
from django.utils.crypto import salted_hmac

from shouwang.accounts.services import update_user
from shouwang.core import audit
from shouwang.core.idnumbers import make_resident_id
from shouwang.core.masking import mask_id_number, mask_phone
from shouwang.core.models import AuditLog
from shouwang.elders.services import register_elder, reveal_elder, update_elder
from shouwang.providers.staff import add_staff
from tests import factories

pytestmark = pytest.mark.django_db

ELDER_ID = make_resident_id("220202", dt.date(1948, 3, 2), 13)
STAFF_ID = make_resident_id("220202", dt.date(1975, 6, 1), 11)
NUMBERS = {
    "elder's ID number": ELDER_ID,
    "elder's phone": "13811112222",
    "elder's second phone": "13833334444",
    "contact's phone": "13955556666",
    "elder's new phone": "13877778888",
    "user's phone": "13699990000",
    "staff ID number": STAFF_ID,
    "staff phone": "13512121212",
    "phone typed in a reason": "13787878787",
}


@pytest.fixture
def audited(worker_a, official, provider_a, provider_admin_a):
    """An elder registered and corrected, a user's and a staff member's numbers set, a reveal whose reason
    holds a phone: every personal number of ``NUMBERS`` has passed through the audit log."""
    elder = register_elder(
        actor=worker_a,
        data={
            "name": "王大明",
            "id_number": NUMBERS["elder's ID number"],
            "community": factories.COMMUNITY_A,
            "phone": NUMBERS["elder's phone"],
            "second_phone": NUMBERS["elder's second phone"],
            "contacts": [{"name": "王小", "phone": NUMBERS["contact's phone"]}],
        },
    )
    update_elder(actor=worker_a, elder_id=elder.pk, data={"phone": NUMBERS["elder's new phone"]})
    update_user(actor=official, user_id=worker_a.pk, phone=NUMBERS["user's phone"])
    add_staff(
        actor=provider_admin_a,
        provider_id=provider_a.pk,
        name="李护理",
        id_number=NUMBERS["staff ID number"],
        phone=NUMBERS["staff phone"],
    )
    reveal_elder(
        actor=worker_a, elder_id=elder.pk, reason=f"家属来电 {NUMBERS['phone typed in a reason']} 要求回访"
    )
    return elder


def test_an_official_reads_no_full_number_in_any_audit_view(client, official, audited):
    client.force_login(official)

    api = client.get("/api/v1/audit", {"page_size": 200})
    views = {
        "API": api.content.decode(),
        "audit page": client.get("/audit/").content.decode(),
        "home page": client.get("/").content.decode(),
        "elder's page": client.get(f"/elders/{audited.pk}/").content.decode(),
    }

    assert api.status_code == 200 and api.json()["count"] >= 6
    for view, text in views.items():
        for what, number in NUMBERS.items():
            assert number not in text, f"{what} in full on the {view}"
    records = json.dumps(api.json()["items"], ensure_ascii=False)
    assert mask_phone(NUMBERS["elder's phone"]) in records
    assert mask_phone(NUMBERS["elder's new phone"]) in records
    assert mask_id_number(STAFF_ID) in records and "137****8787" in records


def test_the_database_holds_no_full_number_either(audited):
    stored = json.dumps(list(AuditLog.objects.values("before", "after", "object_repr")), ensure_ascii=False)
    for what, number in NUMBERS.items():
        assert number not in stored, what


def test_a_change_hidden_by_the_mask_shows_in_the_fingerprint():
    same_mask = {"phone": "13812345678"}, {"phone": "13899995678"}

    before, after = (audit.masked(values) for values in same_mask)

    assert before["phone"].split(" #")[0] == after["phone"].split(" #")[0] == "138****5678"
    assert before != after
    assert audit.masked(same_mask[0]) == before  # the same number always gives the same fingerprint
    assert audit.masked(before) == before  # masking twice changes nothing
    keyed = salted_hmac("shouwang.core.audit.fingerprint", "13812345678", algorithm="sha256").hexdigest()
    assert before["phone"] == f"138****5678 #{keyed[:12]}"  # as decision 0012 describes it


def test_personal_keys_are_masked_at_any_depth_and_numbers_in_text():
    values = {
        "contacts": [{"name": "王小", "phone": "13955556666"}],
        "contact_phone": "0432-62345678",
        "id_number": ELDER_ID,
        "note": f"身份证{ELDER_ID}，电话13955556666。",
        "count": 13955556666,  # a number, not text: left alone
        "order": "order #12345678901234567890",  # too long to be an ID number or a phone
    }

    out = audit.masked(values)

    assert out["contacts"][0]["phone"].startswith("139****6666 #")
    assert out["contact_phone"].startswith(mask_phone("0432-62345678") + " #")
    assert out["id_number"] == f"{mask_id_number(ELDER_ID)} #{audit.fingerprint(ELDER_ID)}"
    assert out["note"] == f"身份证{mask_id_number(ELDER_ID)}，电话139****6666。"
    assert (out["count"], out["order"]) == (13955556666, values["order"])


def test_the_migration_masks_records_written_before(tree):
    old = AuditLog.objects.create(
        action="elders.update",
        object_repr="13955556666",
        before={"phone": "13811112222", "contacts": [{"phone": "13955556666"}]},
        after={"phone": "13877778888", "id_number": ELDER_ID},
        region_code=factories.COMMUNITY_A,
    )
    untouched = AuditLog.objects.create(action="regions.load", after={"created": 1})
    migration = importlib.import_module("shouwang.core.migrations.0004_mask_audit_personal_data")

    migration.mask_existing(apps, None)
    old.refresh_from_db()
    once = (old.before, old.after, old.object_repr)
    migration.mask_existing(apps, None)
    old.refresh_from_db()

    assert old.before == {
        "phone": f"138****2222 #{audit.fingerprint('13811112222')}",
        "contacts": [{"phone": f"139****6666 #{audit.fingerprint('13955556666')}"}],
    }
    assert old.after["id_number"] == f"{mask_id_number(ELDER_ID)} #{audit.fingerprint(ELDER_ID)}"
    assert old.object_repr == "139****6666"
    assert (old.before, old.after, old.object_repr) == once
    untouched.refresh_from_db()
    assert untouched.after == {"created": 1}
