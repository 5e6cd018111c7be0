"""Console pages: the phone desk, the boards (polling), an order's page and its buttons, complaints."""

import datetime as dt

import pytest
from django.utils import timezone

from shouwang.orders.models import Complaint, Order
from shouwang.orders.models import OrderState as S
from tests import factories
from tests.orders import factories as of

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def padmin_a(admitted_a):
    return factories.user("provider_admin", provider_id=admitted_a.pk)


def test_the_desk_finds_an_elder_by_pinyin_initials_and_masks_the_phone(client, operator, elder_a):
    client.force_login(operator)

    page = client.get("/orders/desk/").content.decode()
    found = client.get("/orders/desk/elders/", {"q": "zsf"}).content.decode()

    assert 'hx-get="/orders/desk/elders/"' in page
    assert "张三丰" in found
    assert elder_a.phone not in found and elder_a.phone[-4:] in found
    assert elder_a.id_number not in found


def test_the_desk_finds_by_phone(client, operator, elder_a):
    client.force_login(operator)
    assert "张三丰" in client.get("/orders/desk/elders/", {"q": elder_a.phone}).content.decode()


def test_the_desk_places_an_order_and_shows_it(client, operator, elder_a):
    client.force_login(operator)
    day = timezone.localdate() + dt.timedelta(days=1)

    response = client.post(
        "/orders/desk/",
        {
            "elder_id": elder_a.pk,
            "items": ["cleaning", "meal"],
            "quantity_cleaning": "2",
            "quantity_meal": "1",
            "day": day.isoformat(),
            "start": "09:00",
            "end": "11:00",
            "source": "phone",
        },  # fmt: skip
        follow=True,
    )

    order = Order.objects.get()
    assert response.redirect_chain[-1][0] == f"/orders/{order.pk}/"
    assert timezone.localtime(order.window_start).strftime("%Y-%m-%d %H:%M") == f"{day} 09:00"
    assert sorted(order.lines.values_list("item__code", "quantity")) == [("cleaning", 2), ("meal", 1)]
    assert "张三丰" in response.content.decode()


def test_a_desk_mistake_is_shown_and_nothing_is_saved(client, operator, elder_a):
    client.force_login(operator)
    day = timezone.localdate() + dt.timedelta(days=1)

    response = client.post(
        "/orders/desk/",
        {"elder_id": elder_a.pk, "day": day.isoformat(), "start": "11:00", "end": "09:00"},
    )

    assert response.status_code == 200
    assert 'class="field-error"' in response.content.decode()
    assert not Order.objects.exists()


@pytest.mark.usefixtures("english")
def test_a_providers_desk_finds_and_orders_only_for_the_elders_it_serves(
    client, padmin_a, admitted_a, admitted_b, carer_a, elder_a
):
    served = factories.ElderFactory(community_id=elder_a.community_id, name="张三")
    of.served_by(admitted_a, served)
    of.served_by(admitted_b, elder_a)  # 张三丰: same community, another provider's
    client.force_login(padmin_a)
    day = timezone.localdate() + dt.timedelta(days=1)
    form = {"items": ["cleaning"], "day": day.isoformat(), "start": "09:00", "end": "10:00"}

    found = client.get("/orders/desk/elders/", {"q": "张三"}).content.decode()
    refused = client.post("/orders/desk/", {**form, "elder_id": elder_a.pk}).content.decode()
    missing = client.post("/orders/desk/", {**form, "elder_id": 987654}).content.decode()
    placed = client.post("/orders/desk/", {**form, "elder_id": served.pk})

    assert "张三" in found and "张三丰" not in found
    for answer in (refused, missing):
        assert "This elder does not exist or is outside your area." in answer and "张三丰" not in answer
    assert placed.status_code == 302
    taken = Order.objects.filter(provider=admitted_a, state=S.ACCEPTED)
    assert list(taken.values_list("elder", flat=True)) == [served.pk]


def test_a_caregiver_has_no_desk_or_board(client, carer_a):
    client.force_login(carer_a.user)
    assert client.get("/orders/desk/").status_code == 403
    assert client.get("/orders/").status_code == 403


def test_the_board_counts_states_and_polls_its_table(client, operator, elder_a, elder_b, admitted_a):
    of.OrderFactory(elder=elder_a)
    of.OrderFactory(elder=elder_b, state=S.DISPATCHED, provider=admitted_a)
    client.force_login(operator)

    page = client.get("/orders/").content.decode()
    table = client.get("/orders/board/table/", {"state": "dispatched"}).content.decode()

    assert 'hx-trigger="every 5s"' in page
    assert 'hx-get="/orders/board/table/?' in page
    assert "甲服务商" in table
    assert table.count("data-order=") == 1


def test_the_board_shows_a_redispatch_on_the_next_poll(client, operator, elder_a, admitted_a, admitted_b):
    order = of.OrderFactory(elder=elder_a, state=S.DISPATCHED, provider=admitted_a)
    client.force_login(operator)
    before = client.get("/orders/board/table/").content.decode()
    order.provider = admitted_b
    order.save()

    after = client.get("/orders/board/table/").content.decode()

    assert "甲服务商" in before and "乙服务商" in after and "甲服务商" not in after


def test_the_provider_board_accepts_rejects_and_assigns(client, padmin_a, elder_a, admitted_a, carer_a):
    first = of.OrderFactory(elder=elder_a, state=S.DISPATCHED, provider=admitted_a)
    second = of.OrderFactory(elder=elder_a, state=S.DISPATCHED, provider=admitted_a)
    client.force_login(padmin_a)

    page = client.get("/orders/provider/").content.decode()
    assert 'hx-trigger="every 5s"' in page
    assert page.count('data-order="') == 2
    assert elder_a.id_number not in page and elder_a.id_number[-6:] not in page

    client.post(f"/orders/{first.pk}/do/accept/", {"next": "provider_board"})
    client.post(f"/orders/{second.pk}/do/reject/", {"next": "provider_board", "reason": "Full"})
    table = client.get("/orders/provider/table/").content.decode()
    assert f'value="{carer_a.pk}"' in table  # the eligible caregiver is offered for the accepted order

    client.post(f"/orders/{first.pk}/do/assign/", {"staff_id": carer_a.pk, "next": "provider_board"})
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, first.caregiver) == (S.ASSIGNED, carer_a)
    assert second.state == S.CREATED and admitted_a.pk in second.declined_provider_ids


def test_the_order_page_shows_lines_timeline_and_only_allowed_buttons(client, padmin_a, elder_a, admitted_a):
    order = of.OrderFactory(elder=elder_a, state=S.DISPATCHED, provider=admitted_a, history=True)
    client.force_login(padmin_a)

    page = client.get(f"/orders/{order.pk}/").content.decode()

    assert "助洁·居室保洁" in page and "40.00" in page
    assert page.count("<li><time") == 2
    assert 'data-action="accept"' in page and 'data-action="reject"' in page
    assert 'data-action="cancel"' not in page and 'data-action="settle"' not in page
    assert elder_a.id_number not in page
    assert elder_a.phone not in page


def test_a_refused_button_shows_the_message(client, official, elder_a):
    order = of.OrderFactory(elder=elder_a, state=S.CANCELLED)
    client.force_login(official)

    page = client.post(f"/orders/{order.pk}/do/cancel/", {"reason": "again"}, follow=True).content.decode()

    assert 'class="alert alert-error"' in page


def test_settling_shows_the_settlement_record(client, official, elder_a, admitted_a, carer_a):
    order = of.OrderFactory(elder=elder_a, state=S.CONFIRMED, provider=admitted_a, caregiver=carer_a)
    client.force_login(official)

    page = client.post(f"/orders/{order.pk}/do/settle/", follow=True).content.decode()

    assert 'id="settlement"' in page and "40.00" in page


def test_an_order_of_another_community_is_404(client, worker_b, elder_a):
    order = of.OrderFactory(elder=elder_a)
    client.force_login(worker_b)
    assert client.get(f"/orders/{order.pk}/").status_code == 404


def test_complaints_from_filing_to_closing_in_the_console(client, operator, official, worker_a, elder_a,
                                                         admitted_a, carer_a):  # fmt: skip
    order = of.OrderFactory(elder=elder_a, state=S.COMPLETED, provider=admitted_a, caregiver=carer_a)
    client.force_login(operator)

    client.post("/orders/complaints/", {"order_id": order.pk, "source": "elder", "description": "Late again"})
    complaint = Complaint.objects.get()
    client.force_login(official)
    page = client.get(f"/orders/complaints/{complaint.pk}/").content.decode()
    assert "Late again" in page and f'value="{worker_a.pk}"' in page
    client.post(f"/orders/complaints/{complaint.pk}/assign/", {"assignee_id": worker_a.pk})
    client.post(f"/orders/complaints/{complaint.pk}/resolve/", {"outcome": "upheld", "resolution": "Warned"})
    client.post(f"/orders/complaints/{complaint.pk}/close/")

    complaint.refresh_from_db()
    assert complaint.state == "closed"
    listing = client.get("/orders/complaints/").content.decode()
    assert f"/orders/complaints/{complaint.pk}/" in listing


@pytest.mark.usefixtures("english")
def test_a_wrong_time_at_the_desk_shows_its_message_and_nothing_else(client, operator, elder_a):
    """A time error alone: the services' error box stays empty (it once printed the errors as dict_items)."""
    client.force_login(operator)
    day = timezone.localdate() + dt.timedelta(days=1)

    page = client.post(
        "/orders/desk/",
        {
            "elder_id": elder_a.pk,
            "items": ["cleaning"],
            "day": day.isoformat(),
            "start": "11:00",
            "end": "09:00",
        },
    ).content.decode()

    assert "The window must end after it starts." in page
    assert "dict_items" not in page


@pytest.mark.usefixtures("english")
def test_an_empty_desk_asks_for_the_elder_and_lists_every_other_problem(client, operator, elder_a):
    client.force_login(operator)

    page = client.post("/orders/desk/", {"day": "", "start": "", "end": ""}).content.decode()

    assert "Enter a name, ID number or phone, then choose the elder." in page
    assert "outside your area" not in page
    assert "Choose at least one service." in page
    assert "Give the date and the time window." in page
    assert not Order.objects.exists()


def test_the_desk_finds_an_elder_by_the_first_digits_of_the_phone(client, operator, elder_a):
    client.force_login(operator)

    found = client.get("/orders/desk/elders/", {"q": elder_a.phone[:6]}).content.decode()

    assert "张三丰" in found


def test_the_provider_board_says_reject_an_order_not_refuse_admission(client, padmin_a, elder_a, admitted_a):
    of.OrderFactory(elder=elder_a, state=S.DISPATCHED, provider=admitted_a)
    client.force_login(padmin_a)

    page = client.get("/orders/provider/").content.decode()

    assert "拒单" in page and "接单" in page
    assert "不予准入" not in page  # the provider admission's word


@pytest.mark.usefixtures("english")
def test_accepting_and_rejecting_say_what_happened(client, padmin_a, elder_a, admitted_a):
    first = of.OrderFactory(elder=elder_a, state=S.DISPATCHED, provider=admitted_a)
    second = of.OrderFactory(elder=elder_a, state=S.DISPATCHED, provider=admitted_a)
    client.force_login(padmin_a)

    accepted = client.post(f"/orders/{first.pk}/do/accept/", {"next": "provider_board"}, follow=True)
    rejected = client.post(
        f"/orders/{second.pk}/do/reject/", {"next": "provider_board", "reason": "Full"}, follow=True
    )

    assert f"Order #{first.pk} accepted: assign a caregiver to it." in accepted.content.decode()
    assert f"Order #{second.pk} rejected: it goes back to dispatch" in rejected.content.decode()
    assert "Saved." not in accepted.content.decode() + rejected.content.decode()


@pytest.mark.usefixtures("english")
def test_a_long_order_note_is_refused_with_its_limit_and_not_cut_short(client, operator, elder_a):
    client.force_login(operator)
    day = timezone.localdate() + dt.timedelta(days=1)

    page = client.post(
        "/orders/desk/",
        {
            "elder_id": elder_a.pk,
            "items": ["cleaning"],
            "day": day.isoformat(),
            "start": "09:00",
            "end": "10:00",
            "note": "x" * 3000,
        },  # fmt: skip
    ).content.decode()

    assert "The note is at most 300 characters long; this one has 3000." in page
    assert 'maxlength="300"' not in page
    assert not Order.objects.exists()


def test_the_board_lists_the_newest_order_first(client, operator, elder_a, elder_b):
    older = of.OrderFactory(elder=elder_a)
    newer = of.OrderFactory(elder=elder_b)
    Order.objects.filter(pk=older.pk).update(created_at=timezone.now() - dt.timedelta(days=2))
    client.force_login(operator)

    table = client.get("/orders/board/table/").content.decode()

    assert table.index(f'data-order="{newer.pk}"') < table.index(f'data-order="{older.pk}"')
