"""Budgets (预算): what each fund source may spend in a region, for a year or one month, against what it
has spent.

An official enters a budget per fund source, region and year, or per month of a year (both may exist: the
year's and each month's are shown on their own). Entering one again for the same period replaces its
amount (audited with before and after). Spend is what the ledger took from the fund source's accounts of
that region and the regions inside it for the approved runs of the period (a reversal of a run's
transaction gives it back): the ledger is the only source of it. A budget is ``warning`` from 90 % spent
and ``over`` above 100 %.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q, QuerySet, Sum
from django.utils.translation import gettext as _

from shouwang.core import audit
from shouwang.core.actors import as_user, is_system, require_actor
from shouwang.core.errors import ValidationFailed
from shouwang.core.scope import scope_of
from shouwang.regions.models import Region, prefix_of

from .models import AccountKind, FundSource, LedgerEntry
from .permissions import may_keep_budget, may_read_budgets, require
from .statement_models import Budget

WARNING_PERCENT = 90
YEARS = (2000, 2100)
AMOUNT_MAX = 10**15  # fen: far above any budget, below what a bigint holds


@transaction.atomic
def set_budget(
    *, actor, fund_source: str, region_code: str, year, month=None, amount_fen, note: str = ""
) -> Budget:
    """Enter (or replace) the budget of a fund source in a region for a year or one of its months.
    Refused, nothing saved, with the field named: an unknown fund source or region, a region outside the
    official's area, a year or month out of range, an amount that is not a whole number of fen ≥ 0."""
    errors = {}
    if fund_source not in FundSource.values:
        errors["fund_source"] = _("Choose a fund source.")
    region = Region.objects.filter(pk=str(region_code or "").strip()).first()
    if region is None:
        errors["region"] = _("There is no region with the code %(code)s.") % {"code": region_code}
    if not _whole(year) or not YEARS[0] <= year <= YEARS[1]:
        errors["year"] = _("Give the year as four digits, e.g. 2026.")
    if month is not None and (not _whole(month) or not 1 <= month <= 12):
        errors["month"] = _("The month is 1 to 12, or empty for the whole year.")
    if not _whole(amount_fen) or amount_fen < 0:
        errors["amount_fen"] = _("The budget is a whole number of fen, zero or more.")
    elif amount_fen > AMOUNT_MAX:
        errors["amount_fen"] = _("The budget is too large.")
    if len(note) > 300:
        errors["note"] = _("At most %(count)s characters.") % {"count": 300}
    if errors:
        raise ValidationFailed(next(iter(errors.values())), errors=errors)
    require_actor(actor)
    if not is_system(actor):
        require(may_keep_budget(actor, region.code), _("Only officials of this region enter its budget."))
    budget = (
        Budget.objects.select_for_update()
        .filter(fund_source=fund_source, region=region, year=year, month=month)
        .first()
    )
    before = audit.snapshot(budget, ("amount_fen", "note")) if budget else {}
    if budget is None:
        budget = Budget(fund_source=fund_source, region=region, year=year, month=month)
    budget.amount_fen, budget.note, budget.updated_by = amount_fen, note.strip(), as_user(actor)
    budget.save()
    audit.record(
        actor=actor,
        action="benefits.budget.set",
        obj=budget,
        before=before,
        after={
            "fund_source": fund_source,
            "region": region.code,
            "year": year,
            "month": month,
            "amount_fen": amount_fen,
        },
        region_code=region.code,
    )
    return budget


def _whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def budgets_for(user) -> QuerySet[Budget]:
    """Budgets of the regions in the user's area (officials and admins)."""
    if not may_read_budgets(user):
        return Budget.objects.none()
    return scope_of(user).filter(Budget.objects.select_related("region"), region="region__code")


def spent(fund_source: str, region_code: str, first: dt.date, last: dt.date) -> int:
    """Fen the fund source paid for the runs of months ``first``..``last`` (first days) in the region's
    subtree, net of reversals."""
    period = Q(transaction__run__month__gte=first, transaction__run__month__lte=last) | Q(
        transaction__reverses__run__month__gte=first, transaction__reverses__run__month__lte=last
    )
    total = (
        LedgerEntry.objects.filter(
            period,
            account__kind=AccountKind.FUND,
            account__fund_source=fund_source,
            account__region__code__startswith=prefix_of(region_code),
        ).aggregate(total=Sum("amount_fen"))["total"]
        or 0
    )
    return -total


@dataclass
class BudgetStatus:
    budget: Budget
    spent_fen: int
    percent: float | None  # None for a budget of nothing

    @property
    def level(self) -> str:
        """``ok``, ``warning`` (90 % or more) or ``over`` (above 100 %)."""
        if self.percent is None:
            return "over" if self.spent_fen > 0 else "ok"
        if self.percent > 100:
            return "over"
        return "warning" if self.percent >= WARNING_PERCENT else "ok"

    @property
    def period(self) -> str:
        budget = self.budget
        return f"{budget.year}-{budget.month:02d}" if budget.month else str(budget.year)


def budget_status(user, *, year: int | None = None) -> list[BudgetStatus]:
    """Each budget in the user's area (of ``year``, if given) with its spend and level."""
    budgets = budgets_for(user)
    if year is not None:
        budgets = budgets.filter(year=year)
    rows = []
    for budget in budgets.order_by("-year", "month", "region_id", "fund_source")[:500]:
        first = dt.date(budget.year, budget.month or 1, 1)
        last = dt.date(budget.year, budget.month or 12, 1)
        fen = spent(budget.fund_source, budget.region_id, first, last)
        percent = round(fen * 100 / budget.amount_fen, 1) if budget.amount_fen else None
        rows.append(BudgetStatus(budget=budget, spent_fen=fen, percent=percent))
    return rows
