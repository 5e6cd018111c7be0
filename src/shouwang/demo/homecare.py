"""Demo home care: home care beds at every step of their lifecycle (two in service with last month
closed, its shortfalls listed and its subsidy paid), assistive devices lent (one overdue, one back),
respite stays, and LTC insurance — the first provider designated, rules for three levels, insured elders,
last month's claim batch and the agency's answer imported back (one line refused, one unknown row).
Everything goes through the services, as the platform would. Deterministic."""

from __future__ import annotations

import datetime as dt
import random
import tempfile
from pathlib import Path

from django.utils import timezone

from shouwang.alarms.models import Device, DeviceState
from shouwang.assessments.models import Assessment, State
from shouwang.benefits.runs import last_month
from shouwang.core.actors import SYSTEM
from shouwang.homecare import ltc, services
from shouwang.orders.models import Order
from shouwang.orders.states import SERVED_STATES

PACKAGE = [("cleaning", 4), ("bathing", 2), ("health", 4)]
RULES = ((1, 60, 60_000), (2, 70, 90_000), (3, 75, 120_000), (4, 80, 150_000))
RENTAL_ITEMS = ("轮椅", "护理床", "助行器", "坐便椅")


def _assessed_elders(community_codes: list[str]) -> list[int]:
    today = timezone.localdate()
    return list(
        Assessment.objects.filter(
            elder__community_id__in=community_codes, state=State.APPROVED, final_level__gte=1
        )
        .exclude(valid_until__lt=today)
        .order_by("elder_id")
        .values_list("elder_id", flat=True)
        .distinct()
    )


def _package() -> list[tuple[str, int]]:
    from shouwang.catalog.models import ServiceItem

    known = set(ServiceItem.objects.filter(active=True).values_list("code", flat=True))
    return [(code, quantity) for code, quantity in PACKAGE if code in known] or [("cleaning", 4)]


def _beds(elder_ids: list[int], provider_id: int) -> int:
    """Up to eight beds: those of elders with a device go as far as their place in the list says."""
    with_device = set(
        Device.objects.filter(elder_id__in=elder_ids, state=DeviceState.ACTIVE).values_list(
            "elder_id", flat=True
        )
    )
    ordered = sorted(elder_ids, key=lambda pk: (pk not in with_device, pk))[:8]
    month = last_month(timezone.localdate())
    for index, elder_id in enumerate(ordered):
        bed = services.apply_for_bed(actor=SYSTEM, elder_id=elder_id, provider_id=provider_id)
        if index == 7:
            services.end_bed(actor=SYSTEM, bed_id=bed.pk, reason="家属撤回申请")
        if index >= 6:
            continue  # one still waiting for its assessment, one withdrawn
        services.assess_bed(actor=SYSTEM, bed_id=bed.pk)
        if elder_id not in with_device or index >= 5:
            continue
        services.equip_bed(
            actor=SYSTEM,
            bed_id=bed.pk,
            adaptation_done_on=month - dt.timedelta(days=10),
            adaptation_note="卫生间安装扶手、地面防滑处理、床边护栏",
        )
        services.set_package(actor=SYSTEM, bed_id=bed.pk, items=_package())
        if index >= 3:
            continue
        services.start_service(actor=SYSTEM, bed_id=bed.pk, service_from=month, monthly_subsidy_fen=60_000)
        if index == 2:
            services.end_bed(actor=SYSTEM, bed_id=bed.pk, reason="入住养老机构")
        else:
            services.close_month(actor=SYSTEM, bed_id=bed.pk, month=month)
    return len(ordered)


def _rentals_and_respite(elder_ids: list[int], provider_id: int, rng: random.Random) -> None:
    today = timezone.localdate()
    for index, elder_id in enumerate(elder_ids[:4]):
        starts = today - dt.timedelta(days=rng.randrange(20, 90))
        due = (
            today - dt.timedelta(days=5) if index == 0 else today + dt.timedelta(days=rng.randrange(30, 120))
        )
        rental = services.record_rental(
            actor=SYSTEM,
            elder_id=elder_id,
            provider_id=provider_id,
            item=RENTAL_ITEMS[index],
            deposit_fen=rng.choice((20_000, 50_000, 80_000)),
            starts_on=starts,
            due_on=max(due, starts),
        )
        if index == 3:
            services.return_rental(actor=SYSTEM, rental_id=rental.pk, returned_on=today)
    for elder_id in elder_ids[4:7]:
        services.record_respite(
            actor=SYSTEM,
            elder_id=elder_id,
            provider_id=provider_id,
            starts_on=today.replace(month=1, day=10) if today.month > 1 else today,
            days=rng.randrange(3, 10),
        )


def _insurance(provider_id: int) -> None:
    month = last_month(timezone.localdate())
    ltc.designate(
        actor=SYSTEM,
        provider_id=provider_id,
        agency_code="JL-LTC-0001",
        designated_from=month - dt.timedelta(days=365),
    )
    for level, percent, cap in RULES:
        ltc.set_rule(actor=SYSTEM, level=level, covered_percent=percent, monthly_cap_fen=cap)
    start = timezone.make_aware(dt.datetime.combine(month, dt.time.min))
    served = (
        Order.objects.filter(
            provider_id=provider_id, state__in=SERVED_STATES, amount_fen__gt=0, window_start__gte=start
        )
        .order_by("elder_id")
        .values_list("elder_id", flat=True)
        .distinct()[:6]
    )
    valid_until = timezone.localdate() + dt.timedelta(days=365)
    for index, elder_id in enumerate(served):
        ltc.enter_status(
            actor=SYSTEM, elder_id=elder_id, state="approved", level=1 + index % 4, valid_until=valid_until
        )
    batch = ltc.make_batch(actor=SYSTEM, provider_id=provider_id, month=month)
    if not batch.line_count:
        return
    answer = ltc.answer_file(
        batch,
        {1: ("拒付", "服务记录缺少老人签字")},
        extra=[[f"{batch.reference}-99", "", "支付", "12.00", ""]],
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "审核结果.xlsx"
        path.write_bytes(answer)
        ltc.import_answer(actor=SYSTEM, batch_id=batch.pk, path=path, name=path.name)


def load_homecare(*, community_codes: list[str], provider_id: int, seed: int) -> None:
    rng = random.Random(f"{seed}-homecare")
    elder_ids = _assessed_elders(community_codes)
    _beds(elder_ids, provider_id)
    _rentals_and_respite(elder_ids[8:], provider_id, rng)
    _insurance(provider_id)
