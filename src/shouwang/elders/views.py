"""Console pages of the registry: list with filters and counts, record, forms, life events, the audited
reveal, spreadsheet imports with a live progress bar, and exports."""

import io
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import reswap, retarget

from shouwang.core.errors import DomainError, ValidationFailed
from shouwang.core.forms import attach_error
from shouwang.core.masking import mask_id_number, mask_phone
from shouwang.core.pagination import page_number
from shouwang.core.selectors import audit_log_for
from shouwang.core.spreadsheets import write_xlsx
from shouwang.core.text import is_digits
from shouwang.regions.models import Level
from shouwang.regions.selectors import regions_in_scope
from shouwang.web.decorators import console_page, upload_page

from .exports import FILTER_KEYS, start_export
from .forms import ElderForm, ImportForm, LifeEventForm, PaymentAccountForm
from .importing import TEMPLATE_HEADER
from .imports import import_upload
from .models import VERY_OLD_AGE, Category, Elder, JobKind, LivingArrangement, Status
from .panels import panels_for
from .permissions import may_link_families, may_reveal, may_write_registry
from .selectors import (
    count_by_status,
    get_elder_for,
    get_job_for,
    jobs_for,
    search_elders,
    search_page,
    status_history_for,
)
from .services import (
    DuplicateElder,
    record_life_event,
    register_elder,
    reveal_elder,
    set_payment_account,
    update_elder,
)


def _filters(params) -> dict:
    filters = {key: params.get(key, "").strip() for key in FILTER_KEYS}
    for key in ("age_min", "age_max"):
        filters[key] = int(filters[key]) if is_digits(filters[key]) else None
    return filters


@console_page("elders:list")
def elder_list(request):
    filters = _filters(request.GET)
    refused = None
    try:
        elders = search_elders(request.user, **filters)
    except ValidationFailed as error:  # a hand-edited link: say what is wrong above an empty list
        refused, elders = error.message, Elder.objects.none()
    page = search_page(
        elders, page=page_number(request.GET.get("page")), page_size=settings.SHOUWANG_PAGE_SIZE
    )
    by_status = count_by_status(elders, total_is_estimate=page.count_is_estimate)
    query = urlencode({key: value for key, value in filters.items() if value not in (None, "")})
    return render(
        request,
        "elders/elder_list.html",
        {
            "page": page,
            "filters": filters,
            "error": refused,
            "counts": [(label, *by_status[value]) for value, label in Status.choices],
            "communities": regions_in_scope(request.user.scope, level=Level.COMMUNITY),
            "statuses": Status.choices,
            "categories": Category.choices,
            "arrangements": LivingArrangement.choices,
            "query": query,
            "very_old_age": VERY_OLD_AGE,
            "may_write": may_write_registry(request.user),
            "may_reveal": may_reveal(request.user),
        },
    )


@console_page("elders:list")
def elder_detail(request, elder_id: int):
    elder = get_elder_for(request.user, elder_id)
    return render(request, "elders/elder_detail.html", _detail_context(request, elder))


def _detail_context(request, elder, **extra) -> dict:
    return {
        "elder": elder,
        "history": status_history_for(request.user, elder.pk),
        "audit_trail": audit_log_for(request.user, object_type="elders.elder", object_id=str(elder.pk))[:20],
        "event_form": extra.pop("event_form", None) or LifeEventForm(),
        "account_form": extra.pop("account_form", None) or PaymentAccountForm(),
        "may_write": may_write_registry(request.user),
        "may_link_families": may_link_families(request.user),
        "panels": panels_for(request, elder),
        **extra,
    }


@console_page("elders:list")
def elder_create(request):
    form = ElderForm(request.POST or None)
    existing_url = None
    if request.method == "POST" and form.is_valid():
        try:
            elder = register_elder(actor=request.user, data=form.service_data())
        except DuplicateElder as error:
            attach_error(form, error)
            if error.existing_id:
                existing_url = reverse("elders:detail", args=[error.existing_id])
        except DomainError as error:
            attach_error(form, error)
        else:
            messages.success(request, _("%(name)s was registered.") % {"name": elder.name})
            return redirect("elders:detail", elder_id=elder.pk)
    return render(request, "elders/elder_form.html", _form_context(request, form, existing_url=existing_url))


def _form_context(request, form, **extra) -> dict:
    communities = regions_in_scope(request.user.scope, level=Level.COMMUNITY)
    return {
        "form": form,
        "communities": communities,
        "map": _map_picker(communities),
        **extra,
    }


def _map_picker(communities) -> dict | None:
    """The map that fills in the coordinates, opening on the first community of the user's area that has a
    centre (the record's own point when it has one, in the browser); None without tiles or a centre."""
    centre = communities.filter(centre_lat__isnull=False, centre_lon__isnull=False).first()
    if not settings.SHOUWANG_MAP_TILES_URL or centre is None:
        return None
    return {
        "lat": centre.centre_lat,
        "lon": centre.centre_lon,
        "tiles": settings.SHOUWANG_MAP_TILES_URL,
        "attribution": settings.SHOUWANG_MAP_ATTRIBUTION,
    }


@console_page("elders:list")
def elder_edit(request, elder_id: int):
    elder = get_elder_for(request.user, elder_id)
    form = ElderForm(request.POST or None, initial=_initial(elder), editing=True)
    if request.method == "POST" and form.is_valid():
        data = _stored_phones_kept(form.service_data(), elder)
        try:
            update_elder(actor=request.user, elder_id=elder.pk, data=data)
        except DomainError as error:
            attach_error(form, error)
        else:
            messages.success(request, _("The record of %(name)s was saved.") % {"name": elder.name})
            return redirect("elders:detail", elder_id=elder.pk)
    return render(request, "elders/elder_form.html", _form_context(request, form, elder=elder))


def _initial(elder) -> dict:
    """The record as the form shows it: the ID number and phones masked, as everywhere outside the audited
    reveal; a masked phone sent back unchanged keeps the stored number (``_stored_phones_kept``)."""
    initial = {
        "name": elder.name,
        "id_number": mask_id_number(elder.id_number),
        "community": elder.community_id,
        "phone": mask_phone(elder.phone),
        "second_phone": mask_phone(elder.second_phone),
        "ethnicity": elder.ethnicity,
        "hukou_region_code": elder.hukou_region_code,
        "address": elder.address,
        "lon": "" if elder.lon is None else elder.lon,
        "lat": "" if elder.lat is None else elder.lat,
        "living_arrangement": elder.living_arrangement,
        "categories": [category.code for category in elder.categories.all()],
        "disability_grade": elder.disability_grade or "",
        "chronic_conditions": "、".join(elder.chronic_conditions or []),
        "family_doctor_contract": elder.family_doctor_contract,
        "consent_data_sharing": elder.consent_data_sharing,
    }
    for number, contact in enumerate(elder.contacts.all(), start=1):
        for part in ("name", "relation", "is_keyholder"):
            initial[f"contact_{number}_{part}"] = getattr(contact, part)
        initial[f"contact_{number}_phone"] = mask_phone(contact.phone)
    return initial


def _stored_phones_kept(data: dict, elder) -> dict:
    """The edit form's data for the service: a phone still showing its masked form is the stored number;
    the ID number cannot be changed."""
    data = {key: value for key, value in data.items() if key != "id_number"}
    for key in ("phone", "second_phone"):
        stored = getattr(elder, key)
        if stored and data.get(key) == mask_phone(stored):
            data[key] = stored
    stored_contacts = {mask_phone(contact.phone): contact.phone for contact in elder.contacts.all()}
    for contact in data.get("contacts", []):
        contact["phone"] = stored_contacts.get(contact["phone"], contact["phone"]) if contact["phone"] else ""
    return data


@require_POST
@console_page("elders:list")
def elder_event(request, elder_id: int):
    elder = get_elder_for(request.user, elder_id)
    form = LifeEventForm(request.POST)
    if form.is_valid():
        try:
            record_life_event(actor=request.user, elder_id=elder.pk, **form.cleaned_data)
        except DomainError as error:
            attach_error(form, error)
        else:
            messages.success(request, _("The life event was recorded."))
            return redirect("elders:detail", elder_id=elder.pk)
    return render(
        request, "elders/elder_detail.html", _detail_context(request, elder, event_form=form), status=422
    )


@require_POST
@console_page("elders:list")
def elder_payment_account(request, elder_id: int):
    """Set or remove the account cash allowances are paid to (``services.set_payment_account``: checked,
    audited masked). A refusal shows the form again under the number, nothing saved."""
    elder = get_elder_for(request.user, elder_id)
    form = PaymentAccountForm(request.POST)
    if form.is_valid():
        account = "" if form.cleaned_data["remove"] else form.cleaned_data["payment_account"]
        try:
            set_payment_account(actor=request.user, elder_id=elder.pk, account=account)
        except DomainError as error:
            attach_error(form, error)
        else:
            messages.success(
                request,
                _("The payment account is saved.") if account else _("The payment account is removed."),
            )
            return redirect("elders:detail", elder_id=elder.pk)
    return render(
        request, "elders/elder_detail.html", _detail_context(request, elder, account_form=form), status=422
    )


@require_POST
@console_page("elders:list")
def elder_reveal(request, elder_id: int):
    """Answers htmx with the unmasked values in place of the masked ones; without htmx, the whole page. A
    reason that will not do is shown under the reason box (htmx: that box alone is swapped)."""
    reason = request.POST.get("reason", "")
    try:
        revealed = reveal_elder(actor=request.user, elder_id=elder_id, reason=reason)
    except ValidationFailed as refused:
        if request.htmx:
            answer = render(request, "elders/_reveal_error.html", {"reveal_error": refused.message})
            return reswap(retarget(answer, "#reveal-error"), "outerHTML")
        elder = get_elder_for(request.user, elder_id)
        context = _detail_context(request, elder, reveal_error=refused.message, reveal_reason=reason[:200])
        return render(request, "elders/elder_detail.html", context, status=422)
    if request.htmx:
        return render(request, "elders/_revealed.html", {"revealed": revealed})
    elder = get_elder_for(request.user, elder_id)
    return render(request, "elders/elder_detail.html", _detail_context(request, elder, revealed=revealed))


@upload_page("elders:list", may_upload=may_write_registry)
def import_page(request, refused: DomainError | None = None):
    form = ImportForm(request.POST or None, request.FILES or None) if refused is None else ImportForm()
    if request.method == "POST" and refused is None and form.is_valid():
        try:
            job = import_upload(
                actor=request.user, upload=form.cleaned_data["file"], dry_run=form.cleaned_data["dry_run"]
            )
        except DomainError as error:
            attach_error(form, error)
        else:
            return redirect("elders:job", job_id=job.pk)
    jobs = jobs_for(request.user).filter(kind=JobKind.IMPORT)[:20]
    context = {"form": form, "jobs": jobs, "refused": refused}
    return render(request, "elders/import.html", context)


@console_page("elders:list")
def import_template(request):
    """An empty workbook with the columns the import understands best."""
    buffer = io.BytesIO()
    write_xlsx(buffer, list(TEMPLATE_HEADER), [])
    buffer.seek(0)
    return FileResponse(buffer, as_attachment=True, filename="老年人信息导入模板.xlsx")


@require_POST
@console_page("elders:list")
def export_start(request):
    filters = _filters(request.POST)
    try:
        job = start_export(actor=request.user, filters=filters, unmasked=request.POST.get("unmasked") == "on")
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(f"{reverse('elders:list')}?{request.POST.get('query', '')}")
    return redirect("elders:job", job_id=job.pk)


@console_page("elders:list")
def job_detail(request, job_id: int):
    """The progress page; htmx polls the same URL for the progress panel until the job is finished."""
    job = get_job_for(request.user, job_id)
    template = "elders/_job_progress.html" if request.htmx else "elders/job.html"
    return render(request, template, {"job": job})


@console_page("elders:list")
def job_file(request, job_id: int):
    job = get_job_for(request.user, job_id)
    if not job.result_path or not Path(job.result_path).is_file():
        raise Http404
    name = f"{Path(job.file_name).stem}-错误报告.xlsx" if job.kind == JobKind.IMPORT else job.file_name
    return FileResponse(Path(job.result_path).open("rb"), as_attachment=True, filename=name)
