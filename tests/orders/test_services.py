"""Order services: creation rules, every core transition and its refusals, settlement, and the hooks."""

import datetime as dt

import pytest
from django.utils import timezone

from shouwang.core.actors import SYSTEM
from shouwang.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from shouwang.core.models import AuditLog
from shouwang.elders.services import record_life_event
from shouwang.orders import services
from shouwang.orders.models import OrderState as S
from shouwang.providers import admission
from tests import factories
from tests.orders import factories as of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def window(hours_from_now: float = 24, length: float = 1):
    start = timezone.now() + dt.timedelta(hours=hours_from_now)
    return start, start + dt.timedelta(hours=length)


def tomorrow_morning():
    """A window inside one local day, as a caregiver's shifts are, at whatever hour the tests run (a day
    from now crosses midnight when they run after 23:00 in the platform's zone)."""
    start = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0) + dt.timedelta(days=1)
    return start, start + dt.timedelta(hours=1)


def place(actor, elder, items=({"code": "cleaning", "quantity": 1},), **kwargs):
    start, end = kwargs.pop("window", window())
    return services.create_order(
        actor=actor,
        elder_id=elder.pk,
        items=list(items),
        window_start=start,
        window_end=end,
        source=kwargs.pop("source", "phone"),
        **kwargs,
    )


# --- creation --------------------------------------------------------------------------------------------


def test_an_operator_places_an_order_copying_the_elders_place(operator, elder_a):
    elder_a.lat, elder_a.lon = 43.8, 126.5
    elder_a.save()

    order = place(operator, elder_a, items=[{"code": "cleaning", "quantity": 2}, {"code": "meal"}])

    assert order.state == S.CREATED
    assert (order.community_id, order.address, order.lat, order.lon) == (
        elder_a.community_id,
        elder_a.address,
        43.8,
        126.5,
    )
    assert sorted(order.lines.values_list("item__code", "quantity")) == [("cleaning", 2), ("meal", 1)]
    first = order.transitions.get()
    assert (first.from_state, first.to_state, first.actor) == ("", S.CREATED, operator)
    assert AuditLog.objects.filter(action="order.create", object_id=str(order.pk)).exists()


def test_a_worker_of_another_community_cannot_order_for_the_elder(worker_b, elder_a):
    with pytest.raises(NotFound):
        place(worker_b, elder_a)


def test_a_provider_orders_only_for_the_elders_it_serves(admitted_a, admitted_b, carer_a, elder_a, elder_b):
    padmin = factories.user("provider_admin", provider_id=admitted_a.pk)
    stranger = factories.ElderFactory(community_id=elder_a.community_id, name="王五")  # its area, not served
    of.served_by(admitted_b, stranger)  # served by another provider
    of.served_by(admitted_a, elder_a)
    with pytest.raises(NotFound) as missing:
        place(padmin, factories.ElderFactory.build(pk=987654))

    order = place(padmin, elder_a, source="phone", window=tomorrow_morning())

    assert order.source == "provider"
    for elder in (stranger, elder_b):  # elder_b: another community, outside its service areas
        with pytest.raises(NotFound) as refused:
            place(padmin, elder, window=tomorrow_morning())
        assert refused.value.message == missing.value.message
        assert not elder.orders.filter(provider=admitted_a).exists()


def test_a_providers_own_order_is_its_own_accepted_and_priced(admitted_a, carer_a, elder_a):
    padmin = factories.user("provider_admin", provider_id=admitted_a.pk)
    of.served_by(admitted_a, elder_a)

    order = place(padmin, elder_a, items=[{"code": "cleaning", "quantity": 2}], window=tomorrow_morning())

    order.refresh_from_db()
    assert (order.state, order.provider_id, order.respond_by) == (S.ACCEPTED, admitted_a.pk, None)
    assert order.amount_fen == 2 * order.lines.get().unit_price_fen > 0
    moves = [t.to_state for t in order.transitions.order_by("at", "pk")]
    assert moves == [S.CREATED, S.DISPATCHED, S.ACCEPTED]
    assert "for itself" in order.transitions.get(to_state=S.DISPATCHED).reason


def test_a_provider_that_cannot_serve_the_order_is_told_why_and_nothing_is_saved(admitted_a, elder_a):
    padmin = factories.user("provider_admin", provider_id=admitted_a.pk)
    earlier = of.served_by(admitted_a, elder_a)

    with pytest.raises(ValidationFailed) as refused:
        place(padmin, elder_a)  # 甲服务商 has no caregiver yet

    assert "no active caregiver" in refused.value.message
    assert list(elder_a.orders.all()) == [earlier]


def test_a_caregiver_may_not_place_orders(carer_a, elder_a):
    with pytest.raises(Forbidden):
        place(carer_a.user, elder_a)


def test_family_orders_for_their_own_elder(elder_a, elder_b):
    family = of.family(elder_a)

    assert place(family, elder_a).source == "family"
    with pytest.raises(NotFound):
        place(family, elder_b)


@pytest.mark.parametrize(
    ("items", "field"),
    [
        ([], "items"),
        ([{"code": "no-such-item"}], "items"),
        ([{"code": "cleaning", "quantity": 0}], "items"),
        ([{"code": "cleaning"}, {"code": "cleaning"}], "items"),
    ],
)
def test_items_must_be_active_catalogue_codes(operator, elder_a, items, field):
    with pytest.raises(ValidationFailed) as refused:
        place(operator, elder_a, items=items)
    assert field in refused.value.errors


def test_a_retired_item_cannot_be_ordered(operator, elder_a):
    from shouwang.catalog.models import ServiceItem

    ServiceItem.objects.filter(code="visit").update(active=False)
    with pytest.raises(ValidationFailed, match="visit"):
        place(operator, elder_a, items=[{"code": "visit"}])


@pytest.mark.parametrize(
    ("start_hours", "length", "field"),
    [
        (24, -1, "window_end"),
        (-2, 1, "window_start"),
        (24 * 40, 1, "window_start"),
        (24, 13, "window_end"),
    ],
)
def test_the_window_must_be_sensible(operator, elder_a, start_hours, length, field):
    with pytest.raises(ValidationFailed) as refused:
        place(operator, elder_a, window=window(start_hours, length))
    assert field in refused.value.errors


def test_a_window_that_began_a_moment_ago_is_accepted(operator, elder_a):
    assert place(operator, elder_a, window=window(-0.1, 1)).state == S.CREATED


def test_no_orders_for_an_elder_who_has_died(operator, official, elder_a):
    record_life_event(actor=official, elder_id=elder_a.pk, event="deceased", date=timezone.localdate())
    with pytest.raises(ValidationFailed) as refused:
        place(operator, elder_a)
    assert refused.value.code == "elder_not_active"


# --- the provider's answer ---------------------------------------------------------------------------------


@pytest.fixture
def padmin_a(admitted_a):
    return factories.user("provider_admin", provider_id=admitted_a.pk)


@pytest.fixture
def dispatched(elder_a, admitted_a):
    return of.OrderFactory(elder=elder_a, state=S.DISPATCHED, provider=admitted_a)


def test_the_provider_accepts(padmin_a, dispatched):
    order = services.accept_order(actor=padmin_a, order_id=dispatched.pk)

    assert order.state == S.ACCEPTED
    assert order.respond_by is None
    assert order.transitions.get(to_state=S.ACCEPTED).actor == padmin_a


def test_another_provider_cannot_accept(dispatched, admitted_b):
    other = factories.user("provider_admin", provider_id=admitted_b.pk)
    with pytest.raises(NotFound):
        services.accept_order(actor=other, order_id=dispatched.pk)


def test_an_operator_cannot_accept_for_the_provider(operator, dispatched):
    with pytest.raises(Forbidden):
        services.accept_order(actor=operator, order_id=dispatched.pk)


def test_accepting_twice_is_an_illegal_transition(padmin_a, dispatched):
    services.accept_order(actor=padmin_a, order_id=dispatched.pk)
    with pytest.raises(Conflict) as refused:
        services.accept_order(actor=padmin_a, order_id=dispatched.pk)
    assert refused.value.code == "illegal_transition"


def test_a_rejection_needs_a_reason(padmin_a, dispatched):
    with pytest.raises(ValidationFailed):
        services.reject_order(actor=padmin_a, order_id=dispatched.pk, reason="  ")


def test_a_rejected_order_goes_back_to_the_queue_remembering_the_provider(padmin_a, dispatched, admitted_a):
    order = services.reject_order(actor=padmin_a, order_id=dispatched.pk, reason="No staff that day")

    moves = list(order.transitions.values_list("from_state", "to_state", "reason"))
    assert (S.DISPATCHED, S.REJECTED, "No staff that day") in moves
    assert (S.REJECTED, S.CREATED, "No staff that day") in moves
    assert admitted_a.pk in order.declined_provider_ids


def test_a_rejected_order_moves_on_to_the_next_provider(padmin_a, dispatched, admitted_a, admitted_b):
    of.caregiver(admitted_b)

    order = services.reject_order(actor=padmin_a, order_id=dispatched.pk, reason="Full")

    assert order.state == S.DISPATCHED
    assert order.provider_id == admitted_b.pk
    assert order.declined_provider_ids == [admitted_a.pk]


def test_only_a_dispatched_order_can_be_rejected(padmin_a, elder_a, admitted_a):
    order = of.OrderFactory(elder=elder_a, state=S.ACCEPTED, provider=admitted_a)
    with pytest.raises(Conflict):
        services.reject_order(actor=padmin_a, order_id=order.pk, reason="Changed our mind")


# --- assignment -------------------------------------------------------------------------------------------


@pytest.fixture
def accepted(elder_a, admitted_a):
    return of.OrderFactory(elder=elder_a, state=S.ACCEPTED, provider=admitted_a, items=["bathing"])


def test_the_provider_assigns_an_eligible_caregiver(padmin_a, accepted, carer_a):
    order = services.assign_caregiver(actor=padmin_a, order_id=accepted.pk, staff_id=carer_a.pk)

    assert (order.state, order.caregiver) == (S.ASSIGNED, carer_a)


def test_a_caregiver_without_the_certificate_is_refused_with_the_reason(padmin_a, accepted, admitted_a):
    uncertified = of.caregiver(admitted_a, certificates=())

    with pytest.raises(ValidationFailed) as refused:
        services.assign_caregiver(actor=padmin_a, order_id=accepted.pk, staff_id=uncertified.pk)

    assert refused.value.status == 422
    assert "certificate" in refused.value.errors["staff_id"]


def test_a_caregiver_off_shift_is_refused(padmin_a, accepted, admitted_a):
    night = of.caregiver(admitted_a, shifts={"mon": [["20:00", "23:00"]]})
    with pytest.raises(ValidationFailed, match="shifts"):
        services.assign_caregiver(actor=padmin_a, order_id=accepted.pk, staff_id=night.pk)


def test_a_busy_caregiver_is_refused(padmin_a, accepted, carer_a, elder_a, admitted_a):
    of.OrderFactory(
        elder=elder_a,
        state=S.ASSIGNED,
        provider=admitted_a,
        caregiver=carer_a,
        window_start=accepted.window_start + dt.timedelta(minutes=30),
    )
    with pytest.raises(ValidationFailed, match="already has order"):
        services.assign_caregiver(actor=padmin_a, order_id=accepted.pk, staff_id=carer_a.pk)


def test_a_caregiver_of_another_provider_is_refused(padmin_a, accepted, carer_b):
    with pytest.raises(ValidationFailed):
        services.assign_caregiver(actor=padmin_a, order_id=accepted.pk, staff_id=carer_b.pk)


def test_an_assigned_order_can_be_given_to_another_caregiver(padmin_a, accepted, carer_a, admitted_a):
    services.assign_caregiver(actor=padmin_a, order_id=accepted.pk, staff_id=carer_a.pk)
    second = of.caregiver(admitted_a)

    order = services.assign_caregiver(actor=padmin_a, order_id=accepted.pk, staff_id=second.pk)

    assert order.caregiver == second
    assert order.transitions.filter(to_state=S.ASSIGNED).count() == 2


def test_a_dispatched_order_cannot_be_assigned_before_acceptance(padmin_a, dispatched, carer_a):
    with pytest.raises(Conflict):
        services.assign_caregiver(actor=padmin_a, order_id=dispatched.pk, staff_id=carer_a.pk)


# --- cancel, dispute, settle ------------------------------------------------------------------------------


@pytest.mark.parametrize("state", [S.CREATED, S.DISPATCHED, S.ACCEPTED, S.ASSIGNED])
def test_open_orders_can_be_cancelled_with_a_reason(operator, elder_a, admitted_a, carer_a, state):
    order = of.OrderFactory(
        elder=elder_a,
        state=state,
        provider=None if state == S.CREATED else admitted_a,
        caregiver=carer_a if state == S.ASSIGNED else None,
    )

    cancelled = services.cancel_order(actor=operator, order_id=order.pk, reason="Elder in hospital")

    assert cancelled.state == S.CANCELLED
    assert cancelled.transitions.get(to_state=S.CANCELLED).reason == "Elder in hospital"


@pytest.mark.parametrize("state", [S.IN_SERVICE, S.COMPLETED, S.CONFIRMED, S.SETTLED, S.CANCELLED])
def test_served_or_closed_orders_cannot_be_cancelled(operator, elder_a, admitted_a, carer_a, state):
    order = of.OrderFactory(elder=elder_a, state=state, provider=admitted_a, caregiver=carer_a)
    with pytest.raises(Conflict) as refused:
        services.cancel_order(actor=operator, order_id=order.pk, reason="Too late")
    assert refused.value.code == "illegal_transition"


def test_a_cancellation_needs_a_reason(operator, elder_a):
    order = of.OrderFactory(elder=elder_a)
    with pytest.raises(ValidationFailed):
        services.cancel_order(actor=operator, order_id=order.pk, reason="")


def test_a_provider_cannot_cancel(padmin_a, dispatched):
    with pytest.raises(Forbidden):
        services.cancel_order(actor=padmin_a, order_id=dispatched.pk, reason="No")


@pytest.fixture
def completed(elder_a, admitted_a, carer_a):
    return of.OrderFactory(
        elder=elder_a, state=S.COMPLETED, provider=admitted_a, caregiver=carer_a, items=["cleaning"]
    )


def test_a_completed_visit_is_disputed_and_the_dispute_resolved(operator, official, completed):
    disputed = services.dispute_order(actor=operator, order_id=completed.pk, reason="Elder says nobody came")
    assert disputed.state == S.DISPUTED

    resolved = services.resolve_dispute(
        actor=official, order_id=completed.pk, outcome="confirm", resolution="EVV shows the visit"
    )
    assert resolved.state == S.CONFIRMED


def test_a_dispute_resolved_as_cancel_cancels(operator, completed):
    services.dispute_order(actor=operator, order_id=completed.pk, reason="Not done")
    order = services.resolve_dispute(
        actor=operator, order_id=completed.pk, outcome="cancel", resolution="Agreed"
    )
    assert order.state == S.CANCELLED


def test_an_open_order_cannot_be_disputed(operator, dispatched):
    with pytest.raises(Conflict):
        services.dispute_order(actor=operator, order_id=dispatched.pk, reason="?")


def test_resolving_an_undisputed_order_is_an_illegal_transition(official, completed):
    with pytest.raises(Conflict):
        services.resolve_dispute(actor=official, order_id=completed.pk, outcome="confirm", resolution="x")


def test_settlement_fills_the_amount_from_the_line_prices(official, elder_a, admitted_a, carer_a):
    order = of.OrderFactory(
        elder=elder_a,
        state=S.CONFIRMED,
        provider=admitted_a,
        caregiver=carer_a,
        items=[("cleaning", 2), "meal"],
    )

    settled = services.settle_order(actor=official, order_id=order.pk)

    assert settled.state == S.SETTLED
    assert settled.amount_fen == 2 * 4000 + 1500
    assert (settled.subsidy_fen, settled.self_pay_fen) == (0, settled.amount_fen)


def test_the_system_settles_and_looks_up_a_missing_price(elder_a, admitted_a, carer_a):
    order = of.OrderFactory(
        elder=elder_a, state=S.CONFIRMED, provider=admitted_a, caregiver=carer_a, items__priced=False
    )

    settled = services.settle_order(actor=SYSTEM, order_id=order.pk)

    assert settled.amount_fen == 4000
    assert order.lines.get().unit_price_fen == 4000


def test_only_confirmed_orders_are_settled(official, completed):
    with pytest.raises(Conflict):
        services.settle_order(actor=official, order_id=completed.pk)


def test_an_operator_cannot_settle(operator, elder_a, admitted_a, carer_a):
    order = of.OrderFactory(elder=elder_a, state=S.CONFIRMED, provider=admitted_a, caregiver=carer_a)
    with pytest.raises(Forbidden):
        services.settle_order(actor=operator, order_id=order.pk)


def test_settled_is_final(official, elder_a, admitted_a, carer_a):
    order = of.OrderFactory(elder=elder_a, state=S.SETTLED, provider=admitted_a, caregiver=carer_a)
    with pytest.raises(Conflict):
        services.dispute_order(actor=official, order_id=order.pk, reason="late")


# --- hooks --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("event", ["deceased", "moved_out"])
def test_a_death_or_move_cancels_the_elders_open_orders(official, elder_a, admitted_a, carer_a, event):
    waiting = of.OrderFactory(elder=elder_a)
    assigned = of.OrderFactory(elder=elder_a, state=S.ASSIGNED, provider=admitted_a, caregiver=carer_a)
    done = of.OrderFactory(elder=elder_a, state=S.COMPLETED, provider=admitted_a, caregiver=carer_a)

    record_life_event(actor=official, elder_id=elder_a.pk, event=event, date=timezone.localdate())

    for order in (waiting, assigned):
        order.refresh_from_db()
        assert order.state == S.CANCELLED
        assert "The elder has" in order.transitions.get(to_state=S.CANCELLED).reason
    done.refresh_from_db()
    assert done.state == S.COMPLETED


def test_an_exiting_providers_open_orders_are_handed_over(official, elder_a, admitted_a, admitted_b, carer_a):
    of.caregiver(admitted_b)
    accepted = of.OrderFactory(elder=elder_a, state=S.ACCEPTED, provider=admitted_a)
    assigned = of.OrderFactory(elder=elder_a, state=S.ASSIGNED, provider=admitted_a, caregiver=carer_a)
    started = of.OrderFactory(elder=elder_a, state=S.IN_SERVICE, provider=admitted_a, caregiver=carer_a)

    admission.exit_provider(actor=official, provider_id=admitted_a.pk, kind="forced", reason="Fraud")

    for order in (accepted, assigned):
        order.refresh_from_db()
        assert order.provider_id == admitted_b.pk
        assert order.state == S.DISPATCHED
        assert order.caregiver_id is None
        assert admitted_a.pk in order.declined_provider_ids
    started.refresh_from_db()
    assert (started.state, started.provider_id) == (S.IN_SERVICE, admitted_a.pk)


def test_handed_over_orders_wait_when_nobody_else_may_take_them(official, elder_a, admitted_a):
    order = of.OrderFactory(elder=elder_a, state=S.DISPATCHED, provider=admitted_a)

    admission.exit_provider(actor=official, provider_id=admitted_a.pk, kind="voluntary", reason="Closing")

    order.refresh_from_db()
    assert (order.state, order.provider_id) == (S.CREATED, None)
    assert order.declined_provider_ids == [admitted_a.pk]
