"""The daily "I am fine" (我很好 / 报平安) that comes from a person, not a device: the portal's button and,
later, the hotline desk on a call. The passive watch (``watch._checkin``) reads these beside the devices'
``checkin`` events, so an elder who checked in here gets no missed-check-in incident that day, whether or
not they have a device.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.core import audit
from shouwang.core.actors import as_user, require_actor
from shouwang.core.errors import Forbidden, ValidationFailed
from shouwang.elders.models import Status
from shouwang.elders.selectors import get_elder_for

from .models import CheckIn, CheckInChannel
from .permissions import may_record_checkins


@transaction.atomic
def record_checkin(*, actor, elder_id: int, channel: str) -> CheckIn:
    """Record that the elder is fine now, through ``channel`` (portal or desk). The elder must be in the
    actor's scope (a family login: linked to it), else NotFound; only active elders are watched."""
    require_actor(actor)
    if not may_record_checkins(actor):
        raise Forbidden(_("Your role may not record check-ins."))
    if channel not in CheckInChannel.values:
        message = _("Unknown check-in channel.")
        raise ValidationFailed(message, errors={"channel": message})
    elder = get_elder_for(actor, elder_id)
    if elder.status != Status.ACTIVE:
        message = _("Only active elders check in; this elder is %(status)s.") % {
            "status": elder.get_status_display()
        }
        raise ValidationFailed(message, code="elder_not_active")
    checkin = CheckIn.objects.create(elder=elder, at=timezone.now(), channel=channel, by=as_user(actor))
    audit.record(
        actor=actor,
        action="alarms.checkin",
        obj=elder,
        after={"channel": channel},
        region_code=elder.community_id,
    )
    return checkin


def last_checkins(elder_ids) -> dict[int, dt.datetime]:
    """The latest person-made check-in of each elder (no scope: for the watch)."""
    return dict(
        CheckIn.objects.filter(elder_id__in=elder_ids)
        .values("elder_id")
        .annotate(last=Max("at"))
        .values_list("elder_id", "last")
    )


def checked_in_today(elder_id: int) -> dt.datetime | None:
    """When the elder last checked in today (Shanghai day), or None."""
    day_start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return (
        CheckIn.objects.filter(elder_id=elder_id, at__gte=day_start).aggregate(last=Max("at"))["last"] or None
    )
