"""Console forms of supervision; the services check what they collect."""

from __future__ import annotations

from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from shouwang.core.forms import ConsoleForm

from .models import Severity, TargetKind

DATE = {"type": "date"}


class PlanForm(ConsoleForm):
    title = forms.CharField(label=_("Title"), max_length=120, required=False)
    region = forms.ChoiceField(label=_("Region"))
    target_kind = forms.ChoiceField(label=_("What is inspected"), choices=TargetKind.choices)
    sample_size = forms.IntegerField(label=_("Targets to draw"), min_value=1, max_value=1000, initial=5)
    inspectors_per_target = forms.IntegerField(
        label=_("Inspectors per target"), min_value=1, max_value=10, initial=2
    )
    due_on = forms.DateField(label=_("Inspections due by"), widget=forms.DateInput(attrs=DATE))
    marked_required = ("title",)

    def __init__(self, *args, regions=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["region"]).choices = [(r.code, r.name) for r in regions]


class ResultsForm(ConsoleForm):
    inspected_on = forms.DateField(label=_("Inspected on"), widget=forms.DateInput(attrs=DATE))
    summary = forms.CharField(label=_("Summary"), max_length=300, required=False)
    findings = forms.CharField(
        label=_("Findings"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "One a line: severity (minor, major, critical) | finding | rectify by (YYYY-MM-DD). None: passed."
        ),
    )

    def finding_rows(self) -> list[dict]:
        import datetime as dt

        rows = []
        for line in self.cleaned_data["findings"].splitlines():
            parts = [part.strip() for part in line.replace("｜", "|").split("|")]
            if not any(parts):
                continue
            parts += [""] * (3 - len(parts))
            try:
                deadline = dt.date.fromisoformat(parts[2])
            except ValueError:
                deadline = None
            severity = parts[0] if parts[0] in Severity.values else ""
            rows.append({"severity": severity, "description": parts[1], "rectify_by": deadline})
        return rows


class ResponseForm(ConsoleForm):
    response = forms.CharField(label=_("What was put right"), max_length=500, required=False)
    evidence = forms.CharField(
        label=_("Evidence"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One piece a line: a photo's or a document's number and what it shows."),
    )  # fmt: skip


class ReinspectionForm(ConsoleForm):
    note = forms.CharField(label=_("Re-inspection note"), max_length=300, required=False)
    new_deadline = forms.DateField(
        label=_("New deadline (if not put right)"), required=False, widget=forms.DateInput(attrs=DATE)
    )


class EscalationForm(ConsoleForm):
    note = forms.CharField(label=_("Reason for escalating"), max_length=300, required=False)
