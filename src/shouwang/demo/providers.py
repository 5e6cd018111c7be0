"""The demo providers go through admission like real ones: licence, review, admission, a designated
contract for the district's communities, and their own prices (a little above or below the guide price)."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from shouwang.accounts.models import User
from shouwang.catalog.models import ServiceItem
from shouwang.providers import admission
from shouwang.providers.prices import set_price


def admit_demo_providers(*, provider_ids: list[int], community_codes: list[str], seed: int) -> None:
    rng = random.Random(f"{seed}-providers")
    official = User.objects.get(username="official")
    today = timezone.localdate()
    items = list(ServiceItem.objects.filter(active=True).order_by("position", "code"))
    for number, provider_id in enumerate(provider_ids, start=1):
        admission.add_licence(
            actor=official,
            provider_id=provider_id,
            kind="business",
            number=f"JL{seed % 10_000:04d}{number:06d}",
            issued_on=today - dt.timedelta(days=900),
        )
        admission.add_licence(
            actor=official,
            provider_id=provider_id,
            kind="food",
            number=f"JY2220202{number:07d}",
            expires_on=today + dt.timedelta(days=rng.choice((25, 200, 500))),  # one runs out soon: a warning
        )
        admission.start_review(actor=official, provider_id=provider_id)
        admission.decide_admission(actor=official, provider_id=provider_id, admit=True)
        offered = [item for item in items if rng.random() < 0.7]
        admission.sign_contract(
            actor=official,
            provider_id=provider_id,
            number=f"CYMZ-{today.year}-{number:03d}",
            starts_on=today.replace(month=1, day=1),
            ends_on=today.replace(month=12, day=31),
            area_codes=community_codes,
            services=[item.code for item in offered],
        )
        for item in offered:
            price = round(item.guide_price_fen * rng.uniform(0.9, 1.15) / 50) * 50  # to the nearest 5 jiao
            set_price(actor=official, provider_id=provider_id, item_code=item.code, price=int(price))
