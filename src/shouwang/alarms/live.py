"""Incidents on the live push: every committed change becomes one message on the ``incidents`` channel,
and each stream lets through only the messages of incidents its user may see.

Imported by ``AlarmsConfig.ready()``, which connects the receiver.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import transaction

from shouwang.core import live
from shouwang.core.scope import scope_of

from .permissions import may_see_alarms
from .selectors import incident_payload
from .signals import incident_recorded

logger = logging.getLogger(__name__)

CHANNEL = "incidents"


def publish_incident(sender=None, *, incident, change: str, **kwargs) -> None:
    """Push the incident as it is now, with what changed, in the transaction of the change itself: the
    message exists exactly when the change does, even if the process dies right after the commit. A
    failure to push must not undo an alarm, so it runs in a savepoint and is only logged; the console
    still shows the change on its next reload."""
    try:
        with transaction.atomic():
            live.publish(CHANNEL, incident_payload(incident) | {"change": change})
    except Exception:
        logger.exception("live push of incident %s (%s) failed", incident.pk, change)


def visible_to(user) -> Callable[[dict], bool]:
    """The scope check of ``selectors.incidents_for`` on a pushed payload, without a query per message:
    alarm roles see their region subtrees (admins everything, including incidents without a community)."""
    if not may_see_alarms(user):
        return lambda payload: False
    scope = scope_of(user)
    if scope.everything:
        return lambda payload: True
    return lambda payload: bool(payload.get("community")) and scope.covers_region(payload["community"])


def incident_stream(request, user):
    """The SSE response of incident messages ``user`` may see (the console and the API share it)."""
    return live.sse_response(request, channels=[CHANNEL], visible=visible_to(user))


incident_recorded.connect(publish_incident, dispatch_uid="alarms.live.publish_incident")
