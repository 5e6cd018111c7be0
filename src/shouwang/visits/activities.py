"""Group activities (助乐): a community worker creates one (title, time, place, places); volunteers sign
themselves up and the worker signs elders up, within the places; after it the worker records who came,
once, and every volunteer who came earns the activity's minutes in the time bank (``timebank.earn``: the
ledger, once per activity and volunteer — a database constraint too).

Until it starts the worker may change it (the people signed up are told of a new time or place) or
cancel it with a reason (they are told too); a volunteer cancels their own sign-up and the worker anyone's
(an elder's, for them), which frees the place. Every change locks the activity's row and is audited."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.core import audit
from shouwang.core.actors import as_user, require_actor
from shouwang.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from shouwang.core.models import MessageChannel
from shouwang.core.outbox import queue_message
from shouwang.core.scope import scope_of
from shouwang.core.text import within_limit
from shouwang.elders.selectors import elders_for

from . import timebank
from .models import Activity, ActivitySignup, Volunteer
from .permissions import is_volunteer, may_cancel_signup, may_organize_activities, may_read_activities

NOT_FOUND = _("This activity does not exist or is outside your area.")


def activities_for(user) -> QuerySet[Activity]:
    """The activities of the caller's area; a volunteer: those of their community."""
    activities = Activity.objects.select_related("community").annotate(
        taken=Count("signups", filter=Q(signups__cancelled_at__isnull=True))
    )
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
    """The places taken (cancelled sign-ups left out)."""
    return (
        activity.signups.filter(cancelled_at__isnull=True)
        .select_related("volunteer__user", "elder")
        .order_by("at", "pk")
    )


def _refuse(field: str, message: str) -> None:
    raise ValidationFailed(message, errors={field: message})


def _checked_details(title: str, place: str, starts_at, capacity, minutes) -> tuple[str, str]:
    """The activity's details checked as create and change both need them; the trimmed title and place."""
    title = within_limit((title or "").strip(), 80, field="title", label=_("The title"))
    place = within_limit((place or "").strip(), 120, field="place", label=_("The place"))
    if not title:
        _refuse("title", _("Give the activity a title."))
    if not place:
        _refuse("place", _("Say where the activity takes place."))
    if isinstance(capacity, bool) or not isinstance(capacity, int) or not 1 <= capacity <= 1000:
        _refuse("capacity", _("Places are between 1 and 1000."))
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 1 <= minutes <= 1440:
        _refuse("minutes", _("A volunteer earns between 1 and 1440 minutes."))
    if starts_at is None or timezone.is_naive(starts_at):
        _refuse("starts_at", _("Give the date and time the activity starts."))
    return title, place


def _require_organizer(actor) -> None:
    if not may_organize_activities(actor):
        raise Forbidden(_("Only a community worker organises group activities."))


def _require_not_cancelled(activity: Activity) -> None:
    if activity.cancelled_at is not None:
        raise Conflict(_("The activity was cancelled."), code="activity_cancelled")


def _require_not_started(activity: Activity, message: str) -> None:
    _require_not_cancelled(activity)
    if activity.attendance_at is not None or activity.starts_at <= timezone.now():
        raise Conflict(message, code="activity_started")


def create_activity(
    *, actor, community: str, title: str, starts_at: dt.datetime, place: str, capacity: int, minutes: int = 60
) -> Activity:
    require_actor(actor)
    _require_organizer(actor)
    title, place = _checked_details(title, place, starts_at, capacity, minutes)
    if len(community or "") != 12 or not scope_of(actor).covers_region(community):
        _refuse("community", _("Choose a community of your area."))
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
        _require_not_cancelled(activity)
        if activity.attendance_at is not None:
            raise Conflict(_("The activity is over; its attendance is recorded."), code="activity_over")
        volunteer, elder = None, None
        if elder_id is not None:
            if not may_organize_activities(actor):
                raise Forbidden(_("Only a community worker signs elders up."))
            elder = elders_for(actor).filter(pk=elder_id, community_id=activity.community_id).first()
            if elder is None:
                _refuse("elder_id", _("Choose an elder of the activity's community."))
            taken = _places(activity).filter(elder=elder)
        else:
            volunteer = Volunteer.objects.filter(user_id=actor.pk, active=True).first()
            if volunteer is None:
                raise Forbidden(_("Only a registered volunteer signs up themselves."))
            taken = _places(activity).filter(volunteer=volunteer)
        if taken.exists():
            raise Conflict(_("Already signed up."), code="already_signed_up")
        if _places(activity).count() >= activity.capacity:
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
        _require_not_cancelled(activity)
        if activity.attendance_at is not None:
            raise Conflict(_("The attendance was already recorded."), code="attendance_recorded")
        if activity.starts_at > timezone.now():
            _refuse("attended", _("Record who came after the activity has started."))
        signups = list(_places(activity).select_related("volunteer"))
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


def _places(activity: Activity) -> QuerySet[ActivitySignup]:
    return ActivitySignup.objects.filter(activity=activity, cancelled_at__isnull=True)


def _tell_signed_up(activity: Activity, text: str, purpose: str) -> int:
    """Tell everyone signed up, as the project tells people: a volunteer by a console alert and an SMS to
    their phone, an elder by an SMS to theirs. Queued in the caller's transaction (sent once it commits).
    Returns how many messages were queued."""
    queued = 0
    for signup in _places(activity).select_related("volunteer__user", "elder"):
        if signup.volunteer is not None:
            user = signup.volunteer.user
            queue_message(
                to=user.username, body=text, purpose=purpose, channel=MessageChannel.CONSOLE, related=activity
            )
            queued += 1
            phone = user.phone
        else:
            phone = signup.elder.phone if signup.elder is not None else ""
        if phone:
            queue_message(to=phone, body=text, purpose=purpose, related=activity)
            queued += 1
    return queued


def _details(activity: Activity) -> dict:
    return {
        "title": activity.title,
        "starts_at": activity.starts_at.isoformat(),
        "place": activity.place,
        "capacity": activity.capacity,
        "minutes": activity.minutes,
    }


def change_activity(
    *, actor, activity_id: int, title: str, starts_at: dt.datetime, place: str, capacity: int, minutes: int
) -> Activity:
    """Change an activity before it starts. The places cannot drop below those taken; when the time or
    the place changes, everyone signed up is told."""
    require_actor(actor)
    _require_organizer(actor)
    with transaction.atomic():
        activity = _locked(actor, activity_id)  # another area's is missing before anything is checked
        title, place = _checked_details(title, place, starts_at, capacity, minutes)
        _require_not_started(activity, _("The activity has started; it can no longer be changed."))
        taken = _places(activity).count()
        if capacity < taken:
            _refuse(
                "capacity",
                _("%(n)s places are taken; cancel sign-ups before offering fewer places.") % {"n": taken},
            )
        before = _details(activity)
        moved = starts_at != activity.starts_at or place != activity.place
        activity.title, activity.starts_at, activity.place = title, starts_at, place
        activity.capacity, activity.minutes = capacity, minutes
        activity.save()
        told = 0
        if moved:
            text = _("Group activity “%(title)s” now takes place on %(when)s at %(place)s.") % {
                "title": title,
                "when": timezone.localtime(starts_at).strftime("%Y-%m-%d %H:%M"),
                "place": place,
            }
            told = _tell_signed_up(activity, text, "activity_changed")
        audit.record(
            actor=actor, action="visits.activity.change", obj=activity, before=before,
            after={**_details(activity), "messages": told}, region_code=activity.community_id,
        )  # fmt: skip
    return activity


REASON_LENGTH = 200


def cancel_activity(*, actor, activity_id: int, reason: str) -> Activity:
    """Cancel an activity before it starts, saying why; everyone signed up is told. Nobody earns hours
    for it and nobody can sign up any more."""
    require_actor(actor)
    _require_organizer(actor)
    with transaction.atomic():
        activity = _locked(actor, activity_id)  # another area's is missing before anything is checked
        reason = within_limit(reason, REASON_LENGTH, field="reason", label=_("The reason"))
        if not reason:
            _refuse("reason", _("Say why the activity is cancelled; the people signed up are told."))
        _require_not_started(activity, _("The activity has started; it can no longer be cancelled."))
        activity.cancelled_at, activity.cancelled_by = timezone.now(), as_user(actor)
        activity.cancel_reason = reason
        activity.save(update_fields=["cancelled_at", "cancelled_by", "cancel_reason", "updated_at"])
        text = _("Group activity “%(title)s” on %(when)s is cancelled: %(reason)s") % {
            "title": activity.title,
            "when": timezone.localtime(activity.starts_at).strftime("%Y-%m-%d %H:%M"),
            "reason": reason,
        }
        told = _tell_signed_up(activity, text, "activity_cancelled")
        audit.record(
            actor=actor, action="visits.activity.cancel", obj=activity,
            after={"reason": reason, "messages": told}, region_code=activity.community_id,
        )  # fmt: skip
    return activity


def cancel_signup(*, actor, activity_id: int, signup_id: int) -> ActivitySignup:
    """Cancel one sign-up before the activity starts; the place is free again."""
    require_actor(actor)
    with transaction.atomic():
        activity = _locked(actor, activity_id)
        signup = (
            _places(activity).select_related("volunteer").select_for_update(of=("self",)).filter(pk=signup_id)
        ).first()
        if signup is None or not may_cancel_signup(actor, signup):
            # another volunteer's sign-up is as missing as one that never was
            raise NotFound(_("This sign-up does not exist or is not yours."))
        _require_not_started(activity, _("The activity has started; sign-ups can no longer be cancelled."))
        signup.cancelled_at, signup.cancelled_by = timezone.now(), as_user(actor)
        signup.save(update_fields=["cancelled_at", "cancelled_by"])
        audit.record(
            actor=actor, action="visits.activity.cancel_sign_up", obj=activity,
            after={"signup": signup.pk, "volunteer": signup.volunteer_id, "elder": signup.elder_id},
            region_code=activity.community_id,
        )  # fmt: skip
    return signup
