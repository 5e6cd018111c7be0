"""Glue between console forms and services: a service's ValidationFailed lands on the form."""

from django import forms

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
