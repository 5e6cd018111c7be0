"""Login lockout: django-axes' lock of one username at one address, and a lock of the address itself.

axes (AXES_LOCKOUT_PARAMETERS) locks a username at an address after LOGIN_FAILURE_LIMIT failures, so one
address could still try a password on every username in turn. The address is therefore locked as well
once it has failed LOGIN_ADDRESS_FAILURE_LIMIT times over all usernames within the lockout time.

Not as a second axes lockout parameter: axes holds every parameter to the one failure limit, which would
lock a whole office behind one NAT address after five typos (ADR 0004), and its reset on a successful
login would let the guesser wipe the address's count by logging into an account of their own.
"""

from __future__ import annotations

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum


class LoginLockout(AxesDatabaseHandler):
    def get_failures(self, request, credentials: dict | None = None) -> int:
        """axes' count for this username and address, raised to the limit when the address is locked:
        axes compares this one number with its limit both before a login and after a failure."""
        failures = super().get_failures(request, credentials)
        if failures_from_address(request) >= settings.SHOUWANG_LOGIN_ADDRESS_FAILURE_LIMIT:
            return max(failures, get_failure_limit(request, credentials))
        return failures


def failures_from_address(request) -> int:
    attempts = AccessAttempt.objects.filter(
        ip_address=request.axes_ip_address, attempt_time__gte=get_cool_off_threshold(request)
    )
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
