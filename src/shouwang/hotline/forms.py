"""The desk's forms; every rule beyond a field's shape is the services'."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from shouwang.core.forms import ConsoleForm
from shouwang.orders.models import ComplaintSource

from .models import CallOutcome, CallReason
from .services import LONGEST_CALL_SECONDS, NOTE_LENGTH, SUMMARY_LENGTH


class LocalMomentInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class CallForm(ConsoleForm):
    caller_number = forms.CharField(label=_("Calling number"), max_length=30, required=False)
    elder_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    started_at = forms.DateTimeField(required=False, widget=forms.HiddenInput)
    reason = forms.ChoiceField(label=_("Reason"), choices=CallReason.choices)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=CallOutcome.choices)
    duration_seconds = forms.IntegerField(
        label=_("Duration (seconds)"),
        min_value=0,
        max_value=LONGEST_CALL_SECONDS,
        initial=0,
        help_text=_("Counted from when this page opened; correct it if needed."),
    )
    summary = forms.CharField(
        label=_("What was said and done"),
        max_length=SUMMARY_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    call_back_due = forms.DateTimeField(
        label=_("Call back by"),
        required=False,
        widget=LocalMomentInput,
        help_text=_("Only when a call-back was promised."),
    )
    call_back_assignee_id = forms.TypedChoiceField(
        label=_("Who calls back"), coerce=int, required=False, empty_value=None
    )
    call_back_note = forms.CharField(label=_("What was promised"), max_length=NOTE_LENGTH, required=False)

    def __init__(self, *args, assignees=(), **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["call_back_assignee_id"]
        field.choices = [("", _("me"))] + [(user.pk, str(user)) for user in assignees]  # type: ignore[attr-defined]


class CareDoneForm(ConsoleForm):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=CallOutcome.choices)
    duration_seconds = forms.IntegerField(
        label=_("Duration (seconds)"), min_value=0, max_value=LONGEST_CALL_SECONDS, initial=0
    )
    summary = forms.CharField(label=_("How the elder is"), max_length=SUMMARY_LENGTH, required=False)


class CallBackCloseForm(ConsoleForm):
    note = forms.CharField(label=_("Result"), max_length=NOTE_LENGTH, required=False)


class ArticleForm(ConsoleForm):
    question = forms.CharField(label=_("Question"), max_length=200)
    answer = forms.CharField(label=_("Answer"), max_length=4000, widget=forms.Textarea(attrs={"rows": 6}))
    keywords = forms.CharField(
        label=_("Keywords"),
        max_length=200,
        required=False,
        help_text=_("Words callers use, separated by spaces."),
    )


class ComplaintForm(ConsoleForm):
    description = forms.CharField(
        label=_("What happened"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    source = forms.ChoiceField(label=_("Who complains"), choices=ComplaintSource.choices)
    order_id = forms.TypedChoiceField(label=_("Order"), coerce=int, required=False, empty_value=None)
    provider_id = forms.TypedChoiceField(
        label=_("Provider"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=_("When no order is chosen."),
    )

    def __init__(self, *args, orders=(), **kwargs):
        super().__init__(*args, **kwargs)
        orders = [order for order in orders if order.provider_id]
        self.fields["order_id"].choices = [("", "—")] + [  # type: ignore[attr-defined]
            (order.pk, f"#{order.pk} {order.provider.name}") for order in orders
        ]
        providers = {order.provider_id: order.provider.name for order in orders}
        self.fields["provider_id"].choices = [("", "—"), *providers.items()]  # type: ignore[attr-defined]


class ConfirmForm(ConsoleForm):
    order_id = forms.TypedChoiceField(label=_("Finished service"), coerce=int)
    rating = forms.TypedChoiceField(
        label=_("Rating"), coerce=int, choices=[(n, str(n)) for n in range(5, 0, -1)]
    )
    comment = forms.CharField(label=_("What the elder said"), max_length=300, required=False)

    def __init__(self, *args, orders=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["order_id"].choices = [  # type: ignore[attr-defined]
            (order.pk, f"#{order.pk} {order.window_start:%Y-%m-%d}") for order in orders
        ]
