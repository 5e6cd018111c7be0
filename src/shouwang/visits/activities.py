"""Group activities (助乐): a community worker creates one (title, time, place, places); volunteers sign
themselves up and the worker signs elders up, within the places; after it the worker records who came,
once, and every volunteer who came earns the activity's minutes in the time bank (``timebank.earn``: the
ledger, once per activity and volunteer — a database constraint too)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.core import audit
from shouwang.core.actors import as_user, require_actor
from shouwang.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from shouwang.core.scope import scope_of
from shouwang.core.text import within_limit
from shouwang.elders.selectors import elders_for

from . import timebank
from .models import Activity, ActivitySignup, Volunteer
from .permissions import is_volunteer, may_organize_activities, may_read_activities

NOT_FOUND = _("This activity does not exist or is outside your area.")


def activities_for(user) -> QuerySet[Activity]:
    """The activities of the caller's area; a volunteer: those of their community."""
    activities = Activity.objects.select_related("community").annotate(taken=Count("signups"))
    if not may_read_activities(user):
        return activities.none()
    if is_volunteer(user):
        return activities.filter(
            community_id__in=Volunteer.objects.filter(user_id=user.pk).values("community_id")
        )
    return scope_of(user).filter(activities, region="community__code")


def get_activity_for(user, activity_id: int) -> Activity:
    try:
        return activities_for(user).get(pk=activity_id)
    except (Activity.DoesNotExist, ValueError, TypeError):
        raise NotFound(str(NOT_FOUND)) from None


def _locked(user, activity_id: int) -> Activity:
    """The activity, locked (without the places count: PostgreSQL locks no grouped rows)."""
    visible = get_activity_for(user, activity_id)
    return Activity.objects.select_for_update().get(pk=visible.pk)


def signups_of(activity: Activity) -> QuerySet[ActivitySignup]:
    return activity.signups.select_related("volunteer__user", "elder").order_by("at", "pk")


def _refuse(field: str, message: str) -> None:
    raise ValidationFailed(message, errors={field: message})


def create_activity(
    *, actor, community: str, title: str, starts_at: dt.datetime, place: str, capacity: int, minutes: int = 60
) -> Activity:
    require_actor(actor)
    if not may_organize_activities(actor):
        raise Forbidden(_("Only a community worker organises group activities."))
    title = within_limit(title.strip(), 80, field="title", label=_("The title"))
    place = within_limit(place.strip(), 120, field="place", label=_("The place"))
    if not title:
        _refuse("title", _("Give the activity a title."))
    if not place:
        _refuse("place", _("Say where the activity takes place."))
    if len(community or "") != 12 or not scope_of(actor).covers_region(community):
        _refuse("community", _("Choose a community of your area."))
    if isinstance(capacity, bool) or not isinstance(capacity, int) or not 1 <= capacity <= 1000:
        _refuse("capacity", _("Places are between 1 and 1000."))
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 1 <= minutes <= 1440:
        _refuse("minutes", _("A volunteer earns between 1 and 1440 minutes."))
    if starts_at is None or timezone.is_naive(starts_at):
        _refuse("starts_at", _("Give the date and time the activity starts."))
    with transaction.atomic():
        activity = Activity.objects.create(
            community_id=community, title=title, starts_at=starts_at, place=place, capacity=capacity,
            minutes=minutes, created_by=as_user(actor),
        )  # fmt: skip
        audit.record(
            actor=actor, action="visits.activity.create", obj=activity,
            after={"title": title, "starts_at": starts_at.isoformat(), "capacity": capacity},
            region_code=community,
        )  # fmt: skip
    return activity


def sign_up(*, actor, activity_id: int, elder_id: int | None = None) -> ActivitySignup:
    """A volunteer signs themselves up; a community worker signs an elder of the community up. Within the
    places, once each, until the attendance is recorded."""
    require_actor(actor)
    with transaction.atomic():
        activity = _locked(actor, activity_id)
        if activity.attendance_at is not None:
            raise Conflict(_("The activity is over; its attendance is recorded."), code="activity_over")
        volunteer, elder = None, None
        if elder_id is not None:
            if not may_organize_activities(actor):
                raise Forbidden(_("Only a community worker signs elders up."))
            elder = elders_for(actor).filter(pk=elder_id, community_id=activity.community_id).first()
            if elder is None:
                _refuse("elder_id", _("Choose an elder of the activity's community."))
            taken = ActivitySignup.objects.filter(activity=activity, elder=elder)
        else:
            volunteer = Volunteer.objects.filter(user_id=actor.pk, active=True).first()
            if volunteer is None:
                raise Forbidden(_("Only a registered volunteer signs up themselves."))
            taken = ActivitySignup.objects.filter(activity=activity, volunteer=volunteer)
        if taken.exists():
            raise Conflict(_("Already signed up."), code="already_signed_up")
        if ActivitySignup.objects.filter(activity=activity).count() >= activity.capacity:
            raise Conflict(_("The activity is full."), code="activity_full")
        signup = ActivitySignup.objects.create(
            activity=activity, volunteer=volunteer, elder=elder, by=as_user(actor)
        )
        audit.record(
            actor=actor, action="visits.activity.sign_up", obj=activity,
            after={"volunteer": getattr(volunteer, "pk", None), "elder": getattr(elder, "pk", None)},
            region_code=activity.community_id,
        )  # fmt: skip
    return signup


def record_attendance(*, actor, activity_id: int, attended: list[int]) -> Activity:
    """After the activity, the worker ticks who came (sign-up ids); once. Volunteers who came earn the
    activity's minutes."""
    require_actor(actor)
    if not may_organize_activities(actor):
        raise Forbidden(_("Only a community worker records who came."))
    with transaction.atomic():
        activity = _locked(actor, activity_id)
        if activity.attendance_at is not None:
            raise Conflict(_("The attendance was already recorded."), code="attendance_recorded")
        if activity.starts_at > timezone.now():
            _refuse("attended", _("Record who came after the activity has started."))
        signups = list(activity.signups.select_related("volunteer"))
        came = set(attended)
        if came - {s.pk for s in signups}:
            _refuse("attended", _("Tick only people signed up for this activity."))
        earned = 0
        for signup in signups:
            signup.attended = signup.pk in came
            if signup.attended and signup.volunteer is not None:
                timebank.earn(
                    actor=actor, volunteer=signup.volunteer, minutes=activity.minutes, activity=activity,
                    note=activity.title,
                )  # fmt: skip
                earned += 1
        ActivitySignup.objects.bulk_update(signups, ["attended"])
        activity.attendance_at = timezone.now()
        activity.save(update_fields=["attendance_at", "updated_at"])
        audit.record(
            actor=actor, action="visits.activity.attendance", obj=activity,
            after={"attended": len(came), "volunteers_earned": earned}, region_code=activity.community_id,
        )  # fmt: skip
    return activity
