"""The audit log: every service write and every reveal of personal data leaves one record.

Services call :func:`record` inside their transaction, so an action and its audit record are saved
together or not at all.

The log is read by officials and admins who have not revealed anything, so it never holds an ID number or
a phone in full (decision 0012): :func:`entry` masks the values of personal keys (``id_number``, ``phone``,
``*_phone`` …, at any depth) and adds a keyed fingerprint, so a change stays visible where two numbers
share their mask; mobile and ID numbers typed into free text (a reason, a note) are masked too. Seeing a
number in full is the audited reveal (``elders.services.reveal_elder``), never the log.
"""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import hashlib
import hmac
import re
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.db import models

from .context import current_request_info
from .masking import mask_account, mask_id_number, mask_phone
from .models import AuditLog

# A mainland mobile number or an 18-character resident ID number standing alone in a text.
_NUMBERS_IN_TEXT = re.compile(
    r"(?<![0-9A-Za-z])(?:(?P<mobile>1[3-9][0-9]{9})|(?P<id>[0-9]{17}[0-9Xx]))(?![0-9A-Za-z])"
)
_FINGERPRINT_SALT = "shouwang.core.audit.fingerprint"


def _plain(value: Any) -> Any:
    """A JSON-safe form of a field value."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple | set):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    return value


def _mask_for(key: str) -> Callable[[str], str] | None:
    """How the value of ``key`` is masked, when the key names an ID number or a phone."""
    if key == "id_number" or key.endswith("_id_number"):
        return mask_id_number
    if key == "phone" or key.endswith("_phone"):
        return mask_phone
    if key == "payment_account":
        return mask_account
    return None


@functools.cache
def _fingerprint_key(secret: str) -> bytes:
    # Django's salted_hmac derives this key on every call; an import fingerprints thousands of numbers.
    return hashlib.sha256((_FINGERPRINT_SALT + secret).encode()).digest()


def fingerprint(value: str) -> str:
    """A short keyed hash of a personal number (``salted_hmac(_FINGERPRINT_SALT, value)``, its key derived
    once): equal numbers give equal fingerprints, and without the server's key nobody can test a guess
    against it (a mask leaves only 10,000 candidates for a mobile)."""
    return hmac.digest(_fingerprint_key(settings.SECRET_KEY), value.encode(), "sha256").hex()[:12]


def masked_text(text: str) -> str:
    """``text`` with every mobile and ID number in it masked."""

    def mask(found: re.Match) -> str:
        return mask_phone(found["mobile"]) if found["mobile"] else mask_id_number(found["id"])

    return _NUMBERS_IN_TEXT.sub(mask, text)


def masked(value: Any, key: str = "") -> Any:
    """``value`` (plain JSON) with no personal number in full: under a personal key the masked number and
    its fingerprint (``138****5678 #1a2b3c4d5e6f``), in any other text the numbers masked. A value already
    masked (it holds ``*``) is left as it is, so masking twice changes nothing."""
    if isinstance(value, dict):
        return {name: masked(item, str(name)) for name, item in value.items()}
    if isinstance(value, list):
        return [masked(item, key) for item in value]
    if not isinstance(value, str) or not value:
        return value
    mask = _mask_for(key)
    if mask is None:
        return masked_text(value)
    if "*" in value:
        return value
    return f"{mask(value)} #{fingerprint(value)}"


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The named fields of ``instance`` as plain values; foreign keys by id."""
    values = {}
    for name in fields:
        field = instance._meta.get_field(name)
        # a foreign key's attname is its id column ("provider_id"); every other field's is its name
        attribute = field.attname if isinstance(field, models.Field) else name
        values[name] = _plain(getattr(instance, attribute))
    return values


def changed(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict, dict]:
    """Only the keys whose values differ, as (before, after)."""
    keys = [key for key in after if before.get(key) != after.get(key)]
    return {key: before.get(key) for key in keys}, {key: after[key] for key in keys}


def entry(
    *,
    actor,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    before: dict | None = None,
    after: dict | None = None,
    region_code: str = "",
    provider_id: int | None = None,
) -> AuditLog:
    """An unsaved audit record, for services that save many at once with ``bulk_create``."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)
    info = current_request_info()
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditLog(
        actor=actor if authenticated else None,
        actor_username=actor.get_username() if authenticated else "system",
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=masked_text(object_repr)[:200],
        region_code=region_code,
        provider_id=provider_id,
        before=masked(_plain(before)) if before is not None else None,
        after=masked(_plain(after)) if after is not None else None,
        ip=info.ip,
        request_id=info.request_id,
        channel=info.channel,
    )


def record(**fields) -> AuditLog:
    """Write one audit record (see :func:`entry` for the fields). ``actor`` may be None for system jobs
    (the scheduler, the demo loader)."""
    log = entry(**fields)
    log.save()
    return log
