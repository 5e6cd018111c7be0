"""Console forms of the childcare registry. They collect what was typed; the services check it, so the
console and the API refuse the same things with the same words. Fees and subsidies are typed in yuan."""

from __future__ import annotations

from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from shouwang.core.forms import ConsoleForm

from .models import AGE_GROUPS, InstitutionKind
from .services import OWN_FIELDS

AGE_LABELS = {"0_1": _("0–1 year"), "1_2": _("1–2 years"), "2_3": _("2–3 years")}
YUAN = {"monthly_fee_yuan": "monthly_fee_fen", "subsidy_per_place_yuan": "subsidy_per_place_fen"}


def _count(label) -> forms.IntegerField:
    return forms.IntegerField(label=label, min_value=0, max_value=10_000, required=False, initial=0)


class InstitutionForm(ConsoleForm):
    name = forms.CharField(label=_("Name"), max_length=120, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=[("", "—"), *InstitutionKind.choices], required=False)
    licence_number = forms.CharField(label=_("Filing or licence number"), max_length=60, required=False)
    operator_name = forms.CharField(label=_("Operator"), max_length=120, required=False)
    operator_credit_code = forms.CharField(
        label=_("Operator's unified social credit code"), max_length=18, required=False
    )
    community = forms.ChoiceField(label=_("Community"), required=False)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    lat = forms.FloatField(label=_("Latitude"), required=False, min_value=-90, max_value=90)
    lon = forms.FloatField(label=_("Longitude"), required=False, min_value=-180, max_value=180)
    phone = forms.CharField(label=_("Contact phone"), max_length=20, required=False)
    places_0_1 = _count(_("Places, 0–1 year"))
    places_1_2 = _count(_("Places, 1–2 years"))
    places_2_3 = _count(_("Places, 2–3 years"))
    enrolled_0_1 = _count(_("Enrolled, 0–1 year"))
    enrolled_1_2 = _count(_("Enrolled, 1–2 years"))
    enrolled_2_3 = _count(_("Enrolled, 2–3 years"))
    monthly_fee_yuan = forms.DecimalField(
        label=_("Monthly fee (yuan)"), min_value=0, max_digits=9, decimal_places=2, required=False
    )
    affordable = forms.BooleanField(label=_("Affordable (普惠)"), required=False)
    subsidy_per_place_yuan = forms.DecimalField(
        label=_("Subsidy per place a year (yuan)"),
        min_value=0,
        max_digits=9,
        decimal_places=2,
        required=False,
    )
    marked_required = (
        "name",
        "kind",
        "licence_number",
        "operator_name",
        "operator_credit_code",
        "community",
        "address",
    )

    def __init__(self, *args, communities=(), own_only: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["community"]).choices = [
            ("", "—"),
            *((c.code, c.name) for c in communities),
        ]
        if own_only:  # an institution's account keeps its figures; the filing is the bureau's
            for name in list(self.fields):
                if YUAN.get(name, name) not in OWN_FIELDS:
                    del self.fields[name]

    def service_values(self, changed_only: bool = False) -> dict:
        values = {}
        for name, value in self.cleaned_data.items():
            if changed_only and name not in self.changed_data:
                continue
            if name in YUAN:
                values[YUAN[name]] = int((value or 0) * 100)
            elif name.startswith(("places_", "enrolled_")):
                values[name] = value or 0
            else:
                values[name] = value
        return values


def initial_of(institution) -> dict:
    initial = {
        name: getattr(institution, name) for name in InstitutionForm.base_fields if hasattr(institution, name)
    }
    initial["community"] = institution.community_id
    initial["monthly_fee_yuan"] = institution.monthly_fee_fen / 100
    initial["subsidy_per_place_yuan"] = institution.subsidy_per_place_fen / 100
    return initial


class AccountForm(ConsoleForm):
    username = forms.CharField(label=_("Login name for the institution"), max_length=150, required=False)
    password = forms.CharField(
        label=_("Its first password"), max_length=128, required=False, widget=forms.PasswordInput
    )


class StaffForm(ConsoleForm):
    name = forms.CharField(label=_("Name"), max_length=40, required=False)
    post = forms.CharField(label=_("Post"), max_length=40, required=False)
    qualification = forms.CharField(label=_("Qualification"), max_length=80, required=False)
    certificate_number = forms.CharField(label=_("Certificate number"), max_length=40, required=False)


class DecisionForm(ConsoleForm):
    note = forms.CharField(label=_("Reason"), max_length=300, required=False)


class PopulationForm(ConsoleForm):
    region = forms.ChoiceField(label=_("Region"))
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    residents = forms.IntegerField(label=_("Resident population"), min_value=1)
    under_three = forms.IntegerField(label=_("Children under three"), min_value=0, required=False)
    source = forms.CharField(label=_("Source"), max_length=120, required=False)

    def __init__(self, *args, regions=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["region"]).choices = [(r.code, r.name) for r in regions]


class TargetForm(ConsoleForm):
    region = forms.ChoiceField(label=_("Region"))
    year = forms.IntegerField(label=_("Target year"), min_value=2000, max_value=2100)
    places_per_thousand = forms.DecimalField(
        label=_("Places per thousand residents"), max_digits=5, decimal_places=2
    )
    affordable_share = forms.DecimalField(
        label=_("Affordable share (0–1)"), max_digits=4, decimal_places=3, required=False
    )

    def __init__(self, *args, regions=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["region"]).choices = [(r.code, r.name) for r in regions]


AGE_GROUP_ROWS = tuple((group, AGE_LABELS[group]) for group in AGE_GROUPS)
