"""Reads of the registry, always through the acting user's scope."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from shouwang.core.errors import NotFound
from shouwang.core.scope import scope_of

from .models import Elder


def elders_for(user) -> QuerySet[Elder]:
    """Elders in the user's region subtrees (residence community)."""
    return scope_of(user).filter(Elder.objects.select_related("community"), region="community__code")


def get_elder_for(user, elder_id: int) -> Elder:
    try:
        return elders_for(user).prefetch_related("categories", "contacts").get(pk=elder_id)
    except Elder.DoesNotExist:
        raise NotFound(_("This elder does not exist or is outside your area.")) from None


def search_elders(user, *, name: str = "", community: str = "", status: str = "") -> QuerySet[Elder]:
    elders = elders_for(user)
    if name:
        elders = elders.filter(name__contains=name.strip())
    if community:
        elders = elders.filter(community__code__startswith=community.strip())
    if status:
        elders = elders.filter(status=status)
    return elders.order_by("community_id", "name", "pk")
