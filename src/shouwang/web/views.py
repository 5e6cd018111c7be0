"""Home pages by role, the health check and the friendly error pages."""

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.db.models import Count
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from shouwang.accounts.selectors import users_for
from shouwang.alarms.selectors import delivery_alert, storage_alerts
from shouwang.assessments.models import State
from shouwang.assessments.selectors import assessments_for, due_for_assessment
from shouwang.core.outbox import failed_messages_for, unsent_message_counts
from shouwang.core.roles import Role
from shouwang.core.selectors import audit_log_for
from shouwang.elders.models import LivingArrangement
from shouwang.elders.selectors import elders_for
from shouwang.portal.permissions import may_use_portal
from shouwang.providers.selectors import providers_for
from shouwang.regions.models import Level
from shouwang.regions.selectors import regions_in_scope

from . import permissions as pages
from .decorators import console_page
from .navigation import role_may_open
from .queues import alarm_queue, queues_for


def _region_overview(user) -> dict:
    elders = elders_for(user).filter(status="active")
    eighty_ago = timezone.localdate() - dt.timedelta(days=80 * 365 + 20)
    by_community = (
        elders.values("community_id", "community__name").annotate(total=Count("id")).order_by("community_id")
    )
    return {
        "elder_count": elders.count(),
        "alone_count": elders.filter(living_arrangement=LivingArrangement.ALONE).count(),
        "aged_80_count": elders.filter(birth_date__lte=eighty_ago).count(),
        "community_count": regions_in_scope(user.scope, level=Level.COMMUNITY).count(),
        "by_community": by_community[:60],
    }


def _assessment_work(user) -> dict:
    """What waits in assessment: elders due or overdue, forms in progress, results waiting for review."""
    forms = assessments_for(user)
    return {
        "due": due_for_assessment(user, within_days=30).count(),
        "drafts": forms.filter(state__in=[State.DRAFT, State.RETURNED]).count(),
        "to_review": forms.filter(state=State.SUBMITTED).count(),
    }


@login_required
def home(request):
    """The user's work queues first (``queues``), then the figures of their area."""
    user = request.user
    role = user.effective_role
    if may_use_portal(user):  # an elder or family login lands on its own portal, not the console
        return redirect("portal:home")
    context = {"role": role}
    # The registry's figures for the roles that read the registry, the assessment counts for those who
    # open the assessment pages: the same table as the navigation.
    if role_may_open(user, "elders:list"):
        context.update(_region_overview(user))
    if role == Role.ADMIN:
        context["unsent_messages"] = failed_messages_for(user).count()
    if role in pages.BUREAU_OVERVIEW_ROLES:
        context["provider_count"] = providers_for(user).count()
        context["user_count"] = users_for(user).count()
        context["recent_audit"] = audit_log_for(user)[:8]
    if role_may_open(user, "assessments:list"):
        context["assessment_work"] = _assessment_work(user)
    if role == Role.PROVIDER_ADMIN:
        context["provider"] = providers_for(user).first()
        context["staff"] = users_for(user)[:50]
    queues = queues_for(user, elder_count=context.get("elder_count", 0))
    context.update(queues, has_queue=any(queue is not None for queue in queues.values()))
    return render(request, "web/home.html", context)


@console_page("alarms:console")
def home_alarms(request):
    """The open-alarm queue of the home page alone, which the page re-reads every few seconds (htmx)."""
    return render(request, "web/_home_alarms.html", {"alarm_queue": alarm_queue(request.user)})


@require_GET
def healthz(request):
    """200 when the database answers; load balancers and the CLI use it. ``status`` is "degraded" (still
    200: this web server can serve) while an MQTT bridge fails to store alarms (``alarm_storage`` names
    it) or while device heartbeats go missing across the fleet (``device_delivery``, ``alarms.delivery``):
    monitoring alerts on any status but "ok"."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # any database failure means "not healthy", whatever its type
        return JsonResponse({"status": "error", "database": str(error)}, status=503)
    # Monitoring reads these too: an MQTT bridge that cannot store alarms, messages given up and queued ones
    # no retry has taken up for long (no worker running). Counts only; the messages are on the console.
    body = {"status": "ok", "database": "ok", "messages": unsent_message_counts()}
    if alerts := storage_alerts():
        body["status"] = "degraded"
        body["alarm_storage"] = [
            {"bridge": alert["bridge"], "since": alert["since"].isoformat(), "waiting": alert["waiting"]}
            for alert in alerts
        ]
    if alert := delivery_alert():
        body["status"] = "degraded"
        body["device_delivery"] = {
            "since": alert["since"].isoformat(),
            "percent": alert["percent"],
            "devices": alert["devices"],
        }
    return JsonResponse(body)


def _error(request, status: int, heading: str, explanation: str):
    context = {"status": status, "heading": heading, "explanation": explanation}
    return render(request, "web/error.html", context, status=status)


def forbidden(request, exception=None):
    return _error(
        request,
        403,
        _("You do not have access to this page"),
        _(
            "This page belongs to another role or to data outside your area. "
            "Ask your administrator if you need it."
        ),
    )


def bad_request(request, exception=None):
    return _error(
        request,
        400,
        _("The request could not be read"),
        _(
            "It held something the platform cannot accept, such as a character that cannot be stored "
            "(NUL) pasted from another program. Go back and type the text again."
        ),
    )


def not_found(request, exception=None):
    return _error(
        request,
        404,
        _("Page not found"),
        _("The page or record does not exist, or it is outside your area."),
    )


def server_error(request):
    return _error(
        request,
        500,
        _("Something went wrong"),
        _("The error has been logged. Please try again in a moment; nothing was half-saved."),
    )
