"""Who may do what with alarm incidents, and what must have happened before an incident may close.

An urgent incident (an SOS, a fall, gas or smoke: ``Priority.URGENT``) is someone who may be lying on the
floor: it may close only once the operator has recorded a call to the elder or to one of the contacts, or
sent a responder. A false alarm (误报) is closed with a note saying how it was found to be false, so the
false-alarm rate in the answer-time report can be checked against what was done.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from .models import Outcome, Priority


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
    from .incidents import HANDLER_ROLES

    return getattr(user, "effective_role", None) in HANDLER_ROLES and not close_blockers(
        incident, outcome=outcome, notes=notes
    )
