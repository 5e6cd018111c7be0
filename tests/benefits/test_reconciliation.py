"""The reconciliation report: orders, ledger and statements agreeing, or each difference listed."""

import datetime as dt

import pytest
from django.utils import timezone

from shouwang.benefits import ledger, reconciliation, statements
from shouwang.core.errors import Forbidden, NotFound
from shouwang.orders.models import Order
from tests.benefits import statement_data as sd

pytestmark = pytest.mark.django_db
MARCH = dt.date(2026, 3, 1)


@pytest.fixture
def people(march_people):
    return march_people


@pytest.fixture
def march(people, provider, carer, official):
    orders = [
        sd.settled(official, provider, carer, people[who], dt.date(2026, 3, day))
        for who, day in (("tekun", 3), ("dibao", 10))
    ]
    statements.issue_statements(actor=official, month="2026-03")
    return orders


def kinds(report) -> list[tuple[str, int | None]]:
    return sorted((d.kind, d.order_id or d.transaction_id) for d in report.differences)


def test_orders_ledger_and_statement_agree(march, official, provider):
    report = reconciliation.reconcile(official, provider_id=provider.pk, month=MARCH)

    assert report.agrees
    assert (report.order_count, report.orders_fen, report.ledger_fen, report.statement_fen) == (
        2,
        8000,
        8000,
        8000,
    )


def test_each_difference_is_listed(march, official, provider, carer, people, english):
    # Settled without passing through the ledger (written directly, as an import of old data would).
    bare = sd.served(provider, carer, people["none"], dt.date(2026, 3, 12))
    Order.objects.filter(pk=bare.pk).update(state="settled", amount_fen=5000, self_pay_fen=5000)
    # Money paid to the provider for no order.
    loose = ledger.redeem(actor=official, elder_id=people["tekun"].pk, provider=provider, amount_fen=1500)
    # The order's record says ¥45 where the ledger paid ¥40.
    Order.objects.filter(pk=march[0].pk).update(amount_fen=4500)
    # Settled, but its visit was never checked out: off the statement.
    unverified = sd.settled(
        official, provider, carer, people["dibao"], dt.date(2026, 3, 15), checked_out=False
    )

    report = reconciliation.reconcile(official, provider_id=provider.pk, month=MARCH)

    assert not report.agrees
    assert kinds(report) == sorted(
        [
            ("settled_without_ledger", bare.pk),
            ("amount_differs", march[0].pk),  # order ¥45, ledger ¥40
            ("amount_differs", march[0].pk),  # order ¥45, statement ¥40
            ("not_on_statement", bare.pk),
            ("not_on_statement", unverified.pk),
            ("statement_total_differs", None),
        ]
    )
    messages = " ".join(d.message for d in report.differences)
    assert "not verified" in messages
    assert (report.orders_fen, report.ledger_fen, report.statement_fen) == (
        4500 + 4000 + 5000 + 4000,
        12000,
        8000,
    )
    # The payment for no order counts in the month it was posted, this one.
    this_month = timezone.localdate().replace(day=1)
    this_month = reconciliation.reconcile(official, provider_id=provider.pk, month=this_month)
    assert ("ledger_without_order", loose.pk) in kinds(this_month)


def test_a_month_without_a_statement_says_so(people, provider, carer, official):
    sd.settled(official, provider, carer, people["tekun"], dt.date(2026, 3, 3))

    [report] = reconciliation.reconcile_month(official, MARCH)

    assert kinds(report) == [("no_statement", None)]


def test_only_officials_over_the_provider_read_the_report(
    march, provider, provider_admin_a, street_official, english
):
    with pytest.raises(Forbidden):
        reconciliation.reconcile_month(provider_admin_a, MARCH)
    other = street_official  # the provider is registered with the district, above the street
    assert reconciliation.reconcile_month(other, MARCH) == []
    with pytest.raises(NotFound):
        reconciliation.reconcile(other, provider_id=provider.pk, month=MARCH)
