"""The regular-visit section of an elder's record page (registered with ``elders.panels``): the risk tier
and why, the visit plan, and the latest visits."""

from django.template.loader import render_to_string

from .models import TaskState
from .permissions import may_read_risk
from .referrals import is_overdue, referrals_for
from .selectors import last_visits, tasks_for
from .tiers import risk_of


def elder_panel(request, elder) -> str:
    """The elder is already in the user's scope (the record page found them)."""
    if not may_read_risk(request.user):
        return ""
    return render_to_string(
        "visits/_elder_panel.html",
        {
            "risk": risk_of(elder),
            "open_tasks": tasks_for(request.user).filter(elder=elder, state=TaskState.OPEN),
            "visits": last_visits(request.user, elder.pk),
            "referrals": [
                {"referral": referral, "overdue": is_overdue(referral)}
                for referral in referrals_for(request.user).filter(elder=elder).order_by("-created_at")[:5]
            ],
        },
        request=request,
    )
