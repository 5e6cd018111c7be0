"""The console's forms for regular visits; every rule beyond a field's shape is the services'."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from shouwang.core.forms import ConsoleForm
from shouwang.elders.models import Category, LivingArrangement

from .activities import REASON_LENGTH
from .models import HelpKind, ReferralState, Tier, VisitKind


class LocalMomentInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class RuleForm(ConsoleForm):
    name = forms.CharField(label=_("Name"), max_length=80)
    region = forms.ChoiceField(label=_("Applies in"), required=False)
    tier = forms.ChoiceField(
        label=_("Risk tier"), choices=[(t.value, t.label) for t in Tier if t != Tier.NONE]
    )
    kind = forms.ChoiceField(label=_("Visit kind"), choices=VisitKind.choices)
    interval_days = forms.IntegerField(label=_("Every (days)"), min_value=1, max_value=730)
    arrangements = forms.MultipleChoiceField(
        label=_("Living arrangements (none ticked: any)"),
        choices=LivingArrangement.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    categories = forms.MultipleChoiceField(
        label=_("Categories (any one of them; none ticked: any)"),
        choices=Category.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    min_age = forms.IntegerField(label=_("Aged at least"), min_value=0, max_value=130, required=False)
    min_ability_level = forms.IntegerField(
        label=_("Ability level at least (0 intact … 4 fully lost)"), min_value=0, max_value=4, required=False
    )
    position = forms.IntegerField(label=_("Position in the list"), min_value=0, max_value=999, required=False)
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, regions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [("", _("everywhere (platform default)"))] + [  # type: ignore[attr-defined]
            (region.code, f"{region.name} ({region.code})") for region in regions
        ]


class ActivityForm(ConsoleForm):
    """An activity's details; the title and place are checked by the service, which says what is missing."""

    marked_required = ("title", "place", "starts_at")

    title = forms.CharField(label=_("Title"), max_length=80, required=False)
    starts_at = forms.DateTimeField(label=_("Starts at"), widget=LocalMomentInput, required=False)
    place = forms.CharField(label=_("Place"), max_length=120, required=False)
    capacity = forms.IntegerField(label=_("Places"), min_value=1, max_value=1000)
    minutes = forms.IntegerField(
        label=_("Minutes a volunteer earns"), min_value=1, max_value=1440, initial=60, required=False
    )

    def clean_minutes(self) -> int:
        minutes = self.cleaned_data.get("minutes")
        return 60 if minutes is None else minutes


class NewActivityForm(ActivityForm):
    community = forms.ChoiceField(label=_("Community"))

    field_order = ["title", "community", "starts_at", "place", "capacity", "minutes"]

    def __init__(self, *args, communities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].choices = [(r.code, r.name) for r in communities]  # type: ignore[attr-defined]


class CancelActivityForm(ConsoleForm):
    marked_required = ("reason",)

    reason = forms.CharField(
        label=_("Why it is cancelled (the people signed up are told)"),
        max_length=REASON_LENGTH,
        required=False,
    )


class ElderSignupForm(ConsoleForm):
    elder_id = forms.TypedChoiceField(label=_("Sign an elder up"), coerce=int)

    def __init__(self, *args, elders=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["elder_id"].choices = [(elder.pk, elder.name) for elder in elders]  # type: ignore[attr-defined]


class AttendanceForm(ConsoleForm):
    attended = forms.TypedMultipleChoiceField(
        label=_("Who came"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, signups=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attended"].choices = [(s.pk, _signup_name(s)) for s in signups]  # type: ignore[attr-defined]


def _signup_name(signup) -> str:
    return str(signup.volunteer) if signup.volunteer_id else signup.elder.name


class ReferralMoveForm(ConsoleForm):
    """One move of a referral: to whom, when (a booking), what came of it (closing)."""

    state = forms.ChoiceField(
        label=_("Now"), choices=[(s.value, s.label) for s in ReferralState if s != ReferralState.OPEN]
    )
    doctor = forms.CharField(label=_("Doctor or clinic"), max_length=120, required=False)
    appointment_at = forms.DateTimeField(label=_("Appointment"), widget=LocalMomentInput, required=False)
    note = forms.CharField(
        label=_("Outcome or note"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReferralForm(ConsoleForm):
    marked_required = ("reason",)

    reason = forms.CharField(label=_("Why a doctor should see the elder"), max_length=300, required=False)


class HelpForm(ConsoleForm):
    """An escort or companionship task for an elder; who may give it and when is the service's to say."""

    elder_id = forms.TypedChoiceField(label=_("Elder"), coerce=int)
    kind = forms.ChoiceField(label=_("Help"), choices=HelpKind.choices)
    starts_at = forms.DateTimeField(label=_("Starts at"), widget=LocalMomentInput)
    destination = forms.CharField(
        label=_("Destination (an escort: where to)"), max_length=120, required=False
    )
    need = forms.CharField(label=_("What the volunteer needs to know"), max_length=300, required=False)
    minutes = forms.IntegerField(
        label=_("Minutes the volunteer earns (empty: the usual)"),
        min_value=1,
        max_value=10_000,
        required=False,
    )

    def __init__(self, *args, elders=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["elder_id"].choices = [("", _("Choose the elder"))] + [  # type: ignore[attr-defined]
            (elder.pk, f"{elder.name} · {elder.community.name}") for elder in elders
        ]
