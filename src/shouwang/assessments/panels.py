"""The assessment section of an elder's record page (registered with ``elders.panels``)."""

from django.template.loader import render_to_string

from . import careplans, scoring
from .models import Assessment, CarePlan
from .permissions import may_plan_care, may_start_assessment
from .selectors import assessors_for


def elder_panel(request, elder) -> str:
    """Current level, the history of assessments and the care plans; the elder is already in scope."""
    user = request.user
    if not may_start_assessment(user):
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
            # A worker or official starts the form for an assessor, chosen here.
            "assessors": assessors_for(user),
            "may_plan": may_plan_care(user),
            "services": careplans.CARE_SERVICES.items(),
        },
        request=request,
    )
