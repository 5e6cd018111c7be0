"""Who may do what with alarms: the console, devices and incidents, and what must have happened before an
incident may close. The incidents and devices a user reaches are still limited by their scope
(``selectors``). Services, the live push and the console all ask these predicates.

An urgent incident (an SOS, a fall, gas or smoke: ``Priority.URGENT``) is someone who may be lying on the
floor: it may close only once the operator has recorded a call to the elder or to one of the contacts, or
sent a responder. A false alarm (误报) is closed with a note saying how it was found to be false, so the
false-alarm rate in the answer-time report can be checked against what was done.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from shouwang.core.permissions import BUREAU_ROLES, REGION_STAFF_ROLES, role_of
from shouwang.core.roles import Role

from .models import Outcome, Priority

# Roles that see alarms in their region scope (admins see all) and manage the devices there.
ALARM_ROLES = REGION_STAFF_ROLES
# Roles that handle incidents (in their scope): acknowledge, call, send, note, close.
INCIDENT_HANDLERS = REGION_STAFF_ROLES
# The answer-time report is for those who supervise the call centre, and the call centre itself.
ANSWER_TIME_READERS = BUREAU_ROLES | {Role.OPERATOR}
# Who records an elder's daily "I am fine" without a device: the family in the portal, the desk on a call.
CHECKIN_RECORDERS = REGION_STAFF_ROLES | {Role.ELDER}
# Who reads one elder's alarms and their outcomes: the alarm roles, and the elder's family (the portal).
ELDER_ALARM_READERS = ALARM_ROLES | {Role.ELDER}


def may_see_alarms(user) -> bool:
    """The alarm console, incidents and devices (of the user's scope)."""
    return role_of(user) in ALARM_ROLES and user.is_active


def may_record_checkins(user) -> bool:
    return role_of(user) in CHECKIN_RECORDERS


def may_read_elder_alarms(user) -> bool:
    return role_of(user) in ELDER_ALARM_READERS


def may_manage_devices(user) -> bool:
    return role_of(user) in ALARM_ROLES


def may_register_unbound_device(user) -> bool:
    """A device with no elder yet (stock, a spare) is registered by the platform admin only."""
    return role_of(user) == Role.ADMIN


def may_read_rejections(user) -> bool:
    """Rejected device messages may not name a known device, so they are not anyone's region's: the
    platform admin reads them."""
    return may_see_alarms(user) and role_of(user) == Role.ADMIN


def may_handle_incidents(user) -> bool:
    """Whether the user's role handles incidents; which incidents is their scope's business."""
    return role_of(user) in INCIDENT_HANDLERS


def may_read_answer_times(user) -> bool:
    return role_of(user) in ANSWER_TIME_READERS


def close_blockers(incident, *, outcome: str, notes: str) -> dict[str, str]:
    """What is missing before ``incident`` may close with ``outcome`` and ``notes``, as field → message in
    plain language; empty when it may close. Counts the calls and the responder already saved."""
    missing: dict[str, str] = {}
    if not outcome:
        missing["outcome"] = _("Choose the outcome: nothing is chosen for you.")
    elif outcome not in Outcome.values:
        missing["outcome"] = _("Choose one of the listed outcomes.")
    notes = (notes or "").strip()
    if outcome == Outcome.FALSE_ALARM and not notes:
        missing["notes"] = _("A false alarm needs a note saying how it was found to be false.")
    elif outcome == Outcome.OTHER and not notes:
        missing["notes"] = _("Say in the notes what happened.")
    if is_urgent(incident) and not was_answered(incident):
        missing["contact"] = _(
            "An urgent alarm cannot close before a call to the elder or to a contact is recorded, "
            "or a responder is sent."
        )
    return missing


def is_urgent(incident) -> bool:
    """An alarm that may mean someone is hurt (SOS, fall, gas, smoke)."""
    return incident.priority == Priority.URGENT


def was_answered(incident) -> bool:
    """Someone acted on the alarm: a call to the elder or a contact is recorded, or a responder sent."""
    return bool(incident.responder_kind) or incident.contact_attempts.exists()


def may_close_incident(user, incident, *, outcome: str, notes: str = "") -> bool:
    """Whether ``user`` may close ``incident`` now with ``outcome``: the user handles incidents and nothing
    the close needs is missing (see :func:`close_blockers`). Scope is the selectors' business."""
    return may_handle_incidents(user) and not close_blockers(incident, outcome=outcome, notes=notes)
