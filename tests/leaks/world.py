"""A small world of two sides for the scope-leak suite.

Side A is where the probing users live: a community worker of community A, a provider admin and a
caregiver of provider A, a volunteer and a family member of A's elder. Side B is "the other side": an
elder of community B served by provider B, with everything an elder accumulates (orders in several
states, a visit exception and a correction request, a complaint, an assessment and a care plan, an alarm
device and an incident, a life event, spreadsheet jobs) and B's own staff and users. Nothing of side B is
in any probing user's scope, so every read of it must be a 404 (or the role's 403) and every write must be
refused and change nothing.

Side B's people and things carry names found nowhere else (``乙方…``), so a response that mentions one has
leaked it; ``secrets`` are the unmasked ID numbers and phones of every elder, which no response but the
audited reveal may contain.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from shouwang.accounts.models import User
from shouwang.alarms.models import IncidentState
from shouwang.assessments.models import Assessment, CarePlan, CarePlanItem
from shouwang.benefits.case_models import Case, CaseKind
from shouwang.benefits.payments import create_batch
from shouwang.benefits.services import create_policy, publish_version, review_run, start_run
from shouwang.benefits.statement_models import Statement, StatementLine
from shouwang.core.actors import SYSTEM
from shouwang.core.idnumbers import make_resident_id
from shouwang.core.models import OutboundMessage
from shouwang.elders.exports import run_export, start_export
from shouwang.elders.models import Assignment, JobKind, JobState, SpreadsheetJob, StatusChange
from shouwang.facilities.models import (
    FacilityChange,
    MealRecord,
    OperatingContract,
    OperatingReport,
    Residency,
)
from shouwang.facilities.services import register_facility
from shouwang.homecare.models import ClaimBatch, DeviceRental, HomeCareBed, LtcDesignation
from shouwang.hotline.models import CareCall
from shouwang.hotline.services import record_call
from shouwang.orders.models import (
    Complaint,
    CorrectionRequest,
    ExceptionKind,
    OrderState,
    Visit,
    VisitException,
)
from shouwang.routes.models import PlannedStop, RoutePlan
from shouwang.visits import timebank
from shouwang.visits.models import Activity, ActivitySignup, HelpTask, Referral, VisitTask, Volunteer
from tests import factories
from tests.alarms.factories import DeviceFactory, IncidentFactory
from tests.orders import factories as of

# The roles a probe is made as, each a user of side A.
ROLES = ("community_worker", "provider_admin", "caregiver", "volunteer", "family")
# The path parameters that name an object, each mapped to side B's objects of that kind (``World.theirs``).
KINDS = (
    "elder_id",
    "order_id",
    "complaint_id",
    "exception_id",
    "correction_id",
    "assessment_id",
    "plan_id",
    "device_id",
    "incident_id",
    "job_id",
    "provider_id",
    "staff_id",
    "user_id",
    "run_id",
    "message_id",
    "case_id",
    "statement_id",
    "call_id",
    "call_back_id",
    "care_call_id",
    "visit_id",
    "volunteer_id",
    "facility_id",
    "change_id",
    "residency_id",
    "contract_id",
    "activity_id",
    "help_id",
    "route_plan_id",
    "signup_id",
    "referral_id",
    "bed_id",
    "rental_id",
    "batch_id",
    "care_task_id",
    "institution_id",
    "pilot_id",
    "milestone_id",
    "inspection_id",
    "finding_id",
    "round_id",
)


@dataclass
class World:
    users: dict[str, User]  # role → a user of side A
    controls: list[User]  # who may open side B's objects: the platform admin, then B's own users
    admin: User
    theirs: dict[str, tuple]  # a path parameter → the values that name side B's objects
    rows: dict  # side B's rows whose fields a refused write must leave alone: model → primary keys
    markers: tuple[str, ...]  # words only side B's data contains
    secrets: tuple[str, ...]  # unmasked ID numbers and phones of every elder
    search: str  # what a probe types into a search box: the start of every name of side B (a page that
    # repeats the search is no leak; one that shows a whole name is)
    fields: dict[str, object]  # a request body's field → a value naming side B's object (or a valid value)
    ids: dict[str, set[int]] = field(default_factory=dict)  # a kind of row → side B's ids of that kind


def _named(user: User, full_name: str) -> User:
    User.objects.filter(pk=user.pk).update(full_name=full_name)
    user.full_name = full_name
    return user


def _elder(community: str, name: str, address: str, phone: str, contact_name: str, contact_phone: str):
    elder = factories.ElderFactory(community_id=community, name=name, address=address, phone=phone)
    contact = factories.contact(elder, phone=contact_phone)
    contact.name = contact_name
    contact.save(update_fields=["name"])
    return elder, contact


def _nursery(community: str, name: str, address: str):
    """A registered childcare institution with its own login."""
    from shouwang.childcare.services import decide_registration, file_institution

    values = {
        "name": name, "kind": "full_day", "licence_number": f"{name}备案", "operator_name": f"{name}公司",
        "operator_credit_code": factories.credit_code(), "community": community, "address": address,
        "places_2_3": 10, "enrolled_2_3": 5, "phone": "0432-6000000",
    }  # fmt: skip
    made = file_institution(
        actor=SYSTEM, values=values, username=f"nursery{community[-4:]}", password=factories.PASSWORD
    )
    return decide_registration(actor=SYSTEM, institution_id=made.pk, state="registered")


def _supervision_b():
    """Street B's pilot programme (being implemented, with a milestone) and a round over its childcare
    institution with one finding."""
    from shouwang.inspections.services import create_plan, record_results
    from shouwang.pilots.services import add_milestone, apply, move

    street_b = factories.COMMUNITY_B[:9] + "000"
    pilot = apply(
        actor=SYSTEM, region_code=street_b, title="乙方养老试点", goals="乙方目标",
        indicators=[{"name": "乙方指标", "target": "10"}],
    )  # fmt: skip
    move(
        actor=SYSTEM, pilot_id=pilot.pk, to_state="notice", today=timezone.localdate() - dt.timedelta(days=30)
    )
    move(actor=SYSTEM, pilot_id=pilot.pk, to_state="implementing")
    milestone = add_milestone(
        actor=SYSTEM, pilot_id=pilot.pk, title="乙方里程碑", due_on=timezone.localdate()
    )
    plan = create_plan(
        actor=SYSTEM, title="乙方抽查", region_code=street_b, target_kind="childcare", sample_size=1,
        inspectors_per_target=1, due_on=timezone.localdate() + dt.timedelta(days=10), seed=7,
    )  # fmt: skip
    inspection = plan.inspections.get()
    finding = {
        "severity": "minor",
        "description": "乙方消防问题",
        "rectify_by": timezone.localdate() + dt.timedelta(days=5),
    }
    record_results(
        actor=SYSTEM, inspection_id=inspection.pk, inspected_on=timezone.localdate(), findings=[finding]
    )
    return pilot, milestone, plan, inspection, inspection.findings.get()


def _side(official, *, community: str, provider_name: str, prefix: str):
    """One side: its community worker, an admitted provider with a caregiver and its admin, and an elder
    with a contact; ``prefix`` starts every name so the side's data can be recognised in a response."""
    number = "1" if community == factories.COMMUNITY_A else "2"
    elder, contact = _elder(
        community,
        f"{prefix}老人",
        f"{prefix}路9号",
        f"1380000{number}001",
        f"{prefix}联系人",
        f"1390000{number}002",
    )
    provider = of.admitted_provider(official, factories.provider(provider_name), areas=(community,))
    carer = of.caregiver(provider, name=f"{prefix}护理员")
    worker = _named(factories.user("community_worker", regions=(community,)), f"{prefix}社工")
    padmin = _named(factories.user("provider_admin", provider_id=provider.pk), f"{prefix}机构管理员")
    family = _named(of.family(elder), f"{prefix}家属")
    volunteer = _named(factories.user("volunteer", regions=(community,)), f"{prefix}志愿者")
    Assignment.objects.create(elder=elder, user=volunteer, kind="volunteer")
    return elder, contact, provider, carer, worker, padmin, family, volunteer


def _orders(elder, provider, carer):
    """An order in each of the states a probe's step could apply to."""
    states = (OrderState.CREATED, OrderState.DISPATCHED, OrderState.ASSIGNED, OrderState.IN_SERVICE)
    orders = [
        of.order_for(
            elder,
            state=state,
            provider=provider if state != OrderState.CREATED else None,
            caregiver=carer if state in (OrderState.ASSIGNED, OrderState.IN_SERVICE) else None,
        )
        for state in states
    ]
    completed = of.order_for(elder, state=OrderState.COMPLETED, provider=provider, caregiver=carer)
    now = timezone.now()
    Visit.objects.create(
        order=orders[-1], caregiver=carer, checkin_at=now, checkin_lat=43.85, checkin_lon=126.55
    )
    Visit.objects.create(
        order=completed,
        caregiver=carer,
        checkin_at=now - dt.timedelta(hours=2),
        checkout_at=now - dt.timedelta(hours=1),
        checkin_lat=43.85,
        checkin_lon=126.55,
    )
    return [*orders, completed]


def _body_fields(elder, provider, carer, worker) -> dict[str, object]:
    """What a probe's request body says for each field it must fill: the other side's objects where the
    field names one, otherwise a value the schema and the service accept."""
    start = of.local(of.tomorrow(), "09:00")
    return {
        "elder_id": elder.pk,
        "provider_id": provider.pk,
        "staff_id": carer.pk,
        "assignee_id": worker.pk,
        "community": elder.community_id,
        "region_code": elder.community_id,
        "region_codes": [elder.community_id],
        "area_codes": [elder.community_id],
        "id_number": make_resident_id("220202", dt.date(1950, 1, 1), 777),
        "credit_code": factories.credit_code(),
        "username": "probe_user",
        "password": factories.PASSWORD,
        "name": "探针",
        "code": "cleaning",
        "item": "cleaning",
        "start": start.isoformat(),
        "end": (start + dt.timedelta(hours=1)).isoformat(),
        "item_code": "cleaning",
        "codes": ["cleaning"],
        "services": ["cleaning"],
        "window_start": start.isoformat(),
        "window_end": (start + dt.timedelta(hours=1)).isoformat(),
        "starts_on": timezone.localdate().isoformat(),
        "month": timezone.localdate().strftime("%Y-%m"),
        "year": timezone.localdate().year,
        "fund_source": "city",
        "amount_fen": 100,
        "ends_on": (timezone.localdate() + dt.timedelta(days=365)).isoformat(),
        "lat": 43.85,
        "lon": 126.55,
        "reason": "探针",
        "description": "探针",
        "number": "PROBE-1",
    }


def _paid_run(admin, *, month: str, region: str):
    """The other side's run, approved, with a cash allowance for everybody and its payment batch."""
    policy = create_policy(actor=SYSTEM, code="probe_cash", name="探针津贴", kind="cash", region_code=region)
    publish_version(
        actor=SYSTEM,
        policy_id=policy.pk,
        effective_from=month,
        tiers=[{"label": "", "amount_fen": 10000, "conditions": []}],
        fund_shares={"district": 100},
    )
    run = start_run(actor=admin, month=month, region_code=region)
    for _step in range(3):
        review_run(actor=admin, run_id=run.pk)
    create_batch(actor=admin, run_id=run.pk)
    return run


def build() -> World:
    factories.load_tree()
    admin = factories.user("admin")
    official = factories.user("official", regions=(factories.DISTRICT,))
    elder_a, _, provider_a, carer_a, worker_a, padmin_a, family_a, volunteer_a = _side(
        official, community=factories.COMMUNITY_A, provider_name="甲方服务商", prefix="甲方"
    )
    of.order_for(elder_a, state=OrderState.ASSIGNED, provider=provider_a, caregiver=carer_a)
    elder_b, contact_b, provider_b, carer_b, worker_b, padmin_b, family_b, volunteer_b = _side(
        official, community=factories.COMMUNITY_B, provider_name="乙方服务商", prefix="乙方"
    )
    orders = _orders(elder_b, provider_b, carer_b)
    completed = orders[-1]
    exception = VisitException.objects.create(order=completed, kind=ExceptionKind.LATE, detail="乙方迟到")
    correction = CorrectionRequest.objects.create(
        order=completed,
        requested_by=carer_b.user,
        changes={"checkout_at": timezone.now().isoformat()},
        reason="乙方忘记签出",
    )
    complaint = Complaint.objects.create(
        provider=provider_b,
        order=completed,
        elder=elder_b,
        community_id=elder_b.community_id,
        source="family",
        description="乙方投诉内容",
        received_by=worker_b,
    )
    assessment = Assessment.objects.create(
        elder=elder_b, assessed_on=timezone.localdate(), assessor_1=worker_b, informant_name="乙方知情人"
    )
    plan = CarePlan.objects.create(elder=elder_b, assessment=assessment, note="乙方照护计划")
    CarePlanItem.objects.create(plan=plan, service="cleaning", times=1, per="week")
    device = DeviceFactory(elder=elder_b, serial="SN-乙方-0001")
    incident = IncidentFactory(device=device, state=IncidentState.RECEIVED)
    StatusChange.objects.create(
        elder=elder_b,
        event="moved_out",
        status_before="active",
        status_after="moved_out",
        date=timezone.localdate(),
        note="乙方迁居",
        recorded_by=worker_b,
    )
    export = run_export(job_id=start_export(actor=worker_b, filters={}, enqueue=False).pk)
    imported = SpreadsheetJob.objects.create(
        kind=JobKind.IMPORT, state=JobState.DONE, created_by=worker_b, file_name="乙方导入.xlsx"
    )
    payee = factories.ElderFactory(
        community_id=factories.COMMUNITY_B, name="乙方代发老人", payment_account="6217000000000002"
    )
    case = Case.objects.create(
        kind=CaseKind.UNVERIFIED,
        key=f"order:{completed.pk}",
        region_code=factories.COMMUNITY_B,
        month=timezone.localdate().replace(day=1),
        elder=elder_b,
        facts={
            "order": completed.pk,
            "elder": elder_b.name,
            "day": timezone.localdate().isoformat(),
            "amount_fen": 4000,
            "reasons": [{"code": "no_checkout"}],
        },
        evidence=[
            {"type": "order", "id": completed.pk},
            {"type": "elder", "id": elder_b.pk, "text": elder_b.name},
        ],
    )
    statement = Statement.objects.create(
        provider=provider_b, month=timezone.localdate().replace(day=1), order_count=1, amount_fen=4000
    )
    StatementLine.objects.create(
        statement=statement,
        order=completed,
        service_day=timezone.localdate(),
        amount_fen=4000,
        voucher_fen=0,
        self_pay_fen=4000,
        dispute_reason="乙方对账异议",
    )
    # Last month's: this month's is created again by the runs' create control.
    last_month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    run = _paid_run(admin, month=last_month, region=factories.COMMUNITY_B)
    unsent = OutboundMessage.objects.create(
        channel="sms", to=contact_b.phone, body="乙方升级短信", purpose="alarm_escalation", state="failed"
    )
    call = record_call(
        actor=worker_b,
        reason="information",
        outcome="call_back",
        caller_number=contact_b.phone,
        elder_id=elder_b.pk,
        summary="乙方来电摘要",
        call_back_due=timezone.now() - dt.timedelta(hours=1),
        call_back_note="乙方回电承诺",
    )
    call_back = call.call_backs.get()
    care_call = CareCall.objects.create(
        elder=elder_b, day=timezone.localdate(), region_code=elder_b.community_id
    )
    visit_open = VisitTask.objects.create(
        elder=elder_b,
        community_id=elder_b.community_id,
        kind="home",
        tier="high",
        due_on=timezone.localdate(),
        assignee=worker_b,
        notes="",
    )
    visit_done = VisitTask.objects.create(
        elder=elder_b,
        community_id=elder_b.community_id,
        kind="phone",
        tier="high",
        due_on=timezone.localdate(),
        assignee=worker_b,
        state="done",
        done_at=timezone.now(),
        done_by=worker_b,
        outcome="met",
        findings=["food"],
        notes="乙方巡访记录",
    )
    registered_b = Volunteer.objects.create(
        user=volunteer_b,
        community_id=elder_b.community_id,
        skills=["visit", "escort", "companionship"],
        id_number=make_resident_id("220202", dt.date(1990, 1, 1), 888),
    )
    timebank.earn(actor=worker_b, volunteer=registered_b, minutes=15, task=visit_done, note="乙方工时")
    activity_b = Activity.objects.create(
        community_id=elder_b.community_id, title="乙方助乐活动", place="乙方活动室", capacity=5,
        starts_at=timezone.now() - dt.timedelta(hours=1), created_by=worker_b,
    )  # fmt: skip
    signup_b = ActivitySignup.objects.create(activity=activity_b, volunteer=registered_b, by=worker_b)
    help_b = HelpTask.objects.create(
        elder=elder_b, community_id=elder_b.community_id, kind="escort", starts_at=timezone.now(), minutes=60,
        destination="乙方医院", need="乙方陪诊", volunteer=registered_b, state="done", done_at=timezone.now(),
        created_by=worker_b,
    )  # fmt: skip
    referral_b = Referral.objects.create(
        task=visit_done, elder=elder_b, community_id=elder_b.community_id, reason="乙方转介原因",
        due_on=timezone.localdate(),
    )  # fmt: skip
    facility = register_facility(
        actor=SYSTEM,
        data={
            "name": "乙方嵌入式养老院",
            "kind": "embedded",
            "provider": provider_b.pk,
            "community": factories.COMMUNITY_B,
            "address": "乙方路1号",
            "services": ["meal", "basic_care"],
            "beds_total": 10,
            "lat": 43.85,
            "lon": 126.6,
        },
    )
    facility_change = FacilityChange.objects.create(
        facility=facility, values={"opening_hours": "乙方营业时间"}, requested_by=padmin_b
    )
    residency = Residency.objects.create(facility=facility, elder=elder_b, since=timezone.localdate())
    MealRecord.objects.create(facility=facility, elder=elder_b, day=timezone.localdate(), flag="moved_out")
    facility_contract = OperatingContract.objects.create(
        facility=facility,
        public_owner="乙方产权单位",
        number="乙方合同-1",
        starts_on=timezone.localdate() - dt.timedelta(days=400),
        ends_on=timezone.localdate() + dt.timedelta(days=400),
    )
    OperatingReport.objects.create(
        contract=facility_contract, kind="incident", period=timezone.localdate(), summary="乙方严重事件"
    )
    # Ended, so that a control may apply for a new bed for the same elder.
    bed = HomeCareBed.objects.create(
        elder=elder_b,
        provider=provider_b,
        community_id=elder_b.community_id,
        applied_on=timezone.localdate(),
        state="ended",
    )
    LtcDesignation.objects.create(
        provider=provider_b, agency_code="乙方定点", designated_from=dt.date(2019, 1, 1)
    )
    rental = DeviceRental.objects.create(
        elder=elder_b,
        community_id=elder_b.community_id,
        provider=provider_b,
        item="乙方轮椅",
        starts_on=timezone.localdate() - dt.timedelta(days=30),
        due_on=timezone.localdate() - dt.timedelta(days=1),
    )
    claim_batch = ClaimBatch.objects.create(
        provider=provider_b, region_id=provider_b.region_id, month=timezone.localdate().replace(day=1)
    )
    # Health: B's elder's summary (words only B has) and an out-of-range reading with its care task.
    from shouwang.health.models import CareTask, HealthSummary
    from shouwang.health.services import record_vital

    summary_b = HealthSummary.objects.create(elder=elder_b, allergies="乙方过敏史", hospital="乙方医院")
    reading_b = record_vital(
        actor=SYSTEM, elder_id=elder_b.pk, kind="blood_pressure", values={"systolic": 160, "diastolic": 100}
    )
    care_task = CareTask.objects.get(vital=reading_b)
    users_b = (worker_b, padmin_b, carer_b.user, family_b, volunteer_b)
    route_plan = RoutePlan.objects.create(
        provider=provider_b, day=timezone.localdate(), reason="乙方路线重排"
    )
    PlannedStop.objects.create(
        plan=route_plan,
        caregiver=carer_b,
        order=orders[0],
        position=0,
        starts_at=orders[0].window_start,
        ends_at=orders[0].window_end,
    )
    nursery_a = _nursery(factories.COMMUNITY_A, "甲方托育园", "甲方托育路1号")
    nursery_b = _nursery(factories.COMMUNITY_B, "乙方托育园", "乙方托育路1号")
    users_b = (worker_b, padmin_b, carer_b.user, family_b, volunteer_b, nursery_b.account)
    pilot_b, milestone_b, round_b, inspection_b, finding_b = _supervision_b()
    theirs = {
        "elder_id": (elder_b.pk,),
        "order_id": tuple(order.pk for order in orders),
        "complaint_id": (complaint.pk,),
        "exception_id": (exception.pk,),
        "correction_id": (correction.pk,),
        "assessment_id": (assessment.pk,),
        "plan_id": (plan.pk,),
        "device_id": (device.device_id,),
        "incident_id": (incident.pk,),
        "job_id": (export.pk, imported.pk),
        "provider_id": (provider_b.pk,),
        "staff_id": (carer_b.pk,),
        "user_id": tuple(user.pk for user in users_b),
        "run_id": (run.pk,),
        "message_id": (unsent.pk,),
        "case_id": (case.pk,),
        "statement_id": (statement.pk,),
        "call_id": (call.pk,),
        "call_back_id": (call_back.pk,),
        "care_call_id": (care_call.pk,),
        "visit_id": (visit_open.pk, visit_done.pk),
        "volunteer_id": (registered_b.pk,),
        "facility_id": (facility.pk,),
        "change_id": (facility_change.pk,),
        "residency_id": (residency.pk,),
        "contract_id": (facility_contract.pk,),
        "activity_id": (activity_b.pk,),
        "help_id": (help_b.pk,),
        "route_plan_id": (route_plan.pk,),
        "signup_id": (signup_b.pk,),
        "referral_id": (referral_b.pk,),
        "bed_id": (bed.pk,),
        "rental_id": (rental.pk,),
        "batch_id": (claim_batch.pk,),
        "care_task_id": (care_task.pk,),
        "institution_id": (nursery_b.pk,),
        "pilot_id": (pilot_b.pk,),
        "milestone_id": (milestone_b.pk,),
        "inspection_id": (inspection_b.pk,),
        "finding_id": (finding_b.pk,),
        "round_id": (round_b.pk,),
    }
    assert set(theirs) == set(KINDS)
    rows: dict = {}
    for row in [
        summary_b,
        reading_b,
        care_task,
        elder_b,
        contact_b,
        provider_b,
        carer_b,
        *orders,
        exception,
        correction,
        complaint,
        assessment,
        plan,
        device,
        incident,
        export,
        imported,
        run,
        unsent,
        case,
        statement,
        payee,
        call,
        call_back,
        care_call,
        visit_open,
        visit_done,
        registered_b,
        facility,
        facility_change,
        residency,
        facility_contract,
        activity_b,
        help_b,
        route_plan,
        signup_b,
        referral_b,
        bed,
        rental,
        claim_batch,
        nursery_b,
        pilot_b,
        milestone_b,
        round_b,
        inspection_b,
        finding_b,
        *users_b,
    ]:
        rows.setdefault(type(row), []).append(row.pk)
    markers = (
        elder_b.name,
        elder_b.address,
        contact_b.name,
        provider_b.name,
        carer_b.name,
        worker_b.full_name,
        padmin_b.full_name,
        family_b.full_name,
        volunteer_b.full_name,
        activity_b.title,
        referral_b.reason,
        complaint.description,
        exception.detail,
        correction.reason,
        assessment.informant_name,
        plan.note,
        device.serial,
        imported.file_name,
        unsent.body,
        "乙方对账异议",
        call.summary,
        call_back.note,
        visit_done.notes,
        "乙方工时",
        "乙方医院",
        "乙方陪诊",
        "乙方嵌入式养老院",
        "乙方路1号",
        "乙方营业时间",
        "乙方产权单位",
        "乙方严重事件",
        "乙方轮椅",
        "乙方定点",
        "乙方托育园",
        "乙方托育路1号",
        "乙方养老试点",
        "乙方里程碑",
        "乙方抽查",
        "乙方消防问题",
    )
    secrets = (
        elder_a.id_number,
        elder_a.phone,
        *elder_a.contacts.values_list("phone", flat=True),
        elder_b.id_number,
        elder_b.phone,
        contact_b.phone,
        payee.id_number,
        payee.payment_account,
        registered_b.id_number,
    )
    return World(
        users={
            "community_worker": worker_a,
            "provider_admin": padmin_a,
            "caregiver": carer_a.user,
            "volunteer": volunteer_a,
            "family": family_a,
            "childcare_admin": nursery_a.account,
        },
        admin=admin,
        controls=[admin, *users_b],
        theirs=theirs,
        rows=rows,
        markers=markers,
        secrets=secrets,
        search="乙方",
        # A worker or official starting an assessment names its assessor (the admin's control does).
        fields={
            **_body_fields(elder_b, provider_b, carer_b, worker_b),
            "assessor_id": factories.user("assessor", regions=(factories.DISTRICT,)).pk,
        },
        ids={"elder": {elder_b.pk}},
    )
