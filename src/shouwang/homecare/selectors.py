"""Reads of home care, scoped: officials and community workers see the beds, rentals and stays of elders
in their region subtrees and the claims of providers registered there; a provider's administrator only
its own. Missing and forbidden are the same NotFound."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.core.actors import is_system
from shouwang.core.errors import NotFound
from shouwang.core.scope import scope_of

from .models import (
    ClaimBatch,
    ClaimLine,
    DeviceRental,
    HomeCareBed,
    LtcDesignation,
    LtcRule,
    LtcStatus,
    RespiteStay,
)
from .permissions import may_read_homecare, may_read_ltc_status


def _readable(user) -> bool:
    return is_system(user) or may_read_homecare(user)


def beds_for(user, *, state: str = "") -> QuerySet[HomeCareBed]:
    if not _readable(user):
        return HomeCareBed.objects.none()
    beds = HomeCareBed.objects.select_related("elder", "provider", "community")
    beds = scope_of(user).filter(beds, region="community__code", provider="provider_id")
    return beds.filter(state=state) if state else beds


def get_bed_for(user, bed_id: int) -> HomeCareBed:
    try:
        return beds_for(user).get(pk=bed_id)
    except HomeCareBed.DoesNotExist:
        raise NotFound(_("This home care bed does not exist or is outside your area.")) from None


def rentals_for(user, *, open_only: bool = False) -> QuerySet[DeviceRental]:
    if not _readable(user):
        return DeviceRental.objects.none()
    rentals = DeviceRental.objects.select_related("elder", "provider")
    rentals = scope_of(user).filter(rentals, region="community__code", provider="provider_id")
    return rentals.filter(returned_on__isnull=True) if open_only else rentals


def overdue_rentals(user, *, today: dt.date | None = None) -> QuerySet[DeviceRental]:
    """Devices not back by their due day."""
    today = today or timezone.localdate()
    return rentals_for(user, open_only=True).filter(due_on__lt=today)


def get_rental_for(user, rental_id: int) -> DeviceRental:
    try:
        return rentals_for(user).get(pk=rental_id)
    except DeviceRental.DoesNotExist:
        raise NotFound(_("This rental does not exist or is outside your area.")) from None


def respite_for(user, *, elder_id: int | None = None) -> QuerySet[RespiteStay]:
    if not _readable(user):
        return RespiteStay.objects.none()
    stays = RespiteStay.objects.select_related("elder", "provider")
    stays = scope_of(user).filter(stays, region="community__code", provider="provider_id")
    return stays.filter(elder_id=elder_id) if elder_id is not None else stays


def designations_for(user) -> QuerySet[LtcDesignation]:
    """The designations of the providers the user oversees (officials) or works for (its administrator)."""
    from shouwang.providers.selectors import providers_for

    if not _readable(user):
        return LtcDesignation.objects.none()
    return LtcDesignation.objects.select_related("provider").filter(
        provider__in=providers_for(user).values("pk")
    )


def ltc_rules() -> QuerySet[LtcRule]:
    return LtcRule.objects.all()


def ltc_statuses_for(user, *, state: str = "") -> QuerySet[LtcStatus]:
    if not (is_system(user) or may_read_ltc_status(user)):
        return LtcStatus.objects.none()
    statuses = scope_of(user).filter(LtcStatus.objects.select_related("elder"), region="community__code")
    return statuses.filter(state=state) if state else statuses


def batches_for(user) -> QuerySet[ClaimBatch]:
    if not _readable(user):
        return ClaimBatch.objects.none()
    batches = ClaimBatch.objects.select_related("provider", "region")
    return scope_of(user).filter(batches, region="region__code", provider="provider_id")


def get_batch_for(user, batch_id: int) -> ClaimBatch:
    try:
        return batches_for(user).get(pk=batch_id)
    except ClaimBatch.DoesNotExist:
        raise NotFound(_("This claim batch does not exist or is outside your area.")) from None


def lines_of(batch: ClaimBatch, *, status: str = "") -> QuerySet[ClaimLine]:
    """The lines of a batch the caller reached through ``get_batch_for``."""
    lines = batch.lines.select_related("batch")
    return lines.filter(status=status) if status else lines
