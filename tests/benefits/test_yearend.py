"""The vouchers' year end: expiring policies lapse what was not spent, carry-over policies keep it, and
closing a year twice changes nothing."""

import datetime as dt

import pytest
from django.core.management import call_command

from shouwang.benefits import ledger, services, yearend
from shouwang.benefits.models import LedgerTransaction, Policy, TransactionKind, YearEndClosing
from shouwang.benefits.selectors import trial_balance
from shouwang.core.actors import SYSTEM
from shouwang.core.errors import Conflict, Forbidden, ValidationFailed
from tests import factories
from tests.benefits import factories as bf
from tests.benefits.conftest import approved

pytestmark = pytest.mark.django_db


def this_year() -> int:
    from django.utils import timezone

    return timezone.localdate().year


@pytest.fixture
def after_year_end():
    return yearend.year_end(this_year()) + dt.timedelta(days=2)


@pytest.fixture
def credited(policies, worker_a, street_official, official):
    """January of this year approved: ¥300 vouchers for the 低保 elder, ¥200 for the 低收入 one."""
    people = {
        "dibao": bf.elder(born=dt.date(1950, 1, 1), categories=("dibao",)),
        "low": bf.elder(
            born=dt.date(1950, 1, 1), categories=("low_income",), community=factories.COMMUNITY_B
        ),
    }
    run = services.start_run(actor=SYSTEM, month=f"{this_year()}-01", region_code=factories.DISTRICT)
    approved(run, worker=worker_a, street=street_official, district=official)
    return people


def test_unspent_vouchers_of_an_expiring_policy_expire_and_the_spent_part_does_not(
    credited, official, provider_a, after_year_end
):
    ledger.redeem(actor=official, elder_id=credited["dibao"].pk, provider=provider_a, amount_fen=120_00)
    report = yearend.close_year(
        actor=official, year=this_year(), region_code=factories.DISTRICT, now=after_year_end
    )
    assert (report.closed, report.expired_fen, report.carried_fen) == (2, 180_00 + 200_00, 0)
    assert ledger.voucher_balance(credited["dibao"].pk) == 0
    assert ledger.voucher_balance(credited["low"].pk) == 0
    found = trial_balance(official)
    assert found["total"] == 0
    assert {row["kind"]: row["balance"] for row in found["by_kind"]}["expired"] == 380_00


def test_closing_the_year_again_changes_nothing(credited, official, after_year_end):
    yearend.close_year(actor=official, year=this_year(), region_code=factories.DISTRICT, now=after_year_end)
    posted = LedgerTransaction.objects.count()
    again = yearend.close_year(
        actor=official, year=this_year(), region_code=factories.DISTRICT, now=after_year_end
    )
    assert (again.closed, again.expired_fen) == (0, 0)
    assert LedgerTransaction.objects.count() == posted
    assert YearEndClosing.objects.count() == 2


def test_a_carry_over_policy_keeps_the_balance(tree, official, worker_a, street_official, after_year_end):
    policy = bf.policy(
        "fuwu",
        "居家养老服务补贴",
        "service",
        factories.DISTRICT,
        tiers=bf.SERVICE_TIERS,
        fund_shares={"district": 100},
        self_pay_percent=bf.SELF_PAY,
        year_end="carry_over",
    )
    assert policy.versions.get().year_end == "carry_over"
    elder = bf.elder(born=dt.date(1950, 1, 1), categories=("tekun",))
    run = services.start_run(actor=SYSTEM, month=f"{this_year()}-01", region_code=factories.DISTRICT)
    approved(run, worker=worker_a, street=street_official, district=official)
    report = yearend.close_year(
        actor=SYSTEM, year=this_year(), region_code=factories.DISTRICT, now=after_year_end
    )
    assert (report.closed, report.expired_fen, report.carried_fen) == (1, 0, 300_00)
    assert ledger.voucher_balance(elder.pk) == 300_00
    assert not LedgerTransaction.objects.filter(kind=TransactionKind.EXPIRY).exists()


def test_a_year_not_ended_is_not_closed(credited, official):
    with pytest.raises(Conflict) as refused:
        yearend.close_year(actor=official, year=this_year(), region_code=factories.DISTRICT)
    assert refused.value.code == "year_not_ended"
    assert not YearEndClosing.objects.exists()


def test_only_officials_of_the_region_close_its_year(credited, worker_a, after_year_end):
    with pytest.raises(Forbidden):
        yearend.close_year(
            actor=worker_a, year=this_year(), region_code=factories.DISTRICT, now=after_year_end
        )
    assert not YearEndClosing.objects.exists()


def test_a_version_with_an_unknown_year_end_is_refused(tree, official):
    policy = services.create_policy(
        actor=official, code="x", name="服务补贴", kind="service", region_code=factories.DISTRICT
    )
    with pytest.raises(ValidationFailed) as refused:
        services.publish_version(
            actor=official,
            policy_id=policy.pk,
            effective_from="2026-01",
            tiers=bf.SERVICE_TIERS,
            fund_shares={"district": 100},
            self_pay_percent=bf.SELF_PAY,
            year_end="sometimes",
        )
    assert "year_end" in refused.value.errors
    assert not Policy.objects.get(pk=policy.pk).versions.exists()


def test_the_command_closes_a_year_and_says_what_it_did(credited, capsys):
    last_year = this_year() - 1  # ended: nothing credited then, so every account carries over nothing
    call_command("close_voucher_year", year=last_year, region=factories.DISTRICT)
    assert f"{last_year} {factories.DISTRICT}: 2 accounts closed" in capsys.readouterr().out
    assert YearEndClosing.objects.filter(year=last_year, expired_fen=0).count() == 2
