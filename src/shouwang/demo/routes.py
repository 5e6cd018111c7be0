"""The demo's route plan: today's orders of the first demo provider planned over its caregivers, left as
a draft for the provider's administrator to look at, publish or re-plan (the orders keep their caregivers
until then)."""

from __future__ import annotations

from django.utils import timezone

from shouwang.core.actors import SYSTEM
from shouwang.routes.services import plan_provider_day


def load_routes(*, provider_id: int) -> int:
    """Plan today for ``provider_id`` (a short search: the demo loads in one go); the number of stops."""
    plan = plan_provider_day(actor=SYSTEM, provider_id=provider_id, day=timezone.localdate(), seconds=2)
    return plan.stops.count()
