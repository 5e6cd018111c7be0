"""Providers' own prices (自主定价) with their history: a change never rewrites a past price."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.catalog.prices import PriceError, fen_to_yuan, yuan_to_fen
from shouwang.catalog.selectors import get_item_by_code_for
from shouwang.core import audit
from shouwang.core.errors import Forbidden, ValidationFailed

from .models import Price, Provider, ProviderState
from .permissions import may_set_prices
from .selectors import get_provider_for


def set_price(
    *, actor, provider_id: int, item_code: str, price, effective_from: dt.date | None = None
) -> Price:
    """The provider's price for a catalogue item from ``effective_from`` (default today) on.

    ``price`` is yuan as typed ("15.50") or an int of fen when ``price`` is an int. A later price already
    set stays; the one running on that day is closed the day before, so history is kept whole.
    """
    if not may_set_prices(actor):
        raise Forbidden(_("Only the provider's administrator or an official may set prices."))
    provider = get_provider_for(actor, provider_id)
    if provider.state == ProviderState.EXITED:
        raise ValidationFailed(_("A provider that has exited sets no prices."))
    item = get_item_by_code_for(actor, item_code)
    try:
        fen = price if isinstance(price, int) else yuan_to_fen(price)
    except PriceError as error:
        raise ValidationFailed(str(error), errors={"price": str(error)}) from None
    start = effective_from or timezone.localdate()
    if start < timezone.localdate():
        message = _("A price takes effect today or later; past prices are never changed.")
        raise ValidationFailed(message, errors={"effective_from": message})
    with transaction.atomic():
        running = _running(provider, item.pk, start)
        if running is not None and running.effective_from == start:
            message = _("A price for this day is already set; choose the next day.")
            raise ValidationFailed(message, errors={"effective_from": message})
        if running is not None:
            running.effective_to = start - dt.timedelta(days=1)
            running.save(update_fields=["effective_to"])
        following = (
            Price.objects.filter(provider=provider, item=item, effective_from__gt=start)
            .order_by("effective_from")
            .first()
        )
        new = Price.objects.create(
            provider=provider,
            item=item,
            price_fen=fen,
            effective_from=start,
            effective_to=following.effective_from - dt.timedelta(days=1) if following else None,
            set_by=actor,
        )
        audit.record(
            actor=actor,
            action="providers.price",
            obj=provider,
            before={"price": fen_to_yuan(running.price_fen)} if running else None,
            after={"item": item.code, "price": fen_to_yuan(fen), "from": start},
            region_code=provider.region_id,
            provider_id=provider.pk,
        )
    return new


def _running(provider: Provider, item_id: int, day: dt.date) -> Price | None:
    return (
        Price.objects.select_for_update()
        .filter(Price.in_force_on(day), provider=provider, item_id=item_id)
        .first()
    )


def price_on(provider_id: int, item_code: str, day: dt.date) -> int | None:
    """The provider's price in fen for an item on a day, or None: what an order of that day is charged."""
    found = (
        Price.objects.filter(Price.in_force_on(day), provider_id=provider_id, item__code=item_code)
        .values_list("price_fen", flat=True)
        .first()
    )
    return found
