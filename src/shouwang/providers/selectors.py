"""Reads of providers, scoped: officials see those registered in their region, a provider admin
only their own organisation."""

import datetime as dt

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
