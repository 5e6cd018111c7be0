"""Console forms of pilot programmes; the services check what they collect."""

from __future__ import annotations

from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from shouwang.core.forms import ConsoleForm


class PilotForm(ConsoleForm):
    region = forms.ChoiceField(label=_("Street or district applying"))
    title = forms.CharField(label=_("Title"), max_length=120, required=False)
    goals = forms.CharField(label=_("Goals"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    indicators = forms.CharField(
        label=_("Indicators"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_("One a line: name | unit | baseline | target, e.g. 助餐覆盖率 | % | 40 | 80"),
    )
    objection_days = forms.IntegerField(
        label=_("Objection period (days)"), min_value=1, max_value=60, initial=7
    )
    marked_required = ("title", "goals", "indicators")

    def __init__(self, *args, regions=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["region"]).choices = [(r.code, r.name) for r in regions]

    def indicator_rows(self) -> list[dict]:
        rows = []
        for line in self.cleaned_data["indicators"].splitlines():
            parts = [part.strip() for part in line.replace("｜", "|").split("|")]
            if not any(parts):
                continue
            parts += [""] * (4 - len(parts))
            rows.append(
                {"name": parts[0], "unit": parts[1], "baseline": parts[2] or None, "target": parts[3]}
            )
        return rows


class MoveForm(ConsoleForm):
    reason = forms.CharField(label=_("Reason or note"), max_length=300, required=False)
    score = forms.DecimalField(
        label=_("Acceptance score"), min_value=0, max_value=100, decimal_places=1, required=False
    )


class ObjectionForm(ConsoleForm):
    text = forms.CharField(label=_("Objection"), max_length=300, required=False)
    received_from = forms.CharField(label=_("From"), max_length=60, required=False)


class MilestoneForm(ConsoleForm):
    title = forms.CharField(label=_("Milestone"), max_length=120, required=False)
    due_on = forms.DateField(label=_("Due on"), widget=forms.DateInput(attrs={"type": "date"}))


class ReportForm(ConsoleForm):
    indicator = forms.ChoiceField(label=_("Indicator"))
    value = forms.DecimalField(label=_("Value"), max_digits=12, decimal_places=2)
    period = forms.DateField(label=_("As of"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, indicators=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["indicator"]).choices = [(i.pk, i.name) for i in indicators]


class DocumentForm(ConsoleForm):
    title = forms.CharField(label=_("Document title"), max_length=120, required=False)
    number = forms.CharField(label=_("Document number (文号)"), max_length=60, required=False)
