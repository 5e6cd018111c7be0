"""Reads of providers, scoped: officials see those registered in their region, a provider admin
only their own organisation."""

import datetime as dt

from django.db import models
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.core.errors import NotFound
from shouwang.core.scope import scope_of

from .models import Licence, Provider

# Warn this many days before a licence runs out.
LICENCE_WARNING_DAYS = 60


def providers_for(user) -> QuerySet[Provider]:
    providers = Provider.objects.select_related("region")
    return scope_of(user).filter(providers, region="region__code", provider="id")


def get_provider_for(user, provider_id: int) -> Provider:
    try:
        return providers_for(user).get(pk=provider_id)
    except Provider.DoesNotExist:
        raise NotFound(_("This provider does not exist or is outside your area.")) from None


def expiring_licences(user, *, within_days: int = LICENCE_WARNING_DAYS, today: dt.date | None = None):
    """Licences of visible providers that run out within ``within_days`` (or have run out), soonest first."""
    today = today or timezone.localdate()
    return (
        Licence.objects.filter(provider__in=providers_for(user).values("pk"))
        .filter(expires_on__isnull=False, expires_on__lte=today + dt.timedelta(days=within_days))
        .select_related("provider")
        .order_by("expires_on")
    )


def designated_for_community(community_code: str, day: dt.date | None = None) -> list[dict]:
    """Public information for elders and families: admitted providers under a contract in force that covers
    the community, with the services of that contract and today's prices. Nothing personal is in it."""
    from shouwang.catalog.models import ServiceItem
    from shouwang.catalog.prices import fen_to_yuan

    from .models import Contract, ContractState, Price, ProviderState

    day = day or timezone.localdate()
    contracts = (
        Contract.objects.filter(state=ContractState.ACTIVE, starts_on__lte=day, ends_on__gte=day)
        .filter(provider__state=ProviderState.ADMITTED, areas__code=community_code)
        .select_related("provider")
        .distinct()
    )
    names = dict(ServiceItem.objects.filter(active=True).values_list("code", "name"))
    listing = []
    for contract in contracts.order_by("provider__name"):
        provider = contract.provider
        prices = {
            price.item.code: fen_to_yuan(price.price_fen)
            for price in Price.objects.filter(provider=provider, effective_from__lte=day)
            .filter(models.Q(effective_to__isnull=True) | models.Q(effective_to__gte=day))
            .select_related("item")
        }
        listing.append(
            {
                "id": provider.pk,
                "name": provider.name,
                "kind": provider.get_kind_display(),
                "phone": provider.contact_phone,
                "address": provider.address,
                "services": [
                    {"code": code, "name": names[code], "price": prices.get(code)}
                    for code in contract.services
                    if code in names
                ],
            }
        )
    return listing
