"""The home-care API: home care beds and their lifecycle, package and monthly delivery; device rentals
and respite stays; LTC insurance designations, rules, statuses (entered or imported from the agency's
file), claim batches (the file for the agency) and the agency's answer. Scope as in the console: an
official their region's elders and providers, a provider's administrator its own; anything else a 404."""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from urllib.parse import quote

from django.http import HttpResponse
from django.utils import timezone
from ninja import Field, File, Router, Schema, Status
from ninja.files import UploadedFile

from shouwang.core.api import UploadGate, api_auth
from shouwang.core.pagination import paginate
from shouwang.core.schemas import Code, Day, Id, MaxText, Page, PageSize
from shouwang.facilities.fields import parse_month

from . import ltc, selectors, services
from .permissions import may_keep_ltc, may_make_claims

router = Router(tags=["homecare"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Fen = Annotated[int, Field(ge=0, le=10_000_000)]
Month = Annotated[str, MaxText(7)]
Text = Annotated[str, MaxText(300)]


class PackageItemOut(Schema):
    code: str
    name: str
    quantity: int


class BedOut(Schema):
    id: int
    elder_id: int
    elder_name: str
    provider_id: int
    provider_name: str
    community: str
    state: str
    state_name: str
    applied_on: dt.date
    level: int | None
    adaptation_done_on: dt.date | None
    adaptation_note: str
    devices: list[str]
    package: list[PackageItemOut]
    service_from: dt.date | None
    ended_on: dt.date | None
    monthly_subsidy_fen: int

    @staticmethod
    def resolve_elder_name(bed) -> str:
        return bed.elder.name

    @staticmethod
    def resolve_provider_name(bed) -> str:
        return bed.provider.name

    @staticmethod
    def resolve_community(bed) -> str:
        return bed.community_id

    @staticmethod
    def resolve_state_name(bed) -> str:
        return str(bed.get_state_display())

    @staticmethod
    def resolve_devices(bed) -> list[str]:
        return [device.device_id for device in bed.devices.all()]

    @staticmethod
    def resolve_package(bed) -> list[dict]:
        return [
            {"code": line.item.code, "name": line.item.name, "quantity": line.quantity}
            for line in bed.package.all()
        ]


class BedPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[BedOut]


class BedIn(Schema):
    elder_id: Id
    provider_id: Id
    applied_on: Day | None = None


class EquipIn(Schema):
    adaptation_done_on: Day
    adaptation_note: Text


class BedStartIn(Schema):
    service_from: Day
    monthly_subsidy_fen: Fen


class EndIn(Schema):
    reason: Text
    ended_on: Day | None = None


class PackageLineIn(Schema):
    code: Annotated[str, MaxText(40)]
    quantity: Annotated[int, Field(ge=1, le=200)]


class PackageIn(Schema):
    items: list[PackageLineIn] = Field(max_length=50)


class DeliveryRowOut(Schema):
    code: str
    name: str
    package: int
    delivered: int
    shortfall: int


class DeliveryOut(Schema):
    month: dt.date
    rows: list[DeliveryRowOut]
    subsidy_fen: int
    closed: bool


class MonthIn(Schema):
    month: Month = Field(description="year-month, e.g. 2026-11")


class BedMonthOut(Schema):
    month: dt.date
    delivered: dict
    shortfalls: list
    subsidy_fen: int
    transaction_id: int | None


class BedTransitionOut(Schema):
    from_state: str
    to_state: str
    at: dt.datetime
    actor_name: str
    reason: str


class RentalIn(Schema):
    elder_id: Id
    provider_id: Id
    item: Annotated[str, MaxText(80)]
    deposit_fen: Fen = 0
    starts_on: Day
    due_on: Day
    note: Text = ""


class RentalOut(Schema):
    id: int
    elder_id: int
    elder_name: str
    provider_id: int
    item: str
    deposit_fen: int
    starts_on: dt.date
    due_on: dt.date
    returned_on: dt.date | None
    deposit_refunded_fen: int | None
    overdue: bool

    @staticmethod
    def resolve_elder_name(rental) -> str:
        return rental.elder.name

    @staticmethod
    def resolve_overdue(rental) -> bool:
        return rental.returned_on is None and rental.due_on < timezone.localdate()


class ReturnIn(Schema):
    returned_on: Day
    deposit_refunded_fen: Fen | None = None


class RespiteIn(Schema):
    elder_id: Id
    provider_id: Id
    starts_on: Day
    days: Annotated[int, Field(ge=1, le=366)]
    note: Text = ""


class RespiteOut(Schema):
    id: int
    elder_id: int
    elder_name: str
    provider_id: int
    starts_on: dt.date
    days: int

    @staticmethod
    def resolve_elder_name(stay) -> str:
        return stay.elder.name


class RespiteSummaryOut(Schema):
    year: int
    entitlement: int
    used: int
    left: int


class DesignationIn(Schema):
    provider_id: Id
    agency_code: Annotated[str, MaxText(40)]
    designated_from: Day
    designated_until: Day | None = None


class DesignationOut(Schema):
    provider_id: int
    provider_name: str
    agency_code: str
    designated_from: dt.date
    designated_until: dt.date | None

    @staticmethod
    def resolve_provider_name(designation) -> str:
        return designation.provider.name


class RuleIn(Schema):
    level: Annotated[int, Field(ge=1, le=6)]
    covered_percent: Annotated[int, Field(ge=0, le=100)]
    monthly_cap_fen: Fen


class RuleOut(Schema):
    level: int
    covered_percent: int
    monthly_cap_fen: int


class StatusIn(Schema):
    elder_id: Id
    state: Code
    applied_on: Day | None = None
    level: Annotated[int, Field(ge=1, le=6)] | None = None
    valid_until: Day | None = None


class StatusOut(Schema):
    elder_id: int
    elder_name: str
    state: str
    applied_on: dt.date | None
    level: int | None
    valid_until: dt.date | None
    source: str

    @staticmethod
    def resolve_elder_name(status) -> str:
        return status.elder.name


class ImportOut(Schema):
    created: int
    updated: int
    unchanged: int
    unknown: int
    report: dict


class BatchIn(Schema):
    provider_id: Id
    month: Month


class ClaimBatchOut(Schema):
    id: int
    reference: str
    provider_id: int
    provider_name: str
    month: dt.date
    line_count: int
    amount_fen: int
    claimed_fen: int
    paid_fen: int

    @staticmethod
    def resolve_provider_name(batch) -> str:
        return batch.provider.name


class ClaimLineOut(Schema):
    seq: int
    reference: str
    elder_id: int
    name: str
    level: int
    orders: list[int]
    amount_fen: int
    claimed_fen: int
    status: str
    paid_fen: int
    reason: str


class AnswerOut(Schema):
    id: int
    file_name: str
    paid_count: int
    refused_count: int
    unknown_count: int
    report: dict


def _bed(request, bed_id: int):
    return selectors.get_bed_for(request.auth, bed_id)


# --- beds ----------------------------------------------------------------------------------------------


@router.get("/beds", response=BedPage, summary="Home care beds in the caller's scope")
def list_beds(request, state: Code = "", page: Page = 1, page_size: PageSize = 50):
    beds = selectors.beds_for(request.auth, state=state).prefetch_related("devices", "package__item")
    return paginate(beds, page=page, page_size=page_size)


@router.post("/beds", response={201: BedOut}, summary="Apply for a home care bed")
def apply(request, payload: BedIn):
    bed = services.apply_for_bed(
        actor=request.auth,
        elder_id=payload.elder_id,
        provider_id=payload.provider_id,
        applied_on=payload.applied_on,
    )
    return Status(201, _bed(request, bed.pk))


@router.get("/beds/{int:bed_id}", response=BedOut, summary="One home care bed")
def bed_detail(request, bed_id: Id):
    return _bed(request, bed_id)


@router.get("/beds/{int:bed_id}/transitions", response=list[BedTransitionOut], summary="The bed's lifecycle")
def bed_transitions(request, bed_id: Id):
    return list(_bed(request, bed_id).transitions.all())


@router.post(
    "/beds/{int:bed_id}/assess", response=BedOut, summary="Record the elder's assessment (409 out of turn)"
)
def assess(request, bed_id: Id):
    services.assess_bed(actor=request.auth, bed_id=bed_id)
    return _bed(request, bed_id)


@router.post("/beds/{int:bed_id}/equip", response=BedOut, summary="Home adapted and devices installed")
def equip(request, bed_id: Id, payload: EquipIn):
    services.equip_bed(actor=request.auth, bed_id=bed_id, **payload.dict())
    return _bed(request, bed_id)


@router.put("/beds/{int:bed_id}/package", response=BedOut, summary="Set the monthly service package")
def package(request, bed_id: Id, payload: PackageIn):
    items = [(line.code, line.quantity) for line in payload.items]
    services.set_package(actor=request.auth, bed_id=bed_id, items=items)
    return _bed(request, bed_id)


@router.post("/beds/{int:bed_id}/start", response=BedOut, summary="Start the service (the bureau)")
def start(request, bed_id: Id, payload: BedStartIn):
    services.start_service(actor=request.auth, bed_id=bed_id, **payload.dict())
    return _bed(request, bed_id)


@router.post("/beds/{int:bed_id}/end", response=BedOut, summary="End the bed")
def end(request, bed_id: Id, payload: EndIn):
    services.end_bed(actor=request.auth, bed_id=bed_id, reason=payload.reason, ended_on=payload.ended_on)
    return _bed(request, bed_id)


@router.get(
    "/beds/{int:bed_id}/delivery", response=DeliveryOut, summary="A month's delivery against the package"
)
def bed_delivery(request, bed_id: Id, month: Month = ""):
    bed = _bed(request, bed_id)
    chosen = parse_month(month) if month else timezone.localdate().replace(day=1)
    closed = bed.months.filter(month=chosen).first()
    rows = services.delivery(bed, chosen)
    return {
        "month": chosen,
        "rows": rows,
        "subsidy_fen": closed.subsidy_fen if closed else services.subsidy_for(bed, rows),
        "closed": closed is not None,
    }


@router.get("/beds/{int:bed_id}/months", response=list[BedMonthOut], summary="Closed months of the bed")
def bed_months(request, bed_id: Id):
    return list(_bed(request, bed_id).months.all())


@router.post(
    "/beds/{int:bed_id}/months", response={201: BedMonthOut}, summary="Close a month and pay the subsidy"
)
def close_month(request, bed_id: Id, payload: MonthIn):
    return Status(
        201, services.close_month(actor=request.auth, bed_id=bed_id, month=parse_month(payload.month))
    )


# --- rentals and respite -------------------------------------------------------------------------------


@router.get(
    "/rentals", response=list[RentalOut], summary="Assistive-device rentals (overdue=true: not back in time)"
)
def list_rentals(request, overdue: bool = False):
    rentals = selectors.overdue_rentals(request.auth) if overdue else selectors.rentals_for(request.auth)
    return list(rentals[:1000])


@router.post("/rentals", response={201: RentalOut}, summary="Lend an assistive device")
def lend(request, payload: RentalIn):
    rental = services.record_rental(actor=request.auth, **payload.dict())
    return Status(201, selectors.get_rental_for(request.auth, rental.pk))


@router.post("/rentals/{int:rental_id}/return", response=RentalOut, summary="The device came back")
def give_back(request, rental_id: Id, payload: ReturnIn):
    services.return_rental(actor=request.auth, rental_id=rental_id, **payload.dict())
    return selectors.get_rental_for(request.auth, rental_id)


@router.get("/respite", response=list[RespiteOut], summary="Respite stays (喘息服务)")
def list_respite(request, elder_id: Id | None = None):
    return list(selectors.respite_for(request.auth, elder_id=elder_id)[:1000])


@router.post(
    "/respite", response={201: RespiteOut}, summary="Record respite days (409 beyond the entitlement)"
)
def add_respite(request, payload: RespiteIn):
    return Status(201, services.record_respite(actor=request.auth, **payload.dict()))


@router.get(
    "/respite/{int:elder_id}/summary", response=RespiteSummaryOut, summary="An elder's respite days this year"
)
def respite_summary(request, elder_id: Id, year: Annotated[int, Field(ge=2000, le=2100)] | None = None):
    services.visible_elder(request.auth, elder_id)
    return services.respite_summary(elder_id, year or timezone.localdate().year)


# --- LTC insurance -------------------------------------------------------------------------------------


@router.get(
    "/ltc/designations", response=list[DesignationOut], summary="Providers designated for LTC insurance"
)
def list_designations(request):
    return list(selectors.designations_for(request.auth))


@router.post("/ltc/designations", response={201: DesignationOut}, summary="Record a designation (the bureau)")
def add_designation(request, payload: DesignationIn):
    return Status(201, ltc.designate(actor=request.auth, **payload.dict()))


@router.get("/ltc/rules", response=list[RuleOut], summary="Covered share and monthly cap per level")
def list_rules(request):
    return list(selectors.ltc_rules())


@router.post("/ltc/rules", response={201: RuleOut}, summary="Set a level's rule (the bureau)")
def add_rule(request, payload: RuleIn):
    return Status(201, ltc.set_rule(actor=request.auth, **payload.dict()))


@router.get("/ltc/statuses", response=list[StatusOut], summary="Elders' LTC statuses")
def list_statuses(request, state: Code = ""):
    return list(selectors.ltc_statuses_for(request.auth, state=state)[:2000])


@router.post("/ltc/statuses", response={201: StatusOut}, summary="Enter an elder's LTC status (the bureau)")
def add_status(request, payload: StatusIn):
    return Status(201, ltc.enter_status(actor=request.auth, **payload.dict()))


@router.post(
    "/ltc/statuses/import",
    response=ImportOut,
    auth=[UploadGate(may_keep_ltc), *api_auth()],
    summary="Import the agency's status file (xlsx/csv)",
)
def import_statuses(request, file: File[UploadedFile]):
    return ltc.import_status_upload(actor=request.auth, upload=file)


@router.get("/ltc/batches", response=list[ClaimBatchOut], summary="Claim batches")
def list_batches(request):
    return list(selectors.batches_for(request.auth)[:500])


@router.post(
    "/ltc/batches", response={201: ClaimBatchOut}, summary="Make a provider's claim batch for a month"
)
def add_batch(request, payload: BatchIn):
    batch = ltc.make_batch(
        actor=request.auth, provider_id=payload.provider_id, month=parse_month(payload.month)
    )
    return Status(201, selectors.get_batch_for(request.auth, batch.pk))


@router.get("/ltc/batches/{int:batch_id}", response=ClaimBatchOut, summary="One claim batch")
def batch_detail(request, batch_id: Id):
    return selectors.get_batch_for(request.auth, batch_id)


@router.get("/ltc/batches/{int:batch_id}/lines", response=list[ClaimLineOut], summary="The batch's lines")
def batch_lines(request, batch_id: Id, status: Code = ""):
    return list(selectors.lines_of(selectors.get_batch_for(request.auth, batch_id), status=status))


@router.get("/ltc/batches/{int:batch_id}/file", summary="The claim file for the agency (xlsx; audited)")
def batch_file(request, batch_id: Id):
    name, content = ltc.claim_file(actor=request.auth, batch_id=batch_id)
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


@router.post(
    "/ltc/batches/{int:batch_id}/answer",
    response={201: AnswerOut},
    auth=[UploadGate(may_make_claims), *api_auth()],
    summary="Import the agency's answer (支付/拒付 per row)",
)
def batch_answer(request, batch_id: Id, file: File[UploadedFile]):
    selectors.get_batch_for(request.auth, batch_id)
    return Status(201, ltc.import_answer_upload(actor=request.auth, batch_id=batch_id, upload=file))
