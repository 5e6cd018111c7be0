"""Demo regular visits: a month of history in the communities that have a community worker, with
findings and a follow-up, and a few visits left undone so that they are overdue and escalated.

The month is played day by day through the real paths: the generation makes the tasks due that day
(``generate_visits(today=day)``), the assigned worker records most of them (``complete_visit``) and the
record is moved back to that day, so the next day's generation reads a true history. Deterministic for a
seed.
"""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from shouwang.accounts.models import User
from shouwang.core.actors import SYSTEM
from shouwang.core.idnumbers import make_resident_id
from shouwang.core.roles import Role
from shouwang.elders.models import Elder, Status
from shouwang.visits import help, timebank
from shouwang.visits.activities import create_activity, record_attendance, sign_up
from shouwang.visits.generation import escalate_overdue, generate_visits, visitors_by_community
from shouwang.visits.models import (
    Finding,
    HelpKind,
    Skill,
    TaskState,
    VisitKind,
    VisitTask,
    Volunteer,
)  # fmt: skip
from shouwang.visits.services import complete_visit, follow_up_incident
from shouwang.visits.volunteers import confirm_visit, donate_hours, register_volunteer

HISTORY_DAYS = 35
DONE_SHARE = 0.6
NEGLECTED_DAYS = 10
FINDING_SHARE = 0.2
NOTES = ("老人精神不错，按时服药。", "家中整洁，冰箱有菜。", "老人说夜里睡不好。", "暖气不太热，已告知物业。")


def load_visits(*, community_codes: list[str], seed: int) -> dict[str, int]:
    """A month of visits in ``community_codes`` (each should have a community worker); the demo's
    volunteer takes a share of them and the worker confirms what they did, which earns their hours."""
    rng = random.Random(seed)
    elders = Elder.objects.filter(community_id__in=community_codes)
    today = timezone.localdate()
    volunteer = _register_volunteer(community_codes[0]) if community_codes else None
    neglected: set[int] = set()
    done = 0
    alerted = False
    for back in range(HISTORY_DAYS, 0, -1):
        day = today - dt.timedelta(days=back)
        generate_visits(actor=SYSTEM, today=day, elders=elders)
        if back == NEGLECTED_DAYS:
            # Nobody gets to a few elders from here on: their visits are overdue and escalated.
            waiting = sorted(
                set(
                    VisitTask.objects.filter(elder__in=elders, state=TaskState.OPEN).values_list(
                        "elder_id", flat=True
                    )
                )
            )
            neglected = set(rng.sample(waiting, k=max(1, len(waiting) // 6))) if waiting else set()
        due = VisitTask.objects.filter(
            elder__in=elders, state=TaskState.OPEN, due_on__lte=day, assignee__isnull=False
        ).select_related("elder", "assignee")
        for task in due.order_by("pk"):
            # visits spread over the days after they fall due (most on the day or soon after)
            if rng.random() > DONE_SHARE or task.elder_id in neglected:
                continue
            _record(task, day, rng)
            done += 1
            if not alerted and task.findings:
                follow_up_incident(actor=task.assignee, task_id=task.pk, note="请呼叫中心今天回访老人。")
                alerted = True
    generate_visits(actor=SYSTEM, today=today, elders=elders)
    escalated = escalate_overdue()
    confirmed = _confirm_volunteer_visits(volunteer) if volunteer else 0
    team = _volunteer_team(volunteer, rng) if volunteer else 0
    return {"done": done, "escalated": len(escalated), "confirmed": confirmed, "volunteers": team}


TEAM_SIZE = 30
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ("秀英", "桂兰", "建国", "志强", "丽华", "海燕", "德明", "淑珍", "国庆", "春梅")


def _volunteer_team(volunteer: Volunteer, rng: random.Random) -> int:
    """The rest of the community's volunteer team (the issue's 30), written in bulk: accounts without a
    password (they sign in once the community gives them one), escorts and companions rather than
    visitors (the month of visits above is the demo volunteer's), each with the hours they brought from
    the paper ledger; one gives some to another through the real service."""
    coordinator = visitors_by_community({volunteer.community_id})[volunteer.community_id][0]
    community = volunteer.community_id
    users = User.objects.bulk_create(
        User(
            username=f"volunteer{n:02d}", full_name=rng.choice(SURNAMES) + rng.choice(GIVEN), password="!",
            role=Role.VOLUNTEER,
        )
        for n in range(2, TEAM_SIZE + 1)
    )  # fmt: skip
    if not all(user.pk for user in users):  # backends that do not return ids from bulk inserts
        users = list(User.objects.filter(username__in=[u.username for u in users]).order_by("username"))
    User.regions.through.objects.bulk_create(
        User.regions.through(user_id=u.pk, region_id=community) for u in users
    )
    team = Volunteer.objects.bulk_create(
        Volunteer(
            user=user, community_id=community, skills=[rng.choice([Skill.ESCORT, Skill.COMPANIONSHIP])],
            id_number=make_resident_id("220202", dt.date(1950 + n % 20, 1 + n % 12, 1 + n % 28), 400 + n),
            available_days=sorted(rng.sample(range(1, 8), k=3)),
        )
        for n, user in enumerate(users)
    )  # fmt: skip
    if not all(member.pk for member in team):
        team = list(Volunteer.objects.filter(user__in=users).order_by("user__username"))
    for member in team:  # the opening balances, booked in the ledger like any earning
        timebank.earn(
            actor=coordinator, volunteer=member, minutes=rng.choice((60, 90, 120, 180, 240)),
            note="纸质台账结转",
        )  # fmt: skip
    donate_hours(actor=coordinator, from_id=team[0].pk, to_id=team[1].pk, minutes=30, note="结对互助")
    _activity(coordinator, community, team[:6], rng)
    _help_tasks(coordinator, community)
    return len(team) + 1


def _help_tasks(worker: User, community: str) -> None:
    """Escorts and companionship (助行, 精神慰藉) the worker arranged: one escort given and confirmed (its
    hours earned), one companionship given and waiting for the family's confirmation, and two to come —
    the demo volunteer's companionship tomorrow among them (the lightest load goes first)."""
    elders = list(Elder.objects.filter(community_id=community, status=Status.ACTIVE).order_by("pk")[:4])
    if len(elders) < 4:
        return
    soon = timezone.now() + dt.timedelta(minutes=5)
    tomorrow = timezone.localtime(soon).replace(hour=15, minute=0) + dt.timedelta(days=1)
    help.create_help(actor=worker, elder_id=elders[0].pk, kind=HelpKind.COMPANIONSHIP, starts_at=tomorrow,
                     need="老人独居，想有人陪着聊聊天、读读报")  # fmt: skip
    help.create_help(actor=worker, elder_id=elders[1].pk, kind=HelpKind.ESCORT,
                     starts_at=tomorrow + dt.timedelta(days=1, hours=-6), destination="市中心医院复诊",
                     need="带好医保卡和病历本")  # fmt: skip
    given = help.create_help(actor=worker, elder_id=elders[2].pk, kind=HelpKind.ESCORT, starts_at=soon,
                             destination="社区卫生服务中心取药")  # fmt: skip
    assert given.volunteer is not None  # create_help assigns a volunteer or refuses
    help.complete_help(actor=given.volunteer.user, help_id=given.pk, note="已陪同取药并送回家")
    help.confirm_help(actor=worker, help_id=given.pk)
    waiting = help.create_help(
        actor=worker, elder_id=elders[3].pk, kind=HelpKind.COMPANIONSHIP, starts_at=soon
    )
    assert waiting.volunteer is not None
    help.complete_help(actor=waiting.volunteer.user, help_id=waiting.pk, note="陪老人下了两盘棋")


def _activity(worker: User, community: str, helpers: list[Volunteer], rng: random.Random) -> None:
    """Last week's group activity (助乐): helpers and a few elders signed up, most came, the helpers who
    came earned its minutes."""
    activity = create_activity(
        actor=worker, community=community, title="重阳节包饺子", place="社区日间照料中心", capacity=20,
        starts_at=timezone.now() - dt.timedelta(days=5), minutes=120,
    )  # fmt: skip
    signups = [sign_up(actor=helper.user, activity_id=activity.pk) for helper in helpers]
    for elder_id in (
        Elder.objects.filter(community_id=community).order_by("pk").values_list("pk", flat=True)[:6]
    ):
        signups.append(sign_up(actor=worker, activity_id=activity.pk, elder_id=elder_id))
    came = [signups[0].pk] + [signup.pk for signup in signups[1:] if rng.random() < 0.8]
    record_attendance(actor=worker, activity_id=activity.pk, attended=came)


def _register_volunteer(community: str) -> Volunteer | None:
    """The demo's volunteer account, registered in the first community by its worker."""
    user = User.objects.filter(role=Role.VOLUNTEER, is_active=True).order_by("pk").first()
    workers = visitors_by_community({community}).get(community, [])
    if user is None or not workers:
        return None
    return register_volunteer(
        actor=workers[0], user_id=user.pk, community=community,
        id_number=make_resident_id("220202", dt.date(1985, 6, 1), 377),
        skills=[Skill.VISIT, Skill.COMPANIONSHIP], available_days=[],
    )  # fmt: skip


def _confirm_volunteer_visits(volunteer: Volunteer) -> int:
    """The coordinator confirms the volunteer's visits that passed the position check."""
    coordinator = visitors_by_community({volunteer.community_id})[volunteer.community_id][0]
    confirmed = 0
    for task in VisitTask.objects.filter(done_by=volunteer.user, state=TaskState.DONE).order_by("pk"):
        if task.kind == VisitKind.HOME and task.distance_m is None:
            continue
        confirm_visit(actor=coordinator, task_id=task.pk)
        confirmed += 1
    return confirmed


def _record(task: VisitTask, day: dt.date, rng: random.Random) -> None:
    elder = task.elder
    lat = lon = None
    if task.kind == VisitKind.HOME:
        lat = (elder.lat or 43.85) + rng.uniform(-0.0005, 0.0005)
        lon = (elder.lon or 126.55) + rng.uniform(-0.0005, 0.0005)
    findings = rng.sample(Finding.values, k=rng.randint(1, 2)) if rng.random() < FINDING_SHARE else []
    complete_visit(
        actor=task.assignee,
        task_id=task.pk,
        outcome="met" if rng.random() < 0.95 else "not_reached",
        findings=findings,
        notes=rng.choice(NOTES),
        lat=lat,
        lon=lon,
    )
    at = timezone.make_aware(dt.datetime.combine(day, dt.time(rng.randint(9, 16), rng.randint(0, 59))))
    VisitTask.objects.filter(pk=task.pk).update(done_at=at)
    task.findings = findings
