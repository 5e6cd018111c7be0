"""Reads of the registry, always through the acting user's scope."""

from __future__ import annotations

import datetime as dt
import json
import operator
from dataclasses import dataclass
from functools import reduce

from django.contrib.postgres.fields import ArrayField
from django.db import connection, connections
from django.db.models import Count, Func, Q, QuerySet, TextField, Value
from django.db.models.functions import Concat, Length, Reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.core.errors import NotFound, ValidationFailed
from shouwang.core.pagination import MAX_PAGE_SIZE, Page, page_count
from shouwang.core.scope import scope_of
from shouwang.core.text import is_digits, listed
from shouwang.regions.models import prefix_of

from .models import (
    FAMILY_USER,
    Category,
    Elder,
    ElderCategory,
    EmergencyContact,
    LivingArrangement,
    SpreadsheetJob,
    Status,
    StatusChange,
)
from .permissions import is_family


def elders_for(user) -> QuerySet[Elder]:
    """Elders in the user's region subtrees (residence community), or assigned to them (assessors)."""
    scope = scope_of(user)
    elders = Elder.objects.select_related("community")
    if areas := _regions_only(scope):
        # The scope's regions as ranges of codes (_in_region), equal to its LIKE prefixes as every community
        # code has 12 digits. The (community, name, id) index serves a range under any collation, a LIKE
        # prefix not under most: a community worker's list walked that index from the district's first
        # community to theirs (measured: 1.4–1.7 s at p95 in a million elders).
        return elders.filter(_in_any_region(areas))
    return scope.filter(elders, region="community__code", owner=own_elders_lookup(user))


def own_elders_lookup(user, prefix: str = "") -> str:
    """The lookup (from an elder, or from a model through ``prefix``, e.g. ``"elder__"``) to the users whose
    "own" elders they are: a family login's are those linked to it (``FamilyLink``, the one definition of
    a family's elders), an assessor's, caregiver's or volunteer's those assigned to them."""
    if is_family(user):
        return prefix + FAMILY_USER
    return prefix + "assignments__user_id"


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
    ``community`` is a region code: a community, or a street or district for everything under it.

    A filter no elder could match (an unknown status, category or living arrangement, a region code that
    is not one, an impossible age) raises ValidationFailed saying which, rather than finding nobody."""
    community = community.strip()
    chosen = {"status": status, "category": category, "living_arrangement": living_arrangement}
    _check_filters(chosen, community=community, age_min=age_min, age_max=age_max)
    areas = _regions_only(scope_of(user))
    elders = elders_for(user).alias(**SEARCH_ALIASES)
    name_parts = []  # what was typed as part of a name
    if q := q.strip():
        if (condition := _quick_search(q)) is None:
            name_parts.append(q)
        else:
            elders = elders.filter(condition)
    if name := name.strip():
        name_parts.append(name)
    if community:
        elders = elders.filter(_in_region(community))
    one_community = _one_community(community, areas)
    if name_parts and one_community:
        # Within one community the (community, name, id) index holds every column these conditions read:
        # asked for the matching ids alone, PostgreSQL answers from the index, where filtering the
        # elders themselves read every page of the community's rows (measured: 109 ms for a surname in a
        # community of 25,000 on a slow machine).
        by_name = [_name_contains(part) for part in name_parts]
        matching = Elder.objects.alias(**SEARCH_ALIASES).filter(_in_region(one_community), *by_name)
        elders = elders.filter(pk__in=matching.values("pk"))
    elif name_parts:
        elders = elders.filter(*[_name_has(part) for part in name_parts])
    if status:
        elders = elders.filter(status=status)
    if category:
        elders = elders.filter(_in_category(category, community, areas, name_parts))
    if living_arrangement:
        elders = elders.filter(living_arrangement=living_arrangement)
    elders = _within_ages(elders, age_min, age_max, today or timezone.localdate())
    typed = [part for part in (q, name) if part]
    if typed and not one_community and not _characters_only(typed, name_parts):
        # What is typed into the search box matches few elders: find them through their indexes, then
        # sort them. Ordered by the bare column, PostgreSQL may instead walk the (community, name) index
        # expecting the first 50 matches early, and read most of a million elders when they come late
        # (measured: 1.4 s for some two-character name parts). The expression orders exactly the same.
        # Within one community that walk is short, and usually the quickest way to the first page. A
        # single character may match a tenth of the elders (王), which that walk suits; the characters'
        # index (migration 0009) tells the planner how many it will.
        return elders.order_by(Concat("community_id", Value("")), "name", "pk")
    if category:
        # The same order, read from the (code, community, name, elder) index (migration 0008): the first
        # page of a category is its first 50 entries there, where ordering by the elders' own columns
        # fetched every elder of the category to sort them (measured: 117 ms for 特困's 9,858 elders in a
        # million on a slow machine). With the area said again on the copy (_in_category), a narrower
        # search reads only the area's stretch of it.
        return elders.order_by("categories__community_code", "categories__name", "categories__elder_id")
    return elders.order_by("community_id", "name", "pk")


# Older than anyone registered can be: an age filter beyond it is a typing mistake.
OLDEST_AGE = 150


# The filters that take one of a set of values: the values, and the model field whose label names them.
CHOICE_FILTERS = {
    "status": (Status, Elder, "status"),
    "category": (Category, ElderCategory, "code"),
    "living_arrangement": (LivingArrangement, Elder, "living_arrangement"),
}


def _check_filters(chosen: dict, *, community: str, age_min: int | None, age_max: int | None) -> None:
    errors = {}
    for key, value in chosen.items():
        options, model, field_name = CHOICE_FILTERS[key]
        if value and value not in options.values:
            errors[key] = _("There is no %(field)s “%(value)s”; choose one of: %(choices)s.") % {
                "field": model._meta.get_field(field_name).verbose_name,
                "value": value,
                "choices": listed(str(label) for label in options.labels),
            }
    if community and not (is_digits(community) and len(community) <= 12):
        errors["community"] = _("“%(code)s” is not a region code: those are up to 12 digits.") % {
            "code": community
        }
    for key, age in (("age_min", age_min), ("age_max", age_max)):
        if age is not None and not 0 <= age <= OLDEST_AGE:
            errors[key] = _("An age is a whole number from 0 to %(oldest)d.") % {"oldest": OLDEST_AGE}
    if age_min is not None and age_max is not None and age_min > age_max and not errors:
        errors["age_max"] = _("The highest age is below the lowest.")
    if errors:
        raise ValidationFailed(" ".join(errors.values()), errors=errors)


def _one_community(community: str, areas: tuple[str, ...]) -> str:
    """The community a search cannot leave, if there is one: the community asked for, or else the user's
    whole area (``areas``, see _regions_only) when that is one community (a community worker's). "" when
    the search spans more."""
    if community and len(prefix_of(community.ljust(12, "0"))) == 12:
        return community
    return areas[0] if len(areas) == 1 and len(areas[0]) == 12 else ""


def _regions_only(scope) -> tuple[str, ...]:
    """The region prefixes of a scope that grants nothing else; () when it also grants own assignments or
    a provider's elders (an elder may then be in the scope outside its regions) or grants everything."""
    if scope.everything or scope.own or scope.provider_id:
        return ()
    return scope.region_prefixes


# From this many matches (as PostgreSQL's planner expects them), a page of search results reports the
# planner's estimate instead of counting: an exact count reads every match (100,000s for a street or an age
# band of a million elders), and for combined filters every candidate (a street's 100,000 elders to count
# its 4,000 living alone aged 70–89), which costs a quarter of a second or more. Below it counts are exact.
ESTIMATE_COUNT_FROM = 2_000


@dataclass
class SearchPage(Page):
    """A page of search results; ``count_is_estimate`` says the count is the planner's estimate (show it as
    "about N"), which happens only for broad searches on PostgreSQL."""

    count_is_estimate: bool = False


def search_page(elders: QuerySet[Elder], *, page: int = 1, page_size: int = 50) -> SearchPage:
    """One page of ``search_elders(…)`` results with their count, exact unless there are very many.

    Like ``core.pagination.paginate``, but a search expected to match ESTIMATE_COUNT_FROM elders or more
    is not counted: its count is PostgreSQL's estimate, rounded to three significant figures, and flagged.
    A page past the last one shows the last page, as ``paginate`` does, when the count is exact.
    """
    page_size = max(1, min(page_size, MAX_PAGE_SIZE))
    count, estimated = count_matches(elders)
    page = max(1, min(page, page_count(count, page_size)))
    start = (page - 1) * page_size
    items = _page_of(elders, start, start + page_size)
    return SearchPage(items=items, count=count, page=page, page_size=page_size, count_is_estimate=estimated)


def _page_of(elders: QuerySet[Elder], start: int, end: int) -> list[Elder]:
    """``elders[start:end]``, found as ids first. Walking the list order, PostgreSQL reads only the
    (community, name, id) index when the query asks for ids, and tests a name condition on the index's
    copy of the name; asked for whole elders, it fetches each row it passes to test it there (measured: the
    first page of names with 黄 in a million elders walked 23,904 entries, 76 → 11 ms). The page's rows then
    come by primary key alone: the ids are the search's, and its conditions said again would let the
    planner find them by those conditions' indexes instead."""
    ids = list(elders.values_list("pk", flat=True)[start:end])
    found = Elder.objects.select_related("community").in_bulk(ids)
    return [found[pk] for pk in ids if pk in found]  # one deleted in between is left out


def count_matches(elders: QuerySet[Elder]) -> tuple[int, bool]:
    """The number of elders a search finds, and whether it is an estimate (see ESTIMATE_COUNT_FROM)."""
    if connections[elders.db].vendor != "postgresql" or elders.query.is_empty():
        return elders.count(), False  # an empty scope (.none()) has no SQL to explain
    planned = _planned_rows(elders.order_by())
    if planned < ESTIMATE_COUNT_FROM:
        return elders.count(), False
    return _three_figures(planned), True


def count_by_status(elders: QuerySet[Elder], *, total_is_estimate: bool) -> dict[str, tuple[int, bool]]:
    """For each status, how many of ``elders`` (a ``search_elders(…)`` result) have it, and whether that
    number is an estimate: {status: (count, is_estimate)}.

    When the search's own count was exact (``total_is_estimate`` False: a search of fewer than
    ESTIMATE_COUNT_FROM matches, or any search on SQLite), one grouped query counts them exactly; it reads
    no more than that count did. When it was estimated, each status is counted like a search of its own
    (``count_matches``): a status expected to match ESTIMATE_COUNT_FROM elders or more gets the planner's
    estimate, a rarer one (deceased, moved out) an exact count, so a broad list never reads all its matches.
    """
    if not total_is_estimate:
        exact = dict(elders.order_by().values_list("status").annotate(n=Count("pk")))
        return {value: (exact.get(value, 0), False) for value in Status.values}
    return {value: count_matches(elders.filter(status=value)) for value in Status.values}


def _planned_rows(queryset: QuerySet) -> int:
    """The row count PostgreSQL's planner expects ``queryset`` to return (EXPLAIN, nothing executed)."""
    sql, params = queryset.query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


def _three_figures(number: int) -> int:
    digits = len(str(number))
    return round(number, -(digits - 3)) if digits > 3 else number


def _in_region(code: str, field: str = "community_id") -> Q:
    """Elders of a community, or of every community under a street or district. As a range of the 12-digit
    codes rather than a LIKE prefix, so the (community, name) index serves it under any collation."""
    prefix = prefix_of(code.ljust(12, "0"))
    if len(prefix) == 12:
        return Q(**{field: prefix})
    return Q(**{f"{field}__gte": prefix.ljust(12, "0"), f"{field}__lte": prefix.ljust(12, "9")})


def _in_any_region(codes: tuple[str, ...], field: str = "community_id") -> Q:
    """In any of the regions (see _in_region)."""
    return reduce(operator.or_, [_in_region(code, field) for code in codes])


def _in_category(category: str, community: str, areas: tuple[str, ...], name_parts: list[str]) -> Q:
    """Elders in ``category``: a join (one row per elder, as (elder, code) is unique), so that the list can
    be ordered by the category's copy of community and name (see search_elders).

    The area and name conditions are said again on that copy, which equals the elder's own community and
    name: the community asked for, the user's ``areas`` when regions are all their scope grants (see
    _regions_only), and the parts of a name typed. Then PostgreSQL reads only the area's stretch of the
    (code, community, name, elder) index, and fetches only the elders whose names there match (measured on
    a million elders: a page of the 特困 elders with 秀 in their name and its count, 65 → 21 ms).
    """
    condition = Q(categories__code=category)
    for part in name_parts:
        condition &= Q(categories__name__contains=part)
    if community:
        condition &= _in_region(community, "categories__community_code")
    if areas:
        condition &= _in_any_region(areas, "categories__community_code")
    return condition


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


def _quick_search(q: str) -> Q | None:
    """What ``q`` looks like decides what it matches: initials, an ID tail, a phone, or else (None) part
    of a name. The conditions are written the way the indexes of migration 0003 answer them on PostgreSQL;
    each says in a comment what it is equal to."""
    if q.isascii() and q.isalpha():
        return Q(name_initials__startswith=q.lower())
    digits = q.upper()
    if 4 <= len(digits) <= 6 and is_digits(digits[:-1]) and (is_digits(digits[-1]) or digits[-1] == "X"):
        # id_number__endswith=digits | phone__endswith=digits | phone__startswith=digits: a caller gives
        # the last digits of an ID or a phone, or the first ones of a phone (138001…); the trigram index on
        # the phone answers the prefix.
        tail = digits[::-1]
        by_tail = Q(id_number_reversed__startswith=tail) | Q(phone_reversed__startswith=tail)
        return by_tail | Q(phone__startswith=digits) if is_digits(digits) else by_tail
    if is_digits(q.replace("-", "")):
        # phone__contains=q | pk__in=<elders with a contact of phone q>. The contacts' elders are looked up
        # first: as a subquery inside OR, PostgreSQL would test every elder against it.
        contact_of = list(EmergencyContact.objects.filter(phone=q).values_list("elder_id", flat=True))
        return Q(phone__contains=q) | Q(pk__in=contact_of) if contact_of else Q(phone__contains=q)
    return None  # part of a name: the caller applies _name_contains, within one community by index


# Annotations the search's conditions refer to; an alias costs nothing unless a condition uses it.
SEARCH_ALIASES = {
    "name_reversed": Reverse("name"),
    "name_length": Length("name"),
    # PostgreSQL only: ['张', '三', '丰'] for 张三丰.
    "name_characters": Func(
        "name", Value(""), function="regexp_split_to_array", output_field=ArrayField(TextField())
    ),
    "id_number_reversed": Reverse("id_number"),
    "phone_reversed": Reverse("phone"),
}


def _characters_only(typed: list[str], name_parts: list[str]) -> bool:
    """Whether all that was typed is single characters of a name, on PostgreSQL: found through the index
    of the names' characters, whose statistics say how many elders have each character."""
    one_each = all(len(part) == 1 for part in typed)
    return connection.vendor == "postgresql" and len(name_parts) == len(typed) and one_each


def _name_has(part: str) -> Q:
    """The same as ``name__contains=part``; for a single character on PostgreSQL, written the way the
    index of the names' characters (migration 0009) answers it."""
    if len(part) == 1 and connection.vendor == "postgresql":
        return Q(name_characters__contains=[part])
    return _name_contains(part)


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
