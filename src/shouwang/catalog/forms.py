"""Console forms of the catalogue. They only collect what was typed; the services check it, so the form
and the API refuse the same things with the same words."""

from django import forms
from django.utils.translation import gettext_lazy as _

from shouwang.core.forms import ConsoleForm

from .models import Category, Certificate, Unit


class ItemForm(ConsoleForm):
    code = forms.CharField(
        label=_("Code"),
        max_length=40,
        required=False,
        help_text=_("Lower-case letters, digits and underscores, e.g. meal_dine_in. It cannot change later."),
    )
    name = forms.CharField(label=_("Item name"), max_length=60, required=False)
    category = forms.ChoiceField(label=_("Category"), choices=[("", "—"), *Category.choices], required=False)
    unit = forms.ChoiceField(label=_("Unit"), choices=[("", "—"), *Unit.choices], required=False)
    standard_minutes = forms.CharField(label=_("Standard duration (minutes)"), max_length=5, required=False)
    guide_price = forms.CharField(
        label=_("Guide price (yuan)"),
        max_length=20,
        required=False,
        help_text=_("Per unit, with at most two decimals, e.g. 15.50."),
    )
    required_certificate = forms.ChoiceField(
        label=_("Required certificate"), choices=Certificate.choices, required=False
    )
    required_skill = forms.CharField(label=_("Required skill"), max_length=100, required=False)
    subsidy_payable = forms.BooleanField(label=_("Subsidies may pay for it"), required=False)
    position = forms.CharField(
        label=_("Position in lists"), max_length=6, required=False, help_text=_("Smaller numbers come first.")
    )
    reason = forms.CharField(
        label=_("Reason for the change"), max_length=200, required=False, help_text=_("Kept in the history.")
    )

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            self.fields["code"].disabled = True
            self.fields["code"].help_text = _("The code is the item's identity and cannot be changed.")

    def service_data(self) -> dict:
        """What the services take: the typed values without the reason; an empty position is left out."""
        data = {key: value for key, value in self.cleaned_data.items() if key != "reason"}
        if not str(data.get("position") or "").strip():
            data.pop("position", None)
        return data


class RetireForm(ConsoleForm):
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)
