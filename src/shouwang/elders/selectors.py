"""Reads of the registry, always through the acting user's scope."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.db.models.functions import Length, Reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.core.errors import NotFound
from shouwang.core.scope import scope_of
from shouwang.regions.models import prefix_of

from .models import Elder, ElderCategory, EmergencyContact, SpreadsheetJob, StatusChange


def elders_for(user) -> QuerySet[Elder]:
    """Elders in the user's region subtrees (residence community), or assigned to them (assessors)."""
    return scope_of(user).filter(
        Elder.objects.select_related("community"), region="community__code", owner="assignments__user_id"
    )


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
    elders = elders_for(user).alias(**SEARCH_ALIASES)
    if q := q.strip():
        elders = elders.filter(_quick_search(q))
    if name:
        elders = elders.filter(_name_contains(name.strip()))
    if community:
        elders = elders.filter(_in_region(community.strip()))
    if status:
        elders = elders.filter(status=status)
    if category:
        elders = elders.filter(pk__in=ElderCategory.objects.filter(code=category).values("elder_id"))
    if living_arrangement:
        elders = elders.filter(living_arrangement=living_arrangement)
    elders = _within_ages(elders, age_min, age_max, today or timezone.localdate())
    return elders.order_by("community_id", "name", "pk")


def _in_region(code: str) -> Q:
    """Elders of a community, or of every community under a street or district. As a range of the 12-digit
    codes rather than a LIKE prefix, so the (community, name) index serves it under any collation."""
    prefix = prefix_of(code.ljust(12, "0"))
    if len(prefix) == 12:
        return Q(community_id=prefix)
    return Q(community_id__gte=prefix.ljust(12, "0"), community_id__lte=prefix.ljust(12, "9"))


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
    """What ``q`` looks like decides what it matches. The conditions are written the way the indexes of
    migration 0003 answer them on PostgreSQL; each says in a comment what it is equal to."""
    if q.isascii() and q.isalpha():
        return Q(name_initials__startswith=q.lower())
    digits = q.upper()
    if 4 <= len(digits) <= 6 and digits[:-1].isdigit() and (digits[-1].isdigit() or digits[-1] == "X"):
        # id_number__endswith=digits | phone__endswith=digits
        tail = digits[::-1]
        return Q(id_number_reversed__startswith=tail) | Q(phone_reversed__startswith=tail)
    if q.replace("-", "").isdigit():
        # phone__contains=q | pk__in=<elders with a contact of phone q>. The contacts' elders are looked up
        # first: as a subquery inside OR, PostgreSQL would test every elder against it.
        contact_of = list(EmergencyContact.objects.filter(phone=q).values_list("elder_id", flat=True))
        return Q(phone__contains=q) | Q(pk__in=contact_of) if contact_of else Q(phone__contains=q)
    return _name_contains(q)


# Annotations the search's conditions refer to; an alias costs nothing unless a condition uses it.
SEARCH_ALIASES = {
    "name_reversed": Reverse("name"),
    "name_length": Length("name"),
    "id_number_reversed": Reverse("id_number"),
    "phone_reversed": Reverse("phone"),
}


def _name_contains(part: str) -> Q:
    """The same as ``name__contains=part``: ``part`` begins the name, ends it, or lies strictly inside it,
    which needs a name at least two characters longer than ``part``. Names are short (two to four
    characters), so the first two cases, which btree indexes answer, hold nearly every match; the third
    is left to a trigram index over the few long names."""
    return (
        Q(name__startswith=part)
        | Q(name_reversed__startswith=part[::-1])
        | Q(name_length__gte=len(part) + 2, name__contains=part)
    )


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
