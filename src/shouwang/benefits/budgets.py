"""Budgets (预算): what each fund source may spend in a region, for a year or one month, against what it
has spent.

An official enters a budget per fund source, region and year, or per month of a year (both may exist: the
year's and each month's are shown on their own). Entering one again for the same period replaces its
amount (audited with before and after). Spend is what the ledger took from the fund source's accounts of
that region and the regions inside it for the approved runs of the period (a reversal of a run's
transaction gives it back). A run posts to the fund accounts of its own region (a district's run to the
district's), so a budget of a region below a run's — a street's, a community's — is given that run's share
spent on the elders of its own communities: each policy's amounts for them, split by the version's fund
shares, counted only while the run's posting stands (not reversed). A budget is ``warning`` from 90 % spent
and ``over`` above 100 %.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Min, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from shouwang.core import audit
from shouwang.core.actors import as_user, is_system, require_actor
from shouwang.core.errors import ValidationFailed
from shouwang.core.scope import scope_of
from shouwang.regions.models import Region, prefix_of
from shouwang.regions.selectors import ancestors

from .models import (
    AccountKind,
    EligibilityResult,
    EligibilityRun,
    FundSource,
    LedgerEntry,
    LedgerTransaction,
    PolicyKind,
    PolicyVersion,
    TransactionKind,
)
from .permissions import may_keep_budget, may_read_budgets, require
from .policies import split_by_shares
from .runs import in_region
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
    subtree, net of reversals, plus its share of the runs of regions above it (``_share_of_runs_above``)."""
    return _spent_in_ledger(fund_source, region_code, first, last) + _share_of_runs_above(
        fund_source, region_code, first, last
    )


def _spent_in_ledger(fund_source: str, region_code: str, first: dt.date, last: dt.date) -> int:
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


RUN_POSTINGS: dict[str, str] = {
    TransactionKind.ALLOWANCE: PolicyKind.CASH_ALLOWANCE,
    TransactionKind.VOUCHER_CREDIT: PolicyKind.SERVICE_SUBSIDY,
}


def _share_of_runs_above(fund_source: str, region_code: str, first: dt.date, last: dt.date) -> int:
    """What the fund source paid, in the approved runs of months ``first``..``last`` of regions strictly
    above ``region_code``, for the elders of the region's communities: per run and policy, the amounts of
    those elders split by the version's shares (results are read grouped by their outcomes' fingerprint,
    so a street of thousands reads a handful of rows)."""
    region = Region.objects.filter(pk=region_code).select_related("parent").first()
    above = [node.code for node in ancestors(region)[:-1]] if region else []
    if not above:
        return 0
    prefix = prefix_of(region_code)
    standing = (
        LedgerTransaction.objects.filter(
            run__region_id__in=above,
            run__month__gte=first,
            run__month__lte=last,
            kind__in=list(RUN_POSTINGS),
            reversed_by__isnull=True,
        )
        .values_list("run_id", "kind")
        .order_by("run_id")
    )
    kinds_by_run: dict[int, set[str]] = {}
    for run_id, kind in standing:
        kinds_by_run.setdefault(run_id, set()).add(RUN_POSTINGS[kind])
    total = 0
    for run in EligibilityRun.objects.filter(pk__in=list(kinds_by_run)).order_by("pk"):
        chosen = {
            code: policy["version"]
            for code, policy in run.totals.get("policies", {}).items()
            if policy["kind"] in kinds_by_run[run.pk]
        }
        if not chosen:
            continue
        shares = dict(PolicyVersion.objects.filter(pk__in=chosen.values()).values_list("pk", "fund_shares"))
        amounts = _amounts_in(run, prefix, list(chosen))
        for code, fen in amounts.items():
            total += split_by_shares(fen, shares.get(chosen[code], {})).get(fund_source, 0)
    return total


def _amounts_in(run: EligibilityRun, prefix: str, codes: list[str]) -> dict[str, int]:
    """Per policy code, the run's eligible amounts for the elders of communities under ``prefix``."""
    groups = list(
        EligibilityResult.objects.filter(in_region(prefix.ljust(12, "0"), "community_code"), run=run)
        .values("fingerprint")
        .annotate(elders=Count("pk"), one=Min("pk"))
        .values_list("one", "elders")
        .order_by()
    )
    outcomes = dict(
        EligibilityResult.objects.filter(pk__in=[one for one, _n in groups]).values_list("pk", "outcomes")
    )
    amounts = dict.fromkeys(codes, 0)
    for one, elders in groups:
        for code in codes:
            outcome = outcomes[one].get(code)
            if outcome and outcome["eligible"]:
                amounts[code] += outcome["amount_fen"] * elders
    return amounts
