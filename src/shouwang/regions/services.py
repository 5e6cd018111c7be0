"""Writes of the division tree: loading it from a CSV of national codes."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from shouwang.core import audit
from shouwang.core.actors import is_system, require_actor
from shouwang.core.errors import Forbidden, ValidationFailed
from shouwang.core.text import is_digits

from .models import CODE_LENGTH, PREFIX_LENGTH, Level, Region, UrbanRuralType, level_of

REQUIRED_COLUMNS = ("code", "name")


@dataclass
class RegionImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)


def parent_code_of(code: str) -> str | None:
    """The code of the region one level up, by zeroing the digits below its prefix."""
    level = level_of(code)
    if level == Level.PROVINCE:
        return None
    keep = PREFIX_LENGTH[Level(level - 1)]
    return code[:keep].ljust(CODE_LENGTH, "0")


def _validate_row(line: int, row: dict[str, str], known: set[str]) -> str | None:
    code, name = row["code"], row["name"]
    if len(code) != CODE_LENGTH or not is_digits(code):
        return _("line %(line)d: the code %(code)s is not 12 digits") % {"line": line, "code": code}
    if not name:
        return _("line %(line)d: the name is missing") % {"line": line}
    parent = parent_code_of(code)
    if parent and parent not in known:
        return _("line %(line)d: the parent region %(parent)s of %(code)s is unknown") % {
            "line": line,
            "parent": parent,
            "code": code,
        }
    kind = row.get("urban_rural_type", "")
    if kind and kind not in UrbanRuralType.values:
        return _("line %(line)d: %(kind)s is not an urban/rural type code") % {"line": line, "kind": kind}
    return None


def _require_keeper(actor) -> None:
    require_actor(actor)
    if not is_system(actor) and not getattr(actor, "is_platform_admin", False):
        raise Forbidden(_("Only the platform admin loads the division tree."))


def load_regions(*, actor, rows: Iterable[dict[str, str]]) -> RegionImportResult:
    """Create or update regions from rows with ``code``, ``name`` and optional ``urban_rural_type``.

    Only the platform admin, or the platform itself (``SYSTEM``: the CLI, the demo loader), loads the
    division tree; a missing actor is refused.

    Parents must come before children (in the rows or already in the database). Any bad row rejects
    the whole load: a half-loaded tree would leave orphans.
    """
    _require_keeper(actor)
    # A BOM survives on the first header when Excel's CSV arrives as an already-decoded text stream.
    cleaned = [
        {key.lstrip("\ufeff").strip(): (value or "").strip() for key, value in row.items() if key}
        for row in rows
    ]
    if cleaned and not all(column in cleaned[0] for column in REQUIRED_COLUMNS):
        raise ValidationFailed(_("The region file needs the columns code and name."))
    result = RegionImportResult()
    known = set(Region.objects.values_list("code", flat=True))
    for line, row in enumerate(cleaned, start=2):
        if error := _validate_row(line, row, known):
            result.errors.append(error)
        else:
            known.add(row["code"])
    if result.errors:
        raise ValidationFailed(
            _("The region file has %(n)d bad lines; nothing was loaded.") % {"n": len(result.errors)},
            errors={str(index): message for index, message in enumerate(result.errors)},
        )
    with transaction.atomic():
        existing = {region.code: region for region in Region.objects.all()}
        for row in cleaned:
            _upsert(row, existing, result)
        audit.record(
            actor=actor,
            action="regions.load",
            object_type="regions.region",
            object_repr=_("%(n)d regions") % {"n": len(cleaned)},
            after={"created": result.created, "updated": result.updated, "unchanged": result.unchanged},
        )
    return result


def _upsert(row: dict[str, str], existing: dict[str, Region], result: RegionImportResult) -> None:
    code = row["code"]
    parent_code = parent_code_of(code)
    parent = existing.get(parent_code) if parent_code else None
    values = {
        "name": row["name"],
        "level": level_of(code),
        "parent": parent,
        "urban_rural_type": row.get("urban_rural_type", ""),
        "full_name": (parent.full_name if parent else "") + row["name"],
    }
    region = existing.get(code)
    if region is None:
        existing[code] = Region.objects.create(code=code, **values)
        result.created += 1
        return
    if all(getattr(region, key) == value for key, value in values.items()):
        result.unchanged += 1
        return
    for key, value in values.items():
        setattr(region, key, value)
    region.save()
    result.updated += 1


def load_regions_csv(*, actor, source: Path | str | io.TextIOBase) -> RegionImportResult:
    """Load a UTF-8 CSV (a BOM from Excel is fine) with header ``code,name[,urban_rural_type]``."""
    if isinstance(source, str | Path):
        with open(source, encoding="utf-8-sig", newline="") as handle:
            return load_regions(actor=actor, rows=list(csv.DictReader(handle)))
    return load_regions(actor=actor, rows=list(csv.DictReader(source)))


def set_centres(*, actor, centres: dict[str, tuple[float, float]]) -> int:
    """Record the centre point (WGS-84) of regions, e.g. for maps and distance estimates (the platform
    admin, or the platform itself)."""
    _require_keeper(actor)
    regions = list(Region.objects.filter(code__in=list(centres)))
    for region in regions:
        region.centre_lat, region.centre_lon = centres[region.code]
    with transaction.atomic():
        Region.objects.bulk_update(regions, ["centre_lat", "centre_lon"], batch_size=500)
        audit.record(
            actor=actor,
            action="regions.set_centres",
            object_type="regions.region",
            object_repr=_("%(n)d regions") % {"n": len(regions)},
            after={"codes": sorted(centres)},
        )
    return len(regions)
