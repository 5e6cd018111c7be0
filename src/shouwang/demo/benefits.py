"""Demo benefits: four policies modelled on DOMAIN.md §4, and the last three months run and approved.

    高龄津贴 (cash, the city, 户籍 there): 80–89 ¥100, 90–99 ¥500, 100+ ¥800 a month (Beijing 2019).
    失能老年人护理补贴 (cash, the district): ability level 4 ¥600, 3 ¥400, 2 ¥200 (Beijing's three tiers).
    困难老年人养老服务补贴 (vouchers, the district): 特困/低保 ¥300, 低收入 ¥200, 计划生育特殊家庭 ¥100.
    高龄老人居家服务券 (vouchers, the district): ¥20 a month for everyone 80+ (Zhangzhou's floor, seed 004).

Costs are shared between city, district and street budgets and the welfare-lottery fund. Each month's run
is checked by the demo's community worker and street official and approved by the district official,
through the services, so the vouchers are credited and the ledger balances.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from shouwang.accounts.models import User
from shouwang.benefits import services

SELF_PAY = {"tekun": 0, "dibao": 10, "*": 30}


def demo_policies(city: str, district: str) -> list[dict]:
    """The four policies: each a policy's fields and its first version."""
    age = lambda low, high=None: {"fact": "age", "min": low, **({"max": high} if high else {})}  # noqa: E731
    return [
        {
            "code": "gaoling",
            "name": "高龄津贴",
            "kind": "cash",
            "region_code": city,
            "version": {
                "conditions": [{"fact": "hukou_in_region"}],
                "tiers": [
                    {"label": "80–89岁", "amount_fen": 10000, "conditions": [age(80, 89)]},
                    {"label": "90–99岁", "amount_fen": 50000, "conditions": [age(90, 99)]},
                    {"label": "100岁及以上", "amount_fen": 80000, "conditions": [age(100)]},
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
                    {"label": "完全失能", "amount_fen": 60000, "conditions": [{"fact": "ability_level", "min": 4}]},
                    {"label": "重度失能", "amount_fen": 40000, "conditions": [{"fact": "ability_level", "min": 3, "max": 3}]},
                    {"label": "中度失能", "amount_fen": 20000, "conditions": [{"fact": "ability_level", "min": 2, "max": 2}]},
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
                    {"label": "特困/低保", "amount_fen": 30000, "conditions": [{"fact": "category", "any_of": ["tekun", "dibao"]}]},
                    {"label": "低收入", "amount_fen": 20000, "conditions": [{"fact": "category", "any_of": ["low_income"]}]},
                    {"label": "计划生育特殊家庭", "amount_fen": 10000, "conditions": [{"fact": "category", "any_of": ["family_planning", "shidu"]}]},
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
                "tiers": [{"label": "80岁及以上", "amount_fen": 2000, "conditions": [age(80)]}],
                "fund_shares": {"district": 50, "lottery": 50},
                "self_pay_percent": SELF_PAY,
            },
        },
    ]  # fmt: skip


def load_policies(*, city: str, district: str, effective_from: str) -> int:
    """Create the four policies with their first version in force from ``effective_from`` (YYYY-MM)."""
    for spec in demo_policies(city, district):
        version = spec.pop("version")
        policy = services.create_policy(actor=None, **spec)
        services.publish_version(actor=None, policy_id=policy.pk, effective_from=effective_from, **version)
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
