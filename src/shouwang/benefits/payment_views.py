"""Console pages of payments: the run page's payments section (``templatetags/benefit_payments.py``), a
batch with its rows, its bank file and its returns, the return upload, and the run's xlsx export. Data
comes through the scoped reads; every button calls a service and shows its outcome."""

from __future__ import annotations

import tempfile
from urllib.parse import quote

from django.contrib import messages
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shouwang.core.errors import DomainError
from shouwang.core.forms import perform
from shouwang.core.pagination import page_number, paginate
from shouwang.web.decorators import console_page

from . import exports, payments, selectors
from .models import LineStatus
from .permissions import may_pay

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@console_page("benefits:runs")
@require_POST
def batch_create(request, run_id: int):
    run = selectors.get_run_for(request.user, run_id)
    made = {}

    def create():
        made["batch"] = payments.create_batch(actor=request.user, run_id=run.pk)

    if perform(request, create, _("The payment batch is ready; download its file for the bank.")):
        return redirect("benefits:batch", run_id=run.pk, number=made["batch"].number)
    return redirect("benefits:run", run_id=run.pk)


@console_page("benefits:runs")
@require_POST
def batch_reissue(request, run_id: int):
    run = selectors.get_run_for(request.user, run_id)
    made = {}

    def reissue():
        made["batch"] = payments.reissue_batch(actor=request.user, run_id=run.pk)

    if perform(request, reissue, _("The failed payments are in a new batch.")):
        return redirect("benefits:batch", run_id=run.pk, number=made["batch"].number)
    return redirect("benefits:run", run_id=run.pk)


@console_page("benefits:runs")
def batch_detail(request, run_id: int, number: int):
    batch = payments.get_batch_for(request.user, run_id, number)
    status = request.GET.get("status", "")
    status = status if status in LineStatus.values else ""
    lines = payments.lines_for(request.user, batch, status=status)
    return render(
        request,
        "benefits/payments/batch_detail.html",
        {
            "batch": batch,
            "run": batch.run,
            "page": paginate(lines, page=page_number(request.GET.get("page")), page_size=50),
            "query": f"status={status}" if status else "",
            "status": status,
            "statuses": LineStatus.choices,
            "counts": payments.status_counts(request.user, batch),
            "returns": batch.returns.all(),
            "may_pay": may_pay(request.user, batch.run),
        },
    )


@console_page("benefits:runs")
def batch_file(request, run_id: int, number: int):
    batch = payments.get_batch_for(request.user, run_id, number)
    try:
        content = payments.bank_file(actor=request.user, batch=batch)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("benefits:batch", run_id=run_id, number=number)
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(payments.file_name(batch))}"
    return response


@console_page("benefits:runs")
@require_POST
def batch_return(request, run_id: int, number: int):
    batch = payments.get_batch_for(request.user, run_id, number)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("Choose the bank's return file to upload."))
        return redirect("benefits:batch", run_id=run_id, number=number)
    found = {}

    def read():
        found["return"] = payments.import_upload(actor=request.user, batch_id=batch.pk, upload=upload)

    if perform(request, read, _("The bank's return is read.")):
        got = found["return"]
        messages.info(
            request,
            _("Paid %(paid)s, failed %(failed)s, not in the batch %(unknown)s, unchanged %(unchanged)s.")
            % {
                "paid": got.paid_count,
                "failed": got.failed_count,
                "unknown": got.unknown_count,
                "unchanged": got.unchanged_count,
            },
        )
    return redirect("benefits:batch", run_id=run_id, number=number)


@console_page("benefits:runs")
def run_export(request, run_id: int):
    run = selectors.get_run_for(request.user, run_id)
    handle = tempfile.TemporaryFile()  # noqa: SIM115 — FileResponse closes it
    exports.write_run(request.user, run, handle)
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=exports.file_name(run), content_type=XLSX)
