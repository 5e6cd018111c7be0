"""The demo hotline desk: a few knowledge articles the district's official keeps, a week of calls taken by
the operator (with a call-back overdue and one due tomorrow), and today's active-care list with its
first calls made. Everything goes through the hotline's services. Deterministic for a seed."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from shouwang.accounts.models import User
from shouwang.core.actors import SYSTEM
from shouwang.elders.models import Elder, Status
from shouwang.hotline import services
from shouwang.hotline.models import CareCall

ARTICLES = (
    (
        "高龄津贴怎么申请？",
        "年满80周岁、户籍在本区的老人，由本人或家属持身份证、户口簿到社区服务站申请；审核通过后次月起按月发放。",
        "高龄 津贴 补贴 申请",
    ),
    (
        "养老服务券能用在哪些服务上？",
        "服务券可用于助餐、助洁、助浴、助医等服务目录内的项目，由定点服务商提供；不足部分自付。",
        "服务券 消费券 代金券",
    ),
    (
        "一键呼叫器坏了找谁？",
        "请拨打本热线报修，坐席会登记设备编号并通知设备服务商上门检修；期间可先用电话报平安。",
        "呼叫器 设备 报修 挂件",
    ),
    (
        "独居老人能申请哪些上门服务？",
        "经能力评估后，可按照护计划申请助洁、助浴、探访关爱等上门服务，部分项目可用服务券支付。",
        "独居 上门 探访",
    ),
    (
        "家属如何查询老人的服务记录？",
        "家属可登录家属端查看已关联老人的服务记录，也可拨打本热线由坐席代为查询。",
        "家属 查询 记录",
    ),
)
CALLS = (  # (reason, outcome, days ago, minutes, summary)
    ("information", "resolved", 6, 4, "咨询高龄津贴申请条件，已解答。"),
    ("order", "resolved", 5, 6, "预约助洁服务，已代为下单。"),
    ("emotional", "resolved", 4, 12, "老人独自在家想找人聊天，陪聊十余分钟。"),
    ("complaint", "referred", 3, 8, "反映护理员迟到，已转服务商核实。"),
    ("information", "call_back", 1, 3, "询问本月补贴为何未到账，答应查询后回电。"),
    ("other", "call_back", 0, 2, "询问社区食堂开放时间，答应核实后回电。"),
)


def load_hotline(*, community_codes: list[str], seed: int) -> dict[str, int]:
    """Articles, a week of calls with two call-backs (one overdue), and today's active-care list."""
    rng = random.Random(seed)
    official = User.objects.get(username="official")
    operator = User.objects.get(username="operator")
    for question, answer, keywords in ARTICLES:
        services.create_article(actor=official, question=question, answer=answer, keywords=keywords)
    elders = list(
        Elder.objects.filter(community_id__in=community_codes, status=Status.ACTIVE)
        .exclude(phone="")
        .order_by("pk")[: len(CALLS) * 4]
    )
    now = timezone.now()
    calls = 0
    for reason, outcome, days_ago, minutes, summary in CALLS:
        elder = rng.choice(elders) if elders else None
        started = now - dt.timedelta(days=days_ago, hours=rng.randint(1, 5), minutes=rng.randint(0, 59))
        due = None
        if outcome == "call_back":
            # The older promise is overdue; today's is due tomorrow morning.
            due = started + dt.timedelta(hours=4) if days_ago else now + dt.timedelta(hours=18)
        services.record_call(
            actor=operator,
            reason=reason,
            outcome=outcome,
            caller_number=elder.phone if elder else "",
            elder_id=elder.pk if elder else None,
            duration_seconds=minutes * 60 + rng.randint(0, 59),
            summary=summary,
            started_at=started,
            call_back_due=due,
        )
        calls += 1
    listed = services.generate_care_calls(actor=SYSTEM)
    first = CareCall.objects.filter(day=timezone.localdate(), region_code__in=community_codes).order_by("pk")[
        :3
    ]
    for care_call in list(first):
        services.complete_care_call(
            actor=operator,
            care_call_id=care_call.pk,
            outcome="resolved",
            duration_seconds=rng.randint(60, 300),
            summary="老人身体尚好，按时吃药。",
        )
    return {"articles": len(ARTICLES), "calls": calls, "care_calls": listed}
