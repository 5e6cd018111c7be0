"""The work queues of the home page: what each user has to do next, first on the page.

Every queue is read through the owning app's selectors (they take the user and keep to their scope), and
shown only to a user whose role may open the page the queue leads to (``navigation.role_may_open``) or
whom the app's ``permissions`` name. A queue is a dict for the template, or None when it is not this
user's; an empty queue is still shown, saying plainly that nothing waits.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from shouwang.alarms.selectors import open_queue
from shouwang.assessments.permissions import is_assessor, may_organise_assessments
from shouwang.assessments.selectors import due_by_community, due_for_assessment, forms_assigned_to
from shouwang.benefits.permissions import may_read_runs
from shouwang.benefits.selectors import runs_awaiting
from shouwang.orders.evv import next_visit, todays_visits
from shouwang.orders.models import OrderState
from shouwang.orders.selectors import offers_to_answer, orders_for, state_counts, visits_of_day

from .navigation import role_may_open

# How many items a queue lists on the home page; its page lists them all.
SHOWN = 8


def _whole_minutes(delta: dt.timedelta) -> int:
    return max(0, int(delta.total_seconds() // 60))


def alarm_queue(user) -> dict | None:
    """Open incidents in the order an operator takes them (urgent first, then oldest), with how long
    each has waited; the home page re-reads this every few seconds."""
    if not role_may_open(user, "alarms:console"):
        return None
    incidents = open_queue(user)
    now = timezone.now()
    return {
        "items": [
            {
                "incident": incident,
                "waiting_minutes": _whole_minutes(now - incident.opened_at),
            }
            for incident in incidents[:SHOWN]
        ],
        "total": len(incidents),
    }


def provider_queue(user) -> dict | None:
    """A provider admin's offers waiting for an answer (the deadline soonest first, with the minutes
    left), the accepted orders still without a caregiver, and today's visits."""
    if not role_may_open(user, "orders:provider_board"):
        return None
    now = timezone.now()
    offers = offers_to_answer(user)
    visits = visits_of_day(user)
    return {
        "offers": [
            {
                "order": order,
                "minutes_left": _whole_minutes(order.respond_by - now) if order.respond_by else None,
            }
            for order in offers[:SHOWN]
        ],
        "offer_count": offers.count(),
        "to_assign": state_counts(orders_for(user))[OrderState.ACCEPTED],
        "visits": list(visits[:SHOWN]),
        "visit_count": visits.count(),
    }


def caregiver_queue(user) -> dict | None:
    """The caregiver's next visit (still checked in, or the next assigned one from today on) and how many
    of today's visits are still to do."""
    if not role_may_open(user, "orders:my_visits"):
        return None
    return {
        "next": next_visit(user),
        "left_today": todays_visits(user)
        .filter(state__in=[OrderState.ASSIGNED, OrderState.IN_SERVICE])
        .count(),
    }


def assessor_queue(user) -> dict | None:
    """The forms the assessor is named on that wait for them, and the elders assigned to them who are due."""
    if not is_assessor(user):
        return None
    forms = forms_assigned_to(user)
    due = due_for_assessment(user)
    return {
        "forms": list(forms[:SHOWN]),
        "form_count": forms.count(),
        "due": list(due[:SHOWN]),
        "due_count": due.count(),
    }


def due_breakdown(user, elder_count: int) -> dict | None:
    """Elders due for assessment split into never assessed, overdue and due within 30 days, in total and
    by community (one grouped query), with the share of ``elder_count`` active elders."""
    if not may_organise_assessments(user):
        return None
    rows = due_by_community(user)
    totals = {kind: sum(row[kind] for row in rows) for kind in ("never", "overdue", "soon", "total")}
    return {
        "rows": rows,
        "totals": totals,
        "percent": round(100 * totals["total"] / elder_count) if elder_count else 0,
    }


def order_queue(user) -> dict | None:
    """Orders in the user's area that wait for the desk: not dispatched yet, or refused by a provider."""
    if not role_may_open(user, "orders:board"):
        return None
    counts = state_counts(orders_for(user))
    return {"created": counts[OrderState.CREATED], "rejected": counts[OrderState.REJECTED]}


def run_queue(user) -> dict | None:
    """Eligibility runs whose next review step (审核/审批) is the user's to take."""
    if not may_read_runs(user):
        return None
    return {"runs": runs_awaiting(user)}


def queues_for(user, *, elder_count: int = 0) -> dict:
    """Every queue of the user's, by name (None for the ones that are not theirs)."""
    return {
        "alarm_queue": alarm_queue(user),
        "provider_queue": provider_queue(user),
        "caregiver_queue": caregiver_queue(user),
        "assessor_queue": assessor_queue(user),
        "due_breakdown": due_breakdown(user, elder_count),
        "order_queue": order_queue(user),
        "run_queue": run_queue(user),
    }
