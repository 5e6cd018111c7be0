"""Demo regular visits: three months of history in the communities that have a community worker, with
findings and their follow-ups (an incident, doctor referrals at every stage), and a few visits left
undone so that they are overdue and escalated.

The last five weeks are played day by day through the real paths: the generation makes the tasks due that
day (``generate_visits(today=day)``), the assigned worker records most of them (``complete_visit``) and
the record is moved back to that day, so the next day's generation reads a true history. The two months
before are written in bulk (``_earlier_history``), as the plan of each elder asked for them: replaying them
too would triple the demo's first start. Deterministic for a seed.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter

from django.utils import timezone

from shouwang.accounts.models import User
from shouwang.core.actors import SYSTEM
from shouwang.core.idnumbers import make_resident_id
from shouwang.core.roles import Role
from shouwang.elders.models import Elder, Status
from shouwang.visits import help, referrals, timebank
from shouwang.visits.activities import create_activity, record_attendance, sign_up
from shouwang.visits.generation import escalate_overdue, generate_visits, visitors_by_community
from shouwang.visits.models import (
    Finding,
    HelpKind,
    Outcome,
    Referral,
    ReferralState,
    Skill,
    TaskState,
    Tier,
    VisitKind,
    VisitTask,
    Volunteer,
)  # fmt: skip
from shouwang.visits.services import complete_visit, follow_up_incident
from shouwang.visits.tiers import risks_of
from shouwang.visits.volunteers import confirm_visit, donate_hours, register_volunteer

HISTORY_DAYS = 35
# Written in bulk before the replayed weeks: with them, three months of visits.
EARLIER_DAYS = 56
EARLIER_LATE_SHARE = 0.1
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
    done = _earlier_history(elders, today - dt.timedelta(days=HISTORY_DAYS), rng, volunteer)
    alerted = False
    # health findings of the community workers' visits (a volunteer's go to the worker first)
    referred: list[VisitTask] = []
    workers = set(User.objects.filter(role=Role.COMMUNITY_WORKER).values_list("pk", flat=True))
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
            elif Finding.HEALTH in task.findings and task.assignee_id in workers:
                referred.append(task)
    generate_visits(actor=SYSTEM, today=today, elders=elders)
    escalated = escalate_overdue()
    _recent_referrals(referred)
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


DOCTORS = ("社区卫生服务站王医生", "街道卫生院内科", "家庭医生签约团队李医生")
OUTCOMES = {
    ReferralState.DONE: (
        "血压偏高，已调整用药，两周后复诊。",
        "检查无大碍，嘱多饮水、按时服药。",
        "已转上级医院复查。",
    ),
    ReferralState.DECLINED: ("老人不愿去医院，已告知家属。", "家属已自行带老人就医。"),
}


def _earlier_history(elders, until: dt.date, rng: random.Random, volunteer: Volunteer | None) -> int:
    """The two months before ``until``, in bulk: each elder's planned visits (by the plan of the day) at
    their interval, done by their community's worker — or, for every other elder not at high risk of the
    volunteer's community, by the volunteer, who keeps them in the replayed weeks (continuity) — on the
    due day or a little after (now and then more than the grace late, which the coverage report shows),
    with findings now and then; a health finding led to a doctor referral, settled since (seen or
    declined) but for a few still open, some overdue. Returns how many visits were written."""
    workers = visitors_by_community(set(elders.values_list("community_id", flat=True)))
    people = {elder.pk: elder for elder in elders.only("pk", "community_id", "lat", "lon")}
    start = until - dt.timedelta(days=EARLIER_DAYS)
    tasks = []
    for elder_id, risk in sorted(risks_of(elders, today=start).items()):
        elder = people[elder_id]
        team = [user for user in workers.get(elder.community_id, []) if user.role == Role.COMMUNITY_WORKER]
        if not team:
            continue
        worker = team[elder_id % len(team)]
        if (
            volunteer is not None
            and elder.community_id == volunteer.community_id
            and risk.tier != Tier.HIGH
            and elder_id % 2 == 0
        ):
            worker = volunteer.user
        for planned in risk.plan.values():
            due = start + dt.timedelta(days=rng.randrange(planned.interval_days))
            while due < until:
                tasks.append(_past_visit(elder, worker, planned, risk.tier, due, until, rng))
                due += dt.timedelta(days=planned.interval_days)
    VisitTask.objects.bulk_create(tasks, batch_size=500)
    if not all(task.pk for task in tasks):  # backends that do not return ids from bulk inserts
        tasks = list(VisitTask.objects.filter(elder__in=elders, due_on__lt=until).order_by("pk"))
    referred: Counter[str] = Counter()  # per community, so that each community's worker has an overdue one
    past = []
    for task in tasks:
        if Finding.HEALTH in task.findings:
            n = referred[task.community_id]
            past.append(_past_referral(task, REFERRAL_STATES[n % len(REFERRAL_STATES)], rng))
            referred[task.community_id] += 1
    Referral.objects.bulk_create(past)
    return len(tasks)


def _past_visit(elder, worker, planned, tier: str, due: dt.date, until: dt.date, rng: random.Random):
    late = rng.randint(4, 6) if rng.random() < EARLIER_LATE_SHARE else rng.choice((0, 0, 0, 1, 2))
    day = min(due + dt.timedelta(days=late), until - dt.timedelta(days=1))
    at = timezone.make_aware(dt.datetime.combine(day, dt.time(rng.randint(9, 16), rng.randint(0, 59))))
    findings = rng.sample(Finding.values, k=rng.randint(1, 2)) if rng.random() < FINDING_SHARE else []
    task = VisitTask(
        elder_id=elder.pk, community_id=elder.community_id, rule=planned.rule, kind=planned.kind, tier=tier,
        due_on=due, state=TaskState.DONE, assignee=worker, done_at=at, done_by=worker,
        outcome=Outcome.MET if rng.random() < 0.95 else Outcome.NOT_REACHED, findings=findings,
        notes=rng.choice(NOTES),
    )  # fmt: skip
    if planned.kind == VisitKind.HOME:
        task.lat = (elder.lat or 43.85) + rng.uniform(-0.0005, 0.0005)
        task.lon = (elder.lon or 126.55) + rng.uniform(-0.0005, 0.0005)
        task.distance_m = rng.randint(5, 60)
    return task


# The past referrals' states in turn, per community: mostly settled, a few left open (overdue by now) —
# the first one too, so that even a small demo district has an overdue referral on each worker's list.
S = ReferralState
REFERRAL_STATES = (
    S.OPEN,
    S.DONE,
    S.DECLINED,
    S.DONE,
    S.CONTACTED,
    S.DONE,
    S.DONE,
    S.DECLINED,
    S.DONE,
    S.DONE,
)


def _past_referral(task: VisitTask, state: ReferralState, rng: random.Random) -> Referral:
    opened = task.done_at or timezone.now()  # always set: the past visits are done
    due_on = timezone.localdate(opened) + dt.timedelta(days=7)
    referral = Referral(
        task=task, elder_id=task.elder_id, community_id=task.community_id, state=state,
        reason="巡访发现：身体不适，建议就医。", due_on=due_on, created_by=task.done_by,
    )  # fmt: skip
    if state != ReferralState.OPEN:
        referral.doctor = rng.choice(DOCTORS)
    if state in OUTCOMES:
        referral.outcome = rng.choice(OUTCOMES[state])
        referral.closed_by = task.done_by
        referral.closed_at = opened + dt.timedelta(days=rng.randint(1, 6))
    return referral


def _recent_referrals(tasks: list[VisitTask]) -> None:
    """Health findings of the replayed weeks referred through the real service; the first one booked,
    the second already seen by the doctor, the third declined, the rest waiting for the worker."""
    for n, task in enumerate(tasks[:6]):
        worker = task.assignee
        referral = referrals.refer(actor=worker, task_id=task.pk)
        if n == 0:
            referrals.advance(
                actor=worker, referral_id=referral.pk, to_state=ReferralState.BOOKED, doctor=DOCTORS[0],
                appointment_at=timezone.now() + dt.timedelta(days=2),
            )  # fmt: skip
        elif n == 1:
            referrals.advance(
                actor=worker, referral_id=referral.pk, to_state=ReferralState.DONE, doctor=DOCTORS[2],
                note=OUTCOMES[ReferralState.DONE][1],
            )  # fmt: skip
        elif n == 2:
            referrals.advance(
                actor=worker, referral_id=referral.pk, to_state=ReferralState.DECLINED,
                note=OUTCOMES[ReferralState.DECLINED][1],
            )  # fmt: skip
