"""Writes of providers."""

from django.db import transaction
from django.utils.translation import gettext as _

from shouwang.core import audit
from shouwang.core.actors import require_actor
from shouwang.core.errors import Conflict, Forbidden, ValidationFailed
from shouwang.core.idnumbers import normalise_credit_code
from shouwang.core.scope import scope_of
from shouwang.regions.selectors import get_region

from .models import Provider, ProviderKind

AUDITED_FIELDS = ("name", "credit_code", "kind", "region", "contact_phone", "address")


def create_provider(
    *,
    actor,
    name: str,
    credit_code: str,
    kind: str,
    region_code: str,
    contact_phone: str = "",
    address: str = "",
) -> Provider:
    """Register a provider organisation in a region the actor supervises (any region for the platform
    itself, ``core.actors.SYSTEM``: the public application page, the demo loader)."""
    require_actor(actor)
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(_("The provider's name is required."), errors={"name": _("Required.")})
    if kind not in ProviderKind.values:
        raise ValidationFailed(_("Unknown provider type."), errors={"kind": _("Unknown provider type.")})
    code = normalise_credit_code(credit_code)
    region = get_region(region_code)
    if not scope_of(actor).covers_region(region.code):
        raise Forbidden(_("You can only register providers inside your own region."))
    if Provider.objects.filter(credit_code=code).exists():
        raise Conflict(
            _("A provider with this credit code is already registered."), code="duplicate_credit_code"
        )
    with transaction.atomic():
        provider = Provider.objects.create(
            name=name,
            credit_code=code,
            kind=kind,
            region=region,
            contact_phone=contact_phone,
            address=address,
        )
        audit.record(
            actor=actor,
            action="providers.create",
            obj=provider,
            after=audit.snapshot(provider, AUDITED_FIELDS),
            region_code=region.code,
            provider_id=provider.pk,
        )
    return provider
