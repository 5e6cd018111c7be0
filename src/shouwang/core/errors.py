"""Domain errors: a stable code for machines and a plain-language message for people.

Services raise these; the API turns them into ``{"code", "message"}`` with the status below and the
console shows the message. Messages are translatable and written for the person at the desk.
"""

from __future__ import annotations


class DomainError(Exception):
    status = 400
    code = "invalid"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None):
        super().__init__(str(message))
        self.message = str(message)
        if code:
            self.code = code
        self.field = field


class ValidationFailed(DomainError):
    """Input that breaks a rule; ``errors`` maps field names to messages when there are several."""

    status = 422
    code = "validation_error"

    def __init__(self, message: str, *, errors: dict[str, str] | None = None, code: str | None = None):
        super().__init__(message, code=code)
        self.errors = errors or {}


class NotFound(DomainError):
    """Missing, or outside the actor's scope: the two are deliberately indistinguishable."""

    status = 404
    code = "not_found"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class Conflict(DomainError):
    status = 409
    code = "conflict"


def require_state(obj, states, message: str) -> None:
    """Refuse a workflow step the object's state does not allow: ``message`` takes ``%(state)s``, the
    state's display name, and the API answers 409 with the code ``illegal_transition``."""
    if obj.state not in states:
        raise Conflict(message % {"state": obj.get_state_display()}, code="illegal_transition")
