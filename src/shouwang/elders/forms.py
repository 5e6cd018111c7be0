"""Console forms of the registry. They only collect what was typed; the services check it, so the form,
the API and the import refuse the same things with the same words."""

from django import forms
from django.utils.translation import gettext_lazy as _

from shouwang.core.forms import ConsoleForm

from .models import Category, LifeEvent, LivingArrangement

CONTACT_ROWS = 3


class ElderForm(ConsoleForm):
    marked_required = ("name", "id_number", "community")
    # Name, ID number and community are required, and every text has its limit, but the service says so
    # (with everything else that is wrong) rather than the form stopping at the first problem.
    name = forms.CharField(label=_("Name"), required=False)
    id_number = forms.CharField(
        label=_("ID number"),
        required=False,
        help_text=_(
            "18 characters; an old 15-digit number is converted. Sex and birth date are read from it."
        ),
    )
    community = forms.CharField(label=_("Residence community"), required=False)
    phone = forms.CharField(label=_("Phone"), required=False)
    second_phone = forms.CharField(label=_("Second phone"), required=False)
    ethnicity = forms.CharField(label=_("Ethnicity"), required=False)
    hukou_region_code = forms.CharField(
        label=_("Household registration region code"),
        required=False,
        help_text=_("The division code of the 户籍, 6 or 12 digits."),
    )
    address = forms.CharField(label=_("Address"), required=False)
    lon = forms.CharField(label=_("Longitude"), required=False)
    lat = forms.CharField(label=_("Latitude"), required=False)
    living_arrangement = forms.ChoiceField(
        label=_("Living arrangement"), choices=[("", "—"), *LivingArrangement.choices], required=False
    )
    categories = forms.MultipleChoiceField(
        label=_("Categories"), choices=Category.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    disability_grade = forms.ChoiceField(
        label=_("Disability grade"),
        choices=[("", "—"), ("1", "一级"), ("2", "二级"), ("3", "三级"), ("4", "四级")],
        required=False,
    )
    chronic_conditions = forms.CharField(
        label=_("Chronic conditions"), required=False, help_text=_("Separate several with 、")
    )
    family_doctor_contract = forms.BooleanField(label=_("Family-doctor contract"), required=False)
    consent_data_sharing = forms.BooleanField(label=_("Consents to data sharing"), required=False)

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        for number in range(1, CONTACT_ROWS + 1):
            self.fields[f"contact_{number}_name"] = forms.CharField(label=_("Name"), required=False)
            self.fields[f"contact_{number}_relation"] = forms.CharField(label=_("Relation"), required=False)
            self.fields[f"contact_{number}_phone"] = forms.CharField(label=_("Phone"), required=False)
            self.fields[f"contact_{number}_is_keyholder"] = forms.BooleanField(
                label=_("Holds a key"), required=False
            )
        if editing:
            self.fields["id_number"].disabled = True
            self.fields["id_number"].required = False
            self.fields["id_number"].help_text = _(
                "The ID number is the person's identity and cannot be changed."
            )

    @property
    def detail_fields(self):
        skip = {"name", "id_number", "community"}
        return [self[name] for name in self.fields if name not in skip and not name.startswith("contact_")]

    @property
    def contact_rows(self):
        return [
            [self[f"contact_{number}_{part}"] for part in ("name", "relation", "phone", "is_keyholder")]
            for number in range(1, CONTACT_ROWS + 1)
        ]

    def service_data(self) -> dict:
        """What the services take: plain values, contacts as a list in priority order."""
        data = {key: value for key, value in self.cleaned_data.items() if not key.startswith("contact_")}
        data["disability_grade"] = data.get("disability_grade") or None
        for key in ("lat", "lon"):
            data[key] = data.get(key) or None
        data["contacts"] = [
            {
                part: self.cleaned_data[f"contact_{number}_{part}"]
                for part in ("name", "relation", "phone", "is_keyholder")
            }
            for number in range(1, CONTACT_ROWS + 1)
        ]
        return data


class LifeEventForm(ConsoleForm):
    # Nothing chosen beforehand: a death recorded by a click that was never meant would stop the elder's
    # services and benefits.
    event = forms.ChoiceField(
        label=_("Event"),
        choices=[("", _("Choose what happened")), *LifeEvent.choices],
        error_messages={"required": _("Choose what happened.")},
    )
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("Note"), required=False)


class PaymentAccountForm(ConsoleForm):
    """The bank or social-security card cash allowances are paid to. Never filled with the stored number
    (it is shown masked beside the form); removing it is a choice of its own, not an empty box."""

    payment_account = forms.CharField(
        label=_("New bank or social-security card number"),
        max_length=40,
        required=False,
        help_text=_("Spaces and dashes may be typed; a bank card's check digit is checked."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    remove = forms.BooleanField(
        label=_("Remove the account (allowances wait until one is given)"), required=False
    )

    def clean(self):
        data = super().clean() or {}
        typed, remove = (data.get("payment_account") or "").strip(), data.get("remove")
        if typed and remove:
            raise forms.ValidationError(_("Type a new number or tick “remove”, not both."))
        if not typed and not remove and "payment_account" not in self.errors:
            self.add_error("payment_account", _("Type the card number."))
        return data


class ImportForm(ConsoleForm):
    file = forms.FileField(
        label=_("Spreadsheet"),
        help_text=_("An Excel workbook (.xlsx or .xls) or a CSV file; the first row holds the column names."),
    )
    dry_run = forms.BooleanField(label=_("Dry run: check and count only, save nothing"), required=False)
