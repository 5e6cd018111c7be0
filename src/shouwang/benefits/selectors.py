"""Reads of benefits, always through the acting user's scope (one NotFound for missing and forbidden).

Runs and results are filed under their region and the elder's community; policies are read by everybody
who may read runs; ledger accounts by their region (officials, community workers), their provider
(provider admins) or their elder (a family account assigned to the elder).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from shouwang.core.errors import Forbidden, NotFound
from shouwang.core.roles import Role
from shouwang.core.scope import scope_of
from shouwang.elders.models import FAMILY_USER, Category, ElderCategory, LivingArrangement, Status
from shouwang.elders.selectors import get_elder_for

from . import ledger, policies, runs
from .models import (
    Account,
    AccountKind,
    EligibilityResult,
    EligibilityRun,
    FundSource,
    LedgerEntry,
    LedgerUnit,
    Policy,
    PolicyKind,
    PolicyVersion,
    RunTransition,
    TransactionKind,
)
from .permissions import NEXT_STEP, may_keep_policies, may_read_ledger, may_read_runs, may_take_step

# ``owner`` lookups by role: a family account reaches its elder's voucher account through its family link.
ACCOUNT_OWNER = {Role.ELDER: f"elder__{FAMILY_USER}"}


def policies_for(user) -> QuerySet[Policy]:
    """Every policy, for the roles that read runs (policies are public rules, not personal data)."""
    if not may_read_runs(user):
        return Policy.objects.none()
    return Policy.objects.select_related("region").annotate(version_count=Count("versions"))


def get_policy_for(user, policy_id: int) -> Policy:
    policy = policies_for(user).filter(pk=policy_id).first()
    if policy is None:
        raise NotFound(_("This policy does not exist."))
    return policy


def versions_of(policy: Policy) -> QuerySet[PolicyVersion]:
    return policy.versions.order_by("-number")


def runs_for(user) -> QuerySet[EligibilityRun]:
    """Runs of the user's regions: an official's subtree, a community worker's communities' districts
    (they check their part of the district's run), everything for admins."""
    if not may_read_runs(user):
        return EligibilityRun.objects.none()
    scope = scope_of(user)
    runs_ = EligibilityRun.objects.select_related("region")
    if scope.everything:
        return runs_
    inside = scope.filter(runs_, region="region__code")
    # A run of a region above the user's area (the district's run, seen by a community worker).
    above = {
        prefix[:n].ljust(12, "0") for prefix in scope.region_prefixes for n in (2, 4, 6, 9) if n < len(prefix)
    }
    return runs_.filter(Q(pk__in=inside.values("pk")) | Q(region_id__in=above))


def runs_awaiting(user) -> list[EligibilityRun]:
    """The runs whose next review step (审核/审批) is the user's to take: a community worker's check, a
    street official's, a district official's approval (``permissions.may_take_step``), oldest month first."""
    waiting = runs_for(user).filter(state__in=list(NEXT_STEP)).order_by("month", "region_id")
    return [run for run in waiting if may_take_step(user, run, NEXT_STEP[run.state])]


def get_run_for(user, run_id: int) -> EligibilityRun:
    run = runs_for(user).filter(pk=run_id).first()
    if run is None:
        raise NotFound(_("This run does not exist or is outside your area."))
    return run


def results_for(
    user, run: EligibilityRun, *, policy: str = "", eligible: bool | None = None, change: str = ""
):
    """The run's results the user may see (their communities'), optionally one policy's (eligible or
    not, or with a change against last month)."""
    results = scope_of(user).filter(run.results.all(), region="community_code")
    if policy:
        if eligible is not None:
            results = results.filter(**{f"outcomes__{policy}__eligible": eligible})
        if change:
            results = results.filter(**{f"changes__{policy}__change": change})
    return results.select_related("elder").order_by("community_code", "elder_id")


def transitions_of(run: EligibilityRun) -> QuerySet[RunTransition]:
    return run.transitions.select_related("actor")


# --- the elder's benefits --------------------------------------------------------------------------------


@dataclass
class PolicyOutcome:
    code: str
    name: str
    kind: str
    version: int
    eligible: bool
    amount_fen: int
    reasons: list[dict]
    funds: dict[str, int]
    change: str = ""
    change_reasons: list[str] = field(default_factory=list)


@dataclass
class ElderBenefits:
    month: dt.date
    computed: bool  # False: no run of the month yet, the outcomes are a preview on today's registry
    run_id: int | None
    run_state: str
    policies: list[PolicyOutcome]
    voucher_balance_fen: int


def elder_benefits(user, elder_id: int, month: dt.date) -> ElderBenefits:
    """Each policy's outcome for the elder in ``month`` with its reasons, from the month's run (or, before
    there is one, evaluated on the registry as it stands), and the voucher balance."""
    elder = get_elder_for(user, elder_id)
    result = (
        EligibilityResult.objects.filter(elder=elder, run__month=month)
        .select_related("run")
        .order_by("-run__region_id")
        .first()
    )
    if result is None:
        result = _preview(elder, month)
    versions = {
        v.pk: v
        for v in PolicyVersion.objects.select_related("policy").filter(
            pk__in=[o["version"] for o in result.outcomes.values()]
        )
    }
    facts = _facts_of(result)
    outcomes = []
    for code, outcome in sorted(result.outcomes.items()):
        version = versions[outcome["version"]]
        outcomes.append(
            PolicyOutcome(
                code=code,
                name=version.policy.name,
                kind=version.policy.kind,
                version=version.number,
                eligible=outcome["eligible"],
                amount_fen=outcome["amount_fen"],
                reasons=policies.explain(version, facts, outcome),
                funds=policies.split_by_shares(outcome["amount_fen"], version.fund_shares),
                change=result.changes.get(code, {}).get("change", ""),
                change_reasons=[change_words(c) for c in result.changes.get(code, {}).get("reasons", [])],
            )
        )
    return ElderBenefits(
        month=month,
        computed=result.pk is not None,
        run_id=result.run_id if result.pk else None,
        run_state=result.run.get_state_display() if result.pk else "",
        policies=outcomes,
        voucher_balance_fen=ledger.voucher_balance(elder.pk),
    )


@dataclass
class VoucherMovement:
    posted_at: dt.datetime
    kind: str  # TransactionKind label: credited, service paid, expired, reversal
    memo: str
    amount_fen: int  # + credited, − spent
    balance_fen: int  # the balance after it
    order_id: int | None


def voucher_history(user, elder_id: int, *, limit: int = 20) -> list[VoucherMovement]:
    """The latest movements of the elder's voucher account, newest first, each with the balance after it
    (credits from approved runs, services paid at settlement, expiry, reversals)."""
    elder = get_elder_for(user, elder_id)
    entries = list(
        LedgerEntry.objects.filter(account__key=ledger.voucher_key(elder.pk))
        .order_by("id")
        .values_list(
            "amount_fen",
            "transaction__posted_at",
            "transaction__kind",
            "transaction__memo",
            "transaction__order_id",
        )
    )
    movements, balance = [], 0
    for fen, posted_at, kind, memo, order_id in entries:
        balance += fen
        movements.append(
            VoucherMovement(posted_at, str(TransactionKind(kind).label), memo, fen, balance, order_id)
        )
    return movements[::-1][:limit]


def _preview(elder, month: dt.date) -> EligibilityResult:
    categories = list(ElderCategory.objects.filter(elder=elder).values_list("code", flat=True))
    return runs.preview(elder, categories, month)


def _facts_of(result: EligibilityResult) -> policies.Facts:
    return policies.Facts(
        community_code=result.community_code,
        age=result.age,
        status=result.status,
        ability_level=result.ability_level,
        categories=frozenset(filter(None, result.categories.split(","))),
        living_arrangement=result.living_arrangement,
        hukou_region_code=result.hukou_region_code,
    )


def change_words(change: dict) -> str:
    """One fact change against last month in words (turned 80, level 2 → 3, died …)."""
    fact = change["fact"]
    if fact == "no_result":
        return _("no result last month")
    if fact == "rules":
        return _("the policy's rules changed")
    old, new = change.get("from"), change.get("to")
    if fact == "status":
        return {Status.DECEASED: _("died"), Status.MOVED_OUT: _("moved out")}.get(new, _("returned"))
    if fact == "age":
        return _("turned %(age)s") % {"age": new}
    if fact == "ability_level":
        return _("ability level %(old)s → %(new)s") % {"old": _dash(old), "new": _dash(new)}
    if fact == "categories":
        names = lambda codes: "、".join(str(Category(c).label) for c in filter(None, codes.split(","))) or "—"  # noqa: E731
        return _("categories %(old)s → %(new)s") % {"old": names(old), "new": names(new)}
    if fact == "living_arrangement":
        label = lambda code: str(LivingArrangement(code).label) if code else "—"  # noqa: E731
        return _("living arrangement %(old)s → %(new)s") % {"old": label(old), "new": label(new)}
    if fact == "hukou_region_code":
        return _("household registration %(old)s → %(new)s") % {"old": _dash(old), "new": _dash(new)}
    return _("amount ¥%(old)s → ¥%(new)s") % {"old": ledger.yuan(old), "new": ledger.yuan(new)}


def _dash(value) -> str:
    return "—" if value in (None, "") else str(value)


# --- the ledger -----------------------------------------------------------------------------------------


def accounts_for(user) -> QuerySet[Account]:
    """Money accounts the user may see: by region, by provider, or their own elder's voucher account.
    (The time bank's accounts, in minutes, are read through ``visits.timebank``.)"""
    scope = scope_of(user)
    owner = ACCOUNT_OWNER.get(getattr(user, "effective_role", ""))
    money = Account.objects.filter(unit=LedgerUnit.FEN)
    accounts = scope.filter(money, region="region__code", provider="provider_id", owner=owner)
    return Account.objects.filter(pk__in=accounts.values("pk")) if owner else accounts


def trial_balance(user) -> dict:
    """Every account in the user's area with its balance (the sum of its entries), and the grand total,
    which is zero when the area holds every account of its transactions."""
    if not may_read_ledger(user):
        raise Forbidden(_("Only platform administrators and officials read the ledger."))
    rows = (
        accounts_for(user)
        .annotate(balance=Sum("entries__amount_fen"), entry_count=Count("entries"))
        .order_by("kind", "key")
        .values("pk", "key", "kind", "name", "fund_source", "balance", "entry_count")
    )
    accounts = [{**row, "balance": row["balance"] or 0} for row in rows]
    by_kind: dict[str, int] = {}
    for row in accounts:
        by_kind[row["kind"]] = by_kind.get(row["kind"], 0) + row["balance"]
    return {
        "accounts": accounts,
        "by_kind": [
            {"kind": k, "label": str(AccountKind(k).label), "balance": v} for k, v in by_kind.items()
        ],
        "total": sum(row["balance"] for row in accounts),
    }


FUND_LABELS = dict(FundSource.choices)
KIND_LABELS = dict(PolicyKind.choices)


def version_effect(user, policy_id: int, *, region_code: str, month: dt.date, **version) -> dict:
    """Before publishing: the effect of a draft version on a region's elders in a month ("adds N elders,
    removes M, costs ¥X more a month"), checked like a version to publish and saving nothing."""
    if not may_keep_policies(user):
        raise Forbidden(_("Only platform administrators and officials keep benefit policies."))
    policy = get_policy_for(user, policy_id)
    if not scope_of(user).covers_region(region_code):
        raise NotFound(_("This region does not exist or is outside your area."))
    conditions, tiers, shares, self_pay = policies.check_version(
        kind=policy.kind,
        conditions=version.get("conditions") or [],
        tiers=version.get("tiers"),
        fund_shares=version.get("fund_shares"),
        self_pay_percent=version.get("self_pay_percent"),
    )
    draft = PolicyVersion(
        policy=policy,
        number=0,
        effective_from=month,
        conditions=conditions,
        tiers=tiers,
        fund_shares=shares,
        self_pay_percent=self_pay,
    )
    return {"month": month.strftime("%Y-%m"), "region": region_code, **runs.effect(draft, region_code, month)}
