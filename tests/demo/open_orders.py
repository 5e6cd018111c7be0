"""A demo district looks like a working one: most of today's open orders have a provider that may take
them (issue 16: in a 300-elder demo none of the open orders had one, for want of skilled caregivers)."""

from shouwang.orders.generation import generate_orders
from shouwang.orders.matching import shortlist
from shouwang.orders.models import Order, OrderState


def check_most_open_demo_orders_have_an_eligible_provider():
    """On a seeded demo district (tests/demo/test_demo_district.py seeds it once for every such check)."""
    generate_orders()  # what the scheduler does first when the demo starts: the care plans' orders
    open_orders = list(Order.objects.filter(state=OrderState.CREATED))

    matchable = [order for order in open_orders if shortlist(order, limit=None).eligible_count > 0]

    assert len(open_orders) >= 3
    assert len(matchable) >= 0.75 * len(open_orders), [
        (order.pk, [str(e.reason) for e in shortlist(order, limit=None, explain=True).excluded][:3])
        for order in open_orders
        if order not in matchable
    ]
