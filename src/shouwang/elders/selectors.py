"""Reads of the registry, always through the acting user's scope."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.core.errors import NotFound
from shouwang.core.scope import scope_of
from shouwang.regions.models import prefix_of

from .models import Elder, ElderCategory, EmergencyContact, SpreadsheetJob, StatusChange


def elders_for(user) -> QuerySet[Elder]:
    """Elders in the user's region subtrees (residence community)."""
    return scope_of(user).filter(Elder.objects.select_related("community"), region="community__code")


def get_elder_for(user, elder_id: int) -> Elder:
    try:
        return elders_for(user).prefetch_related("categories", "contacts").get(pk=elder_id)
    except Elder.DoesNotExist:
        raise NotFound(_("This elder does not exist or is outside your area.")) from None


def search_elders(
    user,
    *,
    q: str = "",
    name: str = "",
    community: str = "",
    status: str = "",
    category: str = "",
    living_arrangement: str = "",
    age_min: int | None = None,
    age_max: int | None = None,
    today: dt.date | None = None,
) -> QuerySet[Elder]:
    """Search in the user's scope. ``q`` is what a desk worker types: Chinese name characters, pinyin
    initials (``zsf`` finds 张三丰), the last 4–6 characters of the ID number, or a phone number.
    ``community`` is a region code: a community, or a street or district for everything under it."""
    elders = elders_for(user)
    if q := q.strip():
        elders = elders.filter(_quick_search(q))
    if name:
        elders = elders.filter(name__contains=name.strip())
    if community:
        elders = elders.filter(community__code__startswith=prefix_of(community.strip().ljust(12, "0")))
    if status:
        elders = elders.filter(status=status)
    if category:
        elders = elders.filter(pk__in=ElderCategory.objects.filter(code=category).values("elder_id"))
    if living_arrangement:
        elders = elders.filter(living_arrangement=living_arrangement)
    elders = _within_ages(elders, age_min, age_max, today or timezone.localdate())
    return elders.order_by("community_id", "name", "pk")


def _within_ages(elders: QuerySet[Elder], age_min: int | None, age_max: int | None, today: dt.date):
    """Age in completed years, as a range of birth dates (so the birth-date index does the work)."""
    if age_min is not None:
        elders = elders.filter(birth_date__lte=_years_before(today, age_min))
    if age_max is not None:
        elders = elders.filter(birth_date__gt=_years_before(today, age_max + 1))
    return elders


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year - years, day=28)


def _quick_search(q: str) -> Q:
    if q.isascii() and q.isalpha():
        return Q(name_initials__startswith=q.lower())
    digits = q.upper()
    if 4 <= len(digits) <= 6 and digits[:-1].isdigit() and (digits[-1].isdigit() or digits[-1] == "X"):
        return Q(id_number__endswith=digits) | Q(phone__endswith=digits)
    if q.replace("-", "").isdigit():
        contact_of = EmergencyContact.objects.filter(phone=q).values("elder_id")
        return Q(phone__contains=q) | Q(pk__in=contact_of)
    return Q(name__contains=q)


def jobs_for(user) -> QuerySet[SpreadsheetJob]:
    """Spreadsheet jobs a user may follow: their own; a platform admin sees all."""
    if not getattr(user, "is_authenticated", False):
        return SpreadsheetJob.objects.none()
    jobs = SpreadsheetJob.objects.select_related("created_by")
    return jobs if user.is_platform_admin else jobs.filter(created_by=user)


def get_job_for(user, job_id: int) -> SpreadsheetJob:
    try:
        return jobs_for(user).get(pk=job_id)
    except SpreadsheetJob.DoesNotExist:
        raise NotFound(_("This spreadsheet job does not exist or is not yours.")) from None


def status_history_for(user, elder_id: int) -> QuerySet[StatusChange]:
    return StatusChange.objects.filter(elder=get_elder_for(user, elder_id)).select_related("recorded_by")
