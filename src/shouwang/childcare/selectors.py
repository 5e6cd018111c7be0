"""Reads of childcare institutions, scoped: region staff see those in their region subtrees, an
institution's account only its own record. Missing and forbidden are the same NotFound."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from shouwang.core.actors import is_system
from shouwang.core.errors import NotFound
from shouwang.core.scope import scope_of
from shouwang.regions.models import Level, Region, prefix_of

from .models import Institution, Population, RegistrationState
from .permissions import is_institution_account, may_read_institutions


def institutions_for(
    user, *, region: str = "", state: str = "", kind: str = "", q: str = ""
) -> QuerySet[Institution]:
    if is_system(user):
        institutions = Institution.objects.all()
    elif not may_read_institutions(user):
        return Institution.objects.none()
    elif is_institution_account(user):
        institutions = Institution.objects.filter(account_id=user.pk)
    else:
        institutions = scope_of(user).filter(Institution.objects.all(), region="community__code")
    if region:
        institutions = institutions.filter(community__code__startswith=prefix_of(region))
    if state:
        institutions = institutions.filter(state=state)
    if kind:
        institutions = institutions.filter(kind=kind)
    if q:
        institutions = institutions.filter(Q(name__contains=q) | Q(address__contains=q))
    return institutions.select_related("community")


def get_institution_for(user, institution_id: int) -> Institution:
    try:
        return institutions_for(user).get(pk=institution_id)
    except Institution.DoesNotExist:
        raise NotFound(_("This childcare institution does not exist or is outside your area.")) from None


def public_institutions(region_code: str) -> QuerySet[Institution]:
    """Registered institutions in a region, for parents (no login): names, kinds, places, fees, phone."""
    return (
        Institution.objects.filter(
            state=RegistrationState.REGISTERED, community__code__startswith=prefix_of(region_code)
        )
        .select_related("community")
        .order_by("community_id", "name")
    )


def public_areas() -> QuerySet[Region]:
    """The streets and communities a parent may choose on the public list."""
    return Region.objects.filter(level__in=[Level.STREET, Level.COMMUNITY]).order_by("code")


def population_rows(user) -> QuerySet[Population]:
    scope = scope_of(user)
    return scope.filter(Population.objects.select_related("region"), region="region__code")
