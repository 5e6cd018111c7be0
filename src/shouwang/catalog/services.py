"""Writes of the catalogue: create, change, retire and reactivate items. Platform admins and officials
only; every change writes a version row (the item's full values) and an audit record in one transaction.

The catalogue has no region: its audit records carry no ``region_code``, so the audit viewer shows them
to platform admins, while the item's own history (its version rows) is readable by everybody.
"""

from __future__ import annotations

import re
import unicodedata

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from shouwang.core import audit
from shouwang.core.errors import Conflict, DomainError, NotFound, ValidationFailed
from shouwang.core.text import is_digits, within_limit

from .models import (
    CATEGORY_NAMES,
    CERTIFICATE_NAMES,
    UNIT_NAMES,
    Category,
    Certificate,
    ServiceItem,
    ServiceItemVersion,
    Unit,
    VersionAction,
)
from .permissions import require_editor
from .prices import PriceError, yuan_to_fen
from .selectors import VERSIONED_FIELDS

CODE_PATTERN = re.compile(r"[a-z][a-z0-9_]{1,39}")
MAX_MINUTES = 24 * 60
REQUIRED_ON_CREATE = ("code", "name", "category", "unit", "standard_minutes", "guide_price")
# Fields an update may change. The code is the item's identity (plans, contracts and orders hold it).
UPDATABLE_FIELDS = tuple(field for field in VERSIONED_FIELDS if field not in ("code", "active"))


class DuplicateCode(Conflict):
    code = "duplicate_code"

    def __init__(self, message: str):
        super().__init__(message, field="code")
        self.errors = {"code": message}


def _text(value) -> str:
    return unicodedata.normalize("NFKC", str(value)).strip() if value is not None else ""


def _choice(value, choices, names: dict, message: str) -> str:
    """A choice given by its code or by its Chinese name (生活照料, 餐, 健康证)."""
    text = _text(value)
    if text in choices.values:
        return text
    by_name = {name: code for code, name in names.items()}
    if text in by_name:
        return str(by_name[text])
    raise ValidationFailed(message)


def _parse_code(value) -> str:
    code = _text(value).lower()
    if not code:
        raise ValidationFailed(_("Give the item a code."))
    if not CODE_PATTERN.fullmatch(code):
        raise ValidationFailed(
            _(
                "The code may hold only lower-case letters, digits and underscores, start with a letter "
                "and be 2 to 40 characters long (for example meal_dine_in)."
            )
        )
    return code


def _parse_name(value) -> str:
    name = _text(value)
    if not name:
        raise ValidationFailed(_("Give the item a name."))
    if len(name) > 60:
        raise ValidationFailed(_("The name may be at most 60 characters long."))
    return name


def _parse_category(value) -> str:
    return _choice(value, Category, CATEGORY_NAMES, _("Choose one of the seven service categories."))


def _parse_unit(value) -> str:
    return _choice(value, Unit, UNIT_NAMES, _("Choose the unit the price is for (session, hour, meal …)."))


def _parse_certificate(value) -> str:
    if _text(value) == "":
        return Certificate.NONE
    return _choice(value, Certificate, CERTIFICATE_NAMES, _("Choose a certificate from the list, or none."))


def _parse_minutes(value) -> int:
    text = _text(value)
    if isinstance(value, bool) or not is_digits(text) or not 1 <= int(text) <= MAX_MINUTES:
        raise ValidationFailed(
            _("The standard duration must be a whole number of minutes from 1 to %(max)d.")
            % {"max": MAX_MINUTES}
        )
    return int(text)


def _parse_skill(value) -> str:
    skill = _text(value)
    if len(skill) > 100:
        raise ValidationFailed(_("The required skill may be at most 100 characters long."))
    return skill


def _parse_price(value) -> int:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValidationFailed(_("Give the guide price in yuan, for example 15.50."))
    try:
        return yuan_to_fen(value)
    except PriceError:
        raise ValidationFailed(
            _(
                "The guide price must be an amount in yuan with at most two decimals, from 0 to 100000 "
                "(for example 15.50)."
            )
        ) from None


def _parse_price_fen(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10_000_000:
        raise ValidationFailed(_("The guide price in fen must be a whole number from 0 to 10000000."))
    return value


def _parse_flag(value) -> bool:
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    if text in ("true", "1", "yes", "on", "是"):
        return True
    if text in ("false", "0", "no", "off", "否", ""):
        return False
    raise ValidationFailed(_("Answer yes or no."))


def _parse_position(value) -> int:
    text = _text(value)
    if isinstance(value, bool) or not is_digits(text):
        raise ValidationFailed(_("The position must be a whole number, 0 or more."))
    return int(text)


PARSERS = {
    "code": _parse_code,
    "name": _parse_name,
    "category": _parse_category,
    "unit": _parse_unit,
    "standard_minutes": _parse_minutes,
    "required_skill": _parse_skill,
    "required_certificate": _parse_certificate,
    "guide_price": _parse_price,
    "guide_price_fen": _parse_price_fen,
    "subsidy_payable": _parse_flag,
    "position": _parse_position,
}


MISSING = {
    "code": _lazy("Give the item a code."),
    "name": _lazy("Give the item a name."),
    "category": _lazy("Choose one of the seven service categories."),
    "unit": _lazy("Choose the unit the price is for (session, hour, meal …)."),
    "standard_minutes": _lazy("Give the standard duration in minutes."),
    "guide_price": _lazy("Give the guide price in yuan, for example 15.50."),
}


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _parse(data: dict) -> tuple[dict, dict]:
    """Every given field parsed; returns (values, messages by field) so all problems show at once.

    The price may be given in yuan (``guide_price``, text like "15.50") or in fen (``guide_price_fen``);
    both land in ``guide_price_fen``.
    """
    values, errors = {}, {}
    for key, parse in PARSERS.items():
        if key not in data:
            continue
        try:
            values[key] = parse(data[key])
        except DomainError as error:
            errors[key] = error.message
    if "guide_price" in values:
        values["guide_price_fen"] = values.pop("guide_price")
    return values, errors


def _raise_if(errors: dict) -> None:
    """One ValidationFailed naming every field at fault; a lone problem is the main message too."""
    if not errors:
        return
    errors = {key: str(message) for key, message in errors.items()}
    message = next(iter(errors.values())) if len(errors) == 1 else _("Please correct the marked fields.")
    raise ValidationFailed(message, errors=errors)


def _write_version(item: ServiceItem, *, actor, action: str, reason: str) -> ServiceItemVersion:
    item.version += 1
    item.save(update_fields=["version", "updated_at"])
    return ServiceItemVersion.objects.create(
        item=item,
        version=item.version,
        action=action,
        values=audit.snapshot(item, VERSIONED_FIELDS),
        changed_by=actor if getattr(actor, "is_authenticated", False) else None,
        reason=within_limit(_text(reason), 200, field="reason", label=_("The reason")),
    )


def _locked(item_id: int) -> ServiceItem:
    try:
        return ServiceItem.objects.select_for_update().get(pk=item_id)
    except ServiceItem.DoesNotExist:
        raise NotFound(_("This service item does not exist.")) from None


def create_item(*, actor, data: dict, reason: str = "") -> ServiceItem:
    """Add an item to the catalogue. ``data`` holds ``code``, ``name``, ``category``, ``unit``,
    ``standard_minutes`` and the guide price (``guide_price`` in yuan, or ``guide_price_fen``), and may
    hold ``required_skill``, ``required_certificate``, ``subsidy_payable`` and ``position``.

    Choices may be given by code or by Chinese name. A code already in the catalogue (even on a retired
    item) raises :class:`DuplicateCode`.
    """
    require_editor(actor)
    given = {key: value for key, value in data.items() if key in PARSERS and not _blank(value)}
    values, errors = _parse(given)
    for key in REQUIRED_ON_CREATE:
        price_given = key == "guide_price" and "guide_price_fen" in given
        if key not in given and not price_given:
            errors[key] = MISSING[key]
    _raise_if({key: errors[key] for key in PARSERS if key in errors})
    code = values["code"]
    if "position" not in values:
        # A new item goes to the end of the lists unless told otherwise.
        last = ServiceItem.objects.aggregate(last=Max("position"))["last"] or 0
        values["position"] = last + 10
    if ServiceItem.objects.filter(code=code).exists():
        raise DuplicateCode(_("The code %(code)s is already in the catalogue.") % {"code": code})
    try:
        with transaction.atomic():
            item = ServiceItem.objects.create(**values)
            _write_version(item, actor=actor, action=VersionAction.CREATED, reason=reason)
            audit.record(
                actor=actor,
                action="catalog.item.create",
                obj=item,
                after=audit.snapshot(item, VERSIONED_FIELDS),
            )
    except IntegrityError:
        # Another desk saved the same code a moment ago.
        raise DuplicateCode(_("The code %(code)s is already in the catalogue.") % {"code": code}) from None
    return item


def update_item(*, actor, item_id: int, data: dict, reason: str = "") -> ServiceItem:
    """Change the given fields of an item; fields not in ``data`` keep their values. Nothing changed means
    nothing written. The code cannot change (retire the item and create another instead)."""
    require_editor(actor)
    given = {key: value for key, value in data.items() if value is not None}
    with transaction.atomic():
        item = _locked(item_id)
        if "code" in given and _text(given["code"]).lower() != item.code:
            message = _("The code of an item cannot be changed; retire it and add a new item instead.")
            raise ValidationFailed(message, errors={"code": message})
        given.pop("code", None)
        values, errors = _parse({key: value for key, value in given.items() if key in PARSERS})
        _raise_if(errors)
        before = audit.snapshot(item, UPDATABLE_FIELDS)
        for key, value in values.items():
            setattr(item, key, value)
        old, new = audit.changed(before, audit.snapshot(item, UPDATABLE_FIELDS))
        if not new:
            return item
        item.save(update_fields=[*new, "updated_at"])
        _write_version(item, actor=actor, action=VersionAction.UPDATED, reason=reason)
        audit.record(actor=actor, action="catalog.item.update", obj=item, before=old, after=new)
    return item


def retire_item(*, actor, item_id: int, reason: str) -> ServiceItem:
    """Take an item out of use (退出目录): it leaves the default lists and cannot be newly ordered, but keeps
    its code and history. A reason is required."""
    require_editor(actor)
    if not _text(reason):
        message = _("Say why the item is retired.")
        raise ValidationFailed(message, errors={"reason": message})
    return _set_active(actor, item_id, active=False, reason=reason)


def reactivate_item(*, actor, item_id: int, reason: str = "") -> ServiceItem:
    """Put a retired item back into use."""
    require_editor(actor)
    return _set_active(actor, item_id, active=True, reason=reason)


def _set_active(actor, item_id: int, *, active: bool, reason: str) -> ServiceItem:
    with transaction.atomic():
        item = _locked(item_id)
        if item.active == active:
            message = _("The item is already in use.") if active else _("The item is already retired.")
            raise Conflict(message, code="already_active" if active else "already_retired")
        item.active = active
        item.save(update_fields=["active", "updated_at"])
        action = VersionAction.REACTIVATED if active else VersionAction.RETIRED
        _write_version(item, actor=actor, action=action, reason=reason)
        audit.record(
            actor=actor,
            action=f"catalog.item.{'reactivate' if active else 'retire'}",
            obj=item,
            before={"active": not active},
            after={"active": active, "reason": _text(reason)},
        )
    return item
