"""Tables of who may do what: a predicate against every role, with the roles written out by hand in the
test (never read back from the permissions module, so a changed set fails)."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from shouwang.accounts.models import User
from shouwang.core.roles import Role


def as_role(role: str, *, pk: int = 1, provider_id: int | None = None) -> User:
    """An (unsaved) active user holding ``role``; ``"superuser"`` is a superuser with no role."""
    if role == "superuser":
        return User(pk=pk, username="root", is_superuser=True, provider_id=provider_id)
    return User(pk=pk, username=role, role=role, provider_id=provider_id)


def who_may(predicate, *args) -> set[str]:
    """The roles (and "superuser") for which ``predicate(user, *args)`` holds; checks too that nobody
    anonymous, no user at all and an account with no role get it."""
    assert not predicate(AnonymousUser(), *args), f"{predicate.__name__}: anonymous allowed"
    assert not predicate(None, *args), f"{predicate.__name__}: no user allowed"
    assert not predicate(User(pk=1, username="norole"), *args), f"{predicate.__name__}: no role allowed"
    return {role for role in [*Role.values, "superuser"] if predicate(as_role(role), *args)}


def roles(text: str) -> set[str]:
    """``"admin official"`` → the set; a platform admin's rights are also a superuser's."""
    names = set(text.split())
    unknown = names - set(Role.values)
    assert not unknown, f"not roles: {unknown}"
    return names | ({"superuser"} if "admin" in names else set())
