"""Reads of the registry, always through the acting user's scope."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from shouwang.core.errors import NotFound
from shouwang.core.scope import scope_of

from .models import Elder, EmergencyContact


def elders_for(user) -> QuerySet[Elder]:
    """Elders in the user's region subtrees (residence community)."""
    return scope_of(user).filter(Elder.objects.select_related("community"), region="community__code")


def get_elder_for(user, elder_id: int) -> Elder:
    try:
        return elders_for(user).prefetch_related("categories", "contacts").get(pk=elder_id)
    except Elder.DoesNotExist:
        raise NotFound(_("This elder does not exist or is outside your area.")) from None


def search_elders(
    user, *, q: str = "", name: str = "", community: str = "", status: str = ""
) -> QuerySet[Elder]:
    """Search in the user's scope. ``q`` is what a desk worker types: Chinese name characters, pinyin
    initials (``zsf`` finds 张三丰), the last 4–6 characters of the ID number, or a phone number."""
    elders = elders_for(user)
    if q := q.strip():
        elders = elders.filter(_quick_search(q))
    if name:
        elders = elders.filter(name__contains=name.strip())
    if community:
        elders = elders.filter(community__code__startswith=community.strip())
    if status:
        elders = elders.filter(status=status)
    return elders.order_by("community_id", "name", "pk")


def _quick_search(q: str) -> Q:
    if q.isascii() and q.isalpha():
        return Q(name_initials__startswith=q.lower())
    digits = q.upper()
    if 4 <= len(digits) <= 6 and digits[:-1].isdigit() and (digits[-1].isdigit() or digits[-1] == "X"):
        return Q(id_number__endswith=digits) | Q(phone__endswith=digits)
    if q.replace("-", "").isdigit():
        contact_of = EmergencyContact.objects.filter(phone=q).values("elder_id")
        return Q(phone__contains=q) | Q(pk__in=contact_of)
    return Q(name__contains=q)
