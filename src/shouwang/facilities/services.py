"""Writes of the facility registry: registration and direct edits by the bureau, operators' change
requests and their review, monthly figures, and residents moving in and out. Every write is one
transaction with its audit record."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.core import audit
from shouwang.core.actors import as_user, is_system, require_actor
from shouwang.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from shouwang.core.scope import scope_of
from shouwang.core.text import within_limit
from shouwang.regions.models import Level, Region

from . import fields
from .models import RESIDENTIAL_KINDS, ChangeState, Facility, FacilityChange, MonthlyFigures, Residency
from .permissions import (
    may_keep_facilities,
    may_keep_residents,
    may_propose_change,
    may_report_figures,
)
from .selectors import get_facility_for

AUDITED_FIELDS = ("provider", "community", *fields.PARSERS)


def _require(actor, allowed: bool, message: str) -> None:
    require_actor(actor)
    if not (is_system(actor) or allowed):
        raise Forbidden(message)


def _raise_if(errors: dict) -> None:
    if not errors:
        return
    if len(errors) == 1:
        raise ValidationFailed(next(iter(errors.values())), errors=errors)
    raise ValidationFailed(_("Please correct the marked fields."), errors=errors)


def _community(actor, code) -> Region:
    region = Region.objects.filter(code=str(code or "").strip(), level=Level.COMMUNITY).first()
    if region is None or not scope_of(actor).covers_region(region.code):
        raise ValidationFailed(
            _("Choose a community inside your area."),
            errors={"community": _("Choose a community inside your area.")},
        )
    return region


def _provider_id(actor, raw) -> int:
    from shouwang.providers.selectors import providers_for

    try:
        provider_id = int(raw)
    except (TypeError, ValueError):
        provider_id = 0
    if not providers_for(actor).filter(pk=provider_id).exists():
        message = _("Choose the operator among the providers you supervise.")
        raise ValidationFailed(message, errors={"provider": message})
    return provider_id


def _whole(facility: Facility) -> dict:
    return {key: getattr(facility, key) for key in fields.PARSERS}


def register_facility(*, actor, data: dict) -> Facility:
    """Register a facility: ``data`` holds ``provider`` (its id), ``community`` (a code) and the fields of
    ``fields.PARSERS`` (``name``, ``kind`` and ``address`` required)."""
    _require(actor, may_keep_facilities(actor), _("Only the civil-affairs bureau registers facilities."))
    values, errors = fields.parse({"services": [], **data})
    for key in ("name", "kind", "address"):
        if key not in data:
            errors.setdefault(key, _("This field is required."))
    try:
        community = _community(actor, data.get("community"))
    except ValidationFailed as error:
        errors.update(error.errors)
        community = None
    try:
        provider_id = _provider_id(actor, data.get("provider"))
    except ValidationFailed as error:
        errors.update(error.errors)
        provider_id = 0
    fields.check_whole(values, errors)
    _raise_if(errors)
    assert community is not None  # refused above otherwise
    with transaction.atomic():
        facility = Facility.objects.create(community=community, provider_id=provider_id, **values)
        audit.record(
            actor=actor,
            action="facilities.register",
            obj=facility,
            after=audit.snapshot(facility, AUDITED_FIELDS),
            region_code=facility.community_id,
            provider_id=facility.provider_id,
        )
    return facility


def _apply(actor, facility: Facility, values: dict, *, action: str, extra: dict | None = None) -> Facility:
    """Apply parsed ``values`` to a locked facility, with the audit record of what changed."""
    before = audit.snapshot(facility, AUDITED_FIELDS)
    for key, value in values.items():
        setattr(facility, key, value)
    old, new = audit.changed(before, audit.snapshot(facility, AUDITED_FIELDS))
    if new:
        facility.save()
    audit.record(
        actor=actor,
        action=action,
        obj=facility,
        before=old,
        after={**new, **(extra or {})},
        region_code=facility.community_id,
        provider_id=facility.provider_id,
    )
    return facility


def _checked(actor, facility: Facility, data: dict) -> dict:
    values, errors = fields.parse(data)
    if "community" in data:
        try:
            values["community_id"] = _community(actor, data["community"]).code
        except ValidationFailed as error:
            errors.update(error.errors)
    if "provider" in data:
        try:
            values["provider_id"] = _provider_id(actor, data["provider"])
        except ValidationFailed as error:
            errors.update(error.errors)
    fields.check_whole({**_whole(facility), **values}, errors)
    _raise_if(errors)
    return values


def update_facility(*, actor, facility_id: int, data: dict) -> Facility:
    """The bureau corrects a facility directly: only the keys present in ``data`` change."""
    _require(actor, may_keep_facilities(actor), _("Operators propose changes; the bureau reviews them."))
    get_facility_for(actor, facility_id)
    with transaction.atomic():
        facility = Facility.objects.select_for_update().get(pk=facility_id)
        values = _checked(actor, facility, data)
        return _apply(actor, facility, values, action="facilities.update")


def propose_change(*, actor, facility_id: int, data: dict) -> FacilityChange:
    """An operator proposes new values for its own facility; they apply once an official approves. The
    operator is not the one who decides where its facility is or who runs it."""
    _require(actor, may_propose_change(actor), _("Only the operator of a facility proposes changes to it."))
    facility = get_facility_for(actor, facility_id)
    if "provider" in data or "community" in data:
        message = _("The operator and the community are changed by the bureau.")
        raise ValidationFailed(message, errors={"provider" if "provider" in data else "community": message})
    values = _checked(actor, facility, data)
    changed = {key: value for key, value in values.items() if getattr(facility, key) != value}
    if not changed:
        raise ValidationFailed(_("Nothing would change."), code="no_change")
    with transaction.atomic():
        change = FacilityChange.objects.create(facility=facility, values=changed, requested_by=as_user(actor))
        audit.record(
            actor=actor,
            action="facilities.change_proposed",
            obj=facility,
            after={"change": change.pk, **changed},
            region_code=facility.community_id,
            provider_id=facility.provider_id,
        )
    return change


def decide_change(*, actor, change_id: int, approve: bool, note: str = "") -> FacilityChange:
    """An official approves (the values are applied as they stand now) or refuses (with a reason) a pending
    change request of a facility in their region."""
    _require(actor, may_keep_facilities(actor), _("Only the civil-affairs bureau reviews changes."))
    from .selectors import changes_for

    if not changes_for(actor).filter(pk=change_id).exists():
        raise NotFound(_("This change request does not exist or is outside your area."))
    note = within_limit(note, 300, field="note", label=_("The reason"))
    if not approve and not note:
        raise ValidationFailed(
            _("Say why the change is refused."), errors={"note": _("Say why the change is refused.")}
        )
    with transaction.atomic():
        change = FacilityChange.objects.select_for_update().get(pk=change_id)
        if change.state != ChangeState.PENDING:
            raise Conflict(
                _("This change request was already %(state)s.") % {"state": change.get_state_display()},
                code="illegal_transition",
            )
        facility = Facility.objects.select_for_update().get(pk=change.facility_id)
        if approve:
            values = _checked(actor, facility, change.values)
            _apply(actor, facility, values, action="facilities.change_approved", extra={"change": change.pk})
        else:
            audit.record(
                actor=actor,
                action="facilities.change_refused",
                obj=facility,
                after={"change": change.pk, "note": note},
                region_code=facility.community_id,
                provider_id=facility.provider_id,
            )
        change.state = ChangeState.APPROVED if approve else ChangeState.REFUSED
        change.decided_by, change.decided_at, change.note = as_user(actor), timezone.now(), note
        change.save()
    return change


FIGURE_FIELDS = ("beds_occupied", "people_served", "service_visits", "meals_served")


def report_figures(*, actor, facility_id: int, month: dt.date, figures: dict) -> MonthlyFigures:
    """The operator's figures for a month (a later report of the same month replaces the earlier one)."""
    _require(actor, may_report_figures(actor), _("Your role may not report a facility's figures."))
    facility = get_facility_for(actor, facility_id)
    month = month.replace(day=1)
    if month > timezone.localdate():
        raise ValidationFailed(
            _("A month still to come cannot be reported."),
            errors={"month": _("A month still to come cannot be reported.")},
        )
    values, errors = {}, {}
    for key in FIGURE_FIELDS:
        try:
            values[key] = fields._count(getattr(MonthlyFigures._meta.get_field(key), "verbose_name", key))(
                figures.get(key, 0)
            )
        except ValidationFailed as error:
            errors[key] = error.message
    if not errors and values["beds_occupied"] > facility.beds_total:
        errors["beds_occupied"] = _("More beds are occupied than the facility has.")
    _raise_if(errors)
    with transaction.atomic():
        report, created = MonthlyFigures.objects.update_or_create(
            facility=facility, month=month, defaults=values
        )
        audit.record(
            actor=actor,
            action="facilities.figures_reported",
            obj=facility,
            after={"month": month, **values, "replaced": not created},
            region_code=facility.community_id,
            provider_id=facility.provider_id,
        )
    return report


def move_in(*, actor, facility_id: int, elder_id: int, since: dt.date) -> Residency:
    """An elder moves into a residential facility: the residency opens and the registry's living
    arrangement becomes "in an institution" (through the registry's own service, audited there)."""
    from shouwang.elders.services import update_elder

    _require(actor, may_keep_residents(actor), _("Your role may not record where elders live."))
    facility = get_facility_for(actor, facility_id)
    if facility.kind not in RESIDENTIAL_KINDS:
        raise ValidationFailed(_("Only institutions take residents."), code="not_residential")
    if since > timezone.localdate():
        raise ValidationFailed(
            _("The date cannot lie in the future."), errors={"since": _("The date cannot lie in the future.")}
        )
    from shouwang.elders.selectors import get_elder_for

    elder = get_elder_for(actor, elder_id)
    if elder.status != "active":
        raise Conflict(_("Only an active elder can move in."), code="elder_not_active")
    with transaction.atomic():
        if Residency.objects.select_for_update().filter(elder=elder, until__isnull=True).exists():
            raise Conflict(
                _("This elder already lives in an institution; record the move out first."),
                code="already_resident",
            )
        residency = Residency.objects.create(
            facility=facility, elder=elder, since=since, previous_arrangement=elder.living_arrangement
        )
        if elder.living_arrangement != "institution":
            update_elder(actor=actor, elder_id=elder.pk, data={"living_arrangement": "institution"})
        audit.record(
            actor=actor,
            action="facilities.move_in",
            obj=facility,
            after={"elder": elder.pk, "since": since},
            region_code=facility.community_id,
            provider_id=facility.provider_id,
        )
    return residency


def move_out(*, actor, residency_id: int, until: dt.date, restore_arrangement: bool = True) -> Residency:
    """An elder leaves the facility; the living arrangement goes back to what it was before moving in."""
    from shouwang.elders.services import update_elder

    _require(actor, may_keep_residents(actor), _("Your role may not record where elders live."))
    try:
        residency = Residency.objects.select_related("facility").get(pk=residency_id, until__isnull=True)
    except Residency.DoesNotExist:
        raise NotFound(_("This residency does not exist or has ended.")) from None
    get_facility_for(actor, residency.facility_id)
    if until < residency.since:
        raise ValidationFailed(
            _("The move out cannot come before the move in."),
            errors={"until": _("The move out cannot come before the move in.")},
        )
    with transaction.atomic():
        Residency.objects.filter(pk=residency.pk).update(until=until)
        residency.until = until
        if restore_arrangement:
            update_elder(
                actor=actor,
                elder_id=residency.elder_id,
                data={"living_arrangement": residency.previous_arrangement},
            )
        _record_move_out(actor, residency)
    return residency


def _record_move_out(actor, residency: Residency) -> None:
    audit.record(
        actor=actor,
        action="facilities.move_out",
        obj=residency.facility,
        after={"elder": residency.elder_id, "until": residency.until},
        region_code=residency.facility.community_id,
        provider_id=residency.facility.provider_id,
    )


def end_residency_on_life_event(*, elder, event: str, date: dt.date, actor) -> None:
    """The registry recorded that an elder died or moved away: their open residency ends that day (the
    registry's own status change carries the living arrangement; it is not touched here)."""
    if event not in ("deceased", "moved_out"):
        return
    for residency in Residency.objects.select_related("facility").filter(elder=elder, until__isnull=True):
        Residency.objects.filter(pk=residency.pk).update(until=max(date, residency.since))
        residency.until = max(date, residency.since)
        _record_move_out(actor, residency)
