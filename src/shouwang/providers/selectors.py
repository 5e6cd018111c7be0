"""Reads of providers, scoped: officials see those registered in their region, a provider admin
only their own organisation."""

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from shouwang.core.errors import NotFound
from shouwang.core.scope import scope_of

from .models import Provider


def providers_for(user) -> QuerySet[Provider]:
    providers = Provider.objects.select_related("region")
    return scope_of(user).filter(providers, region="region__code", provider="id")


def get_provider_for(user, provider_id: int) -> Provider:
    try:
        return providers_for(user).get(pk=provider_id)
    except Provider.DoesNotExist:
        raise NotFound(_("This provider does not exist or is outside your area.")) from None
