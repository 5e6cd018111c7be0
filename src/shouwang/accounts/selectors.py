"""Reads of users and tokens, scoped to the acting user."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from shouwang.core.errors import NotFound
from shouwang.core.scope import scope_of

from .models import ApiToken, User


def users_for(actor) -> QuerySet[User]:
    """Users an actor may see: inside their region subtrees (by the user's regions or the region of the
    user's provider), of their own provider, or just themselves."""
    scope = scope_of(actor)
    visible = scope.filter(
        User.objects.all(),
        region=("regions__code", "provider__region__code"),
        provider="provider_id",
        owner="id",
    )
    return (
        User.objects.filter(pk__in=visible.values("pk"))
        .select_related("provider")
        .prefetch_related("regions")
        .order_by("username")
    )


def get_user_for(actor, user_id: int) -> User:
    try:
        return users_for(actor).get(pk=user_id)
    except User.DoesNotExist:
        raise NotFound(_("This user does not exist or is outside your area.")) from None


def user_for_token(raw_token: str) -> User | None:
    """The active user a bearer token belongs to, or None."""
    from .services import hash_token

    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=hash_token(raw_token), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    return token.user if token else None
