"""Data scope: the one mechanism every selector and service uses to decide what a user may see.

A :class:`Scope` is computed from the user (see ``accounts.models.User.scope``) and combines up to three
grants: a set of region subtrees (prefixes of the 12-digit division codes, DOMAIN.md §1), one provider
organisation, and "own assignments". A model says which of its fields carry each of these; the scope
turns them into one ``Q``. A user with no grant sees nothing.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from functools import reduce

from django.db.models import Q, QuerySet

from .actors import is_system


@dataclass(frozen=True)
class Scope:
    user_id: int | None = None
    everything: bool = False
    region_prefixes: tuple[str, ...] = ()
    provider_id: int | None = None
    own: bool = False

    @classmethod
    def nothing(cls) -> Scope:
        return cls()

    @property
    def is_empty(self) -> bool:
        return not (self.everything or self.region_prefixes or self.provider_id or self.own)

    def conditions(
        self,
        *,
        region: str | tuple[str, ...] | None = None,
        provider: str | None = None,
        owner: str | None = None,
    ) -> list[Q]:
        """The grants that apply, as one ``Q`` each, given the lookups that carry them.

        ``region`` names one or more lookups holding a 12-digit region code (e.g. ``"community_id"``),
        ``provider`` one holding a provider id, ``owner`` one holding the assigned user's id.
        """
        conditions = []
        region_lookups = (region,) if isinstance(region, str) else region or ()
        for lookup in region_lookups:
            conditions += [Q(**{f"{lookup}__startswith": prefix}) for prefix in self.region_prefixes]
        if provider and self.provider_id:
            conditions.append(Q(**{provider: self.provider_id}))
        if owner and self.own and self.user_id:
            conditions.append(Q(**{owner: self.user_id}))
        return conditions

    def filter(
        self,
        queryset: QuerySet,
        *,
        region: str | tuple[str, ...] | None = None,
        provider: str | None = None,
        owner: str | None = None,
    ) -> QuerySet:
        """``queryset`` narrowed to this scope; see :meth:`conditions` for the lookups."""
        if self.everything:
            return queryset
        conditions = self.conditions(region=region, provider=provider, owner=owner)
        if not conditions:
            return queryset.none()
        return queryset.filter(reduce(operator.or_, conditions))

    def covers_region(self, code: str) -> bool:
        """Whether a region code lies inside one of the granted subtrees."""
        return self.everything or any(code.startswith(prefix) for prefix in self.region_prefixes)

    def covers_provider(self, provider_id: int | None) -> bool:
        return self.everything or (provider_id is not None and provider_id == self.provider_id)


def scope_of(user) -> Scope:
    """The scope of any user object; anonymous or inactive users get nothing, the platform itself
    (``core.actors.SYSTEM``, named explicitly) everything."""
    if is_system(user):
        return Scope(everything=True)
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return Scope.nothing()
    return user.scope
