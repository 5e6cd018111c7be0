"""The audit log: every service write and every reveal of personal data leaves one record.

Services call :func:`record` inside their transaction, so an action and its audit record are saved
together or not at all.
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections.abc import Iterable
from typing import Any

from django.db import models

from .context import current_request_info
from .models import AuditLog


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


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The named fields of ``instance`` as plain values; foreign keys by id."""
    values = {}
    for name in fields:
        field = instance._meta.get_field(name)
        attribute = field.attname if field.is_relation and field.many_to_one else name
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
        object_repr=object_repr[:200],
        region_code=region_code,
        provider_id=provider_id,
        before=_plain(before) if before is not None else None,
        after=_plain(after) if after is not None else None,
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
