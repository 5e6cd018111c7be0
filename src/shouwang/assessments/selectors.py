"""Reads of assessments and care plans: through the elders the user may see (an assessor: assigned ones)."""

from __future__ import annotations

import datetime as dt

from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.core.errors import NotFound
from shouwang.elders.models import Elder, Status
from shouwang.elders.selectors import elders_for

from .models import Assessment, CarePlan


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


def due_for_assessment(user, *, within_days: int = 30, today: dt.date | None = None) -> QuerySet[Elder]:
    """Active elders whose result runs out within ``within_days`` or has run out, and those never assessed,
    soonest first (never assessed at the end)."""
    today = today or timezone.localdate()
    horizon = today + dt.timedelta(days=within_days)
    return (
        elders_for(user)
        .filter(status=Status.ACTIVE)
        .filter(Q(ability_valid_until__lte=horizon) | Q(ability_level__isnull=True))
        .order_by(F("ability_valid_until").asc(nulls_last=True), "community_id", "name", "pk")
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
