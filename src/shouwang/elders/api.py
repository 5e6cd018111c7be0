"""The registry's JSON API: search (masked), records, life events, reveal, spreadsheet imports and exports."""

import datetime as dt
from pathlib import Path
from typing import Annotated

from django.http import FileResponse
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from shouwang.core.api import UploadGate, api_auth
from shouwang.core.errors import NotFound
from shouwang.core.masking import mask_account, mask_id_number, mask_phone
from shouwang.core.schemas import (
    Code,
    Day,
    Id,
    IdNumber,
    MaxText,
    Page,
    PageSize,
    RegionCode,
    SearchText,
    absent,
    column_range,
    column_text,
)

from .exports import start_export
from .imports import import_upload
from .models import Elder, EmergencyContact, StatusChange
from .permissions import may_write_registry
from .selectors import get_elder_for, get_job_for, search_elders, search_page, status_history_for
from .services import record_life_event, register_elder, reveal_elder, update_elder

router = Router(tags=["elders"])

# An age asked about; the search itself refuses one no elder could have, naming the field.
Age = Annotated[int, Field(ge=-10_000, le=10_000)]
ChronicCondition = Annotated[str, MaxText(100)]


class ContactOut(Schema):
    priority: int
    name: str
    relation: str
    phone_masked: str
    is_keyholder: bool

    @staticmethod
    def resolve_phone_masked(contact) -> str:
        return mask_phone(contact.phone)


class ElderOut(Schema):
    """An elder as lists show them: ID number and phones masked."""

    id: int
    name: str
    sex: str
    birth_date: dt.date
    age: int
    very_old: bool
    id_number_masked: str
    phone_masked: str
    community_code: str
    community_name: str
    living_arrangement: str
    status: str
    status_date: dt.date | None

    @staticmethod
    def resolve_id_number_masked(elder) -> str:
        return mask_id_number(elder.id_number)

    @staticmethod
    def resolve_phone_masked(elder) -> str:
        return mask_phone(elder.phone)

    @staticmethod
    def resolve_community_code(elder) -> str:
        return elder.community_id

    @staticmethod
    def resolve_community_name(elder) -> str:
        return elder.community.name

    @staticmethod
    def resolve_very_old(elder) -> bool:
        return elder.is_very_old


class ElderDetailOut(ElderOut):
    """One record: everything but the unmasked numbers, which only ``/reveal`` returns."""

    ethnicity: str
    second_phone_masked: str
    payment_account_masked: str
    hukou_region_code: str
    address: str
    lat: float | None
    lon: float | None
    disability_grade: int | None
    chronic_conditions: list[str]
    family_doctor_contract: bool
    consent_data_sharing: bool
    categories: list[str]
    contacts: list[ContactOut]

    @staticmethod
    def resolve_second_phone_masked(elder) -> str:
        return mask_phone(elder.second_phone)

    @staticmethod
    def resolve_payment_account_masked(elder) -> str:
        return mask_account(elder.payment_account)

    @staticmethod
    def resolve_categories(elder) -> list[str]:
        return [category.code for category in elder.categories.all()]

    @staticmethod
    def resolve_contacts(elder) -> list:
        return list(elder.contacts.all())


class ElderPage(Schema):
    """``count`` is exact unless ``count_is_estimate``: a very broad search on PostgreSQL reports the
    planner's estimate, rounded to three figures (show it as "about N")."""

    count: int
    count_is_estimate: bool
    page: int
    page_size: int
    items: list[ElderOut]


class EmergencyContactIn(Schema):
    name: Annotated[str, column_text(EmergencyContact, "name")]
    relation: Annotated[str, column_text(EmergencyContact, "relation")] = ""
    phone: Annotated[str, column_text(EmergencyContact, "phone")]
    is_keyholder: bool = False


class ElderIn(Schema):
    """A new elder. Sex and birth date come from the ID number; when given they must agree with it.
    ``categories`` take codes (``dibao``) or Chinese names (低保); ``community`` is a community's code."""

    name: Annotated[str, column_text(Elder, "name")]
    id_number: IdNumber
    community: RegionCode
    sex: Code | None = None
    birth_date: Annotated[str, MaxText(20)] | None = None
    ethnicity: Annotated[str, column_text(Elder, "ethnicity")] = ""
    phone: Annotated[str, column_text(Elder, "phone")] = ""
    second_phone: Annotated[str, column_text(Elder, "second_phone")] = ""
    hukou_region_code: RegionCode = ""
    address: Annotated[str, column_text(Elder, "address")] = ""
    lat: float | None = None
    lon: float | None = None
    living_arrangement: Code = ""
    categories: list[Code] = []
    disability_grade: Annotated[int, column_range(Elder, "disability_grade")] | None = None
    chronic_conditions: list[ChronicCondition] = []
    family_doctor_contract: bool = False
    consent_data_sharing: bool = False
    contacts: list[EmergencyContactIn] = []


class ElderPatch(Schema):
    """Only the fields sent change; ``contacts`` and ``categories``, when sent, replace the stored ones.
    Only ``lat``, ``lon`` and ``disability_grade`` may be sent as null (not known)."""

    name: Annotated[str, column_text(Elder, "name")] = absent()
    community: RegionCode = absent()
    ethnicity: Annotated[str, column_text(Elder, "ethnicity")] = absent()
    phone: Annotated[str, column_text(Elder, "phone")] = absent()
    second_phone: Annotated[str, column_text(Elder, "second_phone")] = absent()
    hukou_region_code: RegionCode = absent()
    address: Annotated[str, column_text(Elder, "address")] = absent()
    lat: float | None = None
    lon: float | None = None
    living_arrangement: Code = absent()
    categories: list[Code] = absent()
    disability_grade: Annotated[int, column_range(Elder, "disability_grade")] | None = None
    chronic_conditions: list[ChronicCondition] = absent()
    family_doctor_contract: bool = absent()
    consent_data_sharing: bool = absent()
    contacts: list[EmergencyContactIn] = absent()


class RevealIn(Schema):
    reason: Annotated[str, MaxText(300)] = ""


class ContactRevealed(Schema):
    name: str
    phone: str


class ElderRevealed(Schema):
    id_number: str
    phone: str
    second_phone: str
    payment_account: str
    contacts: list[ContactRevealed]


class LifeEventIn(Schema):
    event: Code
    date: Day
    note: Annotated[str, column_text(StatusChange, "note")] = ""


class StatusChangeOut(Schema):
    id: int
    event: str
    status_before: str
    status_after: str
    date: dt.date
    note: str
    recorded_at: dt.datetime
    recorded_by: str

    @staticmethod
    def resolve_recorded_by(change) -> str:
        return change.recorded_by.get_username() if change.recorded_by else "system"


class SheetOut(Schema):
    """A sheet of an imported workbook: where its header was found, or why it was not read."""

    name: str
    header_row: int | None = None
    above: list[str] = []
    community: str = ""
    ignored: str = ""


class SkippedRowOut(Schema):
    sheet: str
    row: int
    text: str


class RowWarningOut(Schema):
    sheet: str
    row: int
    name: str
    warnings: list[str]


class JobOut(Schema):
    id: int
    kind: str
    state: str
    file_name: str
    dry_run: bool
    unmasked: bool
    total_rows: int | None
    processed_rows: int
    percent: int | None
    created: int
    updated: int
    unchanged: int
    rejected: int
    ignored_columns: list[str]
    sheets: list[SheetOut]
    skipped: int
    skipped_rows: list[SkippedRowOut]
    with_warnings: int
    warnings: list[RowWarningOut]
    message: str
    result_url: str | None
    started_at: dt.datetime | None
    finished_at: dt.datetime | None

    @staticmethod
    def resolve_created(job) -> int:
        return job.created_count

    @staticmethod
    def resolve_updated(job) -> int:
        return job.updated_count

    @staticmethod
    def resolve_unchanged(job) -> int:
        return job.unchanged_count

    @staticmethod
    def resolve_rejected(job) -> int:
        return job.rejected_count

    @staticmethod
    def resolve_skipped(job) -> int:
        return job.skipped_count

    @staticmethod
    def resolve_with_warnings(job) -> int:
        return job.warning_count

    @staticmethod
    def resolve_result_url(job) -> str | None:
        return f"/api/v1/elders/jobs/{job.pk}/file" if job.result_path else None


class ExportIn(Schema):
    q: SearchText = ""
    name: SearchText = ""
    community: Code = ""
    status: Code = ""
    category: Code = ""
    living_arrangement: Code = ""
    age_min: Age | None = None
    age_max: Age | None = None
    unmasked: bool = False


@router.get("", response=ElderPage, summary="Search elders in the caller's scope (masked)")
def list_elders(
    request,
    q: SearchText = "",
    name: SearchText = "",
    community: Code = "",
    status: Code = "",
    category: Code = "",
    living_arrangement: Code = "",
    age_min: Age | None = None,
    age_max: Age | None = None,
    page: Page = 1,
    page_size: PageSize = 50,
):
    elders = search_elders(
        request.auth,
        q=q,
        name=name,
        community=community,
        status=status,
        category=category,
        living_arrangement=living_arrangement,
        age_min=age_min,
        age_max=age_max,
    )
    return search_page(elders, page=page, page_size=page_size)


@router.post("", response={201: ElderDetailOut}, summary="Register an elder")
def create_elder(request, payload: ElderIn):
    elder = register_elder(actor=request.auth, data=payload.dict())
    return Status(201, get_elder_for(request.auth, elder.pk))


@router.post(
    "/imports",
    response={202: JobOut},
    auth=[UploadGate(may_write_registry), *api_auth()],
    summary="Import a spreadsheet (xlsx, xls or csv) in the background",
)
def import_spreadsheet(request, file: File[UploadedFile], dry_run: Form[bool] = False):
    return Status(202, import_upload(actor=request.auth, upload=file, dry_run=dry_run))


@router.post("/exports", response={202: JobOut}, summary="Export the filtered list to xlsx in the background")
def export_spreadsheet(request, payload: ExportIn):
    filters = payload.dict(exclude={"unmasked"})
    return Status(202, start_export(actor=request.auth, filters=filters, unmasked=payload.unmasked))


@router.get("/jobs/{int:job_id}", response=JobOut, summary="Progress and result of an import or export")
def job_detail(request, job_id: Id):
    return get_job_for(request.auth, job_id)


@router.get("/jobs/{int:job_id}/file", summary="The error report of an import, or the file of an export")
def job_file(request, job_id: Id):
    job = get_job_for(request.auth, job_id)
    if not job.result_path or not Path(job.result_path).is_file():
        raise NotFound(_("This job has no file."))
    name = f"{Path(job.file_name).stem}-errors.xlsx" if job.kind == "import" else job.file_name
    return FileResponse(open(job.result_path, "rb"), as_attachment=True, filename=name)  # noqa: SIM115


@router.get("/{int:elder_id}", response=ElderDetailOut)
def elder_detail(request, elder_id: Id):
    return get_elder_for(request.auth, elder_id)


@router.patch("/{int:elder_id}", response=ElderDetailOut)
def patch_elder(request, elder_id: Id, payload: ElderPatch):
    return update_elder(actor=request.auth, elder_id=elder_id, data=payload.dict(exclude_unset=True))


@router.post(
    "/{int:elder_id}/reveal", response=ElderRevealed, summary="Unmasked ID number and phones (audited)"
)
def reveal(request, elder_id: Id, payload: RevealIn):
    return reveal_elder(actor=request.auth, elder_id=elder_id, reason=payload.reason)


@router.get("/{int:elder_id}/events", response=list[StatusChangeOut], summary="Status history")
def life_events(request, elder_id: Id):
    return list(status_history_for(request.auth, elder_id))


@router.post(
    "/{int:elder_id}/events", response={201: StatusChangeOut}, summary="Record a death, a move or a return"
)
def add_life_event(request, elder_id: Id, payload: LifeEventIn):
    change = record_life_event(
        actor=request.auth, elder_id=elder_id, event=payload.event, date=payload.date, note=payload.note
    )
    return Status(201, change)
