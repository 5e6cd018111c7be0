"""The regular-visits JSON API: visit tasks, completing one and its follow-ups, an elder's risk tier, the
rules and the coverage report; volunteers' time banks (statement, confirmation, donation, redemption)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from shouwang.core.errors import Forbidden, NotFound, ValidationFailed
from shouwang.core.pagination import paginate
from shouwang.core.schemas import Code, Day, Id, Moment, Note, Page, PageSize, RegionCode, column_text
from shouwang.orders.api import OrderItemIn
from shouwang.orders.models import Order

from . import activities, referrals, services, timebank, volunteers
from .models import Activity, HoursPosting, Referral, ReferralState, VisitRule, VisitTask
from .permissions import may_edit_rules, may_read_risk
from .selectors import coverage, get_task_for, rule_preview, rules_for, search_tasks
from .tiers import risk_of

router = Router(tags=["visits"])
elder_router = Router(tags=["visits"])


class VisitTaskOut(Schema):
    id: int
    elder_id: int
    elder_name: str
    community: str
    kind: str
    tier: str
    due_on: dt.date
    state: str
    assignee_id: int | None
    escalated_at: dt.datetime | None
    done_at: dt.datetime | None
    outcome: str
    distance_m: int | None
    findings: list[str]
    notes: str
    order_id: int | None
    incident_id: int | None
    care_plan_review_id: int | None

    @staticmethod
    def resolve_elder_name(task: VisitTask) -> str:
        return task.elder.name

    @staticmethod
    def resolve_community(task: VisitTask) -> str:
        return task.community_id


class VisitTaskPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[VisitTaskOut]


class VisitCompleteIn(Schema):
    outcome: Code
    findings: list[Code] = []
    notes: Note = ""
    lat: float | None = None
    lon: float | None = None


class OrderFollowUpIn(Schema):
    items: list[OrderItemIn]
    note: Annotated[str, column_text(Order, "note")] = ""


class IncidentFollowUpIn(Schema):
    note: Note = ""


class ReviewFollowUpIn(Schema):
    assessor_id: Id


class VisitFollowUpOut(Schema):
    visit: VisitTaskOut
    created_id: int


@router.get("", response=VisitTaskPage, summary="Visit tasks in the caller's scope, soonest due first")
def list_visits(
    request,
    state: Code = "",
    due_before: Day | None = None,
    community: RegionCode = "",
    assignee: Id | None = None,
    page: Page = 1,
    page_size: PageSize = 50,
):
    tasks = search_tasks(
        request.auth, state=state, due_before=due_before, community=community, assignee=assignee
    )
    return paginate(tasks, page=page, page_size=page_size)


@router.get(
    "/coverage", summary="Per community and risk tier, the share of elders visited on schedule in a month"
)
def visit_coverage(request, month: Code, region: RegionCode = ""):
    return {
        "month": month,
        "region": region,
        "communities": coverage(request.auth, month=month, region=region),
    }


class VisitRuleOut(Schema):
    id: int
    name: str
    position: int
    active: bool
    arrangements: list[str]
    categories: list[str]
    min_age: int | None
    min_ability_level: int | None
    tier: str
    kind: str
    interval_days: int
    region: str | None

    @staticmethod
    def resolve_region(rule: VisitRule) -> str | None:
        return rule.region_id


class VisitRuleIn(Schema):
    name: Annotated[str, column_text(VisitRule, "name")]
    region: RegionCode | None = None
    position: Annotated[int, Field(ge=0, le=999)] = 0
    active: bool = True
    arrangements: Annotated[list[Code], Field(max_length=20)] = []
    categories: Annotated[list[Code], Field(max_length=40)] = []
    min_age: Annotated[int, Field(ge=0, le=130)] | None = None
    min_ability_level: Annotated[int, Field(ge=0, le=4)] | None = None
    tier: Code
    kind: Code
    interval_days: Annotated[int, Field(ge=1, le=730)]


class VisitRulePreviewOut(Schema):
    caught: int


class VisitRuleSavedOut(VisitRuleOut):
    caught: int


@router.get("/rules", response=list[VisitRuleOut], summary="The visit rules that apply in the caller's area")
def list_rules(request):
    return list(rules_for(request.auth))


def _require_rule_editor(user) -> None:
    if not may_edit_rules(user):
        raise Forbidden(_("Only the bureau edits the visit rules."))


@router.post(
    "/rules/preview",
    response=VisitRulePreviewOut,
    summary="How many active elders of the caller's area a rule would catch (nothing saved)",
)
def preview_rule(request, payload: VisitRuleIn):
    _require_rule_editor(request.auth)
    return {"caught": rule_preview(request.auth, services.checked_rule(payload.dict()))}


def _saved(request, rule: VisitRule) -> VisitRule:
    """The rule as saved, with how many elders of the caller's area it catches now."""
    rule.caught = rule_preview(request.auth, rule)  # type: ignore[attr-defined]
    return rule


@router.post("/rules", response={201: VisitRuleSavedOut}, summary="Create a visit rule for a region of yours")
def create_rule(request, payload: VisitRuleIn):
    return Status(201, _saved(request, services.save_rule(actor=request.auth, values=payload.dict())))


@router.put("/rules/{int:rule_id}", response=VisitRuleSavedOut, summary="Change a visit rule of your regions")
def update_rule(request, rule_id: Id, payload: VisitRuleIn):
    return _saved(request, services.save_rule(actor=request.auth, values=payload.dict(), rule_id=rule_id))


@router.post(
    "/rules/{int:rule_id}/retire",
    response=VisitRuleSavedOut,
    summary="Retire a visit rule: it catches nobody from the next generation on",
)
def retire_rule(request, rule_id: Id):
    return _saved(request, services.retire_rule(actor=request.auth, rule_id=rule_id))


@router.get("/{int:visit_id}", response=VisitTaskOut, summary="One visit task")
def get_visit(request, visit_id: Id):
    return get_task_for(request.auth, visit_id)


@router.post("/{int:visit_id}/complete", response=VisitTaskOut, summary="Record the visit with its findings")
def complete_visit(request, visit_id: Id, payload: VisitCompleteIn):
    return services.complete_visit(actor=request.auth, task_id=visit_id, **payload.dict())


def _followed(request, visit_id: int, created) -> dict:
    return {"visit": get_task_for(request.auth, visit_id), "created_id": created.pk}


@router.post(
    "/{int:visit_id}/follow-up/order",
    response=VisitFollowUpOut,
    summary="Order services for the visited elder",
)
def follow_up_order(request, visit_id: Id, payload: OrderFollowUpIn):
    items = [item.dict() for item in payload.items]
    order = services.follow_up_order(actor=request.auth, task_id=visit_id, items=items, note=payload.note)
    return _followed(request, visit_id, order)


@router.post(
    "/{int:visit_id}/follow-up/incident",
    response=VisitFollowUpOut,
    summary="Alert the call centre about the elder",
)
def follow_up_incident(request, visit_id: Id, payload: IncidentFollowUpIn):
    incident = services.follow_up_incident(actor=request.auth, task_id=visit_id, note=payload.note)
    return _followed(request, visit_id, incident)


@router.post(
    "/{int:visit_id}/follow-up/review",
    response=VisitFollowUpOut,
    summary="Ask for a re-assessment of the elder",
)
def follow_up_review(request, visit_id: Id, payload: ReviewFollowUpIn):
    assessment = services.follow_up_review(
        actor=request.auth, task_id=visit_id, assessor_id=payload.assessor_id
    )
    return _followed(request, visit_id, assessment)


class ReferralIn(Schema):
    reason: Annotated[str, column_text(Referral, "reason")] = ""


class ReferralOut(Schema):
    id: int
    task_id: int
    elder_id: int
    elder_name: str
    community: str
    state: str
    reason: str
    due_on: dt.date
    overdue: bool
    doctor: str
    appointment_at: dt.datetime | None
    outcome: str
    closed_at: dt.datetime | None

    @staticmethod
    def resolve_elder_name(referral: Referral) -> str:
        return referral.elder.name

    @staticmethod
    def resolve_community(referral: Referral) -> str:
        return referral.community_id

    @staticmethod
    def resolve_overdue(referral: Referral) -> bool:
        return referrals.is_overdue(referral)


class ReferralMoveIn(Schema):
    state: Code
    doctor: Annotated[str, column_text(Referral, "doctor")] = ""
    appointment_at: Moment | None = None
    note: Annotated[str, column_text(Referral, "outcome")] = ""


@router.post(
    "/{int:visit_id}/follow-up/referral",
    response={201: ReferralOut},
    summary="Refer the visited elder to a doctor; the community worker follows it through",
)
def follow_up_referral(request, visit_id: Id, payload: ReferralIn):
    referral = referrals.refer(actor=request.auth, task_id=visit_id, reason=payload.reason)
    return Status(201, referrals.get_referral_for(request.auth, referral.pk))


@router.get(
    "/referrals",
    response=list[ReferralOut],
    summary="Doctor referrals of the caller's area: unsettled by default, overdue first",
)
def list_referrals(request, state: Code = "", overdue: bool = False):
    if state and state not in ReferralState.values:
        raise ValidationFailed(_("Unknown referral state."), errors={"state": _("Unknown referral state.")})
    if state:
        found = list(referrals.referrals_for(request.auth).filter(state=state).order_by("due_on", "id")[:500])
    else:
        found = [row["referral"] for row in referrals.open_referrals(request.auth)]
    return [referral for referral in found if referrals.is_overdue(referral)] if overdue else found


@router.get("/referrals/{int:referral_id}", response=ReferralOut, summary="One doctor referral")
def get_referral(request, referral_id: Id):
    return referrals.get_referral_for(request.auth, referral_id)


@router.post(
    "/referrals/{int:referral_id}/move",
    response=ReferralOut,
    summary="Move a referral on: contacted, booked (appointment), done or declined (with the outcome)",
)
def move_referral(request, referral_id: Id, payload: ReferralMoveIn):
    moves = payload.dict()
    referrals.advance(actor=request.auth, referral_id=referral_id, to_state=moves.pop("state"), **moves)
    return referrals.get_referral_for(request.auth, referral_id)


class HoursEntryOut(Schema):
    """One entry of a volunteer's time-bank account (a ledger entry in minutes) and the balance after it."""

    id: int
    kind: str
    minutes: int
    task_id: int | None
    activity_id: int | None
    help_id: int | None
    peer_id: int | None
    note: str
    at: dt.datetime
    balance: int


class HoursStatementOut(Schema):
    volunteer_id: int
    balance_minutes: int
    entries: list[HoursEntryOut]


@router.post(
    "/{int:visit_id}/confirm", response=HoursEntryOut, summary="The coordinator confirms a volunteer's visit"
)
def confirm_visit(request, visit_id: Id):
    return timebank.line_of(volunteers.confirm_visit(actor=request.auth, task_id=visit_id))


@router.get(
    "/volunteers/{int:volunteer_id}/hours",
    response=HoursStatementOut,
    summary="A volunteer's time-bank statement",
)
def volunteer_hours(request, volunteer_id: Id):
    found = volunteers.statement(request.auth, volunteer_id)
    return {
        "volunteer_id": found["volunteer"].pk,
        "balance_minutes": found["balance"],
        "entries": found["lines"],
    }


class HoursMoveIn(Schema):
    minutes: Annotated[int, Field(ge=1, le=1_000_000)]
    note: Annotated[str, column_text(HoursPosting, "note")] = ""


class DonationIn(HoursMoveIn):
    to_id: Id


@router.post(
    "/volunteers/{int:volunteer_id}/donate",
    response=HoursEntryOut,
    summary="Give hours from a volunteer's time bank to another volunteer's",
)
def donate_hours(request, volunteer_id: Id, payload: DonationIn):
    posting = volunteers.donate_hours(
        actor=request.auth,
        from_id=volunteer_id,
        to_id=payload.to_id,
        minutes=payload.minutes,
        note=payload.note,
    )
    return timebank.line_of(posting)


@router.post(
    "/volunteers/{int:volunteer_id}/redeem",
    response=HoursEntryOut,
    summary="The coordinator redeems a volunteer's hours for help they receive",
)
def redeem_hours(request, volunteer_id: Id, payload: HoursMoveIn):
    posting = volunteers.redeem_hours(
        actor=request.auth, volunteer_id=volunteer_id, minutes=payload.minutes, note=payload.note
    )
    return timebank.line_of(posting)


class ActivityOut(Schema):
    id: int
    community: str
    title: str
    starts_at: dt.datetime
    place: str
    capacity: int
    minutes: int
    taken: int
    attendance_at: dt.datetime | None
    cancelled_at: dt.datetime | None
    cancel_reason: str

    @staticmethod
    def resolve_community(activity) -> str:
        return activity.community_id


class ActivityChangeIn(Schema):
    title: Annotated[str, column_text(Activity, "title")]
    starts_at: Moment
    place: Annotated[str, column_text(Activity, "place")]
    capacity: Annotated[int, Field(ge=1, le=1000)]
    minutes: Annotated[int, Field(ge=1, le=1440)] = 60


class ActivityIn(ActivityChangeIn):
    community: RegionCode


class ActivityCancelIn(Schema):
    reason: Annotated[str, column_text(Activity, "cancel_reason")]


class SignupOut(Schema):
    id: int
    volunteer_id: int | None
    elder_id: int | None
    attended: bool | None


class ActivityDetailOut(ActivityOut):
    signups: list[SignupOut]

    @staticmethod
    def resolve_signups(activity) -> list:
        return list(activities.signups_of(activity))


class SignupIn(Schema):
    elder_id: Id | None = None


class AttendanceIn(Schema):
    attended: Annotated[list[Id], Field(max_length=1000)]


@router.get("/activities", response=list[ActivityOut], summary="Group activities (助乐) of the caller's area")
def list_activities(request):
    return list(activities.activities_for(request.auth)[:200])


@router.post(
    "/activities", response={201: ActivityOut}, summary="A community worker creates a group activity"
)
def create_activity(request, payload: ActivityIn):
    created = activities.create_activity(actor=request.auth, **payload.dict())
    return Status(201, activities.get_activity_for(request.auth, created.pk))


@router.get(
    "/activities/{int:activity_id}", response=ActivityDetailOut, summary="One activity with its sign-ups"
)
def get_activity(request, activity_id: Id):
    return activities.get_activity_for(request.auth, activity_id)


@router.post(
    "/activities/{int:activity_id}/signups",
    response={201: SignupOut},
    summary="A volunteer signs up; a community worker signs an elder up (elder_id)",
)
def sign_up(request, activity_id: Id, payload: SignupIn):
    return Status(
        201, activities.sign_up(actor=request.auth, activity_id=activity_id, elder_id=payload.elder_id)
    )


@router.put(
    "/activities/{int:activity_id}",
    response=ActivityDetailOut,
    summary="Change an activity before it starts (the people signed up are told of a new time or place)",
)
def change_activity(request, activity_id: Id, payload: ActivityChangeIn):
    activities.change_activity(actor=request.auth, activity_id=activity_id, **payload.dict())
    return activities.get_activity_for(request.auth, activity_id)


@router.post(
    "/activities/{int:activity_id}/cancel",
    response=ActivityDetailOut,
    summary="Cancel an activity before it starts, with the reason the people signed up are told",
)
def cancel_activity(request, activity_id: Id, payload: ActivityCancelIn):
    activities.cancel_activity(actor=request.auth, activity_id=activity_id, reason=payload.reason)
    return activities.get_activity_for(request.auth, activity_id)


@router.post(
    "/activities/{int:activity_id}/signups/{int:signup_id}/cancel",
    response=ActivityDetailOut,
    summary="Cancel a sign-up before the activity starts (a volunteer their own, the worker anyone's)",
)
def cancel_signup(request, activity_id: Id, signup_id: Id):
    activities.cancel_signup(actor=request.auth, activity_id=activity_id, signup_id=signup_id)
    return activities.get_activity_for(request.auth, activity_id)


@router.post(
    "/activities/{int:activity_id}/attendance",
    response=ActivityDetailOut,
    summary="Record who came (sign-up ids); volunteers who came earn the activity's minutes",
)
def record_attendance(request, activity_id: Id, payload: AttendanceIn):
    activities.record_attendance(actor=request.auth, activity_id=activity_id, attended=payload.attended)
    return activities.get_activity_for(request.auth, activity_id)


class VisitPlanOut(Schema):
    kind: str
    interval_days: int
    rule_id: int
    rule: str


class ElderRiskOut(Schema):
    tier: str
    tier_label: str
    reasons: list[str]
    rule: VisitRuleOut | None
    plan: list[VisitPlanOut]


@elder_router.get(
    "/{int:elder_id}/risk", response=ElderRiskOut, summary="The elder's risk tier, why, and the visit plan"
)
def elder_risk(request, elder_id: Id):
    from shouwang.elders.selectors import get_elder_for

    if not may_read_risk(request.auth):
        raise NotFound(_("This elder does not exist or is outside your area."))
    risk = risk_of(get_elder_for(request.auth, elder_id))
    return {
        "tier": risk.tier,
        "tier_label": risk.tier_label,
        "reasons": risk.reasons,
        "rule": risk.deciding_rule,
        "plan": [
            {"kind": p.kind, "interval_days": p.interval_days, "rule_id": p.rule.pk, "rule": p.rule.name}
            for p in risk.plan.values()
        ],
    }


# Escorts and companionship (助行, 精神慰藉) under /visits/help: help_api.py.
def _mount_help() -> None:
    from .help_api import router as help_router

    router.add_router("/help", help_router)


_mount_help()
