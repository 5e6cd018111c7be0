"""Escorts (助行) and companionship (精神慰藉): one-off help a volunteer gives an elder.

A community worker makes a task for an elder of their community (from a visit's finding, naming the
visit, or from a family's request): an escort to somewhere at a time, or an hour of company. It goes to an
active volunteer of the elder's community who offers that skill and is free that weekday: the one who
helped this elder with the same kind last time if they still can (continuity), else the one with the
fewest open help tasks (load). The volunteer sees only their own tasks and, of the elder, only what the
help needs (``volunteer_view``: a masked name and phone, the address to go to). The volunteer records it
done; the coordinator, or the elder or their family in the portal, confirms it; the confirmation earns
the task's minutes in the time bank, once (``timebank.earn``). Every step locks its row and is audited.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import NoReturn

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.core import audit
from shouwang.core.actors import as_user, require_actor
from shouwang.core.errors import Conflict, Forbidden, NotFound, ValidationFailed, require_state
from shouwang.core.masking import mask_name, mask_phone
from shouwang.core.scope import scope_of
from shouwang.core.text import within_limit
from shouwang.elders.models import Elder, Status
from shouwang.elders.selectors import elders_for
from shouwang.portal.permissions import may_use_portal
from shouwang.portal.selectors import my_elders

from . import timebank
from .models import HelpKind, HelpState, HelpTask, HoursPosting, Skill, Volunteer
from .permissions import is_volunteer, may_coordinate_volunteers, may_organize_help, may_read_help
from .selectors import tasks_for

NOT_FOUND = _("This help task does not exist or is outside your area.")
# The minutes a task earns unless the worker says otherwise (an escort to the clinic and back; an hour
# of company), and the bounds a worker may set.
DEFAULT_MINUTES = {HelpKind.ESCORT: 120, HelpKind.COMPANIONSHIP: 60}
MIN_MINUTES, MAX_MINUTES = 15, 480
# How far ahead a task may be made.
HORIZON = dt.timedelta(days=90)


# --- reads ---------------------------------------------------------------------------------------------


def help_tasks_for(user) -> QuerySet[HelpTask]:
    """A volunteer's own tasks; the coordinators' of the communities in their regions; nobody else's."""
    tasks = HelpTask.objects.select_related("elder", "community", "volunteer__user")
    if not may_read_help(user):
        return tasks.none()
    if is_volunteer(user):
        return tasks.filter(volunteer__user_id=user.pk)
    return scope_of(user).filter(tasks, region="community__code")


def get_help_for(user, help_id: int) -> HelpTask:
    try:
        return help_tasks_for(user).get(pk=help_id)
    except (HelpTask.DoesNotExist, ValueError, TypeError):
        raise NotFound(str(NOT_FOUND)) from None


def search_help(user, *, state: str = "", kind: str = "") -> QuerySet[HelpTask]:
    tasks = help_tasks_for(user)
    if state:
        if state not in HelpState.values:
            raise ValidationFailed(_("Unknown state."), errors={"state": _("Unknown state.")})
        tasks = tasks.filter(state=state)
    if kind:
        if kind not in HelpKind.values:
            raise ValidationFailed(_("Unknown kind of help."), errors={"kind": _("Unknown kind of help.")})
        tasks = tasks.filter(kind=kind)
    return tasks.order_by("starts_at", "id")


def volunteer_view(task: HelpTask) -> dict:
    """What the volunteer is shown of the elder: enough to find them and to know what help is needed —
    a masked name and phone, the address to go to; nothing of their ID, health or benefits."""
    elder = task.elder
    return {
        "name": mask_name(elder.name),
        "phone": mask_phone(elder.phone),
        "address": elder.address,
    }


def help_received(user, elder_id: int, *, limit: int = 20) -> list[HelpTask]:
    """An elder's escorts and companionship given (done or confirmed), latest first, for the elder or their
    family in the portal; nothing for anyone else."""
    if not may_use_portal(user):
        return []
    return list(
        HelpTask.objects.filter(
            elder__in=my_elders(user).filter(pk=elder_id).values("pk"),
            state__in=[HelpState.DONE, HelpState.CONFIRMED],
        )
        .select_related("volunteer__user")
        .order_by("-done_at", "-pk")[:limit]
    )


def confirmable_help(user, elder_id: int) -> set[int]:
    """Of an elder's help tasks, the ids the elder or their family may confirm now (done, not confirmed)."""
    if not may_use_portal(user):
        return set()
    return set(
        HelpTask.objects.filter(
            elder__in=my_elders(user).filter(pk=elder_id).values("pk"), state=HelpState.DONE
        ).values_list("pk", flat=True)
    )


# --- assignment ----------------------------------------------------------------------------------------


def choose_volunteer(community: str, elder_id: int, kind: str, day: dt.date) -> Volunteer | None:
    """An active volunteer of the community with the skill, free on ``day``'s weekday: the one who last
    helped this elder with this kind when still a candidate, else the lightest load (open help tasks),
    the earliest registered on a tie."""
    skill = Skill(kind)
    candidates = [
        v
        for v in Volunteer.objects.filter(community_id=community, active=True, user__is_active=True)
        .select_related("user")
        .order_by("pk")
        if skill in v.skills and day.isoweekday() in (v.available_days or range(1, 8))
    ]
    if not candidates:
        return None
    last = (
        HelpTask.objects.filter(
            elder_id=elder_id,
            kind=kind,
            state__in=[HelpState.DONE, HelpState.CONFIRMED],
            volunteer__isnull=False,
        )
        .order_by("-done_at", "-pk")
        .values_list("volunteer_id", flat=True)
        .first()
    )
    previous = next((v for v in candidates if v.pk == last), None)
    if previous is not None:
        return previous
    load = Counter(
        HelpTask.objects.filter(
            state=HelpState.OPEN, volunteer_id__in=[v.pk for v in candidates]
        ).values_list("volunteer_id", flat=True)
    )
    return min(candidates, key=lambda v: (load[v.pk], v.pk))


# --- steps ---------------------------------------------------------------------------------------------


def _refuse(field: str, message: str) -> NoReturn:
    raise ValidationFailed(message, errors={field: message})


def create_help(
    *,
    actor,
    elder_id: int,
    kind: str,
    starts_at: dt.datetime,
    minutes: int | None = None,
    destination: str = "",
    need: str = "",
    visit_id: int | None = None,
) -> HelpTask:
    """A worker makes an escort or companionship task for an elder of their area and it is assigned at
    once; refused, with nothing saved, when no volunteer of the community offers that help that day."""
    require_actor(actor)
    if not may_organize_help(actor):
        raise Forbidden(_("Only a community worker arranges escorts and companionship."))
    elder = (
        elders_for(actor).filter(pk=elder_id, status=Status.ACTIVE).first()
        if isinstance(elder_id, int)
        else None
    )
    if elder is None:
        raise NotFound(_("This elder does not exist or is outside your area."))
    if kind not in HelpKind.values:
        _refuse("kind", _("Choose an escort or companionship."))
    now = timezone.now()
    if starts_at is None or starts_at < now - dt.timedelta(hours=1) or starts_at > now + HORIZON:
        _refuse("starts_at", _("Choose a time from now to 90 days ahead."))
    minutes = DEFAULT_MINUTES[HelpKind(kind)] if minutes is None else minutes
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not MIN_MINUTES <= minutes <= MAX_MINUTES:
        _refuse("minutes", _("The help lasts from 15 to 480 minutes."))
    destination = within_limit(destination, 120, field="destination", label=_("The destination"))
    need = within_limit(need, 300, field="need", label=_("What is needed"))
    if kind == HelpKind.ESCORT and not destination:
        _refuse("destination", _("Say where the elder is to be taken."))
    visit = None
    if visit_id is not None:
        visit = tasks_for(actor).filter(pk=visit_id, elder=elder).first()
        if visit is None:
            _refuse("visit_id", _("Name a visit of this elder in your area, or none."))
    day = timezone.localtime(starts_at).date()
    with transaction.atomic():
        Elder.objects.select_for_update().filter(pk=elder.pk).first()  # one assignment at a time per elder
        volunteer = choose_volunteer(elder.community_id, elder.pk, kind, day)
        if volunteer is None:
            _refuse(
                "kind",
                _("No volunteer of the community offers %(kind)s on that day. Nothing was saved.")
                % {"kind": HelpKind(kind).label},
            )
        task = HelpTask.objects.create(
            elder=elder, community_id=elder.community_id, kind=kind, starts_at=starts_at, minutes=minutes,
            destination=destination, need=need, volunteer=volunteer, visit=visit, created_by=as_user(actor),
        )  # fmt: skip
        audit.record(
            actor=actor, action="visits.help.create", obj=task,
            after={"elder": elder.pk, "kind": kind, "volunteer": volunteer.pk, "minutes": minutes,
                   "visit": visit_id},
            region_code=elder.community_id,
        )  # fmt: skip
    return task


def complete_help(*, actor, help_id: int, note: str = "") -> HelpTask:
    """The assigned volunteer records the help given; it then waits for confirmation."""
    require_actor(actor)
    note = within_limit(note, 300, field="note", label=_("The note"))
    with transaction.atomic():
        task = _locked(actor, help_id)
        if not (is_volunteer(actor) and task.volunteer is not None and task.volunteer.user_id == actor.pk):
            raise Forbidden(_("Only the volunteer the task was given to records it done."))
        require_state(task, [HelpState.OPEN], _("Only a task to do is recorded done; this one is %(state)s."))
        task.state, task.done_at, task.done_note = HelpState.DONE, timezone.now(), note
        task.save(update_fields=["state", "done_at", "done_note", "updated_at"])
        audit.record(
            actor=actor, action="visits.help.complete", obj=task, after={"state": task.state},
            region_code=task.community_id,
        )  # fmt: skip
    return task


def confirm_help(*, actor, help_id: int) -> HoursPosting:
    """The coordinator (in their area), or the elder or their family (the elders linked to their login),
    confirms the help took place; it earns the volunteer the task's minutes, once — whoever comes second is
    refused."""
    require_actor(actor)
    if may_coordinate_volunteers(actor):
        tasks = help_tasks_for(actor)
    elif may_use_portal(actor):
        tasks = HelpTask.objects.filter(elder__in=my_elders(actor).values("pk"))
    else:
        raise Forbidden(_("Only the community's coordinator, or the elder or their family, confirms help."))
    with transaction.atomic():
        try:
            task = tasks.select_for_update(of=("self",)).select_related("volunteer").get(pk=help_id)
        except (HelpTask.DoesNotExist, ValueError, TypeError):
            raise NotFound(str(NOT_FOUND)) from None
        if task.state == HelpState.CONFIRMED:
            raise Conflict(_("This help was already confirmed."), code="already_confirmed")
        require_state(task, [HelpState.DONE], _("Only help recorded done is confirmed; this is %(state)s."))
        if task.volunteer is None:  # a task is always given to a volunteer; kept for the type checker
            raise Conflict(_("This help has no volunteer to credit."))
        task.state, task.confirmed_at, task.confirmed_by = HelpState.CONFIRMED, timezone.now(), as_user(actor)
        task.save(update_fields=["state", "confirmed_at", "confirmed_by", "updated_at"])
        posting = timebank.earn(
            actor=actor, volunteer=task.volunteer, minutes=task.minutes, help=task,
            note=str(HelpKind(task.kind).label),
        )  # fmt: skip
        audit.record(
            actor=actor, action="visits.help.confirm", obj=task,
            after={"minutes": task.minutes, "by_family": not may_coordinate_volunteers(actor)},
            region_code=task.community_id,
        )  # fmt: skip
    return posting


def confirmed_task(posting: HoursPosting) -> HelpTask:
    """The help task a confirmation's posting earned for."""
    if posting.help is None:
        raise NotFound(str(NOT_FOUND))
    return posting.help


def cancel_help(*, actor, help_id: int, reason: str) -> HelpTask:
    """A worker cancels a task not yet done (the elder went with family after all)."""
    require_actor(actor)
    if not may_organize_help(actor):
        raise Forbidden(_("Only a community worker cancels help."))
    reason = within_limit(reason, 300, field="reason", label=_("The reason"))
    with transaction.atomic():
        task = _locked(actor, help_id)
        require_state(task, [HelpState.OPEN], _("Only a task to do is cancelled; this one is %(state)s."))
        task.state, task.done_note = HelpState.CANCELLED, reason
        task.save(update_fields=["state", "done_note", "updated_at"])
        audit.record(
            actor=actor, action="visits.help.cancel", obj=task, after={"reason": reason},
            region_code=task.community_id,
        )  # fmt: skip
    return task


def _locked(actor, help_id: int) -> HelpTask:
    try:
        return (
            help_tasks_for(actor).select_for_update(of=("self",)).select_related("volunteer").get(pk=help_id)
        )
    except (HelpTask.DoesNotExist, ValueError, TypeError):
        raise NotFound(str(NOT_FOUND)) from None
