"""The demo leaves anomalies waiting for review, found by the checks in its own history (not written as
cases): an order settled after the elder's (late-reported) death and an impossible journey of a caregiver.
The rest of the history is clean (no double claim, overlap or unverified settlement), so exactly these two
wait."""

import pytest

from shouwang.benefits import cases
from shouwang.benefits.case_models import Case, CaseKind, CaseState
from shouwang.elders.models import Status
from shouwang.orders.models import Order

pytestmark = pytest.mark.django_db


def check_the_demo_has_the_planted_anomalies_waiting_for_review():
    """On a seeded demo district (tests/demo/test_demo_district.py seeds it once for every such check)."""

    waiting = Case.objects.filter(state=CaseState.OPEN)
    assert sorted(waiting.values_list("kind", flat=True)) == [
        CaseKind.AFTER_LIFE_EVENT,
        CaseKind.IMPOSSIBLE_TRAVEL,
    ]
    assert not Case.objects.exclude(state=CaseState.OPEN).exists()
    after_death = list(waiting.filter(kind=CaseKind.AFTER_LIFE_EVENT))
    orders = Order.objects.filter(pk__in=[case.facts["order"] for case in after_death])
    assert {order.elder.status for order in orders} == {Status.DECEASED}
    assert {order.state for order in orders} == {"settled"}
    travel = waiting.filter(kind=CaseKind.IMPOSSIBLE_TRAVEL)
    for case in (*after_death, *travel):
        assert cases.explain(case) and cases.evidence_of(case)
