"""The year end of service vouchers: what expires (年底清零) and what carries over (结转), by the policy.

Each policy version says what its vouchers do at the end of the year (``PolicyVersion.year_end``, expiring
by default). At the close of a year, each elder's voucher account keeps its balance except the part that
expires: the vouchers credited that year under expiring versions, less what the elder spent that year —
spending takes the expiring vouchers first, which is the reading most favourable to the elder — and
never more than the balance at the year's end (nor than is left now, if the job runs late and the elder
spent since). That part is booked to the community's expired-vouchers account.

``close_year`` is safe to run again and with several workers: every account is closed in a transaction of
its own, its row locked with ``skip_locked`` (an account another worker holds is left to it), and a
``YearEndClosing`` row per account and year (unique) says it is done; a second run finds nothing to do.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.core import audit
from shouwang.core.actors import SYSTEM, is_system, require_actor
from shouwang.core.errors import Conflict, Forbidden, ValidationFailed
from shouwang.regions.models import Region

from . import ledger
from .models import (
    Account,
    AccountKind,
    EligibilityResult,
    LedgerEntry,
    PolicyKind,
    PolicyVersion,
    RunState,
    TransactionKind,
    YearEnd,
    YearEndClosing,
)
from .permissions import may_close_year
from .runs import in_region


@dataclass
class YearEndReport:
    year: int
    region: str
    closed: int = 0
    expired_fen: int = 0
    carried_fen: int = 0
    skipped: int = 0  # held by another worker; the next run takes them


def year_end(year: int) -> dt.datetime:
    """The instant the year ends in the platform's time zone (midnight of 1 January after it)."""
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    return dt.datetime(year + 1, 1, 1, tzinfo=zone)


def expired_account(community_code: str) -> Account:
    return ledger._account(
        f"expired:{community_code}",
        kind=AccountKind.EXPIRED,
        name=_("Expired vouchers · %(community)s") % {"community": community_code},
        region_id=community_code,
    )


def close_year(*, actor, year: int, region_code: str, now: dt.datetime | None = None) -> YearEndReport:
    """Close ``year`` for every voucher account in the region's subtree (see the module docstring).
    Refused before the year has ended; ``actor`` SYSTEM is the scheduler."""
    require_actor(actor)
    if not is_system(actor) and not may_close_year(actor, region_code):
        raise Forbidden(_("Only officials of this region close its voucher year."))
    region = Region.objects.filter(pk=region_code).first()
    if region is None:
        message = _("There is no region with the code %(code)s.") % {"code": region_code}
        raise ValidationFailed(message, errors={"region": message})
    now = now or timezone.now()
    end = year_end(year)
    if now < end:
        raise Conflict(
            _("The year %(year)s has not ended yet; its vouchers are closed from 1 January.")
            % {"year": year},
            code="year_not_ended",
        )
    accounts = list(
        Account.objects.filter(in_region(region_code, "region_id"), kind=AccountKind.VOUCHER)
        .exclude(pk__in=YearEndClosing.objects.filter(year=year).values("account_id"))
        .order_by("pk")
        .values_list("pk", "elder_id")
    )
    report = YearEndReport(year=year, region=region_code)
    if not accounts:
        return report
    expiring = _expiring_credits(year, region_code)
    start = year_end(year - 1)
    for account_id, elder_id in accounts:
        with transaction.atomic():
            account = Account.objects.select_for_update(skip_locked=True).filter(pk=account_id).first()
            if account is None:
                report.skipped += 1
                continue
            if YearEndClosing.objects.filter(account=account, year=year).exists():
                continue
            expired, at_end = _close(account, year, start, end, expiring.get(elder_id, 0), actor=actor)
            report.closed += 1
            report.expired_fen += expired
            report.carried_fen += at_end - expired
    if report.closed:
        audit.record(
            actor=actor,
            action="benefits.vouchers.year_end",
            obj=region,
            after={
                "year": year,
                "closed": report.closed,
                "expired_fen": report.expired_fen,
                "carried_fen": report.carried_fen,
            },
            region_code=region_code,
        )
    return report


def _close(account: Account, year: int, start, end, expiring: int, *, actor) -> tuple[int, int]:
    entries = LedgerEntry.objects.filter(account=account)
    at_end = entries.filter(transaction__posted_at__lt=end).aggregate(s=Sum("amount_fen"))["s"] or 0
    spent = -(
        entries.filter(transaction__posted_at__gte=start, transaction__posted_at__lt=end, amount_fen__lt=0)
        .exclude(transaction__kind=TransactionKind.EXPIRY)
        .aggregate(s=Sum("amount_fen"))["s"]
        or 0
    )
    expired = max(0, min(at_end, expiring - spent, ledger.balance(account.pk)))
    posted = None
    if expired:
        posted = ledger.post(
            actor=actor,
            kind=TransactionKind.EXPIRY,
            memo=_("Vouchers of %(year)s expired at the year end") % {"year": year},
            lines=[(account.pk, -expired), (expired_account(account.region_id).pk, expired)],
        )
    YearEndClosing.objects.create(
        account=account, year=year, balance_fen=at_end, expired_fen=expired, transaction=posted
    )
    return expired, at_end


def _expiring_credits(year: int, region_code: str) -> dict[int, int]:
    """Per elder, the vouchers credited by the region's approved runs of ``year`` under versions that
    expire at the year end."""
    versions = PolicyVersion.objects.filter(
        policy__kind=PolicyKind.SERVICE_SUBSIDY, year_end=YearEnd.EXPIRE
    ).values_list("pk", flat=True)
    expiring_versions = set(versions)
    credits: dict[int, int] = defaultdict(int)
    results = EligibilityResult.objects.filter(
        in_region(region_code, "community_code"),
        run__state=RunState.APPROVED,
        run__month__year=year,
        voucher_fen__gt=0,
    ).values_list("elder_id", "outcomes")
    for elder_id, outcomes in results.iterator(chunk_size=5000):
        for outcome in outcomes.values():
            if outcome.get("eligible") and outcome.get("version") in expiring_versions:
                credits[elder_id] += outcome.get("amount_fen", 0)
    return credits


def close_previous_year(now: dt.datetime | None = None) -> list[YearEndReport]:
    """The scheduler's job: in January, close last year for every region that holds voucher accounts
    (counties, whose subtrees hold them all). Idempotent: once closed, a run finds nothing to do."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    if local.month != 1:
        return []
    counties = (
        Account.objects.filter(kind=AccountKind.VOUCHER)
        .values_list("region_id", flat=True)
        .order_by("region_id")
        .distinct()
    )
    districts = sorted({code[:6].ljust(12, "0") for code in counties if code})
    return [close_year(actor=SYSTEM, year=local.year - 1, region_code=code, now=now) for code in districts]
