"""Glue between console forms and services: a service's ValidationFailed lands on the form."""

import datetime as dt
from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.utils.translation import gettext as _

from .errors import DomainError


def attach_error(form: forms.Form, error: DomainError) -> None:
    """Show a domain error on the form: on the named fields when it names them, else on top."""
    field_errors = getattr(error, "errors", {}) or {}
    placed = False
    for name, message in field_errors.items():
        if name in form.fields:
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


def optional_date(raw: str | None) -> dt.date | None:
    """A date typed in an <input type=date>, or None when empty or not a date (the service then says why)."""
    try:
        return dt.date.fromisoformat(raw) if raw else None
    except ValueError:
        return None
