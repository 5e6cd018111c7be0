"""Console pages of visit verification: the caregiver's phone pages (today's visits, one visit with
check-in, check-out and the elder's confirmation) and the supervisors' exceptions queue and corrections.

The phone pages post ordinary forms; a small script (orders/static/orders/visits.js) fills in the phone's
location, the signature drawing and the photo before the form goes. Caregivers see only their own visits.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shouwang.core.errors import DomainError
from shouwang.core.forms import perform
from shouwang.core.geo import wgs84_to_gcj02
from shouwang.core.pagination import page_number, paginate
from shouwang.elders.panels import summaries_for
from shouwang.web.decorators import roles_page

from . import confirmation, evv, permissions
from .models import CorrectionState, ExceptionKind, ExceptionState, Order, OrderState


def map_links(order) -> dict | None:
    """An Amap marker link (GCJ-02, what Chinese map apps expect) and a plain geo: link for the home."""
    home = evv.home_of(order)
    if home is None:
        return None
    lat, lon = wgs84_to_gcj02(*home)
    query = urlencode({"position": f"{lon:.6f},{lat:.6f}", "name": order.address or order.elder.address,
                       "coordinate": "gaode", "callnative": "1"})  # fmt: skip
    return {"amap": f"https://uri.amap.com/marker?{query}", "geo": f"geo:{home[0]:.6f},{home[1]:.6f}"}


@roles_page(permissions.CAREGIVER_ROLES)
def my_visits(request):
    from shouwang.routes.selectors import planned_starts_for

    # A published route plan orders the day (routes app); otherwise the windows do.
    planned = planned_starts_for(request.user, timezone.localdate())
    rows = [
        TodaysVisit(order=order, map=map_links(order), planned_at=planned.get(order.pk))
        for order in evv.todays_visits(request.user)
    ]
    rows.sort(key=lambda row: (row.planned_at or row.order.window_start, row.order.pk))
    return render(request, "orders/visits/my_visits.html", {"rows": rows, "today": timezone.localdate()})


@dataclass(frozen=True)
class TodaysVisit:
    """A line of the caregiver's day: the order, its map links, and its planned start if a route says."""

    order: Order
    map: dict | None
    planned_at: dt.datetime | None


@roles_page(permissions.CAREGIVER_ROLES)
def visit(request, order_id: int):
    order = evv.get_visit_order_for(request.user, order_id)
    visit = getattr(order, "visit", None)
    return render(
        request,
        "orders/visits/visit.html",
        {
            "order": order,
            "visit": visit,
            "health_sections": summaries_for(request, order.elder, "visit"),
            "map": map_links(order),
            "lines": list(order.lines.all()),
            "radius": settings.SHOUWANG_EVV_RADIUS_M,
            "states": OrderState,
            "stars": range(5, 0, -1),
            "code_sent": order.confirmation_codes.filter(used_at__isnull=True).exists(),
            "corrections": order.corrections.order_by("-created_at")[:5],
            "problems": evv.open_exceptions_of(order) if visit else [],
        },
    )


def _run(request, order_id: int, step, success: str):
    """One button on the visit page: run the service, say what happened, back to the page."""
    perform(request, step, success)
    return redirect("orders:visit", order_id=order_id)


def _done(request) -> bool:
    return request.POST.get("not_done") != "1"


@require_POST
@roles_page(permissions.CAREGIVER_ROLES)
def check_in(request, order_id: int):
    post = request.POST
    try:
        visit = evv.check_in(
            actor=request.user,
            order_id=order_id,
            lat=post.get("lat"),
            lon=post.get("lon"),
            accuracy_m=post.get("accuracy") or None,
        )
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("orders:visit", order_id=order_id)
    problems = evv.open_exceptions_of(visit.order)
    if problems:
        # Not a green "checked in": the caregiver learns at once that something is off (a wrong address, the
        # wrong day), while the exception waits for the supervisor all the same.
        messages.warning(
            request,
            _("Checked in, but: %(problems)s This is recorded for your supervisor; tell them why if you can.")
            % {"problems": " ".join(problem.detail for problem in problems)},
        )
    else:
        messages.success(request, _("Checked in."))
    return redirect("orders:visit", order_id=order_id)


@require_POST
@roles_page(permissions.CAREGIVER_ROLES)
def check_out(request, order_id: int):
    post = request.POST
    return _run(
        request,
        order_id,
        lambda: evv.check_out(
            actor=request.user,
            order_id=order_id,
            lat=post.get("lat"),
            lon=post.get("lon"),
            accuracy_m=post.get("accuracy") or None,
            photo=request.FILES.get("photo"),
        ),  # fmt: skip
        _("Checked out. Now ask the elder to confirm."),
    )


def _confirm(request, order_id: int, confirm, **proof):
    """The elder confirms on the caregiver's screen (``proof``: the signature or the SMS code)."""
    evv.get_visit_order_for(request.user, order_id)
    post = request.POST
    return _run(
        request,
        order_id,
        lambda: confirm(
            actor=request.user,
            order_id=order_id,
            rating=post.get("rating"),
            comment=post.get("comment", ""),
            done=_done(request),
            **proof,
        ),
        _("The elder's confirmation is recorded."),
    )


@require_POST
@roles_page(permissions.CAREGIVER_ROLES)
def sign(request, order_id: int):
    return _confirm(
        request, order_id, confirmation.confirm_by_signature, signature=request.POST.get("signature", "")
    )


@require_POST
@roles_page(permissions.CAREGIVER_ROLES)
def send_code(request, order_id: int):
    evv.get_visit_order_for(request.user, order_id)
    return _run(
        request,
        order_id,
        lambda: confirmation.send_code(actor=request.user, order_id=order_id),
        _("A code was sent to the elder's phone."),
    )


@require_POST
@roles_page(permissions.CAREGIVER_ROLES)
def enter_code(request, order_id: int):
    return _confirm(request, order_id, confirmation.confirm_by_code, code=request.POST.get("code", ""))


@require_POST
@roles_page(permissions.CAREGIVER_ROLES)
def request_correction(request, order_id: int):
    evv.get_visit_order_for(request.user, order_id)
    post = request.POST
    return _run(
        request,
        order_id,
        lambda: evv.request_correction(
            actor=request.user,
            order_id=order_id,
            checkin_at=post.get("checkin_at") or None,
            checkout_at=post.get("checkout_at") or None,
            reason=post.get("reason", ""),
        ),  # fmt: skip
        _("The correction was sent to your supervisor."),
    )


@require_POST
@roles_page(permissions.CALLBACK_CONFIRMERS)
def confirm_callback(request, order_id: int):
    """An operator records a call-back (the form is ``orders/visits/_callback_form.html``, for inclusion
    on any order page); back to the page it came from."""
    post = request.POST
    perform(
        request,
        lambda: confirmation.confirm_by_callback(
            actor=request.user,
            order_id=order_id,
            rating=post.get("rating"),
            comment=post.get("comment", ""),
            done=_done(request),
            note=post.get("note", ""),
        ),  # fmt: skip
        _("The elder's confirmation is recorded."),
    )
    back = post.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("web:home")
    return redirect(back)


# --- supervisors ---------------------------------------------------------------------------------------


@roles_page(permissions.VISIT_REVIEWERS)
def exceptions(request):
    state = request.GET.get("state", ExceptionState.OPEN)
    kind = request.GET.get("kind", "")
    found = evv.exceptions_for(
        request.user,
        state=state if state in ExceptionState.values else "",
        kind=kind if kind in ExceptionKind.values else "",
    )
    return render(
        request,
        "orders/visits/exceptions.html",
        {
            "page": paginate(found, page=page_number(request.GET.get("page"))),
            "query": urlencode({"state": state, "kind": kind}),
            "state": state,
            "kind": kind,
            "states": ExceptionState.choices,
            "kinds": ExceptionKind.choices,
        },
    )


@require_POST
@roles_page(permissions.VISIT_REVIEWERS)
def resolve_exception(request, exception_id: int):
    perform(
        request,
        lambda: evv.resolve_exception(
            actor=request.user,
            exception_id=exception_id,
            accept=request.POST.get("decision") == "accept",
            explanation=request.POST.get("explanation", ""),
        ),
    )
    return redirect(f"{reverse('orders:exceptions')}?{request.POST.get('query', '')}")


@roles_page(permissions.CORRECTION_READERS)
def corrections(request):
    state = request.GET.get("state", CorrectionState.PENDING)
    found = evv.corrections_for(request.user, state=state if state in CorrectionState.values else "")
    page = paginate(found, page=page_number(request.GET.get("page")))
    labels = {"checkin_at": _("check-in"), "checkout_at": _("check-out")}
    for correction in page.items:
        correction.asked = [
            (labels.get(name, name), dt.datetime.fromisoformat(value))
            for name, value in correction.changes.items()
        ]
    return render(
        request,
        "orders/visits/corrections.html",
        {
            "page": page,
            "query": urlencode({"state": state}),
            "state": state,
            "states": CorrectionState.choices,
            "may_decide": permissions.may_review_visits(request.user),
        },
    )


@require_POST
@roles_page(permissions.VISIT_REVIEWERS)
def decide_correction(request, correction_id: int):
    perform(
        request,
        lambda: evv.decide_correction(
            actor=request.user,
            correction_id=correction_id,
            approve=request.POST.get("decision") == "approve",
            note=request.POST.get("note", ""),
        ),
    )
    return redirect("orders:corrections")
