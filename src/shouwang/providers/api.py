"""The provider network's JSON API: organisations, licences, admission, contracts, exit (scoped)."""

import datetime as dt
from typing import Annotated

from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile

from shouwang.catalog.prices import fen_to_yuan
from shouwang.catalog.selectors import get_item_by_code_for
from shouwang.core.masking import mask_id_number, mask_phone
from shouwang.core.pagination import paginate
from shouwang.core.schemas import (
    Code,
    Day,
    Days,
    Id,
    IdNumber,
    MaxText,
    Moment,
    Note,
    Page,
    PageSize,
    RegionCode,
    SearchText,
    absent,
    column_text,
)

from . import admission, evaluation, prices
from . import staff as staff_services
from .models import (
    Contract,
    Licence,
    ListEntry,
    Provider,
    StaffCertificate,
    StaffMember,
    TrainingRecord,
)
from .selectors import (
    expiring_certificates,
    get_provider_for,
    get_staff_for,
    providers_for,
    staff_of_provider_for,
)
from .services import create_provider

router = Router(tags=["providers"])

# The weekly pattern: weekdays (mon … sun) with lists of ["08:00", "12:00"] ranges; the staff service checks
# the days and times and names what is wrong.
WeeklyShifts = dict[Code, list[list[Code]]]


class LicenceOut(Schema):
    kind: str
    number: str
    issued_on: dt.date | None
    expires_on: dt.date | None


class ContractOut(Schema):
    number: str
    starts_on: dt.date
    ends_on: dt.date
    state: str
    services: list[str]
    areas: list[str]

    @staticmethod
    def resolve_areas(contract) -> list[str]:
        return [area.code for area in contract.areas.all()]


class ProviderOut(Schema):
    id: int
    name: str
    credit_code: str
    kind: str
    region_code: str
    contact_phone: str
    address: str
    state: str
    may_take_orders: bool

    @staticmethod
    def resolve_region_code(provider) -> str:
        return provider.region_id

    @staticmethod
    def resolve_may_take_orders(provider) -> bool:
        return admission.may_take_orders(provider)


class ProviderDetailOut(ProviderOut):
    legal_representative: str
    contact_name: str
    decision_note: str
    exit_kind: str
    exit_reason: str
    exited_on: dt.date | None
    licences: list[LicenceOut]
    contracts: list[ContractOut]

    @staticmethod
    def resolve_licences(provider) -> list:
        return list(provider.licences.all())

    @staticmethod
    def resolve_contracts(provider) -> list:
        return list(provider.contracts.prefetch_related("areas"))


class ProviderPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[ProviderOut]


class ProviderIn(Schema):
    name: Annotated[str, column_text(Provider, "name")]
    credit_code: Annotated[str, MaxText(30)]
    kind: Code
    region_code: RegionCode
    contact_phone: Annotated[str, column_text(Provider, "contact_phone")] = ""
    address: Annotated[str, column_text(Provider, "address")] = ""


class LicenceIn(Schema):
    kind: Code
    number: Annotated[str, column_text(Licence, "number")]
    issued_on: Day | None = None
    expires_on: Day | None = None


class AdmissionDecisionIn(Schema):
    admit: bool
    reasons: Annotated[str, column_text(Provider, "decision_note")] = ""


class ContractIn(Schema):
    number: Annotated[str, column_text(Contract, "number")]
    starts_on: Day
    ends_on: Day
    area_codes: list[RegionCode]
    services: list[Code]


class ExitIn(Schema):
    kind: Code
    reason: Annotated[str, column_text(Provider, "exit_reason")]


@router.get("", response=ProviderPage, summary="Providers in the caller's scope")
def list_providers(request, state: Code = "", page: Page = 1, page_size: PageSize = 50):
    providers = providers_for(request.auth)
    if state:
        providers = providers.filter(state=state)
    return paginate(providers.prefetch_related("contracts"), page=page, page_size=page_size)


@router.post("", response={201: ProviderDetailOut}, summary="Register an applicant provider")
def register(request, payload: ProviderIn):
    return Status(201, create_provider(actor=request.auth, **payload.dict()))


@router.get("/{int:provider_id}", response=ProviderDetailOut)
def provider_detail(request, provider_id: Id):
    return get_provider_for(request.auth, provider_id)


@router.post("/{int:provider_id}/licences", response={201: LicenceOut}, summary="Record a licence or filing")
def add_licence(request, provider_id: Id, payload: LicenceIn):
    return Status(201, admission.add_licence(actor=request.auth, provider_id=provider_id, **payload.dict()))


@router.post("/{int:provider_id}/apply", response=ProviderDetailOut, summary="Apply (again) for admission")
def apply(request, provider_id: Id):
    return admission.submit_application(actor=request.auth, provider_id=provider_id)


@router.post("/{int:provider_id}/review", response=ProviderDetailOut, summary="Start the document review")
def review(request, provider_id: Id):
    return admission.start_review(actor=request.auth, provider_id=provider_id)


@router.post(
    "/{int:provider_id}/decision", response=ProviderDetailOut, summary="Admit or reject with reasons"
)
def decide(request, provider_id: Id, payload: AdmissionDecisionIn):
    return admission.decide_admission(actor=request.auth, provider_id=provider_id, **payload.dict())


@router.post(
    "/{int:provider_id}/contracts", response={201: ContractOut}, summary="Sign a designated contract"
)
def contract(request, provider_id: Id, payload: ContractIn):
    return Status(201, admission.sign_contract(actor=request.auth, provider_id=provider_id, **payload.dict()))


@router.post("/{int:provider_id}/exit", response=ProviderDetailOut, summary="Voluntary or forced exit")
def exit_network(request, provider_id: Id, payload: ExitIn):
    return admission.exit_provider(actor=request.auth, provider_id=provider_id, **payload.dict())


class PriceIn(Schema):
    item_code: Code
    price: Annotated[str, MaxText(20)]
    effective_from: Day | None = None


class PriceOut(Schema):
    item_code: str
    item_name: str
    price_fen: int
    price_yuan: str
    effective_from: dt.date
    effective_to: dt.date | None

    @staticmethod
    def resolve_item_code(price) -> str:
        return price.item.code

    @staticmethod
    def resolve_item_name(price) -> str:
        return price.item.name

    @staticmethod
    def resolve_price_yuan(price) -> str:
        return fen_to_yuan(price.price_fen)


@router.get(
    "/{int:provider_id}/prices", response=list[PriceOut], summary="The provider's prices and their history"
)
def price_list(request, provider_id: Id):
    return list(get_provider_for(request.auth, provider_id).prices.select_related("item"))


@router.post("/{int:provider_id}/prices", response={201: PriceOut}, summary="Set a price from a date on")
def price_set(request, provider_id: Id, payload: PriceIn):
    price = prices.set_price(
        actor=request.auth,
        provider_id=provider_id,
        item_code=payload.item_code,
        price=payload.price,
        effective_from=payload.effective_from,
    )
    return Status(201, price)


# --- Staff (从业人员): ID numbers and phones only ever masked ---------------------------------------------


class StaffOut(Schema):
    id: int
    provider_id: int
    name: str
    id_number_masked: str
    phone_masked: str
    job: str
    skills: list[str]
    active: bool

    @staticmethod
    def resolve_id_number_masked(staff) -> str:
        return mask_id_number(staff.id_number)

    @staticmethod
    def resolve_phone_masked(staff) -> str:
        return mask_phone(staff.phone)


class CertificateOut(Schema):
    id: int
    kind: str
    number: str
    level: str
    issued_on: dt.date
    expires_on: dt.date | None


class TrainingOut(Schema):
    id: int
    title: str
    trained_on: dt.date
    hours: str
    organiser: str

    @staticmethod
    def resolve_hours(record) -> str:
        return str(record.hours)


class StaffDetailOut(StaffOut):
    user_id: int | None
    photo_url: str
    weekly_shifts: dict[str, list[list[str]]]
    home_lat: float | None
    home_lon: float | None
    certificates: list[CertificateOut]
    trainings: list[TrainingOut]

    @staticmethod
    def resolve_photo_url(staff) -> str:
        return staff.photo.url if staff.photo else ""

    @staticmethod
    def resolve_certificates(staff) -> list:
        return list(staff.certificates.all())

    @staticmethod
    def resolve_trainings(staff) -> list:
        return list(staff.trainings.all())


class StaffPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[StaffOut]


class StaffIn(Schema):
    name: Annotated[str, column_text(StaffMember, "name")]
    id_number: IdNumber
    phone: Annotated[str, column_text(StaffMember, "phone")] = ""
    job: Code = "caregiver"
    home_lat: float | None = None
    home_lon: float | None = None
    user_id: Id | None = None
    skills: list[Code] = []
    weekly_shifts: WeeklyShifts = {}


class StaffPatch(Schema):
    """Only the fields sent change; ``home_lat``, ``home_lon`` and ``user_id`` may be sent as null."""

    name: Annotated[str, column_text(StaffMember, "name")] = absent()
    id_number: IdNumber = absent()
    phone: Annotated[str, column_text(StaffMember, "phone")] = absent()
    job: Code = absent()
    home_lat: float | None = None
    home_lon: float | None = None
    user_id: Id | None = None
    active: bool = absent()


class CertificateIn(Schema):
    kind: Code
    number: Annotated[str, column_text(StaffCertificate, "number")]
    level: Annotated[str, column_text(StaffCertificate, "level")] = ""
    issued_on: Day
    expires_on: Day | None = None


class TrainingIn(Schema):
    title: Annotated[str, column_text(TrainingRecord, "title")]
    trained_on: Day
    hours: Annotated[str, MaxText(10)]
    organiser: Annotated[str, column_text(TrainingRecord, "organiser")] = ""


class SkillsIn(Schema):
    codes: list[Code]


class ShiftsIn(Schema):
    weekly_shifts: WeeklyShifts


class EligibilityOut(Schema):
    eligible: bool
    reasons: list[str]


class ExpiringCertificateOut(CertificateOut):
    staff_id: int
    staff_name: str
    provider_id: int

    @staticmethod
    def resolve_staff_name(certificate) -> str:
        return certificate.staff.name

    @staticmethod
    def resolve_provider_id(certificate) -> int:
        return certificate.staff.provider_id


def _staff_detail(user, staff_id: Id):
    return get_staff_for(user, staff_id)


@router.get("/{int:provider_id}/staff", response=StaffPage, summary="The provider's staff (masked)")
def staff_list(
    request, provider_id: Id, active: bool | None = None, job: Code = "", q: SearchText = "", page: Page = 1,
    page_size: PageSize = 50,
):  # fmt: skip
    staff = staff_of_provider_for(request.auth, provider_id)
    if active is not None:
        staff = staff.filter(active=active)
    if job:
        staff = staff.filter(job=job)
    if q.strip():
        staff = staff.filter(name__icontains=q.strip())
    return paginate(staff, page=page, page_size=page_size)


@router.post("/{int:provider_id}/staff", response={201: StaffDetailOut}, summary="Register a staff member")
def staff_add(request, provider_id: Id, payload: StaffIn):
    staff = staff_services.add_staff(actor=request.auth, provider_id=provider_id, **payload.dict())
    return Status(201, staff)


@router.get(
    "/staff/certificates/expiring",
    response=list[ExpiringCertificateOut],
    summary="Staff certificates running out (or run out) within the given days",
)
def staff_certificates_expiring(request, within_days: Days = 60):
    return list(expiring_certificates(request.auth, within_days=max(0, min(within_days, 366)))[:500])


@router.get("/staff/{int:staff_id}", response=StaffDetailOut, summary="One staff member (masked)")
def staff_detail(request, staff_id: Id):
    return _staff_detail(request.auth, staff_id)


@router.patch("/staff/{int:staff_id}", response=StaffDetailOut, summary="Change a staff member")
def staff_update(request, staff_id: Id, payload: StaffPatch):
    changes = payload.dict(exclude_unset=True)
    active = changes.pop("active", None)
    if "user_id" in changes:
        changes["user"] = changes.pop("user_id")
    if changes:
        staff_services.update_staff(actor=request.auth, staff_id=staff_id, **changes)
    if active is False:
        staff_services.deactivate_staff(actor=request.auth, staff_id=staff_id)
    elif active is True:
        staff_services.reactivate_staff(actor=request.auth, staff_id=staff_id)
    return _staff_detail(request.auth, staff_id)


@router.post("/staff/{int:staff_id}/photo", response=StaffDetailOut, summary="Upload the staff photo")
def staff_photo(request, staff_id: Id, photo: File[UploadedFile]):
    staff_services.update_staff(actor=request.auth, staff_id=staff_id, photo=photo)
    return _staff_detail(request.auth, staff_id)


@router.post(
    "/staff/{int:staff_id}/certificates", response={201: CertificateOut}, summary="Record a certificate"
)
def staff_certificate(request, staff_id: Id, payload: CertificateIn):
    return Status(
        201, staff_services.add_certificate(actor=request.auth, staff_id=staff_id, **payload.dict())
    )


@router.post("/staff/{int:staff_id}/trainings", response={201: TrainingOut}, summary="Record a training")
def staff_training(request, staff_id: Id, payload: TrainingIn):
    return Status(201, staff_services.add_training(actor=request.auth, staff_id=staff_id, **payload.dict()))


@router.put("/staff/{int:staff_id}/skills", response=StaffDetailOut, summary="Set the catalogue items done")
def staff_skills(request, staff_id: Id, payload: SkillsIn):
    return staff_services.set_skills(actor=request.auth, staff_id=staff_id, codes=payload.codes)


@router.put("/staff/{int:staff_id}/shifts", response=StaffDetailOut, summary="Set the weekly shifts")
def staff_shifts(request, staff_id: Id, payload: ShiftsIn):
    return staff_services.set_shifts(actor=request.auth, staff_id=staff_id, shifts=payload.weekly_shifts)


@router.get(
    "/staff/{int:staff_id}/eligibility",
    response=EligibilityOut,
    summary="Why the staff member may not do an item at a time (empty: eligible)",
)
def staff_eligibility(request, staff_id: Id, item: Code, start: Moment, end: Moment):
    staff = get_staff_for(request.auth, staff_id)
    reasons = staff_services.eligibility(staff, get_item_by_code_for(request.auth, item), start, end)
    return {"eligible": not reasons, "reasons": reasons}


# --- evaluation ---------------------------------------------------------------------------------------------
class ProviderScoreOut(Schema):
    month: dt.date
    total: float | None
    stars: int | None
    components: dict
    scheme: str

    @staticmethod
    def resolve_scheme(score) -> str:
        return score.scheme.name


class InspectionIn(Schema):
    inspected_on: Day
    result: Code
    findings: Note = ""
    rectify_by: Day | None = None


class InspectionOut(Schema):
    inspected_on: dt.date
    result: str
    findings: str
    rectify_by: dt.date | None


class ListEntryIn(Schema):
    kind: Code
    reason: Annotated[str, column_text(ListEntry, "reason")]
    starts_on: Day | None = None
    ends_on: Day | None = None


class ListEntryOut(Schema):
    kind: str
    reason: str
    starts_on: dt.date
    ends_on: dt.date | None


@router.get(
    "/{int:provider_id}/scores",
    response=list[ProviderScoreOut],
    summary="Monthly scores and how they were made",
)
def scores(request, provider_id: Id):
    return list(get_provider_for(request.auth, provider_id).scores.select_related("scheme"))


@router.post("/{int:provider_id}/inspections", response={201: InspectionOut}, summary="Record an inspection")
def inspection(request, provider_id: Id, payload: InspectionIn):
    return Status(
        201, evaluation.record_inspection(actor=request.auth, provider_id=provider_id, **payload.dict())
    )


@router.post("/{int:provider_id}/lists", response={201: ListEntryOut}, summary="Put on the red or black list")
def list_entry(request, provider_id: Id, payload: ListEntryIn):
    return Status(201, evaluation.add_to_list(actor=request.auth, provider_id=provider_id, **payload.dict()))
