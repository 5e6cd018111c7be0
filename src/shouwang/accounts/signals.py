"""Logins, logouts and failed logins go to the audit log like every other action."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from shouwang.core import audit


@receiver(user_logged_in)
def _audit_login(sender, request, user, **kwargs):
    audit.record(actor=user, action="accounts.login", obj=user)


@receiver(user_logged_out)
def _audit_logout(sender, request, user, **kwargs):
    if user is not None:
        audit.record(actor=user, action="accounts.logout", obj=user)


@receiver(user_login_failed)
def _audit_login_failure(sender, credentials, request=None, **kwargs):
    audit.record(
        actor=None,
        action="accounts.login_failed",
        object_type="accounts.user",
        object_repr=str(credentials.get("username", ""))[:150],
    )
