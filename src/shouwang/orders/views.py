"""Console pages of the orders core: the operator's phone desk, the order board, the provider's board, an
order's page with its steps, and complaints. The boards' tables refresh themselves every 5 s (htmx
polling), so re-dispatch and answers show without reloading. Thin: every read is a selector, every write
a service; an elder's ID number never reaches these pages and phones are masked."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from shouwang.catalog.models import ServiceItem
from shouwang.core.errors import DomainError
from shouwang.core.forms import optional_date, perform
from shouwang.core.masking import mask_phone
from shouwang.core.pagination import page_number, paginate
from shouwang.core.roles import Role
from shouwang.core.text import is_digits
from shouwang.elders.models import Status
from shouwang.elders.selectors import search_elders
from shouwang.providers.models import StaffMember
from shouwang.regions.models import Level
from shouwang.regions.selectors import regions_in_scope
from shouwang.web.decorators import roles_page

from . import complaints, permissions, services
from .models import (
    ComplaintOutcome,
    ComplaintSource,
    ComplaintState,
    Order,
    OrderSource,
    OrderState,
    Visit,
)
from .selectors import (
    complaints_for,
    elders_to_order_for,
    filter_orders,
    get_complaint_for,
    get_order_for,
    orders_for,
    state_counts,
    transitions_for,
)

S = OrderState
DESK_RESULTS = 10
BOARD_PAGE_SIZE = 50


# --- phone desk -------------------------------------------------------------------------------------------


def _desk_elders(user, q: str):
    """What the desk finds for a few keystrokes: the registry's quick search in the user's scope; for a
    provider, active elders it serves by name, pinyin initials or phone."""
    q = q.strip()
    if not q:
        return []
    if permissions.places_orders_as_provider(user):
        found = elders_to_order_for(user).filter(
            Q(name__contains=q) | Q(name_initials__startswith=q.lower()) | Q(phone__contains=q)
        )
    else:
        found = search_elders(user, q=q)
    return list(found.filter(status=Status.ACTIVE).select_related("community")[:DESK_RESULTS])


@roles_page(permissions.DESK_ROLES)
def desk_elders(request):
    """The htmx partial of the desk's live elder search."""
    elders = _desk_elders(request.user, request.GET.get("q", ""))
    return render(
        request,
        "orders/_desk_elders.html",
        {"elders": [_elder_row(e) for e in elders], "q": request.GET.get("q", "")},
    )


def _elder_row(elder) -> dict:
    return {
        "pk": elder.pk,
        "name": elder.name,
        "phone": mask_phone(elder.phone),
        "community": elder.community.name,
        "address": elder.address,
        "age": elder.age,
    }


def _local_window(day: dt.date | None, start: str, end: str):
    """The window typed at the desk (a date and two HH:MM times, local) as aware datetimes, or None."""
    try:
        begin, finish = dt.time.fromisoformat(start), dt.time.fromisoformat(end)
    except (TypeError, ValueError):
        return None, None
    if day is None:
        return None, None
    zone = timezone.get_current_timezone()
    return (
        timezone.make_aware(dt.datetime.combine(day, begin), zone),
        timezone.make_aware(dt.datetime.combine(day, finish), zone),
    )


def _desk_items(post) -> list[dict]:
    items = []
    for code in post.getlist("items"):
        raw = post.get(f"quantity_{code}", "1") or "1"
        items.append({"code": code, "quantity": int(raw) if is_digits(raw) else 0})
    return items


@roles_page(permissions.DESK_ROLES)
def desk(request):
    """One page for a phone call: find the elder, tick the services, choose the window, place the order."""
    return desk_page(request)


def desk_page(request, *, place=None, elder_id: int | None = None, action: str = "", banner: str = ""):
    """The desk's page, also for other desks that take orders on a call: the hotline passes ``place``
    (called with the same keyword arguments as ``services.create_order`` but ``actor``, ``elder_id`` and
    ``source``; it places the order for ``elder_id`` and links it to its call), the form's ``action`` and a
    ``banner`` saying for whom. Without them it is the phone desk itself."""
    values = request.POST if request.method == "POST" else {}
    error, errors = "", {}
    if request.method == "POST":
        start, end = _local_window(
            optional_date(values.get("day")), values.get("start", ""), values.get("end", "")
        )
        fields = {
            "items": _desk_items(values),
            "window_start": start,
            "window_end": end,
            "note": values.get("note", ""),
        }
        try:
            if place is not None:
                order = place(**fields)
            else:
                order = services.create_order(
                    actor=request.user,
                    elder_id=int(values["elder_id"]) if is_digits(values.get("elder_id", "")) else None,
                    source=values.get("source") or OrderSource.PHONE,
                    **fields,
                )
        except DomainError as failure:
            error, errors = failure.message, getattr(failure, "errors", None) or {}
        else:
            messages.success(request, _("Order #%(id)s was placed.") % {"id": order.pk})
            return redirect("orders:detail", order_id=order.pk)
    chosen = None
    wanted = elder_id if elder_id is not None else values.get("elder_id", "")
    if is_digits(str(wanted)):
        found = elders_to_order_for(request.user).filter(pk=int(wanted)).first()
        chosen = _elder_row(found) if found else None
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    return render(
        request,
        "orders/desk.html",
        {
            "values": values,
            "error": error,
            "errors": errors,
            # Read by name here: in a template ``errors.items`` would be the dict's method when no service
            # is wrong, and print every other error as dict_items([...]).
            "item_error": errors.get("items", ""),
            "chosen": chosen,
            "served_only": permissions.places_orders_as_provider(request.user),
            "items": ServiceItem.objects.filter(active=True).order_by("category", "position", "code"),
            "ticked": values.getlist("items") if values else [],
            "sources": [
                (value, label)
                for value, label in OrderSource.choices
                if value in (OrderSource.PHONE, OrderSource.COMMUNITY)
            ],
            "default_day": tomorrow.isoformat(),
            "action": action,
            "banner": banner,
            "fixed_elder": elder_id is not None,
        },
    )


# --- boards ------------------------------------------------------------------------------------------------


def _board_filters(request) -> dict:
    get = request.GET
    return {
        "state": get.get("state", ""),
        "community": get.get("community", ""),
        "provider": int(get["provider"]) if is_digits(get.get("provider", "")) else None,
        "date": optional_date(get.get("date")),
        "source": get.get("source", ""),
        "elder": int(get["elder"]) if is_digits(get.get("elder", "")) else None,
    }


def _board_context(request) -> dict:
    filters = _board_filters(request)
    scoped = orders_for(request.user)
    without_state = filter_orders(scoped, **{**filters, "state": ""})
    # Newest first: what came in last is what the desk is asked about (oldest first buried it on page 40).
    orders = filter_orders(scoped, **filters).order_by("-created_at", "-id")
    page = paginate(orders, page=page_number(request.GET.get("page")), page_size=BOARD_PAGE_SIZE)
    rows = [_row(order) for order in page.items]
    return {
        "filters": filters,
        "page": page,
        "rows": rows,
        "counts": [
            (value, label, n)
            for (value, label), n in zip(S.choices, state_counts(without_state).values(), strict=True)
        ],
        "query": request.GET.urlencode(),
        "now": timezone.now(),
    }


def _row(order: Order) -> dict:
    now = timezone.now()
    minutes_left = None
    if order.state == S.DISPATCHED and order.respond_by:
        minutes_left = max(0, int((order.respond_by - now).total_seconds() // 60))
    return {
        "order": order,
        "elder_name": order.elder.name,
        "elder_phone": mask_phone(order.elder.phone),
        "minutes_left": minutes_left,
        "overdue": order.state == S.DISPATCHED and order.respond_by is not None and order.respond_by < now,
    }


@roles_page(permissions.BOARD_ROLES)
def board(request):
    """Orders by state with counts and filters; the table re-reads itself every 5 s."""
    context = _board_context(request)
    context.update(
        states=S.choices,
        sources=OrderSource.choices,
        communities=regions_in_scope(request.user.scope, level=Level.COMMUNITY)
        if request.user.effective_role != Role.PROVIDER_ADMIN
        else [],
    )
    return render(request, "orders/board.html", context)


@roles_page(permissions.BOARD_ROLES)
def board_table(request):
    return render(request, "orders/_board_table.html", _board_context(request))


def _provider_board_context(request) -> dict:
    mine = orders_for(request.user).prefetch_related("lines__item")
    incoming = [_row(o) for o in mine.filter(state=S.DISPATCHED).order_by("respond_by", "id")]
    to_assign = []
    for order in mine.filter(state=S.ACCEPTED).order_by("window_start", "id"):
        row = _row(order)
        row["eligible"] = _eligible_caregivers(order)
        to_assign.append(row)
    upcoming = [
        _row(o) for o in mine.filter(state__in=[S.ASSIGNED, S.IN_SERVICE]).order_by("window_start", "id")[:50]
    ]
    return {"incoming": incoming, "to_assign": to_assign, "upcoming": upcoming}


def _eligible_caregivers(order: Order) -> list[StaffMember]:
    staff = (
        StaffMember.objects.filter(provider_id=order.provider_id, active=True)
        .select_related("provider")
        .prefetch_related("certificates", "provider__contracts")
        .order_by("name", "pk")
    )
    return [member for member in staff if not services.assignment_problems(order, member)]


@roles_page(permissions.PROVIDER_BOARD_ROLES)
def provider_board(request):
    """The provider's incoming orders with the time left to answer, accept / reject, and assignment from
    the caregivers who may do each order; the lists re-read themselves every 5 s."""
    return render(request, "orders/provider_board.html", _provider_board_context(request))


@roles_page(permissions.PROVIDER_BOARD_ROLES)
def provider_board_table(request):
    return render(request, "orders/_provider_board_table.html", _provider_board_context(request))


# --- one order ---------------------------------------------------------------------------------------------


@login_required
def detail(request, order_id: int):
    order = get_order_for(request.user, order_id)
    actions = services.actions_for(request.user, order)
    return render(
        request,
        "orders/detail.html",
        {
            "order": order,
            "elder_name": order.elder.name,
            "elder_phone": mask_phone(order.elder.phone),
            "lines": [
                {
                    "line": line,
                    "total": line.unit_price_fen * line.quantity if line.unit_price_fen is not None else None,
                }
                for line in order.lines.all()
            ],
            "transitions": transitions_for(request.user, order.pk),
            "visit": Visit.objects.filter(order=order).select_related("caregiver").first(),
            "exceptions": order.exceptions.all(),
            "actions": actions,
            "eligible": _eligible_caregivers(order) if "assign" in actions else [],
            "row": _row(order),
            "may_complain": permissions.may_file_complaints(request.user) and order.provider_id,
            "may_call_back": permissions.may_call_back(request.user),
            "complaint_sources": ComplaintSource.choices,
        },
    )


ACTIONS = {
    "accept": lambda user, order_id, post: services.accept_order(actor=user, order_id=order_id),
    "reject": lambda user, order_id, post: services.reject_order(
        actor=user, order_id=order_id, reason=post.get("reason", "")
    ),
    "assign": lambda user, order_id, post: services.assign_caregiver(
        actor=user, order_id=order_id, staff_id=int(post.get("staff_id") or 0)
    ),
    "cancel": lambda user, order_id, post: services.cancel_order(
        actor=user, order_id=order_id, reason=post.get("reason", "")
    ),
    "dispute": lambda user, order_id, post: services.dispute_order(
        actor=user, order_id=order_id, reason=post.get("reason", "")
    ),
    "resolve-dispute": lambda user, order_id, post: services.resolve_dispute(
        actor=user, order_id=order_id, outcome=post.get("outcome", ""), resolution=post.get("resolution", "")
    ),
    "settle": lambda user, order_id, post: services.settle_order(actor=user, order_id=order_id),
}


# What the message after each button says happened (not a bare "Saved.").
ACTION_DONE = {
    "accept": gettext_lazy("Order #%(id)s accepted: assign a caregiver to it."),
    "reject": gettext_lazy("Order #%(id)s rejected: it goes back to dispatch for another provider."),
    "assign": gettext_lazy("Caregiver assigned to order #%(id)s."),
    "cancel": gettext_lazy("Order #%(id)s cancelled."),
    "dispute": gettext_lazy("Order #%(id)s is disputed: a supervisor will look at it."),
    "resolve-dispute": gettext_lazy("The dispute on order #%(id)s is resolved."),
    "settle": gettext_lazy("Order #%(id)s settled."),
}


@require_POST
@login_required
def action(request, order_id: int, name: str):
    """One step of the order from a console button; the outcome is a message on the next page. After a
    rejection the provider no longer sees the order, so it goes back to its board."""
    step = ACTIONS.get(name)
    if step is None:
        raise PermissionDenied
    perform(request, lambda: step(request.user, order_id, request.POST), ACTION_DONE[name] % {"id": order_id})
    if (
        request.POST.get("next") == "provider_board"
        or not orders_for(request.user).filter(pk=order_id).exists()
    ):
        return redirect(
            "orders:provider_board" if request.user.effective_role == Role.PROVIDER_ADMIN else "orders:board"
        )
    return redirect("orders:detail", order_id=order_id)


# --- complaints -------------------------------------------------------------------------------------------


@roles_page(permissions.COMPLAINT_PAGE_ROLES)
def complaint_list(request):
    state = request.GET.get("state", "")
    found = complaints_for(request.user)
    if state:
        found = found.filter(state=state)
    error = ""
    if request.method == "POST":
        try:
            complaint = complaints.file_complaint(
                actor=request.user,
                source=request.POST.get("source", ""),
                description=request.POST.get("description", ""),
                order_id=int(request.POST["order_id"])
                if is_digits(request.POST.get("order_id", ""))
                else None,
            )
        except DomainError as failure:
            error = failure.message
        else:
            messages.success(request, _("Complaint #%(id)s was received.") % {"id": complaint.pk})
            return redirect("orders:complaint", complaint_id=complaint.pk)
    return render(
        request,
        "orders/complaints.html",
        {
            "page": paginate(found, page=page_number(request.GET.get("page"))),
            "query": f"state={state}",
            "state": state,
            "states": ComplaintState.choices,
            "sources": ComplaintSource.choices,
            "may_file": permissions.may_file_complaints(request.user),
            "error": error,
            "values": request.POST,
        },
    )


@roles_page(permissions.COMPLAINT_PAGE_ROLES)
def complaint_detail(request, complaint_id: int):
    complaint = get_complaint_for(request.user, complaint_id)
    steps = complaints.next_steps(complaint)
    return render(
        request,
        "orders/complaint_detail.html",
        {
            "complaint": complaint,
            "may_assign": "assign" in steps and permissions.may_manage_complaints(request.user),
            "may_resolve": "resolve" in steps and permissions.may_resolve_complaint(request.user, complaint),
            "may_close": "close" in steps and permissions.may_manage_complaints(request.user),
            "handlers": complaints.handlers_for(complaint) if "assign" in steps else [],
            "outcomes": ComplaintOutcome.choices,
        },
    )


COMPLAINT_ACTIONS = {
    "assign": lambda user, pk, post: complaints.assign_complaint(
        actor=user, complaint_id=pk, assignee_id=int(post.get("assignee_id") or 0)
    ),
    "resolve": lambda user, pk, post: complaints.resolve_complaint(
        actor=user, complaint_id=pk, outcome=post.get("outcome", ""), resolution=post.get("resolution", "")
    ),
    "close": lambda user, pk, post: complaints.close_complaint(actor=user, complaint_id=pk),
}


@require_POST
@roles_page(permissions.COMPLAINT_PAGE_ROLES)
def complaint_action(request, complaint_id: int, name: str):
    step = COMPLAINT_ACTIONS.get(name)
    if step is None:
        raise PermissionDenied
    perform(request, lambda: step(request.user, complaint_id, request.POST))
    return redirect("orders:complaint", complaint_id=complaint_id)
