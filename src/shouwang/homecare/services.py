"""Writes of home care beds, rentals and respite stays. Every write is one transaction with its audit
record; every step of a bed goes through ``states.advance`` on the locked row."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.core import audit
from shouwang.core.actors import as_user, is_system, name_of, require_actor
from shouwang.core.errors import Conflict, Forbidden, ValidationFailed
from shouwang.core.text import within_limit
from shouwang.elders.models import Elder

from . import states
from .models import BedMonth, BedPackageItem, BedState, BedTransition, DeviceRental, HomeCareBed, RespiteStay
from .permissions import (
    may_apply_for_bed,
    may_close_month,
    may_keep_home_services,
    may_keep_package,
    may_move_bed,
)
from .selectors import get_bed_for, get_rental_for

S = BedState


def _require(actor, allowed: bool, message: str) -> None:
    require_actor(actor)
    if not (is_system(actor) or allowed):
        raise Forbidden(message)


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, errors={field: message})


def _refused(errors: dict[str, str]) -> ValidationFailed:
    """Every problem of a form at once: the one message, or a summary when there are several."""
    if len(errors) == 1:
        return ValidationFailed(next(iter(errors.values())), errors=errors)
    return ValidationFailed(_("Please correct the marked fields."), errors=errors)


def visible_elder(actor, elder_id: int) -> Elder:
    """An elder of the actor's area (the same NotFound for missing and outside)."""
    from shouwang.elders.selectors import get_elder_for

    return get_elder_for(actor, elder_id)


def active_provider(provider_id) -> int:
    """A provider that may serve: registered and neither rejected nor exited."""
    from shouwang.providers.models import Provider, ProviderState

    try:
        pk = int(provider_id)
    except (TypeError, ValueError):
        pk = 0
    closed = (ProviderState.REJECTED, ProviderState.EXITED)
    if not Provider.objects.filter(pk=pk).exclude(state__in=closed).exists():
        raise _invalid("provider", _("Choose a provider that is registered and still serving."))
    return pk


def month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    """The first day of ``month`` and of the month after."""
    start = month.replace(day=1)
    return start, (start + dt.timedelta(days=32)).replace(day=1)


# --- home care beds ------------------------------------------------------------------------------------


def apply_for_bed(
    *, actor, elder_id: int, provider_id: int, applied_on: dt.date | None = None
) -> HomeCareBed:
    """Open a bed application for an elder of the actor's area with a provider; one open bed per elder."""
    _require(
        actor, may_apply_for_bed(actor), _("Only the community or the bureau applies for a home care bed.")
    )
    elder = visible_elder(actor, elder_id)
    provider = active_provider(provider_id)
    with transaction.atomic():
        Elder.objects.select_for_update().filter(pk=elder.pk).first()
        if HomeCareBed.objects.filter(elder=elder).exclude(state=S.ENDED).exists():
            raise Conflict(_("This elder already has a home care bed that has not ended."), code="bed_exists")
        bed = HomeCareBed.objects.create(
            elder=elder,
            provider_id=provider,
            community_id=elder.community_id,
            applied_on=applied_on or timezone.localdate(),
        )
        BedTransition.objects.create(
            bed=bed, to_state=S.APPLIED, at=timezone.now(), actor=as_user(actor), actor_name=name_of(actor)
        )
        audit.record(
            actor=actor,
            action="homecare.bed.applied",
            obj=bed,
            after={"elder": elder.pk, "provider": provider},
            region_code=bed.community_id,
            provider_id=provider,
        )
    return bed


def _locked(actor, bed_id: int, to_state: str, message: str) -> HomeCareBed:
    """The bed, locked, after the checks every move shares: who may make it, scope, and the table."""
    _require(actor, may_move_bed(actor, to_state), message)
    get_bed_for(actor, bed_id)
    bed = HomeCareBed.objects.select_for_update().select_related("elder").get(pk=bed_id)
    states.refuse_unless(bed, to_state)
    return bed


def _current_assessment(elder: Elder, today: dt.date):
    from shouwang.assessments.models import Assessment, State

    return (
        Assessment.objects.filter(elder=elder, state=State.APPROVED, final_level__isnull=False)
        .exclude(valid_until__lt=today)
        .order_by("-assessed_on", "-id")
        .first()
    )


def assess_bed(*, actor, bed_id: int) -> HomeCareBed:
    """Record the elder's ability level from their approved assessment; a bed needs at least
    ``SHOUWANG_HOMECARE_BED_MIN_LEVEL`` (an elder with care needs)."""
    with transaction.atomic():
        bed = _locked(
            actor, bed_id, S.ASSESSED, _("Only the community or the bureau records the assessment.")
        )
        assessment = _current_assessment(bed.elder, timezone.localdate())
        if assessment is None:
            raise _invalid(
                "assessment", _("This elder has no approved ability assessment in force; assess them first.")
            )
        minimum = settings.SHOUWANG_HOMECARE_BED_MIN_LEVEL
        if assessment.final_level < minimum:
            raise _invalid(
                "assessment",
                _("The assessment gives level %(level)s; a home care bed needs level %(minimum)s or above.")
                % {"level": assessment.final_level, "minimum": minimum},
            )
        return states.advance(
            bed,
            S.ASSESSED,
            actor=actor,
            details={"assessment": assessment.pk, "level": assessment.final_level},
            fields={"assessment": assessment, "level": assessment.final_level},
        )


def equip_bed(*, actor, bed_id: int, adaptation_done_on: dt.date | None, adaptation_note: str) -> HomeCareBed:
    """The home is adapted and the elder's alarm devices installed: every active device bound to the
    elder (alarms app) is attached to the bed; at least one is needed."""
    from shouwang.alarms.models import Device, DeviceState

    note = within_limit(adaptation_note, 300, field="adaptation_note", label=_("The home adaptation"))
    errors = {}
    if adaptation_done_on is None or adaptation_done_on > timezone.localdate():
        errors["adaptation_done_on"] = _("Give the day the home adaptation was finished (not in the future).")
    if not note:
        errors["adaptation_note"] = _("Say what was adapted in the home.")
    if errors or adaptation_done_on is None:
        raise _refused(errors)
    with transaction.atomic():
        bed = _locked(actor, bed_id, S.EQUIPPED, _("Only the provider or the bureau records the equipment."))
        devices = list(
            Device.objects.filter(elder=bed.elder, state=DeviceState.ACTIVE).values_list("pk", flat=True)
        )
        if not devices:
            raise _invalid(
                "devices",
                _("No alarm device is bound to this elder; install and bind one on the Devices page first."),
            )
        states.advance(
            bed,
            S.EQUIPPED,
            actor=actor,
            details={"devices": devices, "adaptation_done_on": adaptation_done_on.isoformat()},
            fields={"adaptation_done_on": adaptation_done_on, "adaptation_note": note},
        )
        bed.devices.set(devices)
        return bed


def start_service(
    *, actor, bed_id: int, service_from: dt.date | None, monthly_subsidy_fen: int
) -> HomeCareBed:
    """The bureau signs the contract: the service starts with the package agreed and the bed subsidy set."""
    if service_from is None:
        raise _invalid("service_from", _("Give the day the service starts."))
    if not 0 <= monthly_subsidy_fen <= 10_000_000:
        raise _invalid("monthly_subsidy_fen", _("The monthly subsidy must be between ¥0 and ¥100,000."))
    with transaction.atomic():
        bed = _locked(
            actor, bed_id, S.IN_SERVICE, _("Only the civil-affairs bureau starts a home care bed's service.")
        )
        if not bed.package.exists():
            raise _invalid("package", _("Agree the monthly service package before the service starts."))
        return states.advance(
            bed,
            S.IN_SERVICE,
            actor=actor,
            details={"service_from": service_from.isoformat(), "monthly_subsidy_fen": monthly_subsidy_fen},
            fields={"service_from": service_from, "monthly_subsidy_fen": monthly_subsidy_fen},
        )


def end_bed(*, actor, bed_id: int, reason: str, ended_on: dt.date | None = None) -> HomeCareBed:
    reason = within_limit(reason, 300, field="reason", label=_("The reason"))
    if not reason:
        raise _invalid("reason", _("Say why the home care bed ends."))
    with transaction.atomic():
        bed = _locked(actor, bed_id, S.ENDED, _("Only the provider or the bureau ends a home care bed."))
        return states.advance(
            bed, S.ENDED, actor=actor, reason=reason, fields={"ended_on": ended_on or timezone.localdate()}
        )


def set_package(*, actor, bed_id: int, items: list[tuple[str, int]]) -> HomeCareBed:
    """Replace the bed's monthly package: (catalogue code, times a month) pairs. Fixed once in service."""
    from shouwang.catalog.models import ServiceItem

    _require(actor, may_keep_package(actor), _("Only the provider or the bureau agrees the service package."))
    get_bed_for(actor, bed_id)
    wanted: dict[str, int] = {}
    for code, quantity in items:
        if not 1 <= quantity <= 200:
            raise _invalid("package", _("Each service is delivered between 1 and 200 times a month."))
        wanted[code] = wanted.get(code, 0) + quantity
    if not wanted:
        raise _invalid("package", _("Choose at least one service for the package."))
    found = {item.code: item for item in ServiceItem.objects.filter(code__in=wanted, active=True)}
    unknown = sorted(set(wanted) - set(found))
    if unknown:
        raise _invalid(
            "package", _("Not in the service catalogue: %(codes)s.") % {"codes": "、".join(unknown)}
        )
    with transaction.atomic():
        bed = HomeCareBed.objects.select_for_update().get(pk=bed_id)
        if bed.state not in states.PACKAGE_OPEN_STATES:
            raise Conflict(
                _("This home care bed is %(state)s; its package can no longer change.")
                % {"state": bed.get_state_display()},
                code="illegal_transition",
            )
        before = {line.item.code: line.quantity for line in bed.package.select_related("item")}
        bed.package.all().delete()
        BedPackageItem.objects.bulk_create(
            [
                BedPackageItem(bed=bed, item=found[code], quantity=quantity)
                for code, quantity in wanted.items()
            ]
        )
        audit.record(
            actor=actor,
            action="homecare.bed.package",
            obj=bed,
            before=before,
            after=wanted,
            region_code=bed.community_id,
            provider_id=bed.provider_id,
        )
        return bed


# --- monthly delivery and the bed subsidy ------------------------------------------------------------


def delivery(bed: HomeCareBed, month: dt.date) -> list[dict]:
    """The package against what was delivered in ``month``: completed orders of the bed's elder with the
    bed's provider (their lines' quantities), one row per catalogue item, package items first."""
    from shouwang.orders.models import OrderLine
    from shouwang.orders.states import SERVED_STATES

    start, end = month_bounds(month)
    zone = timezone.get_current_timezone()
    delivered = dict(
        OrderLine.objects.filter(
            order__elder_id=bed.elder_id,
            order__provider_id=bed.provider_id,
            order__state__in=SERVED_STATES,
            order__window_start__gte=dt.datetime.combine(start, dt.time.min, zone),
            order__window_start__lt=dt.datetime.combine(end, dt.time.min, zone),
        )
        .values_list("item__code")
        .annotate(total=Sum("quantity"))
        .values_list("item__code", "total")
    )
    rows = []
    for line in bed.package.select_related("item"):
        got = delivered.pop(line.item.code, 0)
        rows.append(
            {
                "code": line.item.code,
                "name": line.item.name,
                "package": line.quantity,
                "delivered": got,
                "shortfall": max(0, line.quantity - got),
            }
        )
    if delivered:
        from shouwang.catalog.models import ServiceItem

        names = dict(ServiceItem.objects.filter(code__in=delivered).values_list("code", "name"))
        rows += [
            {"code": code, "name": names.get(code, code), "package": 0, "delivered": got, "shortfall": 0}
            for code, got in sorted(delivered.items())
        ]
    return rows


def subsidy_for(bed: HomeCareBed, rows: list[dict]) -> int:
    """The month's bed subsidy: in full when the package was delivered, else in proportion to the share of
    the package's services delivered (extras beyond the package do not make up for a shortfall)."""
    owed = sum(row["package"] for row in rows)
    done = sum(min(row["delivered"], row["package"]) for row in rows)
    if not owed:
        return 0
    return bed.monthly_subsidy_fen * done // owed


def close_month(*, actor, bed_id: int, month: dt.date) -> BedMonth:
    """Close a past month of a bed in service: record delivery and shortfalls, and pay the bed subsidy to
    the provider from the bed's fund source (a ledger posting, once per bed and month)."""
    from shouwang.benefits import ledger
    from shouwang.benefits.models import TransactionKind
    from shouwang.regions.models import Region

    _require(actor, may_close_month(actor), _("Only the civil-affairs bureau pays the bed subsidy."))
    get_bed_for(actor, bed_id)
    start, end = month_bounds(month)
    if end > timezone.localdate().replace(day=1):
        raise _invalid("month", _("Only a month that is over can be closed."))
    with transaction.atomic():
        bed = HomeCareBed.objects.select_for_update().select_related("provider").get(pk=bed_id)
        served = bed.service_from is not None and bed.service_from < end
        if not served or (bed.ended_on is not None and bed.ended_on < start):
            raise Conflict(_("This home care bed was not in service in that month."), code="not_in_service")
        if BedMonth.objects.filter(bed=bed, month=start).exists():
            raise Conflict(_("This month is already closed for this bed."), code="month_closed")
        rows = delivery(bed, start)
        subsidy = subsidy_for(bed, rows)
        posted = None
        if subsidy:
            district = Region.objects.get(code=bed.community_id[:6] + "000000")
            posted = ledger.post(
                actor=actor,
                kind=TransactionKind.REDEMPTION,
                memo=_("Home care bed #%(bed)s %(month)s: bed subsidy")
                % {"bed": bed.pk, "month": f"{start:%Y-%m}"},
                lines=[
                    (ledger.fund_account(bed.fund_source, district).pk, -subsidy),
                    (ledger.provider_account(bed.provider).pk, subsidy),
                ],
            )
        closed = BedMonth.objects.create(
            bed=bed,
            month=start,
            delivered={row["code"]: row["delivered"] for row in rows},
            shortfalls=[row for row in rows if row["shortfall"]],
            subsidy_fen=subsidy,
            transaction=posted,
            closed_by=as_user(actor),
        )
        audit.record(
            actor=actor,
            action="homecare.bed.month_closed",
            obj=bed,
            after={"month": f"{start:%Y-%m}", "subsidy_fen": subsidy, "shortfalls": len(closed.shortfalls)},
            region_code=bed.community_id,
            provider_id=bed.provider_id,
        )
        return closed


# --- assistive-device rental -------------------------------------------------------------------------


def record_rental(
    *,
    actor,
    elder_id: int,
    provider_id: int,
    item: str,
    deposit_fen: int,
    starts_on: dt.date | None,
    due_on: dt.date | None,
    note: str = "",
) -> DeviceRental:
    _require(actor, may_keep_home_services(actor), _("Only the community or the bureau records rentals."))
    elder = visible_elder(actor, elder_id)
    provider = active_provider(provider_id)
    item = within_limit(item, 80, field="item", label=_("The item"))
    note = within_limit(note, 300, field="note", label=_("The note"))
    errors = {}
    if not item:
        errors["item"] = _("Name the device lent.")
    if not 0 <= deposit_fen <= 10_000_000:
        errors["deposit_fen"] = _("The deposit must be between ¥0 and ¥100,000.")
    if starts_on is None:
        errors["starts_on"] = _("Give the day the rental starts.")
    if due_on is None or (starts_on is not None and due_on < starts_on):
        errors["due_on"] = _("Give the day the device is due back, on or after the start.")
    if errors or starts_on is None or due_on is None:
        raise _refused(errors)
    with transaction.atomic():
        rental = DeviceRental.objects.create(
            elder=elder,
            community_id=elder.community_id,
            provider_id=provider,
            item=item,
            deposit_fen=deposit_fen,
            starts_on=starts_on,
            due_on=due_on,
            note=note,
        )
        audit.record(
            actor=actor,
            action="homecare.rental.start",
            obj=rental,
            after={"elder": elder.pk, "item": item, "deposit_fen": deposit_fen, "due_on": due_on.isoformat()},
            region_code=rental.community_id,
            provider_id=provider,
        )
    return rental


def return_rental(
    *, actor, rental_id: int, returned_on: dt.date | None, deposit_refunded_fen: int | None = None
) -> DeviceRental:
    """The device came back; the deposit is refunded in full unless less is given (damage)."""
    _require(actor, may_keep_home_services(actor), _("Only the community or the bureau records rentals."))
    get_rental_for(actor, rental_id)
    if returned_on is None or returned_on > timezone.localdate():
        raise _invalid("returned_on", _("Give the day the device came back (not in the future)."))
    with transaction.atomic():
        rental = DeviceRental.objects.select_for_update().get(pk=rental_id)
        if rental.returned_on is not None:
            raise Conflict(_("This device was already returned."), code="illegal_transition")
        if returned_on < rental.starts_on:
            raise _invalid("returned_on", _("The device cannot come back before the rental started."))
        refund = rental.deposit_fen if deposit_refunded_fen is None else deposit_refunded_fen
        if not 0 <= refund <= rental.deposit_fen:
            raise _invalid("deposit_refunded_fen", _("The refund is at most the deposit."))
        rental.returned_on, rental.deposit_refunded_fen = returned_on, refund
        rental.save(update_fields=["returned_on", "deposit_refunded_fen", "updated_at"])
        audit.record(
            actor=actor,
            action="homecare.rental.return",
            obj=rental,
            after={"returned_on": returned_on.isoformat(), "deposit_refunded_fen": refund},
            region_code=rental.community_id,
            provider_id=rental.provider_id,
        )
        return rental


# --- respite care ------------------------------------------------------------------------------------


def respite_used(elder_id: int, year: int) -> int:
    return (
        RespiteStay.objects.filter(elder_id=elder_id, starts_on__year=year).aggregate(total=Sum("days"))[
            "total"
        ]
        or 0
    )


def record_respite(
    *, actor, elder_id: int, provider_id: int, starts_on: dt.date | None, days: int, note: str = ""
) -> RespiteStay:
    """Days of respite care, counted in the year they start; refused beyond the yearly entitlement
    (``SHOUWANG_HOMECARE_RESPITE_DAYS_A_YEAR``). The elder's row is locked so two desks cannot both take
    the last days."""
    _require(
        actor, may_keep_home_services(actor), _("Only the community or the bureau records respite care.")
    )
    elder = visible_elder(actor, elder_id)
    provider = active_provider(provider_id)
    note = within_limit(note, 300, field="note", label=_("The note"))
    if starts_on is None:
        raise _invalid("starts_on", _("Give the day the respite stay starts."))
    if not 1 <= days <= 366:
        raise _invalid("days", _("A respite stay lasts from 1 to 366 days."))
    entitlement = settings.SHOUWANG_HOMECARE_RESPITE_DAYS_A_YEAR
    with transaction.atomic():
        Elder.objects.select_for_update().filter(pk=elder.pk).first()
        used = respite_used(elder.pk, starts_on.year)
        if used + days > entitlement:
            raise Conflict(
                _(
                    "%(name)s has used %(used)s of %(entitlement)s respite days in %(year)s; %(days)s more "
                    "would go beyond the entitlement."
                )
                % {
                    "name": elder.name,
                    "used": used,
                    "entitlement": entitlement,
                    "year": starts_on.year,
                    "days": days,
                },
                code="entitlement_exceeded",
            )
        stay = RespiteStay.objects.create(
            elder=elder,
            community_id=elder.community_id,
            provider_id=provider,
            starts_on=starts_on,
            days=days,
            note=note,
        )
        audit.record(
            actor=actor,
            action="homecare.respite",
            obj=stay,
            after={"elder": elder.pk, "starts_on": starts_on.isoformat(), "days": days, "used": used + days},
            region_code=stay.community_id,
            provider_id=provider,
        )
    return stay


def respite_summary(elder_id: int, year: int) -> dict:
    entitlement = settings.SHOUWANG_HOMECARE_RESPITE_DAYS_A_YEAR
    used = respite_used(elder_id, year)
    return {"year": year, "entitlement": entitlement, "used": used, "left": max(0, entitlement - used)}


def shortfalls_by_bed(beds, month: dt.date) -> dict[int, list[dict]]:
    """For the beds given (in service), the month's rows with a shortfall, live (not yet closed)."""
    found: dict[int, list[dict]] = defaultdict(list)
    for bed in beds:
        found[bed.pk] = [row for row in delivery(bed, month) if row["shortfall"]]
    return found


def close_last_month(today: dt.date | None = None) -> int:
    """Close last month for every bed that was in service in it and is not yet closed (the scheduler's
    job, as the platform); each bed in its own transaction, a bed another worker closed meanwhile is
    passed over. Returns how many were closed."""
    from shouwang.core.actors import SYSTEM

    start = ((today or timezone.localdate()).replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    _start, end = month_bounds(start)
    due = (
        HomeCareBed.objects.filter(service_from__lt=end)
        .exclude(ended_on__lt=start)
        .exclude(months__month=start)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    closed = 0
    for bed_id in list(due):
        try:
            close_month(actor=SYSTEM, bed_id=bed_id, month=start)
        except Conflict:
            continue  # closed by another worker meanwhile
        closed += 1
    return closed
