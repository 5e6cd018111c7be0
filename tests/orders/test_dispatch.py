"""Dispatch: by hand and automatically, its refusals, and the deadline that moves an order on."""

import datetime as dt
import threading

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from shouwang.core.actors import SYSTEM
from shouwang.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from shouwang.core.models import AuditLog
from shouwang.orders import dispatch
from shouwang.orders.dispatch import auto_dispatch, dispatch_log, dispatch_order, expire_overdue
from shouwang.orders.models import Order, OrderState
from shouwang.providers import evaluation
from tests import factories
from tests.orders import factories as of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
S = OrderState


@pytest.fixture
def order(elder_a):
    return of.OrderFactory(elder=elder_a, items=["cleaning", ("bathing", 2)], lat=43.85, lon=126.55)


@pytest.fixture
def two_providers(admitted_a, admitted_b, carer_a, carer_b):
    """甲 on the elder's doorstep ranks first, 乙 5 km away second."""
    return admitted_a, admitted_b


def test_dispatch_by_hand_fixes_prices_and_the_deadline(operator, order, two_providers, settings):
    settings.SHOUWANG_ORDER_ACCEPT_MINUTES = 30
    _first, second = two_providers
    before = timezone.now()

    dispatched = dispatch_order(actor=operator, order_id=order.pk, provider_id=second.pk, reason="家属指定")

    dispatched.refresh_from_db()
    assert dispatched.state == S.DISPATCHED
    assert dispatched.provider_id == second.pk
    assert dispatched.dispatched_at >= before
    assert dispatched.respond_by == dispatched.dispatched_at + dt.timedelta(minutes=30)
    assert [(line.item.code, line.unit_price_fen) for line in dispatched.lines.order_by("id")] == [
        ("cleaning", 4000),
        ("bathing", 8000),
    ]
    assert dispatched.amount_fen == 4000 + 2 * 8000
    transition = dispatched.transitions.get()
    assert (transition.from_state, transition.to_state, transition.reason) == (
        "created",
        "dispatched",
        "家属指定",
    )
    assert transition.details["provider_id"] == second.pk and transition.details["how"] == "manual"
    assert AuditLog.objects.filter(action="order.dispatched", object_id=str(order.pk)).exists()


def test_dispatch_refuses_a_provider_not_on_the_shortlist_with_the_reason(
    official, operator, order, two_providers
):
    first, _second = two_providers
    evaluation.add_to_list(actor=official, provider_id=first.pk, kind="black", reason="虚报服务")

    with pytest.raises(ValidationFailed) as refused:
        dispatch_order(actor=operator, order_id=order.pk, provider_id=first.pk)

    assert refused.value.code == "not_on_shortlist"
    assert refused.value.message == "甲服务商 cannot take this order: It is on the black list."
    order.refresh_from_db()
    assert order.state == S.CREATED and order.provider_id is None


def test_dispatch_refuses_an_unknown_provider(operator, order, two_providers):
    with pytest.raises(ValidationFailed, match="not designated for the elder's community"):
        dispatch_order(actor=operator, order_id=order.pk, provider_id=999999)


def test_dispatch_refuses_an_order_already_accepted(operator, elder_a, admitted_a, carer_a):
    accepted = of.OrderFactory(elder=elder_a, state=S.ACCEPTED, provider=admitted_a)

    with pytest.raises(Conflict) as refused:
        dispatch_order(actor=operator, order_id=accepted.pk, provider_id=admitted_a.pk)
    assert refused.value.code == "illegal_transition"


def test_dispatch_is_for_dispatchers_in_scope(provider_admin_a, worker_b, order, two_providers):
    with pytest.raises(Forbidden):
        dispatch_order(actor=provider_admin_a, order_id=order.pk, provider_id=two_providers[0].pk)
    with pytest.raises(NotFound):
        dispatch_order(actor=worker_b, order_id=order.pk, provider_id=two_providers[0].pk)


def test_auto_dispatch_picks_the_top_of_the_shortlist(operator, order, two_providers):
    outcome = auto_dispatch(actor=operator, order_id=order.pk)

    assert outcome.dispatched and outcome.provider_id == two_providers[0].pk
    order.refresh_from_db()
    assert order.state == S.DISPATCHED and order.provider_id == two_providers[0].pk
    assert "the top of the shortlist" in order.transitions.get().reason


def test_auto_dispatch_with_nobody_eligible_leaves_the_order_created_and_says_why(
    operator, order, admitted_a
):
    outcome = auto_dispatch(actor=operator, order_id=order.pk)

    assert not outcome.dispatched
    order.refresh_from_db()
    assert order.state == S.CREATED and not order.transitions.exists()
    record = AuditLog.objects.get(action=dispatch.NO_CANDIDATE, object_id=str(order.pk))
    assert "No provider may take this order now" in record.after["reason"]
    assert "甲服务商: It has no active caregiver." in record.after["reason"]
    log = dispatch_log(order)
    assert log[0]["state"] == "nobody to dispatch to" and "甲服务商" in log[0]["text"]


def test_auto_dispatch_of_a_rejected_order_skips_the_provider_that_rejected(operator, elder_a, two_providers):
    first, second = two_providers
    rejected = of.OrderFactory(elder=elder_a, state=S.REJECTED, provider=first)

    outcome = auto_dispatch(actor=SYSTEM, order_id=rejected.pk)

    rejected.refresh_from_db()
    assert outcome.provider_id == second.pk
    assert rejected.state == S.DISPATCHED and rejected.provider_id == second.pk
    assert rejected.declined_provider_ids == [first.pk]


def test_a_rejected_order_nobody_else_may_take_goes_back_to_created(elder_a, admitted_a, carer_a):
    rejected = of.OrderFactory(elder=elder_a, state=S.REJECTED, provider=admitted_a)

    outcome = auto_dispatch(actor=SYSTEM, order_id=rejected.pk)

    rejected.refresh_from_db()
    assert not outcome.dispatched
    assert rejected.state == S.CREATED and rejected.provider_id is None
    assert "already had this order" in rejected.transitions.get().reason


# --- the answer deadline -------------------------------------------------------------------------------


def overdue(order, minutes=31):
    order.refresh_from_db()
    return order.respond_by + dt.timedelta(minutes=1) if minutes else order.respond_by


def test_an_unanswered_order_moves_to_the_next_candidate_then_back_to_created(
    operator, order, two_providers, settings
):
    settings.SHOUWANG_ORDER_ACCEPT_MINUTES = 30
    first, second = two_providers
    auto_dispatch(actor=operator, order_id=order.pk)

    assert expire_overdue(now=timezone.now()) == 0  # not due yet
    later = overdue(order)
    assert expire_overdue(now=later) == 1

    order.refresh_from_db()
    assert order.state == S.DISPATCHED and order.provider_id == second.pk
    assert order.declined_provider_ids == [first.pk]
    assert order.respond_by == later + dt.timedelta(minutes=30)
    move = order.transitions.order_by("-id").first()
    assert (move.from_state, move.to_state, move.actor_id) == ("dispatched", "dispatched", None)
    assert move.reason == "No answer from 甲服务商 within 30 minutes. Moved on to 乙服务商."
    assert expire_overdue(now=later) == 0  # idempotent: the new deadline is not past

    last = overdue(order)
    assert expire_overdue(now=last) == 1
    order.refresh_from_db()
    assert order.state == S.CREATED
    assert order.provider_id is None and order.respond_by is None and order.amount_fen is None
    assert order.declined_provider_ids == [first.pk, second.pk]
    assert set(order.lines.values_list("unit_price_fen", flat=True)) == {None}
    back = order.transitions.order_by("-id").first()
    assert (
        back.reason
        == "No answer from 乙服务商 within 30 minutes. No other provider may take it; back in the queue."
    )
    assert expire_overdue(now=last + dt.timedelta(hours=1)) == 0

    # What the operator's panel shows, newest first.
    texts = [row["text"] for row in dispatch_log(order)]
    assert texts[0] == back.reason and texts[1] == move.reason


def test_an_answered_order_is_not_moved(operator, order, two_providers):
    auto_dispatch(actor=operator, order_id=order.pk)
    order.refresh_from_db()
    order.state = S.ACCEPTED
    order.save()

    assert expire_overdue(now=order.respond_by + dt.timedelta(hours=1)) == 0
    order.refresh_from_db()
    assert order.state == S.ACCEPTED and order.declined_provider_ids == []


def test_expire_overdue_handles_many_orders_each_once(tree, operator, two_providers):
    orders = [of.OrderFactory(elder=factories.ElderFactory()) for _ in range(3)]
    for each in orders:
        auto_dispatch(actor=operator, order_id=each.pk)
    later = timezone.now() + dt.timedelta(hours=1)

    assert expire_overdue(now=later) == 3
    assert expire_overdue(now=later) == 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks with SKIP LOCKED need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_a_second_worker_skips_an_order_the_first_holds(operator, order, two_providers):
    """Two schedulers running ``expire_overdue`` at once never move the same order twice (PostgreSQL's
    row locks; SQLite runs one writer at a time anyway)."""
    auto_dispatch(actor=operator, order_id=order.pk)
    later = timezone.now() + dt.timedelta(hours=1)
    moved = {}

    def second_worker():
        try:
            moved["second"] = expire_overdue(now=later)
        finally:
            connections.close_all()

    with transaction.atomic():
        Order.objects.select_for_update().get(pk=order.pk)  # the first worker holds the order
        worker = threading.Thread(target=second_worker)
        worker.start()
        worker.join(30)

    assert moved["second"] == 0
    assert expire_overdue(now=later) == 1
    order.refresh_from_db()
    assert order.provider_id == two_providers[1].pk
