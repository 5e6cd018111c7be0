"""The desk's pages: the pop-up and card, recording a call (an emergency reaching the alarm console),
what is done on the elder's behalf through the orders desk and the complaints workflow, call-backs, the
active-care list, the knowledge base and the statistics."""

import datetime as dt

import pytest
from django.utils import timezone

from shouwang.core.actors import SYSTEM
from shouwang.core.models import AuditLog
from shouwang.hotline import services
from shouwang.hotline.models import Article, CallRecord, CareCall, OnBehalf
from shouwang.orders.models import Complaint, Order, OrderSource
from tests import factories
from tests.orders import factories as of

pytestmark = pytest.mark.django_db


def test_the_pop_up_shows_the_masked_card_of_the_callers_elder(client, desk):
    client.force_login(desk.operator)
    page = client.get("/hotline/", {"number": "139 0000 1111"}).content.decode()
    assert "王大爷" in page and 'id="elder-card"' in page  # the only elder of the number: its card opens
    assert "138****0001" in page and "13800000001" not in page
    assert desk.elder_a.id_number not in page
    assert f"/elders/{desk.elder_a.pk}/" in page  # the audited reveal is on the elder's page
    assert (
        "not a phone number"
        in client.get("/hotline/", {"number": "12"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    )
    client.force_login(desk.worker_b)
    assert 'id="elder-card"' not in client.get("/hotline/", {"elder": desk.elder_a.pk}).content.decode()


def test_an_emergency_recorded_at_the_desk_opens_an_alarm(client, desk):
    client.force_login(desk.operator)
    answer = client.post(
        "/hotline/record/",
        {
            "caller_number": "13900001111",
            "elder_id": desk.elder_a.pk,
            "started_at": (timezone.now() - dt.timedelta(seconds=40)).isoformat(),
            "reason": "emergency",
            "outcome": "referred",
            "duration_seconds": "40",
            "summary": "老人在家摔倒",
        },
    )
    call = CallRecord.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"/hotline/calls/{call.pk}/"
    assert call.incident is not None and call.incident.kind == "voice"
    assert f"/alarms/console/{call.incident_id}/" in client.get(answer["Location"]).content.decode()


def test_a_desk_mistake_is_shown_and_nothing_saved(client, desk):
    client.force_login(desk.operator)
    answer = client.post(
        "/hotline/record/", {"reason": "emergency", "outcome": "referred", "duration_seconds": "5"}
    )
    assert answer.status_code == 422 and not CallRecord.objects.exists()


def test_orders_complaints_and_confirmations_on_the_elders_behalf(client, desk):
    call = services.record_call(
        actor=desk.operator, reason="order", outcome="resolved", elder_id=desk.elder_a.pk
    )
    client.force_login(desk.operator)
    desk_page = client.get(f"/hotline/calls/{call.pk}/order/").content.decode()
    assert "王大爷" in desk_page and f'action="/hotline/calls/{call.pk}/order/"' in desk_page
    day = timezone.localdate() + dt.timedelta(days=1)
    answer = client.post(
        f"/hotline/calls/{call.pk}/order/",
        {
            "elder_id": desk.elder_b.pk,
            "items": ["cleaning"],
            "quantity_cleaning": "1",
            "day": day.isoformat(),
            "start": "09:00",
            "end": "10:00",
        },
    )
    order = Order.objects.get()
    assert answer["Location"] == f"/orders/{order.pk}/"
    assert (order.elder, order.source) == (
        desk.elder_a,
        OrderSource.PHONE,
    )  # the call's elder, whatever is posted
    assert OnBehalf.objects.get(call=call).order == order
    log = AuditLog.objects.get(action="hotline.on_behalf")
    assert log.after["order"] == order.pk

    provider = of.admitted_provider(
        desk.official, of.factories.provider("投诉对象"), areas=(desk.elder_a.community_id,)
    )
    served = of.served_by(provider, desk.elder_a)
    answer = client.post(
        f"/hotline/calls/{call.pk}/complaint/",
        {"description": "服务员迟到", "source": "elder", "order_id": served.pk},
    )
    complaint = Complaint.objects.get()
    assert answer.status_code == 302 and complaint.elder == desk.elder_a
    assert OnBehalf.objects.filter(call=call, complaint=complaint).exists()
    page = client.get(f"/hotline/calls/{call.pk}/").content.decode()
    assert f"/orders/complaints/{complaint.pk}/" in page and f"/orders/{order.pk}/" in page
    card = client.get("/hotline/", {"elder": desk.elder_a.pk}).content.decode()
    assert f"/orders/{served.pk}/" in card.split('id="elder-card"')[1]  # the service given, on the card

    client.force_login(desk.worker_b)  # another community's desk: the call is not there
    assert client.get(f"/hotline/calls/{call.pk}/order/").status_code == 404


def test_call_backs_care_list_and_statistics_pages(client, desk):
    services.record_call(
        actor=desk.operator,
        reason="information",
        outcome="call_back",
        elder_id=desk.elder_a.pk,
        call_back_due=timezone.now() - dt.timedelta(hours=1),
    )
    client.force_login(desk.operator)
    page = client.get("/hotline/callbacks/").content.decode()
    assert "王大爷" in page and "badge-warn" in page
    assert client.post("/hotline/care/make/").status_code == 302
    care = client.get("/hotline/care/").content.decode()
    assert "王大爷" in care and "138****0001" in care
    stats = client.get("/hotline/stats/").content.decode()
    assert timezone.localdate().isoformat() in stats


def test_officials_keep_the_knowledge_base_audited(client, desk):
    client.force_login(desk.operator)
    assert client.get("/hotline/knowledge/new/").status_code == 403
    client.force_login(desk.official)
    client.post(
        "/hotline/knowledge/new/", {"question": "助餐点在哪里？", "answer": "社区食堂", "keywords": "吃饭"}
    )
    article = Article.objects.get()
    client.post(
        f"/hotline/knowledge/{article.pk}/",
        {"question": "助餐点在哪？", "answer": "社区食堂", "keywords": ""},
    )
    client.post(f"/hotline/knowledge/{article.pk}/retire/")
    article.refresh_from_db()
    assert (article.question, article.state) == ("助餐点在哪？", "retired")
    assert list(
        AuditLog.objects.filter(object_id=str(article.pk), action__startswith="hotline.")
        .order_by("id")
        .values_list("action", flat=True)
    ) == [
        "hotline.article_created",
        "hotline.article_updated",
        "hotline.article_retired",
    ]
    client.force_login(desk.operator)
    assert "助餐点" not in client.get("/hotline/knowledge/search/", {"q": "zc"}).content.decode()


def test_a_check_in_said_on_the_phone_is_made_for_the_elder_and_the_watch_counts_it(client, desk):
    from shouwang.alarms.models import CheckIn, Incident, IncidentKind, WatchSettings
    from shouwang.alarms.watch import run_watch

    for elder in (desk.elder_a, desk.elder_b):
        WatchSettings.objects.create(elder=elder, daily_checkin=True, checkin_by=dt.time(0, 0))
    call = services.record_call(
        actor=desk.operator, reason="emotional", outcome="resolved", elder_id=desk.elder_a.pk
    )
    client.force_login(desk.worker_b)  # another community's desk: the call is not there, nothing made
    assert client.post(f"/hotline/calls/{call.pk}/checkin/").status_code == 404
    assert not CheckIn.objects.exists()

    client.force_login(desk.operator)
    answer = client.post(f"/hotline/calls/{call.pk}/checkin/")
    run_watch()

    assert answer.status_code == 302 and answer["Location"] == f"/hotline/calls/{call.pk}/"
    checkin = CheckIn.objects.get()
    assert (checkin.elder, checkin.channel, checkin.by) == (desk.elder_a, "desk", desk.operator)
    assert OnBehalf.objects.get(call=call).checkin == checkin
    assert AuditLog.objects.get(action="hotline.on_behalf").after["checkin"] == checkin.pk
    missed = Incident.objects.filter(kind=IncidentKind.MISSED_CHECKIN).values_list("elder_id", flat=True)
    assert list(missed) == [desk.elder_b.pk]  # only the elder nobody checked in for


def test_the_care_list_is_paged_with_the_elders_still_to_call_first(client, desk, settings):
    settings.SHOUWANG_PAGE_SIZE = 1
    factories.ElderFactory(community_id=factories.COMMUNITY_A, name="钱奶奶", living_arrangement="alone")
    services.generate_care_calls(actor=SYSTEM)
    first = CareCall.objects.get(elder=desk.elder_a)
    services.complete_care_call(actor=desk.operator, care_call_id=first.pk, outcome="resolved")
    client.force_login(desk.operator)
    page_one = client.get("/hotline/care/").content.decode()
    page_two = client.get("/hotline/care/?page=2").content.decode()
    assert "钱奶奶" in page_one and "王大爷" not in page_one  # the one still to call comes first
    assert "王大爷" in page_two and "钱奶奶" not in page_two
    assert "今天还有 1 位独居老人待致电。" in page_two  # counted over the whole list, not the page
