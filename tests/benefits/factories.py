"""Benefit test data: three policies modelled on DOMAIN.md §4, made through the services.

高龄津贴 (cash, the city): 户籍 in the city; 80–89 ¥100, 90–99 ¥500, 100+ ¥800 a month; city 50 %,
  district 50 %.
护理补贴 (cash, the district): ability level 4 ¥600, 3 ¥400, 2 ¥200; district 70 %, 福彩 30 %.
居家养老服务补贴 (vouchers, the district): 特困/低保 ¥300, 低收入 ¥200; city 40 %, district 40 %,
  street 20 %; self-pay 特困 0 %, 低保 10 %, everybody else 30 %.
"""

from __future__ import annotations

import datetime as dt

from shouwang.benefits import services
from shouwang.core.actors import SYSTEM
from shouwang.elders.models import ElderCategory
from tests import factories

CITY = "220200000000"
MONTH = dt.date(2026, 3, 1)

AGE_TIERS = [
    {"label": "80–89", "amount_fen": 10000, "conditions": [{"fact": "age", "min": 80, "max": 89}]},
    {"label": "90–99", "amount_fen": 50000, "conditions": [{"fact": "age", "min": 90, "max": 99}]},
    {"label": "100+", "amount_fen": 80000, "conditions": [{"fact": "age", "min": 100}]},
]
CARE_TIERS = [
    {"label": "level 4", "amount_fen": 60000, "conditions": [{"fact": "ability_level", "min": 4}]},
    {"label": "level 3", "amount_fen": 40000, "conditions": [{"fact": "ability_level", "min": 3, "max": 3}]},
    {"label": "level 2", "amount_fen": 20000, "conditions": [{"fact": "ability_level", "min": 2, "max": 2}]},
]
SERVICE_TIERS = [
    {
        "label": "特困/低保",
        "amount_fen": 30000,
        "conditions": [{"fact": "category", "any_of": ["tekun", "dibao"]}],
    },
    {"label": "低收入", "amount_fen": 20000, "conditions": [{"fact": "category", "any_of": ["low_income"]}]},
]
SELF_PAY = {"tekun": 0, "dibao": 10, "*": 30}


def policy(code: str, name: str, kind: str, region: str, **version):
    made = services.create_policy(actor=SYSTEM, code=code, name=name, kind=kind, region_code=region)
    services.publish_version(actor=SYSTEM, policy_id=made.pk, **{"effective_from": "2026-01", **version})
    return made


def standard_policies() -> dict:
    return {
        "gaoling": policy(
            "gaoling",
            "高龄津贴",
            "cash",
            CITY,
            conditions=[{"fact": "hukou_in_region"}],
            tiers=AGE_TIERS,
            fund_shares={"city": 50, "district": 50},
        ),
        "huli": policy(
            "huli",
            "护理补贴",
            "cash",
            factories.DISTRICT,
            tiers=CARE_TIERS,
            fund_shares={"district": 70, "lottery": 30},
        ),
        "fuwu": policy(
            "fuwu",
            "居家养老服务补贴",
            "service",
            factories.DISTRICT,
            tiers=SERVICE_TIERS,
            fund_shares={"city": 40, "district": 40, "street": 20},
            self_pay_percent=SELF_PAY,
        ),
    }


def elder(
    *,
    born: dt.date = dt.date(1945, 3, 1),
    categories=(),
    level=None,
    community=factories.COMMUNITY_A,
    **fields,
):
    """An elder registered in the district (户籍 there unless said otherwise)."""
    made = factories.ElderFactory(
        birth_date=born,
        community_id=community,
        hukou_region_code=fields.pop("hukou", community),
        ability_level=level,
        **fields,
    )
    ElderCategory.objects.bulk_create([ElderCategory.for_elder(made, code) for code in categories])
    return made
