"""The scheduled work of regular visits: due tasks made and assigned, overdue ones escalated.

``generate_visits`` is idempotent: for every elder and kind of visit in their plan it makes a task only
when none is open and the next visit (the last one done plus the interval, or today for an elder never
visited) falls within ``SHOUWANG_VISIT_LEAD_DAYS``; a partial unique constraint (one open task per elder
and kind) and ``ignore_conflicts`` keep two runs at once from making two. Open tasks the plan no longer
asks for (the elder left the registry, a rule changed) are cancelled.

A task goes to a visitor of its community — a community worker, or for an elder not at high risk also a
volunteer offering visits and free that weekday (``volunteers``): the one who visited the elder last when
they still may (continuity), else the one with the fewest open tasks (load), the lowest id on a tie.

``escalate_overdue``: an open task more than ``SHOUWANG_VISIT_OVERDUE_DAYS`` past its due day goes to the
community's supervisor — the officials whose region is the nearest one above the community (the street's
official before the district's), the platform admins when none is — once, claimed with a conditional
UPDATE as alarms escalate (``alarms.incidents._escalate``).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.accounts.models import User
from shouwang.core import audit
from shouwang.core.actors import SYSTEM, require_actor
from shouwang.core.models import MessageChannel
from shouwang.core.outbox import queue_message
from shouwang.core.roles import Role
from shouwang.elders.models import Elder
from shouwang.regions.models import prefix_of

from .models import TaskState, VisitTask
from .tiers import Risk, risks_of


def lead_days() -> int:
    return settings.SHOUWANG_VISIT_LEAD_DAYS


def visitors_by_community(communities: set[str]) -> dict[str, list[User]]:
    """The active visitors (community workers) working in each community, lowest id first."""
    workers = (
        User.objects.filter(is_active=True, role=Role.COMMUNITY_WORKER)
        .prefetch_related("regions")
        .order_by("pk")
    )
    found: dict[str, list[User]] = defaultdict(list)
    for worker in workers:
        prefixes = [prefix_of(region.code) for region in worker.regions.all()]
        for community in communities:
            if any(community.startswith(prefix) for prefix in prefixes):
                found[community].append(worker)
    return found


class Assigner:
    """Chooses a visitor for each new task: continuity first, then the lightest load."""

    def __init__(self, communities: set[str], elder_ids: set[int]):
        from .volunteers import volunteer_visitors

        self.visitors = visitors_by_community(communities)
        self.volunteers = volunteer_visitors(communities)
        self.load: Counter = Counter()
        for assignee_id in VisitTask.objects.filter(state=TaskState.OPEN, assignee__isnull=False).values_list(
            "assignee_id", flat=True
        ):
            self.load[assignee_id] += 1
        self.last: dict[int, int] = {}
        done = VisitTask.objects.filter(elder_id__in=elder_ids, state=TaskState.DONE, done_by__isnull=False)
        for elder_id, done_by in done.order_by("done_at").values_list("elder_id", "done_by_id"):
            self.last[elder_id] = done_by  # the latest wins

    def candidates(self, community: str, tier: str, due: dt.date) -> list[User]:
        """The community's workers and, for elders not at high risk, its volunteers free on the day."""
        from .volunteers import VOLUNTEER_TIERS

        people = list(self.visitors.get(community, []))
        if tier in VOLUNTEER_TIERS:
            people += [
                v.user
                for v in self.volunteers.get(community, [])
                if due.isoweekday() in (v.available_days or range(1, 8))
            ]
        return people

    def choose(
        self, community: str, elder_id: int, tier: str = "high", due: dt.date | None = None
    ) -> User | None:
        candidates = self.candidates(community, tier, due or timezone.localdate())
        if not candidates:
            return None
        previous = self.last.get(elder_id)
        chosen = next((user for user in candidates if user.pk == previous), None)
        if chosen is None:
            chosen = min(candidates, key=lambda user: (self.load[user.pk], user.pk))
        self.load[chosen.pk] += 1
        self.last.setdefault(elder_id, chosen.pk)  # the elder's other kind of visit goes to the same person
        return chosen


def _next_due(last_done: dt.datetime | None, interval: int, today: dt.date) -> dt.date:
    if last_done is None:
        return today
    return max(today, timezone.localdate(last_done) + dt.timedelta(days=interval))


def generate_visits(*, actor=SYSTEM, today: dt.date | None = None, elders=None) -> dict[str, int]:
    """Make the due tasks of every elder with a plan (``elders``: a queryset to narrow to), assign them,
    and cancel open tasks no plan asks for any more. Returns the counts made and cancelled."""
    require_actor(actor)
    today = today or timezone.localdate()
    elders = Elder.objects.all() if elders is None else elders
    risks: dict[int, Risk] = risks_of(elders, today=today)
    open_tasks = {
        (elder_id, kind): pk
        for pk, elder_id, kind in VisitTask.objects.filter(
            state=TaskState.OPEN, elder__in=elders.values("pk")
        ).values_list("pk", "elder_id", "kind")
    }
    last_done = {
        (elder_id, kind): at
        for elder_id, kind, at in VisitTask.objects.filter(state=TaskState.DONE, elder_id__in=list(risks))
        .values("elder_id", "kind")
        .annotate(at=Max("done_at"))
        .values_list("elder_id", "kind", "at")
    }
    communities = dict(Elder.objects.filter(pk__in=list(risks)).values_list("pk", "community_id"))
    assigner = Assigner(set(communities.values()), set(risks))
    horizon = today + dt.timedelta(days=lead_days())
    new = []
    for elder_id, risk in risks.items():
        for kind, planned in risk.plan.items():
            if (elder_id, kind) in open_tasks:
                continue
            due = _next_due(last_done.get((elder_id, kind)), planned.interval_days, today)
            if due > horizon:
                continue
            community = communities[elder_id]
            new.append(
                VisitTask(
                    elder_id=elder_id,
                    community_id=community,
                    rule=planned.rule,
                    kind=kind,
                    tier=risk.tier,
                    due_on=due,
                    assignee=assigner.choose(community, elder_id, risk.tier, due),
                )
            )
    stale = [
        pk
        for (elder_id, kind), pk in open_tasks.items()
        if kind not in getattr(risks.get(elder_id), "plan", {})
    ]
    with transaction.atomic():
        made = VisitTask.objects.bulk_create(new, batch_size=500, ignore_conflicts=True)
        cancelled = VisitTask.objects.filter(pk__in=stale, state=TaskState.OPEN).update(
            state=TaskState.CANCELLED
        )
        counts = {"created": len(made), "cancelled": cancelled}
        if made or cancelled:
            audit.record(actor=actor, action="visits.generated", after=counts)
    return counts


# --- escalation ---------------------------------------------------------------------------------------


def supervisors_of(community: str) -> list[User]:
    """The community's supervisors: the active officials of the nearest region above it (the longest
    prefix of the community's code among their regions), else the platform admins."""
    officials = (
        User.objects.filter(is_active=True, role=Role.OFFICIAL).prefetch_related("regions").order_by("pk")
    )
    best, nearest = [], -1
    for official in officials:
        reach = max(
            (
                len(prefix_of(r.code))
                for r in official.regions.all()
                if community.startswith(prefix_of(r.code))
            ),
            default=-1,
        )
        if reach > nearest:
            best, nearest = [official], reach
        elif reach == nearest and reach >= 0:
            best.append(official)
    if best:
        return best
    return list(User.objects.filter(Q(role=Role.ADMIN) | Q(is_superuser=True), is_active=True).order_by("pk"))


def overdue_tasks(today: dt.date):
    cutoff = today - dt.timedelta(days=settings.SHOUWANG_VISIT_OVERDUE_DAYS)
    return VisitTask.objects.filter(state=TaskState.OPEN, escalated_at__isnull=True, due_on__lt=cutoff)


def escalate_overdue(*, now: dt.datetime | None = None) -> list[int]:
    """Escalate every overdue open task once; returns the ids escalated. One transaction per task, the
    rows being claimed by others skipped (``skip_locked``)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    escalated = []
    for task_id in list(overdue_tasks(today).values_list("pk", flat=True)):
        with transaction.atomic():
            task = (
                overdue_tasks(today)
                .select_for_update(skip_locked=True, of=("self",))
                .select_related("elder", "community", "assignee")
                .filter(pk=task_id)
                .first()
            )
            if task is not None and _escalate(task, now, today):
                escalated.append(task.pk)
    return escalated


def _escalate(task: VisitTask, now: dt.datetime, today: dt.date) -> bool:
    recipients = supervisors_of(task.community_id)
    claimed = VisitTask.objects.filter(pk=task.pk, state=TaskState.OPEN, escalated_at__isnull=True).update(
        escalated_at=now, escalated_to=recipients[0] if recipients else None
    )
    if not claimed:
        return False  # done meanwhile, or another process escalated it
    text = _(
        "Visit #%(id)s (%(kind)s, %(elder)s, %(community)s) is %(days)s days late; visitor: %(visitor)s."
    ) % {
        "id": task.pk,
        "kind": task.get_kind_display(),
        "elder": task.elder.name,
        "community": task.community.name,
        "days": (today - task.due_on).days,
        "visitor": str(task.assignee) if task.assignee else _("nobody assigned"),
    }
    for user in recipients:
        queue_message(
            to=user.username,
            body=text,
            purpose="visit_escalation",
            channel=MessageChannel.CONSOLE,
            related=task,
        )
    audit.record(
        actor=None,
        action="visits.escalated",
        obj=task,
        after={"notified": [user.username for user in recipients], "due_on": task.due_on},
        region_code=task.community_id,
    )
    return True
