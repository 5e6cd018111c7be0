"""The health sections other pages show: on the elder's record page (``elders.panels``: the summary, the
charts of each vital and the open care tasks) and, through ``elders.panels.register_summary``, what the
operator sees on an incident and the caregiver before a visit — each only what their work needs."""

from __future__ import annotations

from django.template.loader import render_to_string

from .charts import charts_for
from .models import CareTask, CareTaskState, VitalKind
from .permissions import may_read_health, may_record_vitals, sees_clinical_contacts
from .selectors import conditions_of, latest_vitals, summary_of, thresholds_of


def elder_panel(request, elder) -> str:
    """The elder is already in the user's scope (the record page found them)."""
    if not may_read_health(request.user):
        return ""
    return render_to_string(
        "health/_elder_panel.html",
        {
            "elder": elder,
            "summary": summary_of(elder),
            "conditions": conditions_of(elder),
            "charts": charts_for(elder, thresholds_of(elder)),
            "open_tasks": CareTask.objects.filter(elder=elder, state=CareTaskState.OPEN),
            "clinical": sees_clinical_contacts(request.user),
        },
        request=request,
    )


def health_summary(request, elder, page: str) -> str:
    """For the operator on an incident: conditions, allergies, medications, the family doctor and the
    hospital of choice, the latest readings. For the caregiver before a visit: conditions, allergies,
    medications and the latest readings, and a form to record a reading taken there."""
    if elder is None or not may_read_health(request.user):
        return ""
    operator = page == "incident"
    return render_to_string(
        "health/_summary.html",
        {
            "elder": elder,
            "summary": summary_of(elder),
            "conditions": conditions_of(elder),
            "latest": latest_vitals(elder),
            "clinical": operator and sees_clinical_contacts(request.user),
            "record_form": not operator and may_record_vitals(request.user),
            "kinds": VitalKind.choices,
            "next": request.get_full_path(),
        },
        request=request,
    )
