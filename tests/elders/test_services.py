"""Registering and correcting records, life events and their hook, the audited reveal."""

import datetime as dt

import pytest
from django.utils import translation

from shouwang.core.audit import fingerprint
from shouwang.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from shouwang.core.idnumbers import make_resident_id, upgrade_legacy
from shouwang.core.models import AuditLog
from shouwang.elders.models import Elder, LifeEvent, Status, StatusChange
from shouwang.elders.services import (
    DuplicateElder,
    record_life_event,
    register_elder,
    reveal_elder,
    update_elder,
)
from shouwang.elders.signals import life_event_recorded
from tests import factories

pytestmark = pytest.mark.django_db
ID_1948 = make_resident_id("220202", dt.date(1948, 3, 2), 13)


def _new(actor, **data):
    base = {"name": "王大明", "id_number": ID_1948, "community": factories.COMMUNITY_A}
    return register_elder(actor=actor, data={**base, **data})


def test_register_derives_sex_birth_date_and_initials(worker_a):
    elder = _new(worker_a, categories=["低保", "失独"], contacts=[{"name": "王小", "phone": "13900001111"}])
    assert (elder.sex, elder.birth_date, elder.name_initials) == ("M", dt.date(1948, 3, 2), "wdm")
    assert sorted(elder.categories.values_list("code", flat=True)) == ["dibao", "family_planning", "shidu"]
    assert list(elder.contacts.values_list("priority", "phone")) == [(1, "13900001111")]
    assert AuditLog.objects.filter(action="elders.create", object_id=str(elder.pk)).exists()


def test_register_converts_a_legacy_15_digit_number(worker_a):
    legacy = "220202480302131"
    elder = _new(worker_a, id_number=legacy)
    assert elder.id_number == upgrade_legacy(legacy) and len(elder.id_number) == 18


def test_register_reports_every_bad_field_and_saves_nothing(worker_a):
    with translation.override("en"), pytest.raises(ValidationFailed) as caught:
        _new(worker_a, id_number=ID_1948[:-1] + "0", phone="12345", lat="99", lon="126.5")
    assert set(caught.value.errors) == {"id_number", "phone", "lat"}
    assert "check digit" in caught.value.errors["id_number"]
    assert not Elder.objects.exists()


def test_register_refuses_a_sex_that_contradicts_the_id_number(worker_a):
    with pytest.raises(ValidationFailed) as caught:
        _new(worker_a, sex="女")
    assert "sex" in caught.value.errors


def test_duplicate_id_points_to_the_existing_record(worker_a):
    first = _new(worker_a)
    with pytest.raises(DuplicateElder) as caught:
        _new(worker_a, name="另一人")
    assert caught.value.existing_id == first.pk and caught.value.status == 409


def test_duplicate_outside_the_area_does_not_reveal_the_record(worker_a, worker_b):
    _new(worker_a)
    with pytest.raises(DuplicateElder) as caught:
        register_elder(
            actor=worker_b, data={"name": "王大明", "id_number": ID_1948, "community": factories.COMMUNITY_B}
        )
    assert caught.value.existing_id is None


def test_register_in_another_community_is_refused(worker_a):
    with pytest.raises(ValidationFailed) as caught:
        _new(worker_a, community=factories.COMMUNITY_B)
    assert "community" in caught.value.errors
    assert not Elder.objects.exists()


def test_update_changes_only_given_fields_and_audits_them(worker_a, elder_a):
    update_elder(actor=worker_a, elder_id=elder_a.pk, data={"phone": "13700001234", "categories": ["特困"]})
    elder_a.refresh_from_db()
    assert elder_a.phone == "13700001234" and elder_a.address == "吉林市昌邑区解放北路1号"
    log = AuditLog.objects.get(action="elders.update", object_id=str(elder_a.pk))
    assert log.after == {"phone": f"137****1234 #{fingerprint('13700001234')}", "categories": ["tekun"]}
    assert log.before["categories"] == []


def test_update_by_a_worker_of_another_community_is_not_found(worker_b, elder_a):
    with pytest.raises(NotFound):
        update_elder(actor=worker_b, elder_id=elder_a.pk, data={"phone": "13700001234"})


def test_operator_may_not_change_the_registry(tree, elder_a):
    operator = factories.user("operator", regions=(factories.DISTRICT,))
    with pytest.raises(Forbidden):
        update_elder(actor=operator, elder_id=elder_a.pk, data={"phone": "13700001234"})


def test_life_event_moves_the_status_keeps_history_and_fires_the_hook(worker_a, elder_a):
    heard = []

    def receiver(sender, elder, event, date, actor, **kwargs):
        heard.append((elder.pk, event, date, actor.pk))

    life_event_recorded.connect(receiver)
    try:
        record_life_event(
            actor=worker_a, elder_id=elder_a.pk, event=LifeEvent.MOVED_OUT, date=dt.date(2026, 3, 1)
        )
        record_life_event(
            actor=worker_a, elder_id=elder_a.pk, event=LifeEvent.RETURNED, date=dt.date(2026, 4, 1)
        )
    finally:
        life_event_recorded.disconnect(receiver)
    elder_a.refresh_from_db()
    assert elder_a.status == Status.ACTIVE and elder_a.status_date == dt.date(2026, 4, 1)
    assert heard == [
        (elder_a.pk, "moved_out", dt.date(2026, 3, 1), worker_a.pk),
        (elder_a.pk, "returned", dt.date(2026, 4, 1), worker_a.pk),
    ]
    assert list(StatusChange.objects.filter(elder=elder_a).values_list("status_after", flat=True)) == [
        "active",
        "moved_out",
    ]


def test_a_failing_reaction_undoes_the_event(worker_a, elder_a):
    def refuse(**kwargs):
        raise RuntimeError("orders could not be cancelled")

    life_event_recorded.connect(refuse)
    try:
        with pytest.raises(RuntimeError):
            record_life_event(actor=worker_a, elder_id=elder_a.pk, event="deceased", date=dt.date(2026, 3, 1))
    finally:
        life_event_recorded.disconnect(refuse)
    elder_a.refresh_from_db()
    assert elder_a.status == Status.ACTIVE and not StatusChange.objects.exists()


def test_illegal_life_events_are_refused(worker_a, elder_a):
    with pytest.raises(Conflict):
        record_life_event(actor=worker_a, elder_id=elder_a.pk, event="returned", date=dt.date(2026, 3, 1))
    with pytest.raises(ValidationFailed):  # not in the future
        record_life_event(actor=worker_a, elder_id=elder_a.pk, event="deceased", date=dt.date(2099, 1, 1))
    record_life_event(actor=worker_a, elder_id=elder_a.pk, event="deceased", date=dt.date(2026, 3, 1))
    with pytest.raises(Conflict):
        record_life_event(actor=worker_a, elder_id=elder_a.pk, event="moved_out", date=dt.date(2026, 3, 2))
    with pytest.raises(ValidationFailed):  # undoing a death needs a reason
        record_life_event(actor=worker_a, elder_id=elder_a.pk, event="returned", date=dt.date(2026, 3, 2))
    assert StatusChange.objects.filter(elder=elder_a).count() == 1


def test_reveal_is_audited_and_refused_to_providers(worker_a, elder_a, provider_admin_a):
    revealed = reveal_elder(actor=worker_a, elder_id=elder_a.pk, reason="回访")
    assert revealed["id_number"] == elder_a.id_number
    log = AuditLog.objects.get(action="elders.reveal")
    assert log.actor == worker_a and log.after["reason"] == "回访"
    with pytest.raises((Forbidden, NotFound)):
        reveal_elder(actor=provider_admin_a, elder_id=elder_a.pk, reason="回访")
