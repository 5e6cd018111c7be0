"""Demo benefits: four policies modelled on DOMAIN.md §4, and the last three months run and approved.

    高龄津贴 (cash, the city, 户籍 there): 80–89 ¥100, 90–99 ¥500, 100+ ¥800 a month (Beijing 2019).
    失能老年人护理补贴 (cash, the district): ability level 4 ¥600, 3 ¥400, 2 ¥200 (Beijing's three tiers).
    困难老年人养老服务补贴 (vouchers, the district): 特困/低保 ¥300, 低收入 ¥200, 计划生育特殊家庭 ¥100.
    高龄老人居家服务券 (vouchers, the district): ¥20 a month for everyone 80+ (Zhangzhou's floor, seed 004).

Costs are shared between city, district and street budgets and the welfare-lottery fund. Each month's run
is checked by the demo's community worker and street official and approved by the district official,
through the services, so the vouchers are credited and the ledger balances. The demo's settled orders are
then paid partly from these vouchers (``demo/orders.py``), and the demo's family account is linked to an
elder whose vouchers they used (``link_family``).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from shouwang.accounts.models import User
from shouwang.benefits import services
from shouwang.benefits.models import Account, AccountKind, LedgerEntry, TransactionKind
from shouwang.core.actors import SYSTEM
from shouwang.elders.models import ConsentWay, FamilyLink
from shouwang.portal.services import link_by_worker

SELF_PAY = {"tekun": 0, "dibao": 10, "*": 30}


def _tier(label: str, fen: int, *conditions: dict) -> dict:
    return {"label": label, "amount_fen": fen, "conditions": list(conditions)}


def _between(fact: str, low: int, high: int | None = None) -> dict:
    return {"fact": fact, "min": low, **({"max": high} if high is not None else {})}


def _category(*codes: str) -> dict:
    return {"fact": "category", "any_of": list(codes)}


def demo_policies(city: str, district: str) -> list[dict]:
    """The four policies: each a policy's fields and its first version."""
    return [
        {
            "code": "gaoling",
            "name": "高龄津贴",
            "kind": "cash",
            "region_code": city,
            "version": {
                "conditions": [{"fact": "hukou_in_region"}],
                "tiers": [
                    _tier("80–89岁", 10000, _between("age", 80, 89)),
                    _tier("90–99岁", 50000, _between("age", 90, 99)),
                    _tier("100岁及以上", 80000, _between("age", 100)),
                ],
                "fund_shares": {"city": 50, "district": 50},
            },
        },
        {
            "code": "huli",
            "name": "失能老年人护理补贴",
            "kind": "cash",
            "region_code": district,
            "version": {
                "tiers": [
                    _tier("完全失能", 60000, _between("ability_level", 4)),
                    _tier("重度失能", 40000, _between("ability_level", 3, 3)),
                    _tier("中度失能", 20000, _between("ability_level", 2, 2)),
                ],
                "fund_shares": {"district": 70, "lottery": 30},
            },
        },
        {
            "code": "kunnan",
            "name": "困难老年人养老服务补贴",
            "kind": "service",
            "region_code": district,
            "version": {
                "tiers": [
                    _tier("特困/低保", 30000, _category("tekun", "dibao")),
                    _tier("低收入", 20000, _category("low_income")),
                    _tier("计划生育特殊家庭", 10000, _category("family_planning", "shidu")),
                ],
                "fund_shares": {"city": 40, "district": 40, "street": 20},
                "self_pay_percent": SELF_PAY,
            },
        },
        {
            "code": "gaoling_fuwu",
            "name": "高龄老人居家服务券",
            "kind": "service",
            "region_code": district,
            "version": {
                "tiers": [_tier("80岁及以上", 2000, _between("age", 80))],
                "fund_shares": {"district": 50, "lottery": 50},
                "self_pay_percent": SELF_PAY,
            },
        },
    ]


def load_policies(*, city: str, district: str, effective_from: str) -> int:
    """Create the four policies with their first version in force from ``effective_from`` (YYYY-MM)."""
    for spec in demo_policies(city, district):
        version = spec.pop("version")
        policy = services.create_policy(actor=SYSTEM, **spec)
        services.publish_version(actor=SYSTEM, policy_id=policy.pk, effective_from=effective_from, **version)
    return len(demo_policies(city, district))


def load_benefits(*, city: str, district: str, months: int = 3) -> list:
    """The policies, in force from the first of them, and the last ``months`` months run and approved."""
    worker, street, official = (User.objects.get(username=name) for name in ("worker", "street", "official"))
    past = [timezone.localdate().replace(day=1)]
    for _ in range(months):
        past.insert(0, (past[0] - dt.timedelta(days=1)).replace(day=1))
    load_policies(city=city, district=district, effective_from=past[0].strftime("%Y-%m"))
    runs = []
    for month in past[:-1]:
        run = services.start_run(actor=official, month=month, region_code=district)
        for reviewer in (worker, street, official):
            services.review_run(actor=reviewer, run_id=run.pk)
        runs.append(run)
    return runs


def link_family(*, username: str = "family") -> int | None:
    """Link the demo's family account to an elder of its community whose vouchers paid for settled orders,
    so that the family sees that elder's allowances, voucher balance and history (and no one else's).
    Returns the elder's id (None when no such elder exists, in a tiny district)."""
    family = User.objects.filter(username=username).prefetch_related("regions").first()
    if family is None:
        return None
    communities = [region.code for region in family.regions.all()]
    spent = LedgerEntry.objects.filter(
        account__kind=AccountKind.VOUCHER,
        account__region_id__in=communities,
        transaction__kind=TransactionKind.REDEMPTION,
    )
    account = Account.objects.filter(pk__in=spent.values("account_id")).order_by("elder_id").first()
    if account is None or account.elder_id is None:
        return None
    elder_id: int = account.elder_id
    # Linked as the portal links a family: by the community worker of the elder's community, who heard the
    # elder agree in person (the consent recorded with who, when and how).
    worker = User.objects.filter(username="worker").first()
    if worker is not None and not FamilyLink.objects.filter(elder_id=elder_id, user=family).exists():
        link_by_worker(
            actor=worker,
            elder_id=elder_id,
            username=family.username,
            relation="女儿",
            consent_way=ConsentWay.IN_PERSON,
        )
    return elder_id
