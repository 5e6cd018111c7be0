"""Complaints (投诉) about a provider's service: received → assigned → resolved (with an outcome) → closed.

Elders and families file their own; the call centre, community workers and officials record the ones
they take by phone. Officials (and the call centre) assign them to a handler; the handler or an official
resolves; an official closes. Every step is audited and a step out of order is 409. Upheld complaints
feed the provider's monthly evaluation (``complaints_measure``), as do the elders' ratings
(``rating_measure``); both are registered in ``OrdersConfig.ready``.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Avg, Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.core import audit
from shouwang.core.errors import Forbidden, NotFound, ValidationFailed, require_state
from shouwang.core.roles import Role
from shouwang.core.text import within_limit
from shouwang.elders.selectors import elders_for
from shouwang.providers.evaluation import Measure
from shouwang.providers.models import Provider
from shouwang.regions.models import PREFIX_LENGTH

from . import permissions
from .models import Complaint, ComplaintOutcome, ComplaintSource, ComplaintState, Order, OrderState
from .selectors import complaints_for, get_complaint_for, get_order_for

C = ComplaintState
# One upheld complaint per 100 orders costs this many points of the 0–100 complaints score.
POINTS_PER_UPHELD_PER_100 = 20
# A partly upheld complaint counts half.
UPHELD_WEIGHT = {ComplaintOutcome.UPHELD: 1.0, ComplaintOutcome.PARTLY: 0.5}


def _role(actor) -> str:
    return getattr(actor, "effective_role", "")


def _record(actor, action: str, complaint: Complaint, *, before=None, after=None) -> None:
    audit.record(
        actor=actor,
        action=f"order.complaint.{action}",
        obj=complaint,
        before=before,
        after=after,
        region_code=complaint.community_id or "",
        provider_id=complaint.provider_id,
    )


def _text(value: str, field: str, message: str, limit: int = 2000) -> str:
    value = within_limit(value, limit, field=field, label=Complaint._meta.get_field(field).verbose_name)
    if not value:
        raise ValidationFailed(message, errors={field: message})
    return value


def _subject(actor, order_id, elder_id, provider_id) -> tuple[Order | None, object, Provider]:
    """The order (in scope), the elder (in scope) and the provider the complaint is about."""
    order = get_order_for(actor, order_id) if order_id else None
    elder = order.elder if order else None
    if elder is None and elder_id:
        elder = elders_for(actor).filter(pk=elder_id).first()
        if elder is None:
            raise NotFound(_("This elder does not exist or is outside your area."))
    provider = order.provider if order else Provider.objects.filter(pk=provider_id or 0).first()
    if provider is None:
        message = _("Say which provider the complaint is about (or which order).")
        raise ValidationFailed(message, errors={"provider_id": message})
    if _role(actor) == Role.ELDER and elder is None:
        message = _("Choose the order the complaint is about.")
        raise ValidationFailed(message, errors={"order_id": message})
    return order, elder, provider


@transaction.atomic
def file_complaint(
    *,
    actor,
    source: str,
    description: str,
    order_id: int | None = None,
    elder_id: int | None = None,
    provider_id: int | None = None,
) -> Complaint:
    """Receive a complaint about an order (its provider and elder follow) or about a provider directly."""
    if not permissions.may_file_complaints(actor):
        raise Forbidden(_("Your role may not file complaints."))
    if _role(actor) == Role.ELDER and source not in (ComplaintSource.ELDER, ComplaintSource.FAMILY):
        source = ComplaintSource.FAMILY
    if source not in ComplaintSource.values:
        message = _("Say who complains.")
        raise ValidationFailed(message, errors={"source": message})
    description = _text(description, "description", _("Describe what happened."))
    order, elder, provider = _subject(actor, order_id, elder_id, provider_id)
    complaint = Complaint.objects.create(
        provider=provider,
        order=order,
        elder=elder,
        community_id=(order.community_id if order else elder.community_id if elder else None),
        source=source,
        description=description,
        received_by=actor,
    )
    _record(
        actor,
        "file",
        complaint,
        after={"provider": provider.pk, "order": order.pk if order else None, "source": source},
    )
    return complaint


def _locked(actor, complaint_id: int) -> Complaint:
    get_complaint_for(actor, complaint_id)
    return Complaint.objects.select_for_update().get(pk=complaint_id)


@transaction.atomic
def assign_complaint(*, actor, complaint_id: int, assignee_id: int) -> Complaint:
    """Give a received (or already assigned) complaint to a handler: an official, operator or community
    worker whose scope covers it."""
    if not permissions.may_manage_complaints(actor):
        raise Forbidden(_("Only officials and the call centre assign complaints."))
    complaint = _locked(actor, complaint_id)
    require_state(
        complaint, (C.RECEIVED, C.ASSIGNED), _("This complaint is %(state)s and cannot be assigned.")
    )
    assignee = get_user_model().objects.filter(pk=assignee_id, is_active=True).first()
    if (
        assignee is None
        or not permissions.may_handle_complaints(assignee)
        or not complaints_for(assignee).filter(pk=complaint.pk).exists()
    ):
        message = _("Choose a handler whose area covers this complaint.")
        raise ValidationFailed(message, errors={"assignee_id": message})
    before = {"state": complaint.state, "assignee": complaint.assignee_id}
    complaint.state, complaint.assignee = C.ASSIGNED, assignee
    complaint.save(update_fields=["state", "assignee", "updated_at"])
    _record(actor, "assign", complaint, before=before, after={"state": C.ASSIGNED, "assignee": assignee.pk})
    return complaint


@transaction.atomic
def resolve_complaint(*, actor, complaint_id: int, outcome: str, resolution: str) -> Complaint:
    """The handler (or a supervisor) says what was found and done."""
    complaint = _locked(actor, complaint_id)
    if not permissions.may_resolve_complaint(actor, complaint):
        raise Forbidden(_("Only the complaint's handler or a supervisor resolves it."))
    require_state(complaint, (C.ASSIGNED,), _("This complaint is %(state)s and cannot be resolved."))
    if outcome not in ComplaintOutcome.values:
        message = _("Choose the outcome.")
        raise ValidationFailed(message, errors={"outcome": message})
    resolution = _text(resolution, "resolution", _("Say what was done."))
    complaint.state, complaint.outcome, complaint.resolution = C.RESOLVED, outcome, resolution
    complaint.resolved_at = timezone.now()
    complaint.save(update_fields=["state", "outcome", "resolution", "resolved_at", "updated_at"])
    _record(
        actor,
        "resolve",
        complaint,
        before={"state": C.ASSIGNED},
        after={"state": C.RESOLVED, "outcome": outcome, "resolution": resolution},
    )
    return complaint


@transaction.atomic
def close_complaint(*, actor, complaint_id: int) -> Complaint:
    """A supervisor closes a resolved complaint (办结)."""
    if not permissions.may_manage_complaints(actor):
        raise Forbidden(_("Only officials and the call centre close complaints."))
    complaint = _locked(actor, complaint_id)
    require_state(complaint, (C.RESOLVED,), _("This complaint is %(state)s and cannot be closed."))
    complaint.state, complaint.closed_at = C.CLOSED, timezone.now()
    complaint.save(update_fields=["state", "closed_at", "updated_at"])
    _record(actor, "close", complaint, before={"state": C.RESOLVED}, after={"state": C.CLOSED})
    return complaint


def handlers_for(complaint: Complaint) -> list:
    """Active officials, operators and community workers whose regions cover the complaint's community
    (the people it may be assigned to)."""
    if not complaint.community_id:
        return []
    code = complaint.community_id
    covering = {code[:length].ljust(12, "0") for length in PREFIX_LENGTH.values()}
    roles = permissions.ASSIGNABLE_COMPLAINT_HANDLERS
    users = get_user_model().objects.filter(is_active=True, role__in=roles, regions__code__in=covering)
    return list(users.distinct().order_by("username")[:100])


def next_steps(complaint: Complaint) -> list[str]:
    """The workflow buttons a complaint in its state offers (the services still check the actor)."""
    return {C.RECEIVED: ["assign"], C.ASSIGNED: ["assign", "resolve"], C.RESOLVED: ["close"]}.get(
        complaint.state, []
    )


# --- evaluation sources ----------------------------------------------------------------------------------


def _month_range(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime.combine(first, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min))
    return start, end


def complaints_measure(provider_id: int, first: dt.date, last: dt.date) -> Measure:
    """Upheld complaints filed in the month per 100 of the provider's orders served that month (partly
    upheld count half): 0 → 100 points, each one per 100 orders costs ``POINTS_PER_UPHELD_PER_100``."""
    start, end = _month_range(first, last)
    served = Order.objects.filter(
        provider_id=provider_id,
        window_start__gte=start,
        window_start__lt=end,
        state__in=[OrderState.COMPLETED, OrderState.CONFIRMED, OrderState.SETTLED, OrderState.DISPUTED],
    ).count()
    if not served:
        return Measure(None)
    upheld = Complaint.objects.filter(
        provider_id=provider_id, created_at__gte=start, created_at__lt=end, outcome__in=UPHELD_WEIGHT
    ).values_list("outcome", flat=True)
    weight = sum(UPHELD_WEIGHT[outcome] for outcome in upheld)
    per_100 = weight * 100 / served
    score = max(0.0, 100.0 - POINTS_PER_UPHELD_PER_100 * per_100)
    return Measure(score=round(score, 1), value=round(per_100, 2), count=served)


def rating_measure(provider_id: int, first: dt.date, last: dt.date) -> Measure:
    """The elders' average rating (1–5) of the provider's orders confirmed in the month, as 0–100."""
    start, end = _month_range(first, last)
    found = Order.objects.filter(
        Q(state=OrderState.CONFIRMED) | Q(state=OrderState.SETTLED),
        provider_id=provider_id,
        confirmed_at__gte=start,
        confirmed_at__lt=end,
        rating__isnull=False,
    ).aggregate(average=Avg("rating"), count=Count("id"))
    if not found["count"]:
        return Measure(None)
    average = float(found["average"])
    return Measure(score=round((average - 1) * 25, 1), value=round(average, 2), count=found["count"])
