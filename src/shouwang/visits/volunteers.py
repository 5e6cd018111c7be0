"""Volunteers (志愿者) and their time bank (时间银行).

A coordinator (a community worker of the volunteer's community, or the bureau) registers a volunteer:
a user of the volunteer role with a checked resident ID number (``core.idnumbers``: python-stdnum's
check digit, any province), skills and free weekdays. The generation gives volunteers who offer visits
the phone and home visits of low- and medium-risk elders of their community on their free days; high-risk
elders stay with the community workers.

Hours are earned only for a visit the coordinator (or the elder, or their family) confirmed, once (the
ledger's once-key and a database constraint too), and a home visit only when its position check passed
(recorded within ``SHOUWANG_VISIT_RADIUS_M`` of the home). The hours are booked in the platform's
double-entry ledger in minutes (``timebank``, ADR 0018): insert-only, the balance is the sum of the
volunteer's account and never goes below zero.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.accounts.models import User
from shouwang.core import audit
from shouwang.core.actors import as_user, require_actor
from shouwang.core.errors import Conflict, Forbidden, NotFound, ValidationFailed, require_state
from shouwang.core.idnumbers import parse_resident_id
from shouwang.core.roles import Role
from shouwang.core.scope import scope_of
from shouwang.core.text import within_limit
from shouwang.portal.permissions import may_use_portal
from shouwang.portal.selectors import my_elders

from . import timebank
from .models import HoursPosting, Skill, TaskState, Tier, VisitKind, VisitTask, Volunteer
from .permissions import is_volunteer, may_coordinate_volunteers
from .selectors import tasks_for

# Minutes a confirmed visit earns, by kind.
MINUTES_PER_VISIT: dict[str, int] = {VisitKind.PHONE: 15, VisitKind.HOME: 60}
# Volunteers take the visits of these tiers; the high-risk elders stay with the community workers.
VOLUNTEER_TIERS = (Tier.MEDIUM, Tier.LOW)
NOT_FOUND = _("This volunteer does not exist or is outside your area.")


def volunteers_for(user) -> QuerySet[Volunteer]:
    """The volunteers of the communities in a coordinator's regions; a volunteer: themselves."""
    volunteers = Volunteer.objects.select_related("user", "community")
    if is_volunteer(user):
        return volunteers.filter(user_id=user.pk)
    if not may_coordinate_volunteers(user):
        return volunteers.none()
    return scope_of(user).filter(volunteers, region="community__code")


def get_volunteer_for(user, volunteer_id: int) -> Volunteer:
    try:
        return volunteers_for(user).get(pk=volunteer_id)
    except (Volunteer.DoesNotExist, ValueError, TypeError):
        raise NotFound(str(NOT_FOUND)) from None


balance_minutes = timebank.balance_minutes


def statement(user, volunteer_id: int) -> dict:
    """A volunteer's time-bank entries, oldest first, each with the balance after it."""
    volunteer = get_volunteer_for(user, volunteer_id)
    lines = timebank.statement_lines(volunteer)
    return {"volunteer": volunteer, "lines": lines, "balance": lines[-1].balance if lines else 0}


def register_volunteer(
    *,
    actor,
    user_id: int,
    community: str,
    id_number: str,
    skills: list[str],
    available_days: list[int],
) -> Volunteer:
    """Register a user of the volunteer role in a community of the actor's area."""
    require_actor(actor)
    if not may_coordinate_volunteers(actor):
        raise Forbidden(_("Your role may not register volunteers."))
    errors: dict[str, str] = {}
    user = User.objects.filter(pk=user_id, role=Role.VOLUNTEER, is_active=True).first()
    if user is None:
        errors["user_id"] = _("Choose an active account of the volunteer role.")
    elif Volunteer.objects.filter(user=user).exists():
        errors["user_id"] = _("This account is already registered as a volunteer.")
    if not scope_of(actor).covers_region(community or "-") or len(community or "") != 12:
        errors["community"] = _("Choose a community of your area.")
    try:
        number = parse_resident_id(id_number).number
    except ValidationFailed as failure:
        errors["id_number"] = failure.message
        number = ""
    if number and Volunteer.objects.filter(id_number=number).exists():
        errors["id_number"] = _("A volunteer with this ID number is already registered.")
    skills = list(dict.fromkeys(skills))
    if not skills or [s for s in skills if s not in Skill.values]:
        errors["skills"] = _("Tick what the volunteer offers.")
    days = sorted(set(available_days))
    if [d for d in days if d not in range(1, 8)]:
        errors["available_days"] = _("Weekdays are 1 (Monday) to 7 (Sunday).")
    if errors or user is None:
        raise ValidationFailed(next(iter(errors.values())), errors=errors)
    with transaction.atomic():
        volunteer = Volunteer.objects.create(
            user=user, community_id=community, id_number=number, skills=skills, available_days=days
        )
        audit.record(
            actor=actor,
            action="visits.volunteer.register",
            obj=volunteer,
            after={"user": user_id, "id_number": number, "skills": skills, "available_days": days},
            region_code=community,
        )
    return volunteer


def _task_to_confirm(actor, task_id: int):
    """The task a confirmer may confirm, locked: a coordinator's in their area; an elder's or family's,
    the visits of the elders linked to their login (``elders.FamilyLink``). Missing and forbidden: 404."""
    if may_coordinate_volunteers(actor):
        tasks = tasks_for(actor)
    elif may_use_portal(actor):
        tasks = VisitTask.objects.filter(elder__in=my_elders(actor).values("pk"))
    else:
        raise Forbidden(
            _("Only the community's coordinator, or the elder or their family, confirms a visit.")
        )
    try:
        return tasks.select_for_update(of=("self",)).get(pk=task_id)
    except (VisitTask.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("This visit does not exist or is outside your area.")) from None


def confirm_visit(*, actor, task_id: int) -> HoursPosting:
    """The coordinator, or the elder (or their family, through the portal), confirms a volunteer's visit;
    it earns its minutes, once: whoever confirms first, the second is refused. A home visit earns only
    when the visitor's position was recorded near the home."""
    require_actor(actor)
    with transaction.atomic():
        task = _task_to_confirm(actor, task_id)
        require_state(task, [TaskState.DONE], _("Only a recorded visit is confirmed; this one is %(state)s."))
        if task.confirmed_at is not None:
            raise Conflict(_("This visit was already confirmed."), code="already_confirmed")
        volunteer = Volunteer.objects.filter(user_id=task.done_by_id or 0).first()
        if volunteer is None:
            raise ValidationFailed(_("This visit was not made by a volunteer; it earns no hours."))
        if task.kind == VisitKind.HOME and (
            task.distance_m is None or task.distance_m > settings.SHOUWANG_VISIT_RADIUS_M
        ):
            raise ValidationFailed(
                _("The visitor's position was not recorded near the home: this home visit earns no hours.")
            )
        task.confirmed_at, task.confirmed_by = timezone.now(), as_user(actor)
        task.save(update_fields=["confirmed_at", "confirmed_by", "updated_at"])
        minutes = MINUTES_PER_VISIT[task.kind]
        posting = timebank.earn(actor=actor, volunteer=volunteer, minutes=minutes, task=task)
        audit.record(
            actor=actor, action="visits.volunteer.confirm", obj=task,
            after={"minutes": minutes, "by_family": not may_coordinate_volunteers(actor)},
            region_code=task.community_id,
        )  # fmt: skip
    return posting


def confirmable_visits(user, elder_id: int) -> set[int]:
    """Of an elder's visits, the ids the caller (the elder or their family) may confirm now: recorded by
    a volunteer, not yet confirmed."""
    if not may_use_portal(user):
        return set()
    volunteer_users = Volunteer.objects.values("user_id")
    return set(
        VisitTask.objects.filter(
            elder__in=my_elders(user).filter(pk=elder_id).values("pk"), state=TaskState.DONE,
            confirmed_at__isnull=True, done_by__in=volunteer_users,
        ).values_list("pk", flat=True)
    )  # fmt: skip


def donation_targets(user, volunteer: Volunteer) -> QuerySet[Volunteer]:
    """Whom the caller may give this volunteer's hours to: the other active volunteers of the community
    (a volunteer) or of the coordinator's area; nobody for anyone else."""
    if is_volunteer(user):
        others = Volunteer.objects.filter(community_id=volunteer.community_id)
    elif may_coordinate_volunteers(user):
        others = volunteers_for(user)
    else:
        return Volunteer.objects.none()
    return others.filter(active=True).exclude(pk=volunteer.pk).select_related("user").order_by("pk")


def _positive_minutes(minutes) -> int:
    if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes <= 0 or minutes > 1_000_000:
        message = _("Give a positive number of minutes.")
        raise ValidationFailed(message, errors={"minutes": message})
    return minutes


def donate_hours(*, actor, from_id: int, to_id: int, minutes: int, note: str = "") -> HoursPosting:
    """Give hours from one volunteer's bank to another's (时间银行转赠). A volunteer gives their own to a
    volunteer of the same community; a coordinator moves them between volunteers of their area. Never
    below zero: the ledger locks the giver's account and checks its balance before taking."""
    require_actor(actor)
    if not (is_volunteer(actor) or may_coordinate_volunteers(actor)):
        raise Forbidden(_("Your role may not move time-bank hours."))
    note = within_limit(note, 200, field="note", label=_("The note"))
    minutes = _positive_minutes(minutes)
    with transaction.atomic():
        giver = get_volunteer_for(actor, from_id)  # a volunteer reaches only themselves
        taker = Volunteer.objects.filter(pk=to_id).first() if isinstance(to_id, int) else None
        if taker is None:
            raise NotFound(str(NOT_FOUND))
        if not donation_targets(actor, giver).filter(pk=taker.pk).exists() and taker.pk != giver.pk:
            raise NotFound(str(NOT_FOUND))
        if taker.pk == giver.pk:
            message = _("Choose another volunteer to give the hours to.")
            raise ValidationFailed(message, errors={"to_id": message})
        given = timebank.give(actor=actor, giver=giver, taker=taker, minutes=minutes, note=note)
        audit.record(
            actor=actor, action="visits.volunteer.donate", obj=giver,
            after={"minutes": minutes, "to": taker.pk}, region_code=giver.community_id,
        )  # fmt: skip
    return given


def redeem_hours(*, actor, volunteer_id: int, minutes: int, note: str) -> HoursPosting:
    """Take hours out of a volunteer's bank for help they receive; never below zero."""
    require_actor(actor)
    if not may_coordinate_volunteers(actor):
        raise Forbidden(_("Only the community's coordinator redeems hours."))
    note = within_limit(note, 200, field="note", label=_("The note"))
    minutes = _positive_minutes(minutes)
    with transaction.atomic():
        volunteer = get_volunteer_for(actor, volunteer_id)
        posting = timebank.redeem(actor=actor, volunteer=volunteer, minutes=minutes, note=note)
        audit.record(
            actor=actor, action="visits.volunteer.redeem", obj=volunteer, after={"minutes": -minutes},
            region_code=volunteer.community_id,
        )  # fmt: skip
    return posting


def volunteer_visitors(communities: set[str]) -> dict[str, list[Volunteer]]:
    """Active volunteers offering visits, by community (the generation's candidates)."""
    found: dict[str, list[Volunteer]] = {}
    for volunteer in (
        Volunteer.objects.filter(active=True, community_id__in=communities, user__is_active=True)
        .select_related("user")
        .order_by("pk")
    ):
        if Skill.VISIT in volunteer.skills:
            found.setdefault(volunteer.community_id, []).append(volunteer)
    return found
