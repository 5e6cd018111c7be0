"""The shared order factories make what they promise."""

import pytest

from shouwang.orders.models import OrderState
from shouwang.providers.staff import eligibility
from tests.orders import factories as of

pytestmark = pytest.mark.django_db


def test_an_assigned_order_has_priced_lines_and_an_eligible_caregiver(elder_a, admitted_a, carer_a):
    order = of.OrderFactory(
        elder=elder_a,
        state=OrderState.ASSIGNED,
        provider=admitted_a,
        caregiver=carer_a,
        items=["cleaning", ("bathing", 2)],
        history=True,
    )

    lines = list(order.lines.select_related("item"))
    assert [(line.item.code, line.quantity, line.unit_price_fen) for line in lines] == [
        ("cleaning", 1, 4000),
        ("bathing", 2, 8000),
    ]
    assert order.community_id == elder_a.community_id
    assert [t.to_state for t in order.transitions.all()] == ["created", "dispatched", "accepted", "assigned"]
    for line in lines:
        assert eligibility(carer_a, line.item, order.window_start, order.window_end) == []
    assert carer_a.user.provider_id == admitted_a.pk


def test_a_created_order_is_unpriced(elder_a):
    order = of.OrderFactory(elder=elder_a)

    assert order.state == OrderState.CREATED
    assert [line.unit_price_fen for line in order.lines.all()] == [None]
    assert order.respond_by is None
