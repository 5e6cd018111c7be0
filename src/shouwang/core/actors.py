"""The platform acting by itself: the one actor that is not a user.

A service takes the acting user and checks what that user may do. Work nobody logged in for — a provider
applying from the public page, the scheduler's jobs, the demo loader, a command run on the server — names
:data:`SYSTEM` as its actor, explicitly; ``None`` is refused (:func:`require_actor`), so a forgotten actor
is a crash in development, never every right in production. The audit log files SYSTEM's actions under
the reserved name ``system`` (shown as 系统), which no account may take.
"""

from __future__ import annotations

from django.utils.translation import gettext

SYSTEM_USERNAME = "system"


class SystemActor:
    """The platform itself. Never a logged-in user (``is_authenticated`` is False, so no view or API
    request ever carries it); its scope is everything (``core.scope.scope_of``)."""

    __slots__ = ()
    pk = None
    id = None
    is_authenticated = False
    is_active = True

    def get_username(self) -> str:
        return SYSTEM_USERNAME

    def __str__(self) -> str:
        return gettext("system")

    def __repr__(self) -> str:
        return "SYSTEM"


SYSTEM = SystemActor()


def is_system(actor) -> bool:
    return actor is SYSTEM


def as_user(actor):
    """The user to store in a "by whom" column: None for the platform itself (the column is empty, the
    audit log says 系统)."""
    return None if is_system(actor) else actor


def name_of(actor) -> str:
    """The name a history row keeps for its actor: the username, or 系统 for the platform (and for the
    rows the platform wrote before it was named, with no actor)."""
    return gettext("system") if actor is None or is_system(actor) else actor.get_username()


def require_actor(actor) -> None:
    """Refuse a missing actor: a service never guesses who acts."""
    if actor is None:
        raise TypeError(
            "actor is required: pass the acting user, "
            "or shouwang.core.actors.SYSTEM for the platform's own work"
        )
