"""The family portal: linking (by a code to the elder's phone, or by the community worker) with consent,
unlinking, scope (only linked elders; any other is 404), the check-in reaching the watch, and the portal's
pages doing their one task each (an order with its voucher split, a confirmation, a complaint, contacts).

One world is built per module (like tests/leaks): each test runs in a savepoint of it."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from shouwang.alarms.models import CheckIn, Incident, IncidentKind, WatchSettings
from shouwang.alarms.watch import run_watch
from shouwang.benefits import ledger
from shouwang.benefits import services as benefit_services
from shouwang.catalog.models import ServiceItem
from shouwang.core.actors import SYSTEM
from shouwang.core.errors import Conflict, NotFound, ValidationFailed
from shouwang.core.masking import mask_id_number
from shouwang.core.models import AuditLog, OutboundMessage
from shouwang.elders.models import ConsentWay, FamilyLink
from shouwang.orders.models import Complaint, Order, OrderSource, OrderState
from shouwang.portal import services
from shouwang.portal.models import LinkCode
from tests import factories
from tests.benefits import factories as bf
from tests.orders import factories as of

pytestmark = pytest.mark.django_db


class World:
    pass


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        factories.ensure_seeded_rows()
        factories.load_tree()
        bf.standard_policies()
        w = World()
        w.official = factories.user("official", regions=(factories.DISTRICT,), username="p_official")
        w.worker = factories.user("community_worker", regions=(factories.COMMUNITY_A,), username="p_worker")
        w.worker_b = factories.user(
            "community_worker", regions=(factories.COMMUNITY_B,), username="p_worker_b"
        )
        street = factories.user("official", regions=(factories.STREET_A,), username="p_street")
        w.elder = bf.elder(categories=("dibao",), name="王秀英", phone="13812345678")
        w.other = bf.elder(community=factories.COMMUNITY_B, name="李桂兰", phone="13887654321")
        # March approved: the 低保 elder holds ¥300 of vouchers and pays 10 % of a service (DOMAIN.md §4).
        run = benefit_services.start_run(actor=SYSTEM, month="2026-03", region_code=factories.DISTRICT)
        for actor in (w.worker, street, w.official):
            benefit_services.review_run(actor=actor, run_id=run.pk)
        w.family = of.family(w.elder, username="p_family")
        w.stranger = factories.user("elder", regions=(factories.COMMUNITY_A,), username="p_newfamily")
        provider = of.admitted_provider(w.official, factories.provider("门户服务商"))
        carer = of.caregiver(provider, name="吴桂芳")
        w.done = of.served_by(provider, w.elder, days_ago=1)
        Order.objects.filter(pk=w.done.pk).update(caregiver=carer)
        w.theirs = of.served_by(provider, w.other, days_ago=1)
        yield w
        transaction.set_rollback(True)


def login(client, user):
    client.force_login(user)
    return client


def sent_code(elder) -> str:
    body = OutboundMessage.objects.filter(to=elder.phone, purpose="family_link_code").latest("id").body
    return re.search(r"\b(\d{6})\b", body).group(1)


# --- linking ---------------------------------------------------------------------------------------------


def test_a_family_links_by_the_code_sent_to_the_elders_phone_and_the_consent_is_recorded(world, english):
    with pytest.raises(NotFound):
        services.unlink(actor=world.stranger, elder_id=world.elder.pk, user_id=world.stranger.pk)

    assert services.request_link_code(actor=world.stranger, id_number=world.elder.id_number) is not None
    code = sent_code(world.elder)
    assert LinkCode.objects.get(user=world.stranger).code_hash != code  # only the hash is kept
    wrong = "000000" if code != "000000" else "111111"
    with pytest.raises(ValidationFailed, match="4 tries left"):
        services.link_by_code(actor=world.stranger, id_number=world.elder.id_number, code=wrong)
    link = services.link_by_code(
        actor=world.stranger, id_number=world.elder.id_number, code=code, relation="儿子"
    )

    assert (link.consent_way, link.consent_by, link.relation) == (ConsentWay.SMS_CODE, world.stranger, "儿子")
    assert link.consent_at is not None
    actions = set(AuditLog.objects.filter(actor=world.stranger).values_list("action", flat=True))
    assert {"portal.link_code_sent", "portal.link_code_refused", "portal.link"} <= actions
    with pytest.raises(Conflict):
        services.request_link_code(actor=world.stranger, id_number=world.elder.id_number)


def test_an_unknown_id_number_gets_the_same_answer_and_no_message(world):
    unknown = factories.ElderFactory.build().id_number
    assert services.request_link_code(actor=world.stranger, id_number=unknown) is None
    assert not OutboundMessage.objects.filter(purpose="family_link_code").exists()
    with pytest.raises(ValidationFailed):
        services.link_by_code(actor=world.stranger, id_number=unknown, code="123456")
    # the unmatched request counts like a sent one: the next, for a registered elder, waits the same
    with pytest.raises(Conflict) as waited:
        services.request_link_code(actor=world.stranger, id_number=world.elder.id_number)
    assert waited.value.code == "code_sent_recently"


def test_an_expired_code_and_too_many_wrong_codes_are_refused(world, english, settings):
    settings.SHOUWANG_LINK_CODE_ATTEMPTS = 2
    services.request_link_code(actor=world.stranger, id_number=world.elder.id_number)
    code = sent_code(world.elder)
    wrong = "000000" if code != "000000" else "111111"
    for expected in ("1 tries left", "last try"):
        with pytest.raises(ValidationFailed, match=expected):
            services.link_by_code(actor=world.stranger, id_number=world.elder.id_number, code=wrong)
    with pytest.raises(ValidationFailed, match="Too many wrong codes"):
        services.link_by_code(actor=world.stranger, id_number=world.elder.id_number, code=code)

    LinkCode.objects.update(created_at=timezone.now() - dt.timedelta(minutes=5))  # past the resend wait
    services.request_link_code(actor=world.stranger, id_number=world.elder.id_number)
    code = sent_code(world.elder)
    LinkCode.objects.filter(used_at__isnull=True).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    with pytest.raises(ValidationFailed, match="expired"):
        services.link_by_code(actor=world.stranger, id_number=world.elder.id_number, code=code)
    assert not FamilyLink.objects.filter(user=world.stranger).exists()


def test_a_community_worker_links_and_unlinks_in_the_console_and_another_communitys_cannot(
    world, client, english
):
    page = reverse("portal:family_links", args=[world.elder.pk])
    login(client, world.worker_b)
    assert client.get(page).status_code == 404
    login(client, world.worker)
    body = {"action": "link", "username": "p_newfamily", "relation": "女儿", "consent_way": "in_person"}
    assert client.post(page, body).status_code == 302

    link = FamilyLink.objects.get(user=world.stranger, elder=world.elder)
    assert (link.consent_way, link.consent_by) == (ConsentWay.IN_PERSON, world.worker)
    assert "p_newfamily" in client.get(page).content.decode()
    assert (
        client.post(page, {"action": "link", "username": "p_worker", "consent_way": "in_person"}).status_code
        == 422
    )

    assert client.post(page, {"action": "unlink", "user_id": world.stranger.pk}).status_code == 302
    assert not FamilyLink.objects.filter(user=world.stranger).exists()
    assert AuditLog.objects.filter(actor=world.worker, action="portal.unlink").exists()


def test_a_family_unlinks_itself_and_then_sees_the_elder_no_more(world, client):
    login(client, world.family)
    assert client.post(reverse("portal:unlink", args=[world.elder.pk])).status_code == 302
    assert client.get(reverse("portal:elder", args=[world.elder.pk])).status_code == 404
    assert client.get("/api/v1/me/elders").json() == []
    assert AuditLog.objects.filter(actor=world.family, action="portal.unlink").exists()


# --- scope and the API -----------------------------------------------------------------------------------


def test_a_family_sees_only_its_linked_elders_on_the_api_and_the_pages(world, client):
    login(client, world.family)
    listed = client.get("/api/v1/me/elders").json()
    assert [(e["id"], e["id_number"]) for e in listed] == [
        (world.elder.pk, mask_id_number(world.elder.id_number))
    ]
    assert world.elder.id_number not in str(listed) and world.elder.phone not in str(listed)

    assert client.post(f"/api/v1/me/elders/{world.other.pk}/checkin").status_code == 404
    mine, theirs = world.elder.pk, world.other.pk
    for name in ("elder", "plan", "services", "order", "money", "alarms", "contacts", "unlink"):
        assert client.get(reverse(f"portal:{name}", args=[mine])).status_code == 200, name
        assert client.get(reverse(f"portal:{name}", args=[theirs])).status_code == 404, name
    assert client.get(reverse("portal:service", args=[mine, world.done.pk])).status_code == 200
    assert client.get(reverse("portal:service", args=[mine, world.theirs.pk])).status_code == 404
    assert client.get(reverse("portal:complain", args=[theirs, world.theirs.pk])).status_code == 404
    assert client.get(reverse("portal:home")).status_code == 200


def test_the_allowances_page_says_in_words_which_conditions_held(world, client):
    login(client, world.family)
    page = client.get(reverse("portal:money", args=[world.elder.pk]), HTTP_ACCEPT_LANGUAGE="en")
    text = page.content.decode()
    assert "✓ met: lives in the policy" in text
    assert "{'condition'" not in text and "'held'" not in text  # not the stored explanation's raw form


def test_the_services_page_lists_the_communitys_visits_the_elder_received_and_no_one_elses(world, client):
    from shouwang.visits.models import VisitTask

    def visit(elder, worker, state, days_ago=0):
        return VisitTask.objects.create(
            elder=elder,
            community_id=elder.community_id,
            kind="home",
            tier="high",
            due_on=timezone.localdate() - dt.timedelta(days=days_ago),
            assignee=worker,
            state=state,
            done_at=timezone.now() if state == "done" else None,
            done_by=worker if state == "done" else None,
            findings=["mood"],
            notes="巡访发现：情绪低落",
        )

    visit(world.elder, world.worker, "done", days_ago=7)
    visit(world.elder, world.worker, "open")
    visit(world.other, world.worker_b, "done")
    login(client, world.family)

    text = client.get(reverse("portal:services", args=[world.elder.pk]), HTTP_ACCEPT_LANGUAGE="en")
    received = text.content.decode().split('id="visits-received"')[1]

    assert received.count('class="card"') == 1  # the done visit, not the open task, not the other elder's
    assert world.worker.full_name in received and "home visit" in received.lower()
    assert "情绪低落" not in received  # the findings stay the community's


def test_a_family_login_lands_on_the_portal_and_staff_do_not(world, client):
    login(client, world.family)
    assert client.get(reverse("web:home"))["Location"] == reverse("portal:home")
    login(client, world.worker)
    assert client.get(reverse("web:home")).status_code == 200
    assert client.get(reverse("portal:home")).status_code == 403


# --- the check-in and the watch --------------------------------------------------------------------------


def test_a_portal_checkin_keeps_the_missed_checkin_incident_away_with_or_without_a_device(world, client):
    silent = bf.elder(name="赵德明")
    for elder in (world.elder, silent):
        WatchSettings.objects.create(elder=elder, daily_checkin=True, checkin_by=dt.time(0, 0))
    login(client, world.family)

    answer = client.post(f"/api/v1/me/elders/{world.elder.pk}/checkin")
    run_watch()

    assert answer.status_code == 201 and answer.json()["channel"] == "portal"
    assert CheckIn.objects.filter(elder=world.elder, channel="portal", by=world.family).exists()
    missed = Incident.objects.filter(kind=IncidentKind.MISSED_CHECKIN)
    assert list(missed.values_list("elder_id", flat=True)) == [silent.pk]
    page = client.get(reverse("portal:elder", args=[world.elder.pk])).content.decode()
    assert reverse("portal:checkin", args=[world.elder.pk]) not in page  # done for today


# --- the portal's tasks ----------------------------------------------------------------------------------


def test_an_order_from_the_portal_shows_price_voucher_part_and_self_pay_before_it_is_placed(world, client):
    item = ServiceItem.objects.get(code="cleaning")
    amount = item.guide_price_fen
    self_pay = -(-amount * 10 // 100)  # 低保: 10 % self-pay, rounded up to the fen
    balance = ledger.voucher_balance(world.elder.pk)
    login(client, world.family)
    page = reverse("portal:order", args=[world.elder.pk])
    day = (timezone.localdate() + dt.timedelta(days=2)).isoformat()
    form = {"code": "cleaning", "day": day, "hour": "9", "quantity": "1"}

    check = client.post(page, {**form, "step": "check"})
    placed = client.post(page, {**form, "step": "confirm"})

    text = check.content.decode()
    assert re.search(rf'id="quote-price">{amount / 100:.2f} 元', text)
    assert re.search(rf'id="quote-voucher">{(amount - self_pay) / 100:.2f} 元', text)
    assert re.search(rf'id="quote-self-pay">{self_pay / 100:.2f} 元', text)
    assert (
        balance >= amount
        and not Order.objects.filter(elder=world.elder, state=OrderState.CREATED).count() > 1
    )
    order = Order.objects.filter(elder=world.elder).latest("id")
    assert placed.status_code == 302 and placed["Location"].endswith(f"/services/{order.pk}/")
    assert (order.source, order.state, order.created_by) == (
        OrderSource.FAMILY,
        OrderState.CREATED,
        world.family,
    )
    assert timezone.localtime(order.window_start).hour == 9


def test_a_family_confirms_and_rates_a_finished_service_and_complains(world, client):
    login(client, world.family)
    page = reverse("portal:service", args=[world.elder.pk, world.done.pk])
    shown = client.get(page).content.decode()
    assert "吴桂芳" in shown

    assert client.post(page, {"done": "yes", "comment": ""}).status_code == 422  # no rating chosen
    assert client.post(page, {"done": "yes", "rating": "5", "comment": "很好"}).status_code == 302
    complained = client.post(
        reverse("portal:complain", args=[world.elder.pk, world.done.pk]), {"description": "来晚了"}
    )

    world.done.refresh_from_db()
    assert (world.done.state, world.done.confirmed_via, world.done.rating) == ("confirmed", "portal", 5)
    assert complained.status_code == 302
    complaint = Complaint.objects.get(order=world.done)
    assert (complaint.source, complaint.received_by) == ("family", world.family)


def test_a_family_edits_the_emergency_contacts_and_a_bad_phone_saves_nothing(world, client):
    login(client, world.family)
    page = reverse("portal:contacts", args=[world.elder.pk])
    bad = client.post(page, {"name_1": "王小明", "relation_1": "儿子", "phone_1": "12"})
    assert bad.status_code == 422 and not world.elder.contacts.exists()

    good = client.post(
        page, {"name_1": "王小明", "relation_1": "儿子", "phone_1": "13900002222", "keyholder_1": "on"}
    )

    assert good.status_code == 302
    assert list(world.elder.contacts.values_list("name", "phone", "is_keyholder")) == [
        ("王小明", "13900002222", True)
    ]
    assert AuditLog.objects.filter(actor=world.family, action="elders.contacts").exists()
    shown = client.get(page).content.decode()
    assert "139****2222" in shown and "13900002222" not in shown  # masked, and kept when sent back so
    client.post(page, {"name_1": "王小明", "relation_1": "女婿", "phone_1": "139****2222"})
    assert list(world.elder.contacts.values_list("relation", "phone")) == [("女婿", "13900002222")]


def test_the_larger_text_switch_persists_in_a_cookie(world, client):
    login(client, world.family)
    client.post(reverse("portal:text_size"), {"next": reverse("portal:home")})
    assert 'class="large-text"' in client.get(reverse("portal:home")).content.decode()
    client.post(reverse("portal:text_size"), {"next": "https://evil.example/"})
    assert 'class="large-text"' not in client.get(reverse("portal:home")).content.decode()


def test_the_migration_carries_a_family_logins_caregiver_assignment_over_to_a_family_link(world):
    import importlib

    from django.apps import apps

    from shouwang.elders.models import Assignment

    Assignment.objects.create(elder=world.other, user=world.stranger, kind="caregiver")  # the old stand-in
    migration = importlib.import_module("shouwang.elders.migrations.0012_family_link")

    migration.carry_over_family_assignments(apps, None)

    link = FamilyLink.objects.get(user=world.stranger)
    assert (link.elder, link.consent_way) == (world.other, ConsentWay.MIGRATED)
    assert not Assignment.objects.filter(user=world.stranger).exists()
