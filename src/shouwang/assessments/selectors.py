"""Reads of assessments and care plans: through the elders the user may see (an assessor: assigned ones)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.core.errors import NotFound
from shouwang.elders.models import Elder, Status
from shouwang.elders.selectors import elders_for

from .models import Assessment, CarePlan, State


def assessments_for(user) -> QuerySet[Assessment]:
    """Forms of the elders the user may see, and the forms the user is named on as an assessor (the second
    assessor of a visit is not always assigned the elder, and must still reach the form)."""
    named = Q(assessor_1_id=user.pk) | Q(assessor_2_id=user.pk) if user.is_authenticated else Q(pk__in=[])
    return Assessment.objects.filter(Q(elder__in=elders_for(user).values("pk")) | named).select_related(
        "elder", "elder__community", "assessor_1", "assessor_2", "reviewed_by"
    )


def get_assessment_for(user, assessment_id: int) -> Assessment:
    try:
        return assessments_for(user).get(pk=assessment_id)
    except Assessment.DoesNotExist:
        raise NotFound(_("This assessment does not exist or is outside your area.")) from None


# Why an elder is due for assessment: never assessed, the result has run out, or it runs out soon.
NEVER_ASSESSED, OVERDUE, DUE_SOON = "never", "overdue", "soon"
DUE_KINDS = (NEVER_ASSESSED, OVERDUE, DUE_SOON)


def _due_conditions(today: dt.date, horizon: dt.date) -> dict[str, Q]:
    """One condition per kind; they do not overlap, and together they are "due or overdue"."""
    assessed = Q(ability_level__isnull=False)
    return {
        NEVER_ASSESSED: Q(ability_level__isnull=True),
        OVERDUE: assessed & Q(ability_valid_until__lt=today),
        DUE_SOON: assessed & Q(ability_valid_until__gte=today, ability_valid_until__lte=horizon),
    }


def due_for_assessment(
    user, *, within_days: int = 30, today: dt.date | None = None, kind: str = ""
) -> QuerySet[Elder]:
    """Active elders whose result runs out within ``within_days`` or has run out, and those never assessed,
    soonest first (never assessed at the end). ``kind`` (one of ``DUE_KINDS``) keeps one of the three."""
    today = today or timezone.localdate()
    conditions = _due_conditions(today, today + dt.timedelta(days=within_days))
    wanted = [conditions[kind]] if kind in conditions else list(conditions.values())
    either = wanted[0]
    for condition in wanted[1:]:
        either |= condition
    return (
        elders_for(user)
        .filter(status=Status.ACTIVE)
        .filter(either)
        .order_by(F("ability_valid_until").asc(nulls_last=True), "community_id", "name", "pk")
    )


def due_by_community(user, *, within_days: int = 30, today: dt.date | None = None) -> list[dict]:
    """For each community of the user's scope with anyone due: ``community_id``, ``community__name`` and
    how many active elders are never assessed, overdue and due within ``within_days`` (``never``,
    ``overdue``, ``soon``, ``total``). One grouped query, however many communities."""
    today = today or timezone.localdate()
    conditions = _due_conditions(today, today + dt.timedelta(days=within_days))
    counts = {kind: Count("pk", filter=condition, distinct=True) for kind, condition in conditions.items()}
    rows = (
        due_for_assessment(user, within_days=within_days, today=today)
        .order_by()
        .values("community_id", "community__name")
        .annotate(**counts)
        .order_by("community_id")
    )
    # dict(row): the stubs type a values() row by its two named keys only, not the annotated counts
    return [{**dict(row), "total": sum(dict(row)[kind] for kind in DUE_KINDS)} for row in rows]


def forms_assigned_to(user) -> QuerySet[Assessment]:
    """The forms the user is named on as an assessor that still wait for them (a draft, or returned for
    correction), oldest first."""
    if not user.is_authenticated:
        return Assessment.objects.none()
    return (
        assessments_for(user)
        .filter(Q(assessor_1_id=user.pk) | Q(assessor_2_id=user.pk))
        .filter(state__in=[State.DRAFT, State.RETURNED])
        .order_by("assessed_on", "pk")
    )


def care_plans_for(user) -> QuerySet[CarePlan]:
    return CarePlan.objects.filter(elder__in=elders_for(user).values("pk")).select_related(
        "elder", "assessment"
    )


def get_care_plan_for(user, plan_id: int) -> CarePlan:
    try:
        return care_plans_for(user).prefetch_related("items").get(pk=plan_id)
    except CarePlan.DoesNotExist:
        raise NotFound(_("This care plan does not exist or is outside your area.")) from None


def assessors_for(user) -> QuerySet:
    """The assessors a worker or official may give work to (every active assessor; assigning an elder
    checks that the assessor works in the elder's area); none for other roles."""
    from shouwang.accounts.models import User
    from shouwang.core.roles import Role

    from .permissions import may_organise_assessments

    if not may_organise_assessments(user):
        return User.objects.none()
    return User.objects.filter(role=Role.ASSESSOR, is_active=True).order_by("full_name", "username")
