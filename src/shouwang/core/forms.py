"""Glue between console forms and services: a service's ValidationFailed lands on the form."""

import datetime as dt
from collections.abc import Callable, Collection

from django import forms
from django.contrib import messages
from django.core.validators import MaxLengthValidator
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .errors import DomainError
from .text import is_digits

TOO_LONG = gettext_lazy("At most %(limit_value)d characters; this has %(show_value)d.")


class ConsoleForm(forms.Form):
    """The base of the console's forms. A text longer than its field's limit is refused in plain words that
    state the limit, and the input carries no ``maxlength``: a browser cuts a longer paste short without a
    word, and nothing typed is to be lost silently.

    ``marked_required`` names the fields a service requires although the form lets them through empty (so
    that the service reports every problem at once): they are marked required like the form's own."""

    marked_required: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.marked_required:
            # read by the shared field template (web/_field.html) to draw the marker
            setattr(self.fields[name], "shows_required", True)  # noqa: B010
            self.fields[name].widget.attrs["aria-required"] = "true"
        for field in self.fields.values():
            limit = getattr(field, "max_length", None)
            if limit is None:
                continue
            field.widget.attrs.pop("maxlength", None)
            field.validators = [
                MaxLengthValidator(limit, message=TOO_LONG)
                if isinstance(validator, MaxLengthValidator)
                else validator
                for validator in field.validators
            ]


def attach_error(form: forms.Form, error: DomainError, drawn_hidden: Collection[str] = ()) -> None:
    """Show a domain error on the form: on the named fields when it names them, else on top.

    An error on a hidden field would never be seen, so it goes on top too, unless the template draws
    that hidden field's errors itself (``drawn_hidden``, e.g. an elder chosen by a search widget)."""
    field_errors = getattr(error, "errors", {}) or {}
    placed = False
    for name, message in field_errors.items():
        field = form.fields.get(name)
        if field is not None and (name in drawn_hidden or not field.widget.is_hidden):
            form.add_error(name, message)
            placed = True
    if not placed or error.message not in field_errors.values():
        form.add_error(None, error.message)


def perform(request, step: Callable[[], object], success: str | None = None) -> bool:
    """Run one service call behind a console button; its outcome becomes a message on the next page
    (``success``, or "Saved."). Returns whether it succeeded."""
    try:
        step()
    except DomainError as error:
        messages.error(request, error.message)
        return False
    messages.success(request, success or _("Saved."))
    return True


def optional_int(raw: object) -> int | None:
    """A whole number sent by a form or a query string, or None when absent or not one."""
    text = str(raw or "")
    return int(text) if is_digits(text) else None


def optional_moment(raw: str | None) -> dt.datetime | None:
    """A time typed in an <input type=datetime-local>, in the local time zone; None when empty or not a
    time (the service then says why)."""
    try:
        return timezone.make_aware(dt.datetime.fromisoformat(raw)) if raw and len(raw) < 30 else None
    except ValueError:
        return None


def optional_date(raw: str | None) -> dt.date | None:
    """A date typed in an <input type=date>, or None when empty or not a date (the service then says why)."""
    try:
        return dt.date.fromisoformat(raw) if raw else None
    except ValueError:
        return None
