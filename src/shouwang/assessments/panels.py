"""The assessment section of an elder's record page (registered with ``elders.panels``)."""

from django.template.loader import render_to_string

from shouwang.accounts.models import Role

from . import careplans, scoring
from .models import Assessment, CarePlan

STARTERS = frozenset({Role.ADMIN, Role.OFFICIAL, Role.COMMUNITY_WORKER, Role.ASSESSOR})
PLANNERS = frozenset({Role.ADMIN, Role.OFFICIAL, Role.COMMUNITY_WORKER})


def elder_panel(request, elder) -> str:
    """Current level, the history of assessments and the care plans; the elder is already in scope."""
    role = request.user.effective_role
    if role not in STARTERS:
        return ""
    return render_to_string(
        "assessments/_elder_panel.html",
        {
            "elder": elder,
            "level_name": scoring.level_name(elder.ability_level) if elder.ability_level is not None else "",
            "assessments": Assessment.objects.filter(elder=elder).select_related("assessor_1", "assessor_2")[
                :10
            ],
            "plans": CarePlan.objects.filter(elder=elder)[:5],
            "may_start": True,
            "may_plan": role in PLANNERS,
            "services": careplans.CARE_SERVICES.items(),
        },
        request=request,
    )
