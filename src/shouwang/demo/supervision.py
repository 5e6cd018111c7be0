"""Demo pilot programmes and an inspection round (一老一小 supervision), on the demo's childcare
institutions: one programme of a street under implementation with a milestone done and an indicator
reported, one of the district accepted with a score; a 双随机 round over the childcare institutions with
a fixed seed, its results published, one finding closed after re-inspection, one answered and waiting,
one still open. Everything through the services, as the platform would. Deterministic."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from shouwang.accounts.models import User
from shouwang.core.actors import SYSTEM
from shouwang.inspections.services import create_plan, publish_plan, record_results, reinspect, respond
from shouwang.pilots.models import PilotState
from shouwang.pilots.services import (
    add_document,
    add_milestone,
    apply,
    complete_milestone,
    move,
    report_indicator,
)

S = PilotState
ROUND_SEED = 20260301


def load_pilots(*, district: str) -> None:
    street_official = User.objects.get(username="street")
    official = User.objects.get(username="official")
    today = timezone.localdate()
    street = street_official.regions.get()
    implementing = apply(
        actor=street_official, region_code=street.code, title=f"{street.name}居家社区养老服务改革试点",
        goals="建成街道综合养老服务中心，社区嵌入式服务站点全覆盖，助餐服务覆盖80%以上社区。",
        indicators=[
            {"name": "助餐服务覆盖社区比例", "unit": "%", "baseline": "35", "target": "80"},
            {"name": "家庭养老床位", "unit": "张", "baseline": "0", "target": "120"},
        ],
        objection_days=7,
    )  # fmt: skip
    move(actor=official, pilot_id=implementing.pk, to_state=S.NOTICE, today=today - dt.timedelta(days=40))
    move(
        actor=official, pilot_id=implementing.pk, to_state=S.IMPLEMENTING, today=today - dt.timedelta(days=30)
    )
    done = add_milestone(
        actor=street_official,
        pilot_id=implementing.pk,
        title="综合养老服务中心开业",
        due_on=today - dt.timedelta(days=5),
    )
    complete_milestone(actor=street_official, pilot_id=implementing.pk, milestone_id=done.pk)
    add_milestone(
        actor=street_official,
        pilot_id=implementing.pk,
        title="家庭养老床位建设过半",
        due_on=today + dt.timedelta(days=60),
    )
    first = implementing.indicators.order_by("id")[0]
    report_indicator(actor=street_official, pilot_id=implementing.pk, indicator_id=first.pk, value="55")

    accepted = apply(
        actor=official, region_code=district, title="一老一小整体解决方案试点",
        goals="托位数达到每千人4.5个，普惠托位占比60%以上；养老服务设施社区全覆盖。",
        indicators=[{"name": "每千人口托位数", "unit": "个", "baseline": "2.1", "target": "4.5"}],
        objection_days=5,
    )  # fmt: skip
    reviewer = SYSTEM  # the city reviews a district's programme; the demo has no city account
    move(actor=reviewer, pilot_id=accepted.pk, to_state=S.NOTICE, today=today - dt.timedelta(days=200))
    move(actor=reviewer, pilot_id=accepted.pk, to_state=S.IMPLEMENTING, today=today - dt.timedelta(days=190))
    indicator = accepted.indicators.get()
    report_indicator(actor=official, pilot_id=accepted.pk, indicator_id=indicator.pk, value="4.6")
    move(actor=official, pilot_id=accepted.pk, to_state=S.ACCEPTANCE, reason="试点任务已完成，申请验收")
    add_document(actor=reviewer, pilot_id=accepted.pk, title="试点验收报告", number="吉市民〔2026〕31号")
    move(actor=reviewer, pilot_id=accepted.pk, to_state=S.ACCEPTED, score="91.5", reason="验收合格")


def load_inspection_round(*, district: str) -> None:
    official = User.objects.get(username="official")
    today = timezone.localdate()
    plan = create_plan(
        actor=official, title="托育机构双随机抽查（演示）", region_code=district, target_kind="childcare",
        sample_size=4, inspectors_per_target=2, due_on=today + dt.timedelta(days=20), seed=ROUND_SEED,
    )  # fmt: skip
    inspections = list(plan.inspections.order_by("id"))
    problems = [
        [("minor", "晨午检记录不完整", 10)],
        [("major", "消防通道堆放杂物", 7)],
        [("minor", "保育人员健康证过期1人", 14), ("major", "未按规定配备卫生保健人员", 30)],
        [],
    ]
    inspected_on = today - dt.timedelta(days=12)
    for inspection, found in zip(inspections, problems, strict=True):
        drawn = next(
            u for u in inspection.inspectors.order_by("pk") if u.scope.covers_region(inspection.region_code)
        )
        record_results(
            actor=drawn, inspection_id=inspection.pk, inspected_on=inspected_on, summary="现场检查",
            findings=[{"severity": s, "description": d, "rectify_by": inspected_on + dt.timedelta(days=n)}
                      for s, d, n in found],
        )  # fmt: skip
    publish_plan(actor=official, plan_id=plan.pk)
    from shouwang.childcare.models import Institution

    closed = inspections[0].findings.get()
    account = _account_of(Institution.objects.get(pk=inspections[0].target_id))
    respond(
        actor=account or SYSTEM,
        finding_id=closed.pk,
        response="已补全晨午检记录",
        evidence=["晨检登记表照片2张"],
    )
    reinspect(
        actor=official, finding_id=closed.pk, passed=True, note="复查合格", on=today - dt.timedelta(days=1)
    )
    answered = inspections[1].findings.get()
    respond(actor=SYSTEM, finding_id=answered.pk, response="已清理消防通道", evidence=["整改前后对比照片"])


def _account_of(institution):
    return institution.account if institution.account_id else None
