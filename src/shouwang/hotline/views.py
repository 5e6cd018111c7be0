"""The hotline desk (养老服务热线): the operators' whole screen. A number pops up who is calling and the
elder's card; the call is recorded with its reason and outcome (an emergency opens an alarm incident);
orders, complaints and confirmations are done on the elder's behalf from the call, through the orders
desk and workflows that exist. Beside it: call-backs, the day's active-care list, the knowledge base
and the statistics. Thin: every read is a selector, every write a service; phones are masked (the full
numbers are revealed on the elder's page, audited)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shouwang.core.errors import DomainError, ValidationFailed
from shouwang.core.forms import attach_error, optional_date, optional_int, perform
from shouwang.core.masking import mask_phone
from shouwang.core.pagination import page_number, paginate
from shouwang.orders.models import OrderState
from shouwang.orders.selectors import orders_for
from shouwang.orders.views import desk_page
from shouwang.web.decorators import console_page, roles_page

from . import permissions, selectors, services
from .forms import ArticleForm, CallBackCloseForm, CallForm, CareDoneForm, ComplaintForm, ConfirmForm
from .models import CallReason

CALL_PAGE_SIZE = 50


# --- the desk -----------------------------------------------------------------------------------------


@console_page("hotline:desk")
def desk(request):
    """Who is calling (by number), their elder's card, and the form to record the call."""
    number = request.GET.get("number", "").strip()
    elder_id = optional_int(request.GET.get("elder"))
    matches: list[selectors.CallerMatch] = []
    lookup_error, normalised = "", ""
    if number:
        try:
            normalised, matches = selectors.lookup_caller(request.user, number)
        except ValidationFailed as refused:
            lookup_error = refused.message
    if elder_id is None:
        elders = {elder.pk for match in matches for elder in match.elders}
        if len(elders) == 1:
            elder_id = elders.pop()
    card = None
    if elder_id is not None:
        try:
            card = selectors.elder_card(request.user, elder_id)
        except DomainError as failure:
            messages.error(request, failure.message)
    form = CallForm(
        initial={
            "caller_number": normalised or number,
            "elder_id": card.elder.pk if card else None,
            "started_at": timezone.now().isoformat(timespec="seconds"),
        },
        assignees=selectors.call_back_assignees(request.user),
    )
    return render(
        request, "hotline/desk.html", _desk_context(request, number, matches, lookup_error, card, form)
    )


def _desk_context(request, number, matches, lookup_error, card, form) -> dict:
    return {
        "number": number,
        "matches": matches,
        "lookup_error": lookup_error,
        "card": card,
        "form": form,
        "overdue": list(selectors.overdue_call_backs(request.user)[:10]),
        "care_open": selectors.care_calls_for(request.user).filter(done_at__isnull=True).count(),
        "articles": selectors.search_articles(request.user, "", limit=5),
    }


@require_POST
@console_page("hotline:desk")
def record(request):
    """Record the call of the desk's form; an emergency also opens an incident in the alarm console."""
    form = CallForm(request.POST, assignees=selectors.call_back_assignees(request.user))
    if form.is_valid():
        data = form.cleaned_data
        try:
            call = services.record_call(
                actor=request.user,
                reason=data["reason"],
                outcome=data["outcome"],
                caller_number=data["caller_number"],
                elder_id=data["elder_id"],
                duration_seconds=data["duration_seconds"],
                summary=data["summary"],
                started_at=data["started_at"],
                call_back_due=data["call_back_due"],
                call_back_assignee_id=data["call_back_assignee_id"],
                call_back_note=data["call_back_note"],
            )
        except DomainError as failure:
            attach_error(form, failure, drawn_hidden={"elder_id"})
        else:
            if call.incident_id:
                messages.warning(
                    request,
                    _("Call #%(id)s recorded; alarm #%(incident)s was opened in the alarm console.")
                    % {"id": call.pk, "incident": call.incident_id},
                )
            else:
                messages.success(request, _("Call #%(id)s recorded.") % {"id": call.pk})
            return redirect("hotline:call", call_id=call.pk)
    elder_id = optional_int(request.POST.get("elder_id"))
    card = None
    if elder_id is not None:
        try:
            card = selectors.elder_card(request.user, elder_id)
        except DomainError:
            card = None
    number = request.POST.get("caller_number", "")
    context = _desk_context(request, number, [], "", card, form)
    return render(request, "hotline/desk.html", context, status=422)


@roles_page(permissions.KNOWLEDGE_READERS)
def knowledge_search(request):
    """The htmx partial of the desk's knowledge search."""
    q = request.GET.get("q", "")
    return render(
        request,
        "hotline/_articles.html",
        {"articles": selectors.search_articles(request.user, q), "q": q},
    )


# --- calls ---------------------------------------------------------------------------------------------


@roles_page(permissions.DESK_ROLES)
def call_list(request):
    reason = request.GET.get("reason", "")
    since = optional_date(request.GET.get("since"))
    calls = selectors.filter_calls(
        selectors.calls_for(request.user),
        reason=reason if reason in CallReason.values else "",
        since=timezone.make_aware(dt.datetime.combine(since, dt.time.min)) if since else None,
    )
    page = paginate(calls, page=page_number(request.GET.get("page")), page_size=CALL_PAGE_SIZE)
    return render(
        request,
        "hotline/calls.html",
        {
            "page": page,
            "reasons": CallReason.choices,
            "reason": reason,
            "since": since.isoformat() if since else "",
            "query": urlencode({"reason": reason, "since": since.isoformat() if since else ""}),
            "rows": [(call, mask_phone(call.caller_number)) for call in page.items],
        },
    )


def _call_context(request, call) -> dict:
    orders = list(orders_for(request.user).filter(elder_id=call.elder_id).order_by("-window_start")[:20])
    finished = [order for order in orders if order.state == OrderState.COMPLETED]
    return {
        "call": call,
        "caller": mask_phone(call.caller_number),
        "call_backs": list(call.call_backs.select_related("assignee", "done_by")),
        "on_behalf": list(call.on_behalf.select_related("order", "complaint")),
        "close_form": CallBackCloseForm(),
        "complaint_form": ComplaintForm(orders=orders, initial={"source": "elder"}),
        "confirm_form": ConfirmForm(orders=finished) if finished else None,
        "now": timezone.now(),
    }


@roles_page(permissions.DESK_ROLES)
def call_detail(request, call_id: int):
    call = selectors.get_call_for(request.user, call_id)
    return render(request, "hotline/call.html", _call_context(request, call))


@roles_page(permissions.DESK_ROLES)
def call_order(request, call_id: int):
    """The phone desk's own order page, placing the order for the call's elder and linking it (代办)."""
    call = selectors.get_call_for(request.user, call_id)
    if call.elder is None:
        messages.error(request, _("Choose the elder of the call before ordering for them."))
        return redirect("hotline:call", call_id=call.pk)

    def place(**fields):
        return services.place_order_on_behalf(actor=request.user, call_id=call.pk, **fields)

    return desk_page(
        request,
        place=place,
        elder_id=call.elder_id,
        action=reverse("hotline:call_order", args=[call.pk]),
        banner=_("Ordering on behalf of %(elder)s during call #%(id)s (代办).")
        % {"elder": call.elder.name, "id": call.pk},
    )


@require_POST
@roles_page(permissions.DESK_ROLES)
def call_complaint(request, call_id: int):
    """File a complaint for the call's elder through the complaints workflow, linked to the call (代办)."""
    call = selectors.get_call_for(request.user, call_id)
    orders = list(orders_for(request.user).filter(elder_id=call.elder_id)[:20]) if call.elder_id else []
    form = ComplaintForm(request.POST, orders=orders)
    if form.is_valid():
        data = form.cleaned_data
        try:
            complaint = services.complain_on_behalf(
                actor=request.user,
                call_id=call.pk,
                description=data["description"],
                order_id=data["order_id"],
                provider_id=data["provider_id"],
                source=data["source"],
            )
        except DomainError as failure:
            attach_error(form, failure, drawn_hidden={"elder_id"})
        else:
            messages.success(
                request, _("Complaint #%(id)s filed on the elder's behalf.") % {"id": complaint.pk}
            )
            return redirect("hotline:call", call_id=call.pk)
    context = {**_call_context(request, call), "complaint_form": form}
    return render(request, "hotline/call.html", context, status=422)


@require_POST
@roles_page(permissions.DESK_ROLES)
def call_confirm(request, call_id: int):
    """Record the elder's confirmation and rating of a finished service said on the call (代办)."""
    call = selectors.get_call_for(request.user, call_id)
    finished = list(
        orders_for(request.user).filter(elder=call.elder, state=OrderState.COMPLETED)[:20]
        if call.elder
        else []
    )
    form = ConfirmForm(request.POST, orders=finished)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.confirm_on_behalf(
                actor=request.user,
                call_id=call.pk,
                order_id=data["order_id"],
                rating=data["rating"],
                comment=data["comment"],
            )
        except DomainError as failure:
            attach_error(form, failure, drawn_hidden={"elder_id"})
        else:
            messages.success(request, _("The service was confirmed on the elder's behalf."))
            return redirect("hotline:call", call_id=call.pk)
    context = {**_call_context(request, call), "confirm_form": form}
    return render(request, "hotline/call.html", context, status=422)


@require_POST
@roles_page(permissions.DESK_ROLES)
def call_checkin(request, call_id: int):
    """The elder said on the call that they are fine: the day's check-in, made for them (代办)."""
    call = selectors.get_call_for(request.user, call_id)
    perform(
        request,
        lambda: services.checkin_on_behalf(actor=request.user, call_id=call.pk),
        _("Checked in for the elder: the watch counts today as fine."),
    )
    return redirect("hotline:call", call_id=call.pk)


# --- call-backs ----------------------------------------------------------------------------------


@roles_page(permissions.DESK_ROLES)
def call_backs(request):
    now = timezone.now()
    rows = list(selectors.open_call_backs(request.user)[:200])
    return render(
        request,
        "hotline/call_backs.html",
        {"rows": rows, "now": now, "overdue_count": sum(1 for row in rows if row.due_at < now)},
    )


@require_POST
@roles_page(permissions.DESK_ROLES)
def call_back_close(request, call_back_id: int):
    form = CallBackCloseForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else request.POST.get("note", "")
    perform(
        request,
        lambda: services.close_call_back(actor=request.user, call_back_id=call_back_id, note=note),
        _("The call-back is done."),
    )
    back = request.POST.get("next", "")
    return redirect(back if back.startswith("/hotline/") else reverse("hotline:call_backs"))


# --- active care ---------------------------------------------------------------------------------


@roles_page(permissions.DESK_ROLES)
def care(request):
    """Today's active-care calls (主动关怀) to elders who live alone, the ones still to call first."""
    care_calls = selectors.care_calls_for(request.user)
    # Still-to-call rows sort first, so the first page is the desk's work; a city's list is thousands long.
    page = paginate(care_calls, page=page_number(request.GET.get("page")))
    return render(
        request,
        "hotline/care.html",
        {
            "rows": [(row, mask_phone(row.elder.phone)) for row in page.items],
            "page": page,
            "open": care_calls.filter(done_at__isnull=True).count(),
            "form": CareDoneForm(initial={"outcome": "resolved"}),
            "day": timezone.localdate(),
        },
    )


@require_POST
@roles_page(permissions.DESK_ROLES)
def care_make(request):
    """Make today's list now rather than wait for the hourly job (adds only who is missing)."""
    perform(request, lambda: services.generate_care_calls(actor=request.user), _("Today's list is ready."))
    return redirect("hotline:care")


@require_POST
@roles_page(permissions.DESK_ROLES)
def care_done(request, care_call_id: int):
    form = CareDoneForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("hotline:care")
    data = form.cleaned_data
    perform(
        request,
        lambda: services.complete_care_call(
            actor=request.user,
            care_call_id=care_call_id,
            outcome=data["outcome"],
            duration_seconds=data["duration_seconds"],
            summary=data["summary"],
        ),
        _("The active-care call is recorded."),
    )
    return redirect("hotline:care")


# --- knowledge base ------------------------------------------------------------------------------


@console_page("hotline:knowledge")
def knowledge(request):
    q = request.GET.get("q", "")
    keeper = permissions.may_keep_knowledge(request.user)
    articles = (
        selectors.search_articles(request.user, q, limit=200)
        if q
        else list(selectors.articles_for(request.user, include_retired=keeper)[:200])
    )
    return render(
        request,
        "hotline/knowledge.html",
        {"articles": articles, "q": q, "may_keep": keeper, "form": ArticleForm() if keeper else None},
    )


@roles_page(permissions.KNOWLEDGE_KEEPERS)
def article_edit(request, article_id: int | None = None):
    """Create (no ``article_id``) or edit an article."""
    article = selectors.get_article_for(request.user, article_id) if article_id else None
    initial = (
        {"question": article.question, "answer": article.answer, "keywords": article.keywords}
        if article
        else {}
    )
    form = ArticleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if article is None:
                services.create_article(actor=request.user, **form.cleaned_data)
            else:
                services.update_article(actor=request.user, article_id=article.pk, **form.cleaned_data)
        except DomainError as failure:
            attach_error(form, failure, drawn_hidden={"elder_id"})
        else:
            messages.success(request, _("Saved."))
            return redirect("hotline:knowledge")
    return render(request, "hotline/article_form.html", {"form": form, "article": article})


@require_POST
@roles_page(permissions.KNOWLEDGE_KEEPERS)
def article_retire(request, article_id: int):
    perform(
        request, lambda: services.retire_article(actor=request.user, article_id=article_id), _("Retired.")
    )
    return redirect("hotline:knowledge")


# --- statistics ----------------------------------------------------------------------------------


@console_page("hotline:stats")
def stats(request):
    last = optional_date(request.GET.get("last")) or timezone.localdate()
    first = optional_date(request.GET.get("first")) or last - dt.timedelta(days=29)
    if first > last or (last - first).days > 366:
        return HttpResponseBadRequest(_("Choose a first day before the last, at most a year apart."))
    rows = selectors.call_statistics(request.user, first=first, last=last)
    totals = {reason: sum(row[reason] for row in rows) for reason in CallReason.values}
    return render(
        request,
        "hotline/stats.html",
        {
            "rows": rows,
            "reasons": CallReason.choices,
            "totals": totals,
            "total": sum(totals.values()),
            "first": first,
            "last": last,
        },
    )
