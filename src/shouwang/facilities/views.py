"""Console pages of the facility registry: the list, one facility (beds, figures, residents, meals), the
bureau's forms and the operators' change requests, meal recording, and the 15-minute circle with its map,
table, export and suggested sites. Data comes from the selectors (scoped); writes go through services."""

from __future__ import annotations

import re
import tempfile

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shouwang.core.errors import DomainError, ValidationFailed
from shouwang.core.forms import attach_error
from shouwang.core.scope import scope_of
from shouwang.core.spreadsheets import SheetWriter
from shouwang.regions.models import Level
from shouwang.regions.selectors import regions_in_scope
from shouwang.web.decorators import console_page, roles_page

from . import permissions
from .circle import GAP_SHARE, circle_for, default_region, suggestions_for
from .contracts import contracts_for, overdue_reports, submit_report
from .fields import parse_month, service_labels
from .forms import DecisionForm, FacilityForm, FiguresForm, MealsForm, MoveInForm, ReportForm, initial_of
from .meals import record_meals
from .models import RESIDENTIAL_KINDS, FacilityKind, ReportKind
from .selectors import (
    changes_for,
    facilities_for,
    get_facility_for,
    meal_counts,
    meals_for,
    missing_figures,
    pending_changes_for,
    residents_for,
)
from .services import (
    decide_change,
    move_in,
    propose_change,
    register_facility,
    report_figures,
    update_facility,
)


@console_page("facilities:list")
def facility_list(request):
    filters = {"kind": request.GET.get("kind", "").strip(), "q": request.GET.get("q", "").strip()[:60]}
    kind = filters["kind"] if filters["kind"] in FacilityKind.values else ""
    facilities = facilities_for(request.user, kind=kind, q=filters["q"])
    keeper = permissions.may_keep_facilities(request.user)
    return render(
        request,
        "facilities/facility_list.html",
        {
            "facilities": facilities[:500],
            "count": facilities.count(),
            "filters": filters,
            "kinds": FacilityKind.choices,
            "may_register": keeper,
            "pending": pending_changes_for(request.user).count() if keeper else 0,
            "may_read_coverage": permissions.may_read_coverage(request.user),
            "may_read_meals": permissions.may_read_meals(request.user),
            "may_report": permissions.may_report_figures(request.user),
        },
    )


def _form_choices(user) -> dict:
    from shouwang.providers.selectors import providers_for

    return {
        "providers": providers_for(user).order_by("name")[:1000],
        "communities": regions_in_scope(scope_of(user), level=Level.COMMUNITY).order_by("code"),
    }


def _map_picker(facility=None) -> dict | None:
    if not settings.SHOUWANG_MAP_TILES_URL:
        return None
    lat, lon = (
        (facility.lat, facility.lon) if facility is not None and facility.lat is not None else (None, None)
    )
    if lat is None:
        from shouwang.regions.models import Region

        centre = Region.objects.filter(centre_lat__isnull=False).order_by("code").first()
        if centre is None:
            return None
        lat, lon = centre.centre_lat, centre.centre_lon
    return {
        "lat": lat,
        "lon": lon,
        "tiles": settings.SHOUWANG_MAP_TILES_URL,
        "attribution": settings.SHOUWANG_MAP_ATTRIBUTION,
    }


@console_page("facilities:list")
def facility_create(request):
    if not permissions.may_keep_facilities(request.user):
        raise PermissionDenied
    form = FacilityForm(request.POST or None, **_form_choices(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            facility = register_facility(actor=request.user, data=form.service_data())
        except DomainError as error:
            attach_error(form, error)
        else:
            messages.success(request, _("%(name)s was registered.") % {"name": facility.name})
            return redirect("facilities:detail", facility_id=facility.pk)
    return render(request, "facilities/facility_form.html", {"form": form, "map": _map_picker()})


@console_page("facilities:list")
def facility_edit(request, facility_id: int):
    facility = get_facility_for(request.user, facility_id)
    keeper = permissions.may_keep_facilities(request.user)
    proposing = not keeper and permissions.may_propose_change(request.user)
    if not (keeper or proposing):
        raise PermissionDenied
    form = FacilityForm(
        request.POST or None, initial=initial_of(facility), proposing=proposing, **_form_choices(request.user)
    )
    if request.method == "POST" and form.is_valid():
        data = {
            key: value
            for key, value in form.service_data().items()
            if key in form.changed_data or key.endswith("_fen")
        }
        try:
            if proposing:
                propose_change(actor=request.user, facility_id=facility.pk, data=data)
                messages.success(request, _("Your change was sent to the civil-affairs bureau for review."))
            else:
                update_facility(actor=request.user, facility_id=facility.pk, data=data)
                messages.success(request, _("Saved."))
        except DomainError as error:
            attach_error(form, error)
        else:
            return redirect("facilities:detail", facility_id=facility.pk)
    return render(
        request,
        "facilities/facility_form.html",
        {"form": form, "facility": facility, "proposing": proposing, "map": _map_picker(facility)},
    )


@console_page("facilities:list")
def facility_detail(request, facility_id: int):
    return render(request, "facilities/facility_detail.html", _detail_context(request, facility_id))


def _detail_context(request, facility_id: int, **extra) -> dict:
    facility = get_facility_for(request.user, facility_id)
    labels = dict(service_labels())
    user = request.user
    return {
        "facility": facility,
        "services": [labels.get(code, code) for code in facility.services],
        "monthly": facility.monthly.all()[:12],
        "changes": changes_for(user).filter(facility=facility)[:20],
        "residents": residents_for(user, facility.pk)[:200],
        "may_edit": permissions.may_keep_facilities(user) or permissions.may_propose_change(user),
        "may_report": permissions.may_report_figures(user),
        "may_record_meals": permissions.may_record_meals(user),
        "figures_form": extra.pop("figures_form", None) or FiguresForm(),
        "may_move_in": permissions.may_keep_residents(user) and facility.kind in RESIDENTIAL_KINDS,
        "move_in_form": extra.pop("move_in_form", None) or MoveInForm(),
        **extra,
    }


@require_POST
@console_page("facilities:list")
def facility_figures(request, facility_id: int):
    form = FiguresForm(request.POST)
    if form.is_valid():
        try:
            month = parse_month(form.cleaned_data["month"])
            report_figures(
                actor=request.user, facility_id=facility_id, month=month, figures=form.cleaned_data
            )
        except DomainError as error:
            attach_error(form, error)
        else:
            messages.success(request, _("The figures of %(month)s were saved.") % {"month": f"{month:%Y-%m}"})
            return redirect("facilities:detail", facility_id=facility_id)
    return render(
        request, "facilities/facility_detail.html", _detail_context(request, facility_id, figures_form=form)
    )


@console_page("facilities:list")
def facility_meals(request, facility_id: int):
    if not permissions.may_read_meals(request.user):
        raise PermissionDenied
    facility = get_facility_for(request.user, facility_id)
    today = timezone.localdate()
    form = MealsForm(request.POST or None, initial={"day": today})
    if request.method == "POST" and form.is_valid():
        people = [part for part in re.split(r"[\s,，;；]+", form.cleaned_data["people"]) if part]
        try:
            summary = record_meals(
                actor=request.user,
                facility_id=facility.pk,
                day=form.cleaned_data["day"] or today,
                meal=form.cleaned_data["meal"],
                people=people,
            )
        except DomainError as error:
            attach_error(form, error)
            for number, message in getattr(error, "errors", {}).items():
                if number not in form.fields:
                    form.add_error(None, f"{number}: {message}")
        else:
            messages.success(
                request,
                _(
                    "%(recorded)d meals recorded (%(already)d already recorded, %(flagged)d flagged, "
                    "%(unpaid)d without subsidy: voucher balance too low)."
                )
                % summary,
            )
            return redirect("facilities:meals", facility_id=facility.pk)
    return render(
        request,
        "facilities/meals.html",
        {
            "facility": facility,
            "form": form,
            "may_record": permissions.may_record_meals(request.user),
            "daily": meal_counts(request.user, facility_id=facility.pk, month=today),
            "monthly": meal_counts(request.user, facility_id=facility.pk, by="month"),
            "flagged": meals_for(request.user, facility_id=facility.pk, flagged=True)[:100],
        },
    )


@roles_page(permissions.MEAL_READERS)
def flagged_meals(request):
    return render(
        request, "facilities/flagged_meals.html", {"meals": meals_for(request.user, flagged=True)[:500]}
    )


@roles_page(permissions.FACILITY_KEEPERS)
def change_list(request):
    state = request.GET.get("state", "pending")
    changes = changes_for(request.user, state=state if state in {"pending", "approved", "refused"} else "")
    labels = dict(service_labels())
    rows = []
    for change in changes[:200]:
        rows.append(
            {
                "change": change,
                "values": [(_field_label(k), _shown(k, v, labels)) for k, v in change.values.items()],
            }
        )
    return render(
        request, "facilities/change_list.html", {"rows": rows, "state": state, "form": DecisionForm()}
    )


def _field_label(key: str) -> str:
    from .models import Facility

    return str(getattr(Facility._meta.get_field(key.removesuffix("_id")), "verbose_name", key))


def _shown(key: str, value, labels: dict) -> str:
    if key == "services":
        return "、".join(labels.get(code, code) for code in value) or "—"
    if key.endswith("_fen"):
        return f"{value / 100:.2f}"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return "—" if value in (None, "") else str(value)


@require_POST
@roles_page(permissions.FACILITY_KEEPERS)
def change_decide(request, change_id: int):
    form = DecisionForm(request.POST)
    approve = request.POST.get("decision") == "approve"
    if form.is_valid():
        try:
            decide_change(
                actor=request.user, change_id=change_id, approve=approve, note=form.cleaned_data["note"]
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, _("The change was approved.") if approve else _("The change was refused.")
            )
    return redirect("facilities:changes")


def _circle_params(request) -> tuple[str, int, int]:
    region = request.GET.get("region", "").strip() or default_region(request.user)
    try:
        minutes = int(request.GET.get("minutes") or settings.SHOUWANG_SERVICE_CIRCLE_MINUTES)
        k = int(request.GET.get("k") or 5)
    except ValueError:
        minutes, k = settings.SHOUWANG_SERVICE_CIRCLE_MINUTES, 5
    return region, minutes, k


@console_page("facilities:circle")
def circle(request):
    region, minutes, k = _circle_params(request)
    error = ""
    circle_data, sites = None, []
    try:
        circle_data = circle_for(request.user, region=region, minutes=minutes)
        if request.GET.get("suggest"):
            sites = suggestions_for(request.user, region=region, k=k, minutes=minutes)
    except DomainError as failure:
        error = failure.message
    labels = service_labels()
    map_data = None
    if circle_data is not None:
        from .coverage import density

        map_data = {
            "tiles": settings.SHOUWANG_MAP_TILES_URL,
            "attribution": settings.SHOUWANG_MAP_ATTRIBUTION,
            "reach": round(circle_data.reach_m),
            "facilities": [
                {
                    "name": f.name,
                    "kind": f.kind,
                    "kind_label": f.get_kind_display(),
                    "lat": f.lat,
                    "lon": f.lon,
                }
                for f in circle_data.facilities
            ]
            + [point for layer in circle_data.sectors for point in layer.points],
            "density": density(circle_data.people),
            "sites": sites,
        }
    return render(
        request,
        "facilities/circle.html",
        {
            "region": region,
            "minutes": minutes,
            "k": k,
            "error": error,
            "circle": circle_data,
            "sites": sites,
            "services": labels,
            "gap_share": GAP_SHARE,
            "map_data": map_data,
            "regions": regions_in_scope(scope_of(request.user))
            .filter(level__lte=Level.STREET)
            .order_by("code")[:200],
            "uncovered": _uncovered_names(circle_data),
        },
    )


def _uncovered_names(circle_data) -> list:
    if circle_data is None:
        return []
    from shouwang.elders.models import Elder

    from .circle import UNCOVERED_LISTED

    keys = [person.key for person in circle_data.uncovered[:UNCOVERED_LISTED]]
    return list(
        Elder.objects.filter(pk__in=keys).select_related("community").order_by("community_id", "name")
    )


@console_page("facilities:circle")
def circle_export(request):
    region, minutes, _k = _circle_params(request)
    circle_data = circle_for(request.user, region=region, minutes=minutes)
    labels = service_labels()
    header = [
        _("Community code"),
        _("Community"),
        _("Elders located"),
        _("Within reach"),
        _("Share"),
        _("Living alone"),
        _("Living alone within reach"),
        _("Disabled (失能)"),
        _("Disabled within reach"),
        _("Without coordinates"),
        _("Estimated (pair missing from the travel matrix)"),
        *(str(label) for _code, label in labels),
    ]
    handle = tempfile.TemporaryFile()  # noqa: SIM115 — FileResponse closes it once streamed
    with SheetWriter(handle, header, sheet_name=f"{minutes}min") as writer:
        for row in circle_data.rows:
            writer.append(
                [
                    row["community"],
                    row["name"],
                    row["elders"],
                    row["covered"],
                    row["share"],
                    row["alone"],
                    row["alone_covered"],
                    row["disabled"],
                    row["disabled_covered"],
                    row["unlocated"],
                    row["estimated"],
                    *(row["by_service"][code] for code, _label in labels),
                ]
            )
    handle.seek(0)
    return FileResponse(
        handle, as_attachment=True, filename=f"service-circle-{circle_data.region.code}-{minutes}min.xlsx"
    )


@roles_page(permissions.FIGURE_REPORTERS)
def contract_list(request):
    """公建民营 contracts with their reports, the periodic reports past their due date, and the facilities
    whose monthly figures are past due."""
    return render(
        request,
        "facilities/contracts.html",
        {
            "contracts": contracts_for(request.user).prefetch_related("reports")[:200],
            "overdue": overdue_reports(request.user),
            "missing_figures": missing_figures(request.user),
            "form": ReportForm(),
            "kinds": ReportKind.choices,
        },
    )


@require_POST
@roles_page(permissions.FIGURE_REPORTERS)
def contract_report(request, contract_id: int):
    form = ReportForm(request.POST)
    if form.is_valid():
        try:
            submit_report(
                actor=request.user,
                contract_id=contract_id,
                kind=form.cleaned_data["kind"],
                period=form.cleaned_data["period"] or timezone.localdate(),
                summary=form.cleaned_data["summary"],
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The report was submitted."))
    else:
        messages.error(request, _("Please correct the marked fields."))
    return redirect("facilities:contracts")


@require_POST
@console_page("facilities:list")
def facility_move_in(request, facility_id: int):
    """An elder moves in, found by their ID number among the elders the user may see."""
    from shouwang.core.idnumbers import InvalidIdNumber, parse_resident_id
    from shouwang.elders.selectors import elders_for

    form = MoveInForm(request.POST)
    if form.is_valid():
        try:
            number = parse_resident_id(form.cleaned_data["id_number"]).number
            elder = elders_for(request.user).filter(id_number=number).first()
            if elder is None:
                raise ValidationFailed(
                    _("No elder with this ID number is registered in your area."),
                    errors={"id_number": _("No elder with this ID number is registered in your area.")},
                )
            move_in(
                actor=request.user,
                facility_id=facility_id,
                elder_id=elder.pk,
                since=form.cleaned_data["since"] or timezone.localdate(),
            )
        except InvalidIdNumber as error:
            form.add_error("id_number", error.message)
        except DomainError as error:
            attach_error(form, error)
        else:
            messages.success(request, _("%(name)s moved in.") % {"name": elder.name})
            return redirect("facilities:detail", facility_id=facility_id)
    return render(
        request, "facilities/facility_detail.html", _detail_context(request, facility_id, move_in_form=form)
    )
