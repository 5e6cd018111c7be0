"""The operators' live alarm console: the queue of open incidents and one incident's panel.

Both pages follow the ``incidents`` live stream (``alarms.live``) with an EventSource: the queue
updates in place, an urgent alarm blinks and beeps; the incident page refreshes its panel when someone
else changes the incident. Every button posts to one workflow service of ``alarms.incidents``.
"""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shouwang.core import live as core_live
from shouwang.core.errors import DomainError, Forbidden, NotFound, ValidationFailed
from shouwang.elders.panels import summaries_for
from shouwang.elders.permissions import may_reveal
from shouwang.web.decorators import console_page, roles_page

from . import incidents as workflow
from .live import incident_stream
from .models import (
    ContactResult,
    IncidentKind,
    IncidentState,
    Outcome,
    Priority,
    ResponderKind,
)
from .permissions import ALARM_ROLES, is_urgent, was_answered
from .selectors import delivery_alert, get_incident_for, open_queue, recent_events, storage_alerts

S = IncidentState

# The queue shows at most this many open incidents; the API lists them all.
QUEUE_LIMIT = 300


alarm_console = roles_page(ALARM_ROLES)


def _labels() -> dict:
    """Display names the page's script needs, in the user's language."""
    return {
        "kind": dict(IncidentKind.choices),
        "state": dict(IncidentState.choices),
        "priority": dict(Priority.choices),
        "open": _("Open"),
        "new_urgent": _("New urgent alarm"),
        "reported_late": _("reported late (迟报), device time"),
        "sound_on": _("Alarm sound on"),
        "live": _("Live: new alarms appear at once"),
        "reconnecting": _("Connection lost: reconnecting…"),
    }


@alarm_console
def queue(request):
    """The open incidents in the order an operator takes them: urgent first, then oldest first."""
    incidents = open_queue(request.user)
    return render(
        request,
        "alarms/console/queue.html",
        {
            "incidents": incidents[:QUEUE_LIMIT],
            "total": len(incidents),
            "after": core_live.latest_id(),
            "labels": _labels(),
            "time_zone": settings.TIME_ZONE,
            "storage_alerts": storage_alerts(),
            "delivery_alert": delivery_alert(),
        },
    )


@alarm_console
def stream(request):
    """The console's Server-Sent Events (session auth), filtered to the user's scope."""
    return incident_stream(request, request.user)


def _panel_context(request, incident, error: str = "") -> dict:
    elder = incident.elder
    return {
        "incident": incident,
        "elder": elder,
        "contacts": list(elder.contacts.order_by("priority", "pk")) if elder else [],
        "steps": list(incident.steps.select_related("actor")),
        "attempts": list(incident.contact_attempts.select_related("contact", "actor")),
        "events": recent_events(incident.device),
        "may_reveal": bool(elder) and may_reveal(request.user),
        "responder_kinds": ResponderKind.choices,
        "outcomes": Outcome.choices,
        "contact_results": ContactResult.choices,
        "error": error,
        "time_zone": settings.TIME_ZONE,
        "close_needs_call": is_urgent(incident) and not was_answered(incident),
        **_buttons(incident.state),
    }


# Which buttons a state shows; the services decide (a stale page gets the 409 message in the panel).
_CONTACT_STATES = {S.ACKNOWLEDGED, S.CALLING_ELDER, S.CALLING_CONTACTS, S.RESPONDER_SENT, S.ON_SITE}


def _buttons(state: str) -> dict[str, bool]:
    return {
        "can_acknowledge": state == S.RECEIVED,
        "can_call_elder": state in (S.ACKNOWLEDGED, S.CALLING_CONTACTS),
        "can_contact": state in _CONTACT_STATES,
        "can_send": state in (S.ACKNOWLEDGED, S.CALLING_ELDER, S.CALLING_CONTACTS, S.RESPONDER_SENT),
        "can_on_site": state == S.RESPONDER_SENT,
        "can_close": state in _CONTACT_STATES,
    }


@alarm_console
def incident(request, incident_id: int):
    """One incident: the elder, the map, the medical summary, contacts, device events, the workflow."""
    found = get_incident_for(request.user, incident_id)
    context = _panel_context(request, found) | {
        "after": core_live.latest_id(),
        "labels": _labels(),
        "location": _location(found),
        # Leaflet comes from django-leaflet's static files; without tiles the page only links to a map.
        "map_tiles": settings.SHOUWANG_MAP_TILES_URL,
        "map_attribution": settings.SHOUWANG_MAP_ATTRIBUTION,
        # The health summary (conditions, allergies, medications, family doctor, hospital), when an app
        # offers one (elders.panels.register_summary).
        "health_sections": summaries_for(request, found.elder, "incident") if found.elder else [],
    }
    return render(request, "alarms/console/incident.html", context)


def _location(incident) -> dict | None:
    """Where to look: the device's reported position, else the elder's home (WGS-84)."""
    # OSM tiles are WGS-84 too; only a Chinese (GCJ-02) tile server would need converting at display.
    elder = incident.elder
    if incident.lat is not None and incident.lon is not None:
        return {"lat": incident.lat, "lon": incident.lon, "source": "device"}
    if elder and elder.lat is not None and elder.lon is not None:
        return {"lat": elder.lat, "lon": elder.lon, "source": "home"}
    return None


@alarm_console
def panel(request, incident_id: int):
    """The workflow panel alone, for htmx to refresh when the stream says the incident changed."""
    found = get_incident_for(request.user, incident_id)
    return render(request, "alarms/console/_panel.html", _panel_context(request, found))


def _acknowledge(request, incident_id):
    workflow.acknowledge(actor=request.user, incident=incident_id)


def _call_elder(request, incident_id):
    workflow.start_calling_elder(actor=request.user, incident=incident_id)


def _contact(request, incident_id):
    workflow.record_contact_attempt(
        actor=request.user,
        incident=incident_id,
        result=request.POST.get("result", ""),
        contact=request.POST.get("contact") or None,
    )


def _responder(request, incident_id):
    workflow.send_responder(
        actor=request.user,
        incident=incident_id,
        kind=request.POST.get("kind", ""),
        note=request.POST.get("note", ""),
    )


def _on_site(request, incident_id):
    workflow.mark_on_site(actor=request.user, incident=incident_id, note=request.POST.get("note", ""))


def _close(request, incident_id):
    workflow.close(
        actor=request.user,
        incident=incident_id,
        outcome=request.POST.get("outcome", ""),
        notes=request.POST.get("notes", ""),
    )


ACTIONS = {
    "acknowledge": _acknowledge,
    "call-elder": _call_elder,
    "contact": _contact,
    "responder": _responder,
    "on-site": _on_site,
    "close": _close,
}


@require_POST
@alarm_console
def act(request, incident_id: int, action: str):
    """One workflow button. htmx gets the refreshed panel (with the refusal, if the step was not
    allowed); a plain form post goes back to the incident page."""
    step = ACTIONS.get(action)
    if step is None:
        raise NotFound(_("Unknown action."))
    error = ""
    try:
        step(request, incident_id)
    except (NotFound, Forbidden):
        raise
    except DomainError as refused:
        error = refused.message
    if not request.htmx:
        return redirect("alarms:incident", incident_id=incident_id)
    found = get_incident_for(request.user, incident_id)
    return render(request, "alarms/console/_panel.html", _panel_context(request, found, error))


@console_page("alarms:report")
def report(request):
    """Answer times per team (district) for one month against the sector targets, in the user's scope."""
    month = request.GET.get("month") or timezone.localdate().strftime("%Y-%m")
    error, teams = "", []
    try:
        teams = workflow.answer_time_report(request.user, month)
    except ValidationFailed as invalid:
        error = invalid.message
    return render(
        request,
        "alarms/console/report.html",
        {
            "month": month,
            "teams": [_report_row(team) for team in teams],
            "targets": [
                {"seconds": seconds, "percent": target * 100} for seconds, target in workflow.TARGETS
            ],
            "error": error,
        },
    )


def _report_row(team: dict) -> dict:
    """A team's figures with the shares as percentages, one cell per answer target."""
    targets = [
        {
            "percent": None if team[f"within_{seconds}s"] is None else team[f"within_{seconds}s"] * 100,
            "meets": team[f"meets_{seconds}s"],
        }
        for seconds, _target in workflow.TARGETS
    ]
    rate = team["false_alarm_rate"]
    return team | {"targets": targets, "false_alarm_percent": None if rate is None else rate * 100}
