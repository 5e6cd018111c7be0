"""Console pages of childcare: the registry (list, one institution with its staff, filing and its review,
edits), the indicators of a region with the bureau's population figures and plan targets; and the public
list for parents (no login, large type). Reads come from the selectors (scoped), writes from services."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from shouwang.core.errors import DomainError
from shouwang.core.forms import attach_error, optional_int, perform
from shouwang.core.scope import scope_of
from shouwang.regions.models import Level
from shouwang.regions.selectors import regions_in_scope
from shouwang.web.decorators import console_page

from . import permissions
from .forms import (
    AGE_GROUP_ROWS,
    AccountForm,
    DecisionForm,
    InstitutionForm,
    PopulationForm,
    StaffForm,
    TargetForm,
    initial_of,
)
from .indicators import indicators_for
from .models import InstitutionKind, RegistrationState
from .selectors import (
    get_institution_for,
    institutions_for,
    population_rows,
    public_areas,
    public_institutions,
)
from .services import (
    add_staff,
    decide_registration,
    file_institution,
    remove_staff,
    set_population,
    set_target,
    update_institution,
)


def _communities(user):
    return regions_in_scope(scope_of(user)).filter(level=Level.COMMUNITY).order_by("code")


@console_page("childcare:list")
def institution_list(request):
    if permissions.is_institution_account(request.user):
        own = institutions_for(request.user).first()
        if own is not None:
            return redirect("childcare:detail", institution_id=own.pk)
    filters = {key: request.GET.get(key, "").strip()[:60] for key in ("state", "kind", "q")}
    institutions = institutions_for(
        request.user,
        state=filters["state"] if filters["state"] in RegistrationState.values else "",
        kind=filters["kind"] if filters["kind"] in InstitutionKind.values else "",
        q=filters["q"],
    )
    return render(
        request,
        "childcare/institution_list.html",
        {
            "institutions": institutions[:500],
            "count": institutions.count(),
            "filters": filters,
            "states": RegistrationState.choices,
            "kinds": InstitutionKind.choices,
            "may_file": permissions.may_review_registration(request.user),
            "may_read_indicators": permissions.may_read_indicators(request.user),
        },
    )


@console_page("childcare:list")
def institution_create(request):
    if not permissions.may_review_registration(request.user):
        raise PermissionDenied
    form = InstitutionForm(request.POST or None, communities=_communities(request.user))
    account = AccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and account.is_valid():
        try:
            institution = file_institution(
                actor=request.user, values=form.service_values(), **account.cleaned_data
            )
        except DomainError as error:
            attach_error(
                account if set(getattr(error, "errors", {}) or {}) & {"username", "password"} else form, error
            )
        else:
            messages.success(request, _("%(name)s was filed for review.") % {"name": institution.name})
            return redirect("childcare:detail", institution_id=institution.pk)
    return render(request, "childcare/institution_form.html", {"form": form, "account": account})


@console_page("childcare:list")
def institution_edit(request, institution_id: int):
    institution = get_institution_for(request.user, institution_id)
    if not permissions.may_keep_record(request.user):
        raise PermissionDenied
    own_only = permissions.is_institution_account(request.user)
    form = InstitutionForm(
        request.POST or None,
        initial=initial_of(institution),
        communities=_communities(request.user),
        own_only=own_only,
    )
    if request.method == "POST" and form.is_valid():
        try:
            update_institution(
                actor=request.user,
                institution_id=institution.pk,
                values=form.service_values(changed_only=True),
            )
        except DomainError as error:
            attach_error(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("childcare:detail", institution_id=institution.pk)
    return render(request, "childcare/institution_form.html", {"form": form, "institution": institution})


@console_page("childcare:list")
def institution_detail(request, institution_id: int):
    institution = get_institution_for(request.user, institution_id)
    return render(
        request,
        "childcare/institution_detail.html",
        {
            "institution": institution,
            "ages": [
                (label, getattr(institution, f"places_{group}"), getattr(institution, f"enrolled_{group}"))
                for group, label in AGE_GROUP_ROWS
            ],
            "staff": institution.staff.all(),
            "may_decide": permissions.may_review_registration(request.user),
            "may_keep": permissions.may_keep_record(request.user),
            "decision_form": DecisionForm(),
            "staff_form": StaffForm(),
            "states": RegistrationState,
        },
    )


@require_POST
@console_page("childcare:list")
def institution_decide(request, institution_id: int):
    form = DecisionForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    state = request.POST.get("state", "")
    perform(
        request,
        lambda: decide_registration(
            actor=request.user, institution_id=institution_id, state=state, note=note
        ),
    )
    return redirect("childcare:detail", institution_id=institution_id)


@require_POST
@console_page("childcare:list")
def staff_add(request, institution_id: int):
    form = StaffForm(request.POST)
    if form.is_valid():
        perform(
            request, lambda: add_staff(actor=request.user, institution_id=institution_id, **form.cleaned_data)
        )
    else:
        messages.error(request, _("Check the staff member's details."))
    return redirect("childcare:detail", institution_id=institution_id)


@require_POST
@console_page("childcare:list")
def staff_remove(request, institution_id: int, staff_id: int):
    perform(
        request, lambda: remove_staff(actor=request.user, institution_id=institution_id, staff_id=staff_id)
    )
    return redirect("childcare:detail", institution_id=institution_id)


def _default_region(user) -> str:
    scope = scope_of(user)
    regions = regions_in_scope(scope).filter(level__lte=Level.STREET).order_by("level", "code")
    first = regions.first()
    return first.code if first else ""


@console_page("childcare:indicators")
def indicators(request):
    planning_regions = (
        regions_in_scope(scope_of(request.user)).filter(level__lte=Level.COMMUNITY).order_by("code")[:500]
    )
    region = request.GET.get("region", "").strip()[:12] or _default_region(request.user)
    keeper = permissions.may_keep_population(request.user)
    population_form = PopulationForm(
        request.POST if request.POST.get("form") == "population" else None, regions=planning_regions
    )
    target_form = TargetForm(
        request.POST if request.POST.get("form") == "target" else None, regions=planning_regions
    )
    if request.method == "POST":
        if not keeper:
            raise PermissionDenied
        saved = _save_planning(request, population_form, target_form)
        if saved:
            return redirect(f"{request.path}?region={region}")
    result, error = None, ""
    try:
        result = indicators_for(request.user, region, year=optional_int(request.GET.get("year")))
    except DomainError as failure:
        error = failure.message
    return render(
        request,
        "childcare/indicators.html",
        {
            "region": region,
            "result": result,
            "error": error,
            "regions": planning_regions,
            "keeper": keeper,
            "population_form": population_form,
            "target_form": target_form,
            "population": population_rows(request.user)[:200],
        },
    )


def _save_planning(request, population_form: PopulationForm, target_form: TargetForm) -> bool:
    form = population_form if request.POST.get("form") == "population" else target_form
    if not form.is_valid():
        return False
    data = form.cleaned_data
    try:
        if form is population_form:
            set_population(
                actor=request.user, region_code=data["region"], year=data["year"],
                residents=data["residents"], under_three=data["under_three"], source=data["source"],
            )  # fmt: skip
        else:
            set_target(
                actor=request.user, region_code=data["region"], year=data["year"],
                places_per_thousand=data["places_per_thousand"], affordable_share=data["affordable_share"],
            )  # fmt: skip
    except DomainError as error:
        attach_error(form, error)
        return False
    messages.success(request, _("Saved."))
    return True


@require_GET
def public_childcare(request):
    """Registered childcare institutions in a street or community, for parents: no login, large type."""
    code = request.GET.get("area", "").strip()[:12]
    areas = public_areas()
    area = areas.filter(code=code).first()
    return render(
        request,
        "childcare/public_list.html",
        {"areas": areas, "area": area, "institutions": public_institutions(area.code) if area else []},
    )
