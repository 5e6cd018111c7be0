"""The health systems that read us over FHIR (``HealthClient``): registering one with its region and its
bearer token (shown once, kept as a SHA-256 hash), switching one off, and finding the client a request's
token belongs to."""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.core import audit
from shouwang.core.actors import is_system, require_actor
from shouwang.core.errors import Forbidden, NotFound, ValidationFailed
from shouwang.core.scope import scope_of
from shouwang.core.text import within_limit
from shouwang.regions.models import Region

from .models import HealthClient
from .permissions import may_keep_exchange

TOKEN_PREFIX = "fhir_"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def clients_for(user) -> QuerySet[HealthClient]:
    """The clients of the user's regions (the bureau's)."""
    if not may_keep_exchange(user):
        return HealthClient.objects.none()
    return scope_of(user).filter(HealthClient.objects.select_related("region"), region="region__code")


def create_client(
    *, actor, name: str, region_code: str, may_read_id_numbers: bool = False
) -> tuple[HealthClient, str]:
    """Register a health system reading the elders of ``region_code``'s subtree; returns the client and
    its token, which is shown this once."""
    require_actor(actor)
    if not is_system(actor) and not may_keep_exchange(actor):
        raise Forbidden(_("Only the bureau registers health systems."))
    name = within_limit(name, 80, field="name", label=_("The name"))
    errors = {}
    if not name:
        errors["name"] = _("Give the health system's name.")
    region = Region.objects.filter(pk=(region_code or "").strip()).first()
    if region is None or not scope_of(actor).covers_region(region.pk):
        errors["region"] = _("Choose a region of yours.")
    if not errors and HealthClient.objects.filter(name=name).exists():
        errors["name"] = _("A health system of this name is registered already.")
    if errors or region is None:
        raise ValidationFailed(next(iter(errors.values())), errors=errors)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        client = HealthClient.objects.create(
            name=name, region=region, token_hash=_hash(token), may_read_id_numbers=bool(may_read_id_numbers)
        )
        audit.record(
            actor=actor,
            action="health.client.create",
            obj=client,
            after={"name": name, "region": region.pk, "may_read_id_numbers": client.may_read_id_numbers},
            region_code=region.pk,
        )
    return client, token


def deactivate_client(*, actor, client_id: int) -> HealthClient:
    require_actor(actor)
    with transaction.atomic():
        client = clients_for(actor).select_for_update(of=("self",)).filter(pk=client_id).first()
        if client is None:
            raise NotFound(_("This health system is not registered in your area."))
        client.active = False
        client.save(update_fields=["active", "updated_at"])
        audit.record(actor=actor, action="health.client.deactivate", obj=client, region_code=client.region_id)
    return client


def client_for_token(token: str) -> HealthClient | None:
    """The active client holding ``token``, its last use noted; None for any other token."""
    if not token:
        return None
    client = (
        HealthClient.objects.select_related("region").filter(token_hash=_hash(token), active=True).first()
    )
    if client is not None:
        HealthClient.objects.filter(pk=client.pk).update(last_used_at=timezone.now())
    return client
