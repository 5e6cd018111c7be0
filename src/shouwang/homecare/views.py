"""Console pages of home care: the beds (list, apply, one bed with its lifecycle buttons, package and the
month's delivery), rentals and respite stays, and LTC insurance (statuses, designations, rules, claim
batches with their file and the agency's answer). Every button runs one service through
``core.forms.perform``: a refused step (an illegal move, a missing assessment) shows its message."""

from __future__ import annotations

from urllib.parse import quote

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shouwang.core.errors import DomainError, ValidationFailed
from shouwang.core.forms import optional_date, perform
from shouwang.web.decorators import console_page, upload_page

from . import ltc, selectors, services
from .models import BedState
from .permissions import may_apply_for_bed, may_keep_ltc, may_make_claims, may_read_ltc_status
from .states import MOVES

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _fen(raw: str | None) -> int:
    """Yuan typed in a form → fen; an unreadable amount is refused by the service as out of range."""
    try:
        return round(float(raw or "0") * 100)
    except ValueError:
        return -1


def _int(raw: str | None) -> int:
    try:
        return int(raw or 0)
    except ValueError:
        return 0


def _providers_serving(user):
    """The providers a bed may be applied for with: those serving the user's area (or the user's own)."""
    from shouwang.core.scope import scope_of
    from shouwang.providers.models import Provider, ProviderState

    providers = Provider.objects.exclude(state__in=(ProviderState.REJECTED, ProviderState.EXITED))
    return (
        scope_of(user)
        .filter(providers, region="service_areas__code", provider="id")
        .distinct()
        .order_by("name")[:500]
    )


@console_page("homecare:beds")
def bed_list(request):
    state = request.GET.get("state", "")
    state = state if state in BedState.values else ""
    return render(
        request,
        "homecare/beds.html",
        {
            "beds": selectors.beds_for(request.user, state=state)[:500],
            "state": state,
            "states": BedState.choices,
            "may_apply": may_apply_for_bed(request.user),
            "providers": _providers_serving(request.user),
            "rentals": selectors.rentals_for(request.user, open_only=True)[:200],
            "today": timezone.localdate(),
            "respite": selectors.respite_for(request.user)[:200],
        },
    )


@require_POST
@console_page("homecare:beds")
def bed_apply(request):
    """Apply for a bed for an elder found by ID number among the elders the user sees."""
    from shouwang.core.idnumbers import InvalidIdNumber, parse_resident_id
    from shouwang.elders.selectors import elders_for

    def step():
        try:
            number = parse_resident_id(request.POST.get("id_number", "")).number
        except InvalidIdNumber as error:
            raise ValidationFailed(error.message) from None
        elder = elders_for(request.user).filter(id_number=number).first()
        if elder is None:
            raise ValidationFailed(_("No elder with this ID number is registered in your area."))
        services.apply_for_bed(
            actor=request.user, elder_id=elder.pk, provider_id=_int(request.POST.get("provider"))
        )

    perform(request, step, _("The home care bed was applied for."))
    return redirect("homecare:beds")


@console_page("homecare:beds")
def bed_detail(request, bed_id: int):
    bed = selectors.get_bed_for(request.user, bed_id)
    month = timezone.localdate().replace(day=1)
    return render(
        request,
        "homecare/bed.html",
        {
            "bed": bed,
            "moves": sorted(MOVES[bed.state]),
            "package": bed.package.select_related("item"),
            "devices": bed.devices.all(),
            "transitions": bed.transitions.all(),
            "delivery": services.delivery(bed, month),
            "month": month,
            "months": bed.months.all(),
        },
    )


ACTIONS = ("assess", "equip", "package", "start", "end", "close")


def _action(request, bed_id: int, action: str):
    post = request.POST
    if action == "assess":
        return services.assess_bed(actor=request.user, bed_id=bed_id)
    if action == "equip":
        return services.equip_bed(
            actor=request.user,
            bed_id=bed_id,
            adaptation_done_on=optional_date(post.get("adaptation_done_on")),
            adaptation_note=post.get("adaptation_note", ""),
        )
    if action == "package":
        items = [
            (code, _int(quantity))
            for code, quantity in zip(post.getlist("code"), post.getlist("quantity"), strict=False)
            if code.strip()
        ]
        return services.set_package(actor=request.user, bed_id=bed_id, items=items)
    if action == "start":
        return services.start_service(
            actor=request.user,
            bed_id=bed_id,
            service_from=optional_date(post.get("service_from")),
            monthly_subsidy_fen=_fen(post.get("monthly_subsidy_yuan")),
        )
    if action == "end":
        return services.end_bed(actor=request.user, bed_id=bed_id, reason=post.get("reason", ""))
    from shouwang.facilities.fields import parse_month

    return services.close_month(actor=request.user, bed_id=bed_id, month=parse_month(post.get("month", "")))


@require_POST
@console_page("homecare:beds")
def bed_action(request, bed_id: int, action: str):
    if action not in ACTIONS:
        raise Http404
    perform(request, lambda: _action(request, bed_id, action))
    return redirect("homecare:bed", bed_id=bed_id)


@require_POST
@console_page("homecare:beds")
def rental_return(request, rental_id: int):
    perform(
        request,
        lambda: services.return_rental(
            actor=request.user,
            rental_id=rental_id,
            returned_on=optional_date(request.POST.get("returned_on")),
        ),
        _("The return was recorded."),
    )
    return redirect("homecare:beds")


# --- LTC insurance -------------------------------------------------------------------------------------


@console_page("homecare:ltc")
def ltc_page(request):
    return render(
        request,
        "homecare/ltc.html",
        {
            "statuses": selectors.ltc_statuses_for(request.user)[:500],
            "show_statuses": may_read_ltc_status(request.user),
            "designations": selectors.designations_for(request.user),
            "rules": selectors.ltc_rules(),
            "batches": selectors.batches_for(request.user)[:200],
            "may_keep": may_keep_ltc(request.user),
            "may_claim": may_make_claims(request.user),
        },
    )


@require_POST
@console_page("homecare:ltc")
def batch_new(request):
    from shouwang.facilities.fields import parse_month

    perform(
        request,
        lambda: ltc.make_batch(
            actor=request.user,
            provider_id=_int(request.POST.get("provider")),
            month=parse_month(request.POST.get("month", "")),
        ),
        _("The claim batch was made."),
    )
    return redirect("homecare:ltc")


@console_page("homecare:ltc")
def batch_file(request, batch_id: int):
    name, content = ltc.claim_file(actor=request.user, batch_id=batch_id)
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


@upload_page("homecare:ltc", may_upload=may_make_claims)
def batch_answer(request, batch_id: int, refused: DomainError | None = None):
    """Upload the agency's answer for a batch; the report of what it did is shown on the page."""
    batch = selectors.get_batch_for(request.user, batch_id)
    answer, error = None, refused.message if refused else ""
    if request.method == "POST" and refused is None:
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise ValidationFailed(_("Choose the agency's answer file."))
            answer = ltc.import_answer_upload(actor=request.user, batch_id=batch.pk, upload=upload)
        except DomainError as failure:
            error = failure.message
    return render(
        request,
        "homecare/batch.html",
        {"batch": batch, "lines": selectors.lines_of(batch), "answer": answer, "error": error},
    )
