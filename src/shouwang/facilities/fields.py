"""How each field of a facility is read from what was typed or sent: one table, used by registration,
direct edits by the bureau and operators' change requests alike, so a value is refused the same way."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shouwang.catalog.models import Category
from shouwang.core.errors import ValidationFailed
from shouwang.core.text import too_long
from shouwang.elders import fields as elder_fields

from .models import MEAL_SERVICE, FacilityKind, Ownership

SERVICE_CODES = (*Category.values, MEAL_SERVICE)
MAX_COUNT = 100_000
MAX_FEN = 10**12  # ten billion yuan: far above any subsidy, below every database's integer


def service_labels() -> list[tuple[str, str]]:
    return [*((c.value, str(c.label)) for c in Category), (MEAL_SERVICE, _("meal help (助餐)"))]


def _text(limit: int, label, *, required: bool = False) -> Callable:
    def parse(value) -> str:
        text = str(value if value is not None else "").strip()
        if required and not text:
            raise ValidationFailed(_("%(label)s is required.") % {"label": label}, code="required")
        if message := too_long(text, limit, label=label):
            raise ValidationFailed(message, code="too_long")
        return text

    return parse


def _choice(choices, label, *, blank: bool = False) -> Callable:
    def parse(value) -> str:
        text = str(value or "").strip()
        if blank and not text:
            return ""
        if text not in choices.values:
            raise ValidationFailed(_("Choose a valid %(label)s.") % {"label": label}, code="invalid_choice")
        return text

    return parse


def _count(label, *, maximum: int = MAX_COUNT, optional: bool = False) -> Callable:
    def parse(value):
        if optional and (value is None or str(value).strip() == ""):
            return None
        try:
            number = int(str(value).strip() or 0) if not isinstance(value, int) else value
        except ValueError:
            number = -1
        if isinstance(value, bool) or not 0 <= number <= maximum:
            raise ValidationFailed(
                _("%(label)s must be a whole number from 0 to %(max)d.") % {"label": label, "max": maximum},
                code="invalid_number",
            )
        return number

    return parse


def _grade(value):
    if value is None or str(value).strip() == "":
        return None
    if str(value).strip() not in {"1", "2", "3", "4", "5"}:
        raise ValidationFailed(_("The star grade is 1 to 5."), code="invalid_grade")
    return int(value)


def _flag(value) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"1", "true", "yes", "on", "是"}


def _services(value) -> list[str]:
    items = (
        value if isinstance(value, list | tuple) else [v for v in str(value or "").split(",") if v.strip()]
    )
    codes = [str(item).strip() for item in items]
    unknown = [code for code in codes if code not in SERVICE_CODES]
    if unknown:
        raise ValidationFailed(
            _("Unknown services: %(codes)s.") % {"codes": ", ".join(unknown)}, code="invalid_service"
        )
    return [code for code in SERVICE_CODES if code in codes]


PARSERS: dict[str, Callable] = {
    "name": _text(120, gettext_lazy("The name"), required=True),
    "kind": _choice(FacilityKind, gettext_lazy("kind")),
    "ownership": _choice(Ownership, gettext_lazy("ownership"), blank=True),
    "medical_integrated": _flag,
    "address": _text(200, gettext_lazy("The address"), required=True),
    "lat": elder_fields.PARSERS["lat"],
    "lon": elder_fields.PARSERS["lon"],
    "floor_area_m2": _count(gettext_lazy("The floor area"), maximum=10_000_000, optional=True),
    "opening_hours": _text(100, gettext_lazy("The opening hours")),
    "services": _services,
    "beds_total": _count(gettext_lazy("Beds")),
    "beds_occupied": _count(gettext_lazy("Beds occupied")),
    "beds_reserved": _count(gettext_lazy("Reserved beds")),
    "grade": _grade,
    "licences": _text(300, gettext_lazy("Licences")),
    "operating_subsidy_fen": _count(gettext_lazy("The operating subsidy"), maximum=MAX_FEN),
    "construction_subsidy_fen": _count(gettext_lazy("The construction subsidy"), maximum=MAX_FEN),
    "active": _flag,
}


def parse(data: dict) -> tuple[dict, dict]:
    """The known keys of ``data`` parsed, and the messages of those refused (field → message)."""
    values, errors = {}, {}
    for key, parser in PARSERS.items():
        if key not in data:
            continue
        try:
            values[key] = parser(data[key])
        except ValidationFailed as error:
            errors[key] = error.message
    return values, errors


def check_whole(values: dict, errors: dict) -> None:
    """Rules across fields, on the facility as it would be after the change."""
    if (values.get("lat") is None) != (values.get("lon") is None):
        errors.setdefault("lat", _("Give both latitude and longitude, or neither."))
    total = values.get("beds_total") or 0
    if (values.get("beds_occupied") or 0) > total:
        errors.setdefault("beds_occupied", _("More beds are occupied than the facility has."))
    if (values.get("beds_reserved") or 0) > total:
        errors.setdefault("beds_reserved", _("More beds are reserved than the facility has."))
    if values.get("kind") == FacilityKind.INSTITUTION and not values.get("ownership"):
        errors.setdefault("ownership", _("Say whether the institution is public, private or publicly built."))


def parse_month(raw: str) -> dt.date:
    """A month typed as year-month ("2026-11") → its first day."""
    match = re.fullmatch(r"(\d{4})-(\d{1,2})", (raw or "").strip())
    if match and 1 <= int(match[2]) <= 12 and int(match[1]) >= 2000:
        return dt.date(int(match[1]), int(match[2]), 1)
    message = _("Give the month as year-month, for example 2026-11.")
    raise ValidationFailed(message, errors={"month": message})
