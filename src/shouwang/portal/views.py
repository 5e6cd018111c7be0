"""The family portal's pages (phone-first, 适老化): one task per page, plain words, no pop-ups; a form that
fails shows what was typed again with the reason beside it. And the console page where a community worker
links a family to an elder of their community."""

from __future__ import annotations

import datetime as dt
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shouwang.alarms.checkins import checked_in_today, record_checkin
from shouwang.alarms.models import CheckInChannel
from shouwang.alarms.selectors import incidents_of_elder
from shouwang.benefits.selectors import elder_benefits, voucher_history
from shouwang.catalog.selectors import items_for
from shouwang.core.errors import DomainError
from shouwang.core.masking import mask_phone
from shouwang.core.text import is_digits
from shouwang.elders.models import ConsentWay
from shouwang.elders.services import update_contacts
from shouwang.orders import complaints, confirmation
from shouwang.orders.models import ComplaintSource, OrderSource, OrderState
from shouwang.orders.services import create_order
from shouwang.visits import help as visit_help
from shouwang.visits import volunteers
from shouwang.visits.selectors import visits_received

from . import services
from .permissions import may_use_portal
from .selectors import (
    care_plan,
    family_links_of,
    get_elder_order,
    get_my_elder,
    links_of,
    my_elders,
    quote,
    upcoming_and_past,
)

TEXT_COOKIE = "sw_text"
TEXT_COOKIE_AGE = 400 * 24 * 3600  # the longest a browser keeps a cookie
# The hours a visit may be asked to start at, and how long the window is (the provider comes within it).
START_HOURS = tuple(range(8, 19))
WINDOW = dt.timedelta(hours=2)
MAX_CONTACTS = 3


def portal_page(view):
    """Login required and an elder or family login; the elders inside are the ones linked to it."""

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not may_use_portal(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _render(request, template: str, context: dict | None = None, status: int = 200):
    context = {"large_text": request.COOKIES.get(TEXT_COOKIE) == "large", **(context or {})}
    return render(request, f"portal/{template}", context, status=status)


@portal_page
def home(request):
    """The linked elders, each a large button to its page, and the way to link another."""
    links = links_of(request.user)
    elders = [(elder, links.get(elder.pk)) for elder in my_elders(request.user)]
    return _render(request, "home.html", {"elders": elders})


@require_POST
@login_required
def text_size(request):
    """The larger-text switch: kept in a cookie for a year, so it holds on this phone across logins."""
    large = request.COOKIES.get(TEXT_COOKIE) != "large"
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("portal:home")
    response = HttpResponseRedirect(target)
    if large:
        response.set_cookie(TEXT_COOKIE, "large", max_age=TEXT_COOKIE_AGE, samesite="Lax", httponly=True)
    else:
        response.delete_cookie(TEXT_COOKIE, samesite="Lax")
    return response


@portal_page
def link(request):
    """Link an elder: their ID number, then the code sent to their phone (their consent)."""
    id_number = request.POST.get("id_number", "").strip()
    step = request.POST.get("step", "")
    error, sent = "", False
    if request.method == "POST":
        try:
            if step == "send":
                services.request_link_code(actor=request.user, id_number=id_number)
                sent = True
            else:
                made = services.link_by_code(
                    actor=request.user,
                    id_number=id_number,
                    code=request.POST.get("code", ""),
                    relation=request.POST.get("relation", ""),
                )
                messages.success(request, _("You are now linked to %(name)s.") % {"name": made.elder.name})
                return redirect("portal:elder", elder_id=made.elder_id)
        except DomainError as failure:
            error = failure.message
            sent = step != "send"
    context = {
        "id_number": id_number,
        "sent": sent,
        "error": error,
        "relation": request.POST.get("relation", ""),
    }
    return _render(request, "link.html", context, status=422 if error else 200)


@portal_page
def elder(request, elder_id: int):
    """One elder: the check-in button, then one large button per task."""
    found = get_my_elder(request.user, elder_id)
    return _render(request, "elder.html", {"elder": found, "checked_in": checked_in_today(found.pk)})


@require_POST
@portal_page
def checkin(request, elder_id: int):
    found = get_my_elder(request.user, elder_id)
    try:
        record_checkin(actor=request.user, elder_id=found.pk, channel=CheckInChannel.PORTAL)
    except DomainError as failure:
        messages.error(request, failure.message)
    else:
        messages.success(request, _("Thank you. Today's “I am fine” is recorded."))
    return redirect("portal:elder", elder_id=found.pk)


@portal_page
def plan(request, elder_id: int):
    found = get_my_elder(request.user, elder_id)
    return _render(request, "plan.html", {"elder": found, "lines": care_plan(found)})


@portal_page
def service_list(request, elder_id: int):
    """Upcoming services, then past ones, with the caregiver and the times the visit was verified; and the
    community's regular visits (巡访) the elder received."""
    found = get_my_elder(request.user, elder_id)
    upcoming, past = upcoming_and_past(request.user, found)
    context = {
        "elder": found,
        "upcoming": upcoming,
        "past": past,
        "visits": visits_received(request.user, found.pk),
        "confirmable": volunteers.confirmable_visits(request.user, found.pk),
        "help_received": visit_help.help_received(request.user, found.pk),
    }
    return _render(request, "services.html", context)


@require_POST
@portal_page
def confirm_visit(request, elder_id: int, visit_id: int):
    """The elder or family confirms a volunteer's visit took place; the volunteer earns its hours, once."""
    found = get_my_elder(request.user, elder_id)
    try:
        volunteers.confirm_visit(actor=request.user, task_id=visit_id)
    except DomainError as failure:
        messages.error(request, failure.message)
    else:
        messages.success(request, _("Thank you. The visit is confirmed."))
    return redirect(reverse("portal:services", kwargs={"elder_id": found.pk}) + "#visits-received")


@require_POST
@portal_page
def confirm_help(request, elder_id: int, help_id: int):
    """The elder or family confirms an escort or companionship took place; the volunteer earns its hours."""
    found = get_my_elder(request.user, elder_id)
    try:
        visit_help.confirm_help(actor=request.user, help_id=help_id)
    except DomainError as failure:
        messages.error(request, failure.message)
    else:
        messages.success(request, _("Thank you. The help is confirmed."))
    return redirect(reverse("portal:services", kwargs={"elder_id": found.pk}) + "#help-received")


@portal_page
def service(request, elder_id: int, order_id: int):
    """One service; when it is finished and not yet confirmed, the form to confirm and rate it."""
    found = get_my_elder(request.user, elder_id)
    order = get_elder_order(request.user, found, order_id)
    error = ""
    if request.method == "POST":
        try:
            confirmation.confirm_in_portal(
                actor=request.user,
                order_id=order.pk,
                rating=request.POST.get("rating"),
                comment=request.POST.get("comment", ""),
                done=request.POST.get("done", "yes") != "no",
            )
        except DomainError as failure:
            error = failure.message
        else:
            messages.success(request, _("Thank you. Your rating is recorded."))
            return redirect("portal:service", elder_id=found.pk, order_id=order.pk)
    context = {
        "elder": found,
        "order": order,
        "visit": getattr(order, "visit", None),
        "may_confirm": order.state == OrderState.COMPLETED,
        "error": error,
        "ratings": range(5, 0, -1),
        "comment": request.POST.get("comment", ""),
    }
    return _render(request, "service.html", context, status=422 if error else 200)


@portal_page
def complain(request, elder_id: int, order_id: int):
    """Complain about one service (the complaints workflow of the service desk)."""
    found = get_my_elder(request.user, elder_id)
    order = get_elder_order(request.user, found, order_id)
    error = ""
    description = request.POST.get("description", "")
    if request.method == "POST":
        try:
            made = complaints.file_complaint(
                actor=request.user, source=ComplaintSource.FAMILY, description=description, order_id=order.pk
            )
        except DomainError as failure:
            error = failure.message
        else:
            messages.success(
                request,
                _("Your complaint (number %(id)s) was received. We will call you back.") % {"id": made.pk},
            )
            return redirect("portal:service", elder_id=found.pk, order_id=order.pk)
    context = {"elder": found, "order": order, "error": error, "description": description}
    return _render(request, "complain.html", context, status=422 if error else 200)


def _order_choices(request, elder) -> tuple[list, list]:
    planned = care_plan(elder)
    codes = {line.code for line in planned}
    others = [item for item in items_for(request.user) if item.code not in codes]
    return planned, others


def _window(day_text: str, hour_text: str) -> tuple[dt.datetime | None, dt.datetime | None]:
    try:
        day = dt.date.fromisoformat(day_text)
        hour = int(hour_text)
    except (TypeError, ValueError):
        return None, None
    if hour not in START_HOURS:
        return None, None
    start = timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))
    return start, start + WINDOW


@portal_page
def order(request, elder_id: int):
    """Ask for a service: choose it (from the care plan first, then the catalogue), the day and the hour;
    then see the price, the voucher part and the self-pay; then confirm."""
    found = get_my_elder(request.user, elder_id)
    planned, others = _order_choices(request, found)
    post = request.POST
    code, day, hour = post.get("code", ""), post.get("day", ""), post.get("hour", "")
    quantity = int(post["quantity"]) if is_digits(post.get("quantity", "")) else 1
    error, shown = "", None
    if request.method == "POST":
        item = next((i for i in items_for(request.user) if i.code == code), None)
        start, end = _window(day, hour)
        if item is None:
            error = _("Choose a service.")
        elif start is None:
            error = _("Choose the day and the hour.")
        elif post.get("step") == "confirm":
            try:
                made = create_order(
                    actor=request.user,
                    elder_id=found.pk,
                    items=[{"code": item.code, "quantity": quantity}],
                    window_start=start,
                    window_end=end,
                    source=OrderSource.FAMILY,
                )
            except DomainError as failure:
                error = failure.message
            else:
                messages.success(request, _("Your request was sent. We will tell you who comes."))
                return redirect("portal:service", elder_id=found.pk, order_id=made.pk)
        else:
            shown = quote(found, item, quantity, start.date())
    today = timezone.localdate()
    context = {
        "elder": found,
        "planned": planned,
        "others": others,
        "code": code,
        "day": day or (today + dt.timedelta(days=1)).isoformat(),
        "hour": int(hour) if is_digits(hour) else START_HOURS[1],
        "hours": START_HOURS,
        "quantity": quantity,
        "quantities": range(1, 6),
        "first_day": today.isoformat(),
        "quote": shown,
        "error": error,
    }
    template = "order_check.html" if shown is not None else "order.html"
    return _render(request, template, context, status=422 if error else 200)


@portal_page
def money(request, elder_id: int):
    """Allowances this month with their reasons, the voucher balance and its history."""
    found = get_my_elder(request.user, elder_id)
    month = timezone.localdate().replace(day=1)
    context = {
        "elder": found,
        "benefits": elder_benefits(request.user, found.pk, month),
        "history": voucher_history(request.user, found.pk),
    }
    return _render(request, "money.html", context)


@portal_page
def alarms(request, elder_id: int):
    found = get_my_elder(request.user, elder_id)
    incidents = incidents_of_elder(request.user, found.pk)[:30]
    return _render(request, "alarms.html", {"elder": found, "incidents": incidents})


@portal_page
def contacts(request, elder_id: int):
    """The emergency contacts the alarm desk calls, in order; up to three, each a name, relation, phone.
    Phones are shown masked: a masked phone sent back unchanged keeps the number on record."""
    found = get_my_elder(request.user, elder_id)
    kept = list(found.contacts.all())
    error = ""
    if request.method == "POST":
        given = []
        for n in range(1, MAX_CONTACTS + 1):
            phone = request.POST.get(f"phone_{n}", "").strip()
            if n <= len(kept) and phone and phone == mask_phone(kept[n - 1].phone):
                phone = kept[n - 1].phone
            given.append(
                {
                    "name": request.POST.get(f"name_{n}", ""),
                    "relation": request.POST.get(f"relation_{n}", ""),
                    "phone": phone,
                    "is_keyholder": request.POST.get(f"keyholder_{n}") == "on",
                }
            )
        try:
            update_contacts(actor=request.user, elder_id=found.pk, contacts=given)
        except DomainError as failure:
            error = failure.message
            rows = given
        else:
            messages.success(request, _("The emergency contacts are saved."))
            return redirect("portal:elder", elder_id=found.pk)
    else:
        rows = [
            {"name": c.name, "relation": c.relation, "phone": c.phone, "is_keyholder": c.is_keyholder}
            for c in kept
        ]
    rows = [{**row, "phone": mask_phone(row.get("phone", ""))} for row in rows]
    rows = (rows + [{}] * MAX_CONTACTS)[:MAX_CONTACTS]
    numbered = [(n, row) for n, row in enumerate(rows, start=1)]
    context = {"elder": found, "rows": numbered, "error": error}
    return _render(request, "contacts.html", context, status=422 if error else 200)


@portal_page
def unlink(request, elder_id: int):
    """Stop following an elder (the elder's data is no longer shown to this login)."""
    found = get_my_elder(request.user, elder_id)
    if request.method == "POST":
        services.unlink(actor=request.user, elder_id=found.pk, user_id=request.user.pk)
        messages.success(request, _("You are no longer linked to %(name)s.") % {"name": found.name})
        return redirect("portal:home")
    return _render(request, "unlink.html", {"elder": found})


# --- the console: a community worker links a family ------------------------------------------------------


@login_required
def family_links(request, elder_id: int):
    """The families linked to an elder, with their consent; link another or end a link."""
    found, links = family_links_of(request.user, elder_id)
    error = ""
    if request.method == "POST":
        try:
            if request.POST.get("action") == "unlink":
                services.unlink(
                    actor=request.user, elder_id=found.pk, user_id=int(request.POST.get("user_id") or 0)
                )
                messages.success(request, _("The link was ended."))
            else:
                services.link_by_worker(
                    actor=request.user,
                    elder_id=found.pk,
                    username=request.POST.get("username", ""),
                    relation=request.POST.get("relation", ""),
                    consent_way=request.POST.get("consent_way", ""),
                )
                messages.success(request, _("The family login is linked."))
        except (DomainError, ValueError) as failure:
            error = getattr(failure, "message", "") or _("Choose a link.")
        else:
            return redirect("portal:family_links", elder_id=found.pk)
    context = {
        "elder": found,
        "links": links,
        "ways": [(w.value, w.label) for w in (ConsentWay.IN_PERSON, ConsentWay.PHONE_CALL)],
        "error": error,
        "form": request.POST,
    }
    return render(request, "portal/family_links.html", context, status=422 if error else 200)
