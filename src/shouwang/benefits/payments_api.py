"""The benefits API for paying cash allowances (payment batches, the bank's file and return), a run's xlsx
export, the vouchers' year end and an elder's payment account (docs/api.md, "Benefits: payments")."""

from __future__ import annotations

import datetime as dt
import tempfile
from typing import Annotated

from django.http import FileResponse, HttpResponse
from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from shouwang.core.api import UploadGate, api_auth
from shouwang.core.masking import mask_account
from shouwang.core.pagination import paginate
from shouwang.core.schemas import Code, Id, MaxText, Page, PageSize, RegionCode
from shouwang.elders.services import set_payment_account

from . import exports, payments, selectors, yearend
from .models import LineStatus
from .permissions import may_upload_bank_return

router = Router(tags=["benefits"])
elder_router = Router(tags=["benefits"])
BatchNumber = Annotated[int, Field(ge=1, le=32767)]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class BatchOut(Schema):
    run_id: int
    number: int
    row_count: int
    total_fen: int
    unpayable_count: int
    checksum: str
    created_at: dt.datetime
    status_counts: dict[str, int]


class ReturnOut(Schema):
    file_name: str
    imported_at: dt.datetime
    paid_count: int
    failed_count: int
    unknown_count: int
    unchanged_count: int
    report: dict


class BatchDetailOut(BatchOut):
    returns: list[ReturnOut]


class LineOut(Schema):
    seq: int
    elder_id: int
    name: str
    id_number_masked: str
    account_masked: str
    amount_fen: int
    amounts: dict[str, int]
    status: str
    status_label: str
    bank_reason: str
    withheld_reason: str

    @staticmethod
    def resolve_id_number_masked(line) -> str:
        return payments.mask_id_number(line.id_number)

    @staticmethod
    def resolve_account_masked(line) -> str:
        return mask_account(line.account)

    @staticmethod
    def resolve_status_label(line) -> str:
        return str(line.get_status_display())


class LinePage(Schema):
    count: int
    page: int
    page_size: int
    items: list[LineOut]


def _batch(request, batch) -> dict:
    return {
        **{name: getattr(batch, name) for name in BatchOut.model_fields if hasattr(batch, name)},
        "status_counts": payments.status_counts(request.auth, batch),
        "returns": list(batch.returns.all()),
    }


@router.get("/runs/{int:run_id}/payments", response=list[BatchOut], summary="A run's payment batches")
def batch_list(request, run_id: Id):
    run = selectors.get_run_for(request.auth, run_id)
    return [_batch(request, batch) for batch in payments.batches_for(request.auth, run)]


@router.post(
    "/runs/{int:run_id}/payments",
    response={200: BatchDetailOut, 201: BatchDetailOut},
    summary="Make the run's payment batch (once: again gives the same batch)",
)
def batch_create(request, run_id: Id):
    run = selectors.get_run_for(request.auth, run_id)
    existed = run.payment_batches.filter(number=1).exists()
    batch = payments.create_batch(actor=request.auth, run_id=run.pk)
    return Status(200 if existed else 201, _batch(request, batch))


@router.post(
    "/runs/{int:run_id}/payments/reissue",
    response={201: BatchDetailOut},
    summary="Re-issue failed and account-less payments in a new batch",
)
def batch_reissue(request, run_id: Id):
    run = selectors.get_run_for(request.auth, run_id)
    return Status(201, _batch(request, payments.reissue_batch(actor=request.auth, run_id=run.pk)))


@router.get(
    "/runs/{int:run_id}/payments/{int:number}",
    response=BatchDetailOut,
    summary="A payment batch and its returns",
)
def batch_detail(request, run_id: Id, number: BatchNumber):
    return _batch(request, payments.get_batch_for(request.auth, run_id, number))


@router.get(
    "/runs/{int:run_id}/payments/{int:number}/lines",
    response=LinePage,
    summary="A batch's rows in the caller's area (masked)",
)
def batch_lines(
    request,
    run_id: Id,
    number: BatchNumber,
    status: Code = "",
    page: Page = 1,
    page_size: PageSize | None = None,
):
    batch = payments.get_batch_for(request.auth, run_id, number)
    status = status if status in LineStatus.values else ""
    return paginate(payments.lines_for(request.auth, batch, status=status), page=page, page_size=page_size)


@router.get(
    "/runs/{int:run_id}/payments/{int:number}/file",
    summary="The batch as the bank imports it (xlsx, full numbers; audited)",
)
def batch_file(request, run_id: Id, number: BatchNumber):
    batch = payments.get_batch_for(request.auth, run_id, number)
    content = payments.bank_file(actor=request.auth, batch=batch)
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quoted(payments.file_name(batch))}"
    return response


def _quoted(name: str) -> str:
    from urllib.parse import quote

    return quote(name)


@router.post(
    "/runs/{int:run_id}/payments/{int:number}/return",
    response={201: ReturnOut},
    auth=[UploadGate(may_upload_bank_return), *api_auth()],
    summary="Import the bank's return file (成功/失败 per row)",
)
def batch_return(request, run_id: Id, number: BatchNumber, file: File[UploadedFile]):
    batch = payments.get_batch_for(request.auth, run_id, number)
    return Status(201, payments.import_upload(actor=request.auth, batch_id=batch.pk, upload=file))


@router.get(
    "/runs/{int:run_id}/export", summary="The run's results with why / why not and the fund split (xlsx)"
)
def run_export(request, run_id: Id):
    run = selectors.get_run_for(request.auth, run_id)
    handle = tempfile.TemporaryFile()  # noqa: SIM115 — FileResponse closes it
    exports.write_run(request.auth, run, handle)
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=exports.file_name(run), content_type=XLSX)


class YearEndIn(Schema):
    year: Annotated[int, Field(ge=2000, le=2199)]
    region: RegionCode


class YearEndOut(Schema):
    year: int
    region: str
    closed: int
    expired_fen: int
    carried_fen: int
    skipped: int


@router.post("/year-end", response=YearEndOut, summary="Close a year's vouchers: expire or carry over")
def year_end(request, payload: YearEndIn):
    return yearend.close_year(actor=request.auth, year=payload.year, region_code=payload.region).__dict__


class PaymentAccountIn(Schema):
    account: Annotated[str, MaxText(40)]


class PaymentAccountOut(Schema):
    elder_id: int
    payment_account_masked: str


@elder_router.put(
    "/{int:elder_id}/payment-account",
    response=PaymentAccountOut,
    summary="Set the bank or social-security card allowances are paid to",
)
def payment_account(request, elder_id: Id, payload: PaymentAccountIn):
    elder = set_payment_account(actor=request.auth, elder_id=elder_id, account=payload.account)
    return {"elder_id": elder.pk, "payment_account_masked": mask_account(elder.payment_account)}
