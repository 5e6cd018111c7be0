"""Reads of visit tasks, rules and coverage, always through the caller's scope: a task is seen by the
staff of its community's region (missing and forbidden are the same NotFound)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.core.errors import NotFound, ValidationFailed
from shouwang.core.schemas import EARLIEST_DAY, LATEST_DAY
from shouwang.core.scope import scope_of
from shouwang.elders.models import Elder, Status
from shouwang.elders.selectors import elders_for
from shouwang.regions.models import Region, prefix_of

from .models import TIER_ORDER, TaskState, Tier, VisitRule, VisitTask
from .permissions import may_read_coverage, may_read_rules, may_read_visits, reads_region_visits
from .tiers import rule_condition

NOT_FOUND = _("This visit does not exist or is outside your area.")


def tasks_for(user) -> QuerySet[VisitTask]:
    """Visit tasks of the communities in the user's regions; a volunteer's own tasks (none for roles that
    do not read visits)."""
    if not may_read_visits(user):
        return VisitTask.objects.none()
    tasks = VisitTask.objects.select_related("elder", "community", "assignee", "rule")
    if not reads_region_visits(user):
        return tasks.filter(assignee_id=user.pk)
    return scope_of(user).filter(tasks, region="community__code")


def get_task_for(user, task_id: int) -> VisitTask:
    try:
        return tasks_for(user).get(pk=task_id)
    except (VisitTask.DoesNotExist, ValueError, TypeError):
        raise NotFound(str(NOT_FOUND)) from None


def search_tasks(
    user,
    *,
    state: str = "",
    due_before: dt.date | None = None,
    community: str = "",
    assignee: int | None = None,
    elder: int | None = None,
) -> QuerySet[VisitTask]:
    """The user's tasks narrowed by the filters, soonest due first."""
    tasks = tasks_for(user)
    if state:
        if state not in TaskState.values:
            raise ValidationFailed(_("Unknown visit state."), errors={"state": _("Unknown visit state.")})
        tasks = tasks.filter(state=state)
    if due_before:
        tasks = tasks.filter(due_on__lt=due_before)
    if community:
        tasks = tasks.filter(community__code__startswith=community)
    if assignee:
        tasks = tasks.filter(assignee_id=assignee)
    if elder:
        tasks = tasks.filter(elder_id=elder)
    return tasks.order_by("due_on", "id")


def my_open_tasks(user) -> QuerySet[VisitTask]:
    """The visitor's own open tasks, soonest due first (the phone list)."""
    return tasks_for(user).filter(assignee_id=user.pk, state=TaskState.OPEN).order_by("due_on", "id")


def last_visits(user, elder_id: int, *, limit: int = 5) -> QuerySet[VisitTask]:
    return tasks_for(user).filter(elder_id=elder_id, state=TaskState.DONE).order_by("-done_at")[:limit]


def visits_received(user, elder_id: int, *, limit: int = 20) -> list[VisitTask]:
    """The regular visits an elder received, for anyone who may see the elder (the family in the portal
    included, who do not read visit tasks): when, a call or a home visit, and who came. The findings stay
    the community's."""
    if not elders_for(user).filter(pk=elder_id).exists():
        return []
    done = VisitTask.objects.filter(elder_id=elder_id, state=TaskState.DONE).select_related("done_by")
    return list(done.order_by("-done_at")[:limit])


def overdue_days() -> int:
    return settings.SHOUWANG_VISIT_OVERDUE_DAYS


def is_overdue(task: VisitTask, today: dt.date | None = None) -> bool:
    today = today or timezone.localdate()
    return task.state == TaskState.OPEN and task.due_on < today - dt.timedelta(days=overdue_days())


# --- rules --------------------------------------------------------------------------------------------


def rules_for(user) -> QuerySet[VisitRule]:
    """The rules that apply somewhere in the user's area: the platform defaults, the rules of regions
    inside it and of the regions above it (a district's rule applies to the worker's community)."""
    if not may_read_rules(user):
        return VisitRule.objects.none()
    rules = VisitRule.objects.select_related("region")
    scope = scope_of(user)
    if scope.everything:
        return rules
    above = {
        prefix[:length].ljust(12, "0") for prefix in scope.region_prefixes for length in (2, 4, 6, 9, 12)
    }
    inside = Q()
    for prefix in scope.region_prefixes:
        inside |= Q(region__code__startswith=prefix)
    return rules.filter(Q(region__isnull=True) | Q(region_id__in=above) | inside)


def get_rule_for(user, rule_id: int) -> VisitRule:
    try:
        return rules_for(user).get(pk=rule_id)
    except (VisitRule.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("This visit rule does not exist.")) from None


def rule_regions(user) -> QuerySet[Region]:
    """The regions an official may write rules for: those of their area above the communities."""
    from shouwang.regions.models import Level

    regions = Region.objects.exclude(level=Level.COMMUNITY).order_by("code")
    return scope_of(user).filter(regions, region="code")[:200]


def rule_preview(user, rule: VisitRule, *, today: dt.date | None = None) -> int:
    """How many active elders in the user's scope the rule (saved or not) catches."""
    today = today or timezone.localdate()
    return elders_for(user).filter(status=Status.ACTIVE).filter(rule_condition(rule, today)).count()


# --- coverage -----------------------------------------------------------------------------------------


def month_bounds(month: str) -> tuple[dt.date, dt.date]:
    """The first day of ``YYYY-MM`` and of the month after."""
    message = _("Give the month as YYYY-MM, e.g. 2026-03.")
    try:
        first = dt.date.fromisoformat(f"{month}-01")
    except ValueError:
        raise ValidationFailed(message, errors={"month": message}) from None
    if not EARLIEST_DAY <= first < LATEST_DAY.replace(day=1):
        raise ValidationFailed(message, errors={"month": message})
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return first, following


def coverage(user, *, month: str, region: str = "") -> list[dict]:
    """Per community in the user's scope (under ``region`` when given), for each tier: the elders with a
    visit due in the month, those all of whose due visits were done on schedule (by the due day plus the
    grace of ``SHOUWANG_VISIT_OVERDUE_DAYS``), and the share. Read from the tasks, which keep the tier they
    were made at."""
    if not may_read_coverage(user):
        return []
    first, following = month_bounds(month)
    scope = scope_of(user)
    if region and not Region.objects.filter(code=region).exists():
        raise NotFound(_("This region does not exist or is outside your area."))
    tasks = scope.filter(
        VisitTask.objects.filter(due_on__gte=first, due_on__lt=following).exclude(state=TaskState.CANCELLED),
        region="community__code",
    )
    if region:
        tasks = tasks.filter(community__code__startswith=prefix_of(region))
    grace = dt.timedelta(days=overdue_days())
    # (community, tier) → elder → on schedule so far
    cells: dict[tuple[str, str], dict[int, bool]] = defaultdict(dict)
    rows = tasks.values_list("community_id", "tier", "elder_id", "state", "due_on", "done_at")
    for community_id, tier, elder_id, state, due_on, done_at in rows.iterator():
        on_time = (
            state == TaskState.DONE and done_at is not None and timezone.localdate(done_at) <= due_on + grace
        )
        cell = cells[(community_id, tier)]
        cell[elder_id] = cell.get(elder_id, True) and on_time
    places = {
        code: (name, lat, lon)
        for code, name, lat, lon in Region.objects.filter(code__in={c for c, _t in cells}).values_list(
            "code", "name", "centre_lat", "centre_lon"
        )
    }
    result = []
    for community_id in sorted({c for c, _t in cells}):
        tiers: list[dict] = []
        due_all = on_time_all = 0
        for tier in TIER_ORDER:
            found = cells.get((community_id, tier))
            if not found:
                continue
            due, on_schedule = len(found), sum(found.values())
            due_all, on_time_all = due_all + due, on_time_all + on_schedule
            tiers.append(
                {
                    "tier": str(tier),
                    "tier_label": str(Tier(tier).label),
                    "elders_due": due,
                    "on_schedule": on_schedule,
                    "share": round(on_schedule / due, 3) if due else None,
                }
            )
        name, lat, lon = places.get(community_id, ("", None, None))
        result.append(
            {
                "community": community_id,
                "name": name,
                "lat": lat,
                "lon": lon,
                "share": round(on_time_all / due_all, 3) if due_all else None,
                "tiers": tiers,
            }
        )
    return result


def elder_in_scope(user, elder_id: int) -> Elder:
    from shouwang.elders.selectors import get_elder_for

    if not may_read_visits(user):
        raise NotFound(_("This elder does not exist or is outside your area."))
    return get_elder_for(user, elder_id)
