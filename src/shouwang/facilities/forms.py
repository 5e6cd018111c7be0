"""Console forms of the facility registry. They only collect what was typed; the services check it, so
the form and the API refuse the same things with the same words. Subsidies are typed in whole yuan."""

from __future__ import annotations

from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from shouwang.core.forms import ConsoleForm

from .fields import service_labels
from .models import FacilityKind, Meal, Ownership, ReportKind

YUAN_FIELDS = {
    "operating_subsidy_yuan": "operating_subsidy_fen",
    "construction_subsidy_yuan": "construction_subsidy_fen",
}


class FacilityForm(ConsoleForm):
    name = forms.CharField(label=_("Name"), max_length=120, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=[("", "—"), *FacilityKind.choices], required=False)
    ownership = forms.ChoiceField(
        label=_("Ownership"),
        choices=[("", "—"), *Ownership.choices],
        required=False,
        help_text=_("Required for care institutions."),
    )
    medical_integrated = forms.BooleanField(label=_("Integrated medical care (医养结合)"), required=False)
    provider = forms.ChoiceField(label=_("Operator"), required=False)
    community = forms.ChoiceField(label=_("Community"), required=False)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    lat = forms.CharField(label=_("Latitude"), max_length=20, required=False)
    lon = forms.CharField(label=_("Longitude"), max_length=20, required=False)
    floor_area_m2 = forms.CharField(label=_("Floor area (m²)"), max_length=10, required=False)
    opening_hours = forms.CharField(label=_("Opening hours"), max_length=100, required=False)
    services = forms.MultipleChoiceField(
        label=_("Services offered"), choices=(), required=False, widget=forms.CheckboxSelectMultiple
    )
    beds_total = forms.CharField(label=_("Beds"), max_length=7, required=False)
    beds_occupied = forms.CharField(label=_("Beds occupied"), max_length=7, required=False)
    beds_reserved = forms.CharField(
        label=_("Beds reserved for government-backed elders"), max_length=7, required=False
    )
    grade = forms.ChoiceField(
        label=_("Star grade"), choices=[("", "—"), *((str(n), "★" * n) for n in range(1, 6))], required=False
    )
    licences = forms.CharField(label=_("Licences"), max_length=300, required=False)
    operating_subsidy_yuan = forms.CharField(
        label=_("Operating subsidy a year (yuan)"), max_length=12, required=False
    )
    construction_subsidy_yuan = forms.CharField(
        label=_("Construction subsidy (yuan)"), max_length=12, required=False
    )
    active = forms.BooleanField(label=_("In operation"), required=False, initial=True)

    def __init__(self, *args, providers=(), communities=(), proposing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["services"]).choices = service_labels()
        operators = [("", "—"), *((str(p.pk), p.name) for p in providers)]
        cast(forms.ChoiceField, self.fields["provider"]).choices = operators
        places = [("", "—"), *((c.code, c.name) for c in communities)]
        cast(forms.ChoiceField, self.fields["community"]).choices = places
        if proposing:
            # An operator proposes; the bureau decides who runs a facility and where it is registered.
            del self.fields["provider"], self.fields["community"]

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        for typed, stored in YUAN_FIELDS.items():
            raw = str(data.pop(typed, "") or "").strip().replace(",", "")
            data[stored] = int(raw) * 100 if raw.isdigit() else (raw or 0)
        return data


def initial_of(facility) -> dict:
    initial = {name: getattr(facility, name) for name in FacilityForm.base_fields if hasattr(facility, name)}
    initial["provider"] = str(facility.provider_id)
    initial["community"] = facility.community_id
    initial["grade"] = str(facility.grade or "")
    for typed, stored in YUAN_FIELDS.items():
        initial[typed] = str(getattr(facility, stored) // 100)
    for key in ("lat", "lon", "floor_area_m2"):
        initial[key] = "" if initial.get(key) is None else str(initial[key])
    return initial


class FiguresForm(ConsoleForm):
    month = forms.CharField(
        label=_("Month"), max_length=7, required=False, help_text=_("For example 2026-11.")
    )
    beds_occupied = forms.CharField(label=_("Beds occupied"), max_length=7, required=False)
    people_served = forms.CharField(label=_("People served"), max_length=7, required=False)
    service_visits = forms.CharField(label=_("Services delivered"), max_length=7, required=False)
    meals_served = forms.CharField(label=_("Meals served"), max_length=7, required=False)


class MealsForm(ConsoleForm):
    day = forms.DateField(label=_("Day"), required=False)
    meal = forms.ChoiceField(label=_("Meal"), choices=Meal.choices, initial=Meal.LUNCH)
    people = forms.CharField(
        label=_("ID numbers of the diners"),
        max_length=60_000,
        required=False,
        widget=forms.Textarea,
        help_text=_("One ID number a line, or separated by commas or spaces."),
    )


class DecisionForm(ConsoleForm):
    note = forms.CharField(
        label=_("Reason"), max_length=300, required=False, help_text=_("Required to refuse.")
    )


class ReportForm(ConsoleForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=ReportKind.choices, initial=ReportKind.PERIODIC)
    period = forms.DateField(
        label=_("Period or day"),
        required=False,
        help_text=_("A day in the period reported on, or the day of the incident."),
    )
    summary = forms.CharField(label=_("Summary"), max_length=2000, required=False, widget=forms.Textarea)


class MoveInForm(ConsoleForm):
    id_number = forms.CharField(label=_("ID number of the elder"), max_length=30, required=False)
    since = forms.DateField(label=_("Moved in on"), required=False)
