"""双随机: the random draw of an inspection round — which targets, and which inspectors for each — made
from the recorded pools and seed only, so that anyone can repeat it and get the same result.

The pools are the ids of the eligible targets and inspectors at the moment of the draw, ascending; Python's
``random.Random(seed)`` (Mersenne Twister) is the same on every platform for the same seed and calls.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass

from shouwang.regions.models import Region, prefix_of

from .models import TargetKind


@dataclass(frozen=True)
class Target:
    id: int
    name: str
    region_code: str
    provider_id: int | None


def new_seed() -> int:
    return secrets.randbits(62)


def draw(seed: int, target_pool: list[int], inspector_pool: list[int], sample_size: int,
         per_target: int) -> list[tuple[int, list[int]]]:  # fmt: skip
    """The drawn targets in the order drawn, each with its inspectors (ascending)."""
    rng = random.Random(seed)
    targets = rng.sample(sorted(target_pool), min(sample_size, len(target_pool)))
    inspectors = sorted(inspector_pool)
    return [(target, sorted(rng.sample(inspectors, per_target))) for target in targets]


def eligible_targets(kind: str, region: Region) -> dict[int, Target]:
    """The targets of ``kind`` in ``region`` that may be drawn: admitted providers registered there,
    facilities in operation, registered childcare institutions."""
    prefix = prefix_of(region.code)
    if kind == TargetKind.PROVIDER:
        from shouwang.providers.models import Provider, ProviderState

        providers = Provider.objects.filter(state=ProviderState.ADMITTED, region__code__startswith=prefix)
        return {p.pk: Target(p.pk, p.name, p.region_id, p.pk) for p in providers}
    if kind == TargetKind.FACILITY:
        from shouwang.facilities.models import Facility

        facilities = Facility.objects.filter(active=True, community__code__startswith=prefix)
        return {f.pk: Target(f.pk, f.name, f.community_id, f.provider_id) for f in facilities}
    from shouwang.childcare.models import Institution, RegistrationState

    registered = Institution.objects.filter(
        state=RegistrationState.REGISTERED, community__code__startswith=prefix
    )
    return {i.pk: Target(i.pk, i.name, i.community_id, None) for i in registered}


def eligible_inspectors(region: Region) -> list[int]:
    """Active officials who work in the region, or above it (their region contains it)."""
    from shouwang.accounts.models import User
    from shouwang.core.roles import Role

    code = region.code
    ids = set()
    for user_id, region_code in User.objects.filter(role=Role.OFFICIAL, is_active=True).values_list(
        "pk", "regions__code"
    ):
        if region_code and (
            region_code.startswith(prefix_of(code)) or code.startswith(prefix_of(region_code))
        ):
            ids.add(user_id)
    return sorted(ids)
