"""Console pages of health records: an elder's health record (summary, conditions, thresholds, readings),
the reading a caregiver records on a visit, and the community's care tasks."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from shouwang.core.errors import DomainError
from shouwang.core.forms import perform
from shouwang.core.pagination import page_number, paginate
from shouwang.web.decorators import console_page, roles_page

from . import clients, services
from .charts import charts_for
from .codes import MEASURE_LABELS, MEASURES
from .models import CareTaskState, ConditionCode, ContractStatus, VitalKind, VitalSource
from .permissions import (
    HEALTH_READERS,
    VITAL_RECORDERS,
    may_keep_summary,
    may_keep_thresholds,
    may_record_vitals,
    may_work_care_tasks,
    sees_clinical_contacts,
)
from .selectors import (
    care_tasks_for,
    conditions_of,
    health_elder_for,
    summary_of,
    thresholds_of,
    vitals_for,
)

SUMMARY_POST_FIELDS = (*services.SUMMARY_TEXTS, "contract_status", "contract_start", "contract_end")


@roles_page(HEALTH_READERS)
def elder_health(request, elder_id: int):
    """The elder's health record; its forms post back here with ``action``."""
    elder = health_elder_for(request.user, elder_id)
    errors: dict[str, str] = {}
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            _act(request, elder.pk, action)
        except DomainError as error:
            errors = dict(getattr(error, "errors", {}) or {}) or {"form": error.message}
            messages.error(request, error.message)
        else:
            messages.success(request, _("Saved."))
            return redirect("health:elder", elder.pk)
    bounds = thresholds_of(elder)
    context = {
        "elder": elder,
        "summary": summary_of(elder),
        "conditions": conditions_of(elder),
        "codes": ConditionCode.objects.all(),
        "charts": charts_for(elder, bounds, days=90),
        "bounds": [(name, MEASURE_LABELS[name], bounds[name], MEASURES[name]) for name in MEASURES],
        "vitals": vitals_for(request.user, elder.pk)[:50],
        "statuses": ContractStatus.choices,
        "kinds": VitalKind.choices,
        "may_keep": may_keep_summary(request.user),
        "may_threshold": may_keep_thresholds(request.user),
        "may_record": may_record_vitals(request.user),
        "clinical": sees_clinical_contacts(request.user),
        "errors": errors,
        "posted": request.POST if request.method == "POST" else {},
    }
    return render(request, "health/elder.html", context)


def _act(request, elder_id: int, action: str) -> None:
    actor, data = request.user, request.POST
    if action == "summary":
        values = {field: data.get(field, "") for field in SUMMARY_POST_FIELDS}
        services.update_summary(actor=actor, elder_id=elder_id, values=values)
    elif action == "condition":
        services.add_condition(actor=actor, elder_id=elder_id, code=data.get("code", ""))
    elif action == "remove_condition":
        services.remove_condition(actor=actor, elder_id=elder_id, condition_id=_whole(data.get("condition")))
    elif action == "threshold":
        values = {field: data.get(field, "") for field in services.BOUND_FIELDS}
        services.set_threshold(actor=actor, elder_id=elder_id, measure=data.get("measure", ""), values=values)
    elif action == "vital":
        _record_posted(request, elder_id)
    else:
        raise DomainError(_("Unknown action."))


def _whole(raw) -> int:
    try:
        return int(raw)
    except (TypeError, ValueError):
        return 0


def _record_posted(request, elder_id: int) -> None:
    data = request.POST
    values = {
        "value": data.get("value", ""),
        "systolic": data.get("value", ""),
        "diastolic": data.get("diastolic", ""),
    }
    services.record_vital(
        actor=request.user,
        elder_id=elder_id,
        kind=data.get("kind", ""),
        values=values,
        source=VitalSource.VISIT,
    )


@roles_page(VITAL_RECORDERS)
def record(request, elder_id: int):
    """A reading posted from a visit page (the caregiver's summary before the visit); back to that page."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    perform(request, lambda: _record_posted(request, elder_id), _("The reading is saved."))
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = ""
    return redirect(target or "health:elder", *([] if target else [elder_id]))


@console_page("health:tasks")
def care_tasks(request):
    """The community's care tasks from out-of-range readings, open ones first; each closed with a note."""
    if request.method == "POST":
        perform(
            request,
            lambda: services.complete_care_task(
                actor=request.user,
                task_id=_whole(request.POST.get("task")),
                note=request.POST.get("note", ""),
            ),
        )
        return redirect(request.get_full_path())
    state = request.GET.get("state", CareTaskState.OPEN)
    tasks = care_tasks_for(request.user)
    if state in CareTaskState.values:
        tasks = tasks.filter(state=state)
    page = paginate(tasks.order_by("due_on", "id"), page=page_number(request.GET.get("page")), page_size=50)
    return render(
        request,
        "health/tasks.html",
        {
            "page": page,
            "state": state,
            "states": CareTaskState.choices,
            "may_do": may_work_care_tasks(request.user),
        },
    )


@console_page("health:clients")
def health_clients(request):
    """The health systems reading us over FHIR: register one (its token is shown once) or switch one off."""
    token, errors = "", {}
    if request.method == "POST":
        if request.POST.get("deactivate"):
            perform(
                request,
                lambda: clients.deactivate_client(
                    actor=request.user, client_id=_whole(request.POST["deactivate"])
                ),
            )
            return redirect("health:clients")
        try:
            client, token = clients.create_client(
                actor=request.user,
                name=request.POST.get("name", ""),
                region_code=request.POST.get("region", ""),
                may_read_id_numbers=request.POST.get("may_read_id_numbers") == "on",
            )
        except DomainError as error:
            errors = dict(getattr(error, "errors", {}) or {}) or {"form": error.message}
        else:
            messages.success(
                request,
                _("Registered %(name)s. Copy its token now: it is not shown again.") % {"name": client.name},
            )
    return render(
        request,
        "health/clients.html",
        {
            "clients": clients.clients_for(request.user),
            "token": token,
            "errors": errors,
            "posted": request.POST,
        },
    )
