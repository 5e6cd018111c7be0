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

    from .models import Contract, ContractState, Price, ProviderScore, ProviderState

    day = day or timezone.localdate()
    contracts = list(
        Contract.objects.filter(state=ContractState.ACTIVE, starts_on__lte=day, ends_on__gte=day)
        .filter(provider__state=ProviderState.ADMITTED, areas__code=community_code)
        .select_related("provider")
        .distinct()
        .order_by("provider__name")
    )
    provider_ids = [contract.provider_id for contract in contracts]
    names = dict(ServiceItem.objects.filter(active=True).values_list("code", "name"))
    # Today's prices and the latest star grade of every listed provider, in one query each.
    prices: dict[int, dict[str, str]] = {provider_id: {} for provider_id in provider_ids}
    in_force = Price.objects.filter(Price.in_force_on(day), provider_id__in=provider_ids)
    for provider_id, code, fen in in_force.values_list("provider_id", "item__code", "price_fen"):
        prices[provider_id][code] = fen_to_yuan(fen)
    latest_stars: dict[int, int] = {}
    graded = ProviderScore.objects.filter(provider_id__in=provider_ids).exclude(stars=None).order_by("-month")
    for provider_id, stars in graded.values_list("provider_id", "stars"):
        latest_stars.setdefault(provider_id, stars)
    listing = []
    for contract in contracts:
        provider = contract.provider
        stars = latest_stars.get(provider.pk)
        listing.append(
            {
                "id": provider.pk,
                "name": provider.name,
                "kind": provider.get_kind_display(),
                "phone": provider.contact_phone,
                "address": provider.address,
                "stars": stars,
                "star_range": range(stars or 0),
                "services": [
                    {"code": code, "name": names[code], "price": prices[provider.pk].get(code)}
                    for code in contract.services
                    if code in names
                ],
            }
        )
    return listing


# --- Staff -------------------------------------------------------------------------------------------

# Warn this many days before a staff certificate runs out.
CERTIFICATE_WARNING_DAYS = 60


def staff_for(user) -> QuerySet:
    """Staff members the user may see: officials those of providers registered in their region, a provider
    admin their own organisation's, a caregiver only themselves (through their login account)."""
    from .models import StaffMember

    staff = StaffMember.objects.select_related("provider")
    return scope_of(user).filter(
        staff, region="provider__region__code", provider="provider_id", owner="user_id"
    )


def get_staff_for(user, staff_id: int):
    from .models import StaffMember

    try:
        return staff_for(user).get(pk=staff_id)
    except StaffMember.DoesNotExist:
        raise NotFound(_("This staff member does not exist or is outside your area.")) from None


def staff_of_provider_for(user, provider_id: int) -> QuerySet:
    """The provider's staff as the user may see them: all of them for those who see the provider, only
    themselves for a caregiver of it; NotFound for a provider outside the user's scope."""
    mine = staff_for(user).filter(provider_id=provider_id)
    if providers_for(user).filter(pk=provider_id).exists() or mine.exists():
        return mine
    raise NotFound(_("This provider does not exist or is outside your area."))


def expiring_certificates(
    user,
    *,
    within_days: int = CERTIFICATE_WARNING_DAYS,
    today: dt.date | None = None,
    provider_id: int | None = None,
):
    """Certificates of visible active staff that run out within ``within_days`` (or have run out), soonest
    first; one that is already replaced by a certificate of the same kind valid beyond the window is left
    out."""
    from .models import StaffCertificate

    today = today or timezone.localdate()
    horizon = today + dt.timedelta(days=within_days)
    staff = staff_for(user).filter(active=True)
    if provider_id is not None:
        staff = staff.filter(provider_id=provider_id)
    renewed = StaffCertificate.objects.filter(
        staff=models.OuterRef("staff"), kind=models.OuterRef("kind")
    ).filter(models.Q(expires_on__isnull=True) | models.Q(expires_on__gt=horizon))
    return (
        StaffCertificate.objects.filter(staff__in=staff.values("pk"))
        .filter(expires_on__isnull=False, expires_on__lte=horizon)
        .exclude(models.Exists(renewed))
        .select_related("staff", "staff__provider")
        .order_by("expires_on", "staff__name")
    )
