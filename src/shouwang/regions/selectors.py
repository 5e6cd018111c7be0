"""Reads of the division tree. Region names and codes are public facts; what is scoped is which
subtrees a picker offers and which regions a user may act on."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from shouwang.core.errors import NotFound
from shouwang.core.scope import Scope

from .models import Level, Region


def get_region(code: str) -> Region:
    try:
        return Region.objects.get(code=code)
    except Region.DoesNotExist:
        raise NotFound(_("There is no region with the code %(code)s.") % {"code": code}) from None


def children_of(parent_code: str | None) -> QuerySet[Region]:
    """The direct children of a region, or the top level when ``parent_code`` is empty."""
    if not parent_code:
        top = Region.objects.order_by("level").values_list("level", flat=True).first()
        return Region.objects.filter(level=top) if top else Region.objects.none()
    return Region.objects.filter(parent_id=parent_code)


def scope_roots(scope: Scope) -> QuerySet[Region]:
    """The regions at the top of a user's subtrees: where a scoped picker starts."""
    if scope.everything:
        return children_of(None)
    codes = [region_code_for_prefix(prefix) for prefix in scope.region_prefixes]
    return Region.objects.filter(code__in=codes)


def region_code_for_prefix(prefix: str) -> str:
    return prefix.ljust(12, "0")


def regions_in_scope(scope: Scope, *, level: Level | None = None) -> QuerySet[Region]:
    regions = scope.filter(Region.objects.all(), region="code")
    return regions.filter(level=level) if level else regions


def ancestors(region: Region) -> list[Region]:
    """From the top of the tree down to ``region`` itself."""
    chain = []
    node: Region | None = region
    while node is not None:
        chain.append(node)
        node = node.parent
    return list(reversed(chain))
