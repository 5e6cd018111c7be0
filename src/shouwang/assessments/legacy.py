"""Import of legacy MZ/T 039-2013 results (《老年人能力评估》): level only, standard noted, not re-scored.

Local spreadsheets still hold results of the older standard, graded 能力完好 / 轻度失能 / 中度失能 / 重度失能
(0–3). Each row becomes an approved level-only assessment; it becomes the elder's current level only if
the elder has no newer result.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.core import audit
from shouwang.core.errors import DomainError, Forbidden, ValidationFailed
from shouwang.core.idnumbers import parse_resident_id
from shouwang.core.spreadsheets import open_sheet
from shouwang.elders import fields
from shouwang.elders.permissions import may_write_registry
from shouwang.elders.selectors import elders_for
from shouwang.elders.services import set_ability

from .models import MZT_039, Assessment, Reason, State
from .services import add_months

LEGACY_LEVELS = {"能力完好": 0, "轻度失能": 1, "中度失能": 2, "重度失能": 3, "0": 0, "1": 1, "2": 2, "3": 3}
COLUMNS = {
    "id_number": ("身份证号码", "身份证号", "公民身份号码"),
    "assessed_on": ("评估日期", "评估时间"),
    "level": ("评估等级", "能力等级", "等级", "评估结果"),
    "note": ("评估机构", "备注"),
}


@dataclass
class LegacyResult:
    imported: int = 0
    current: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)


def import_legacy_results(*, actor, path: Path, valid_months: int = 12) -> LegacyResult:
    """Read ``path`` (xlsx, xls or csv) and record every good row; bad rows are returned with a reason."""
    if not may_write_registry(actor):
        raise Forbidden(_("Your role may not import assessment results."))
    result = LegacyResult()
    with open_sheet(path) as sheet:
        positions = _positions(sheet.header)
        visible = elders_for(actor)
        for number, cells in enumerate(sheet.rows, start=2):
            if not any(cell not in (None, "") for cell in cells):
                continue
            try:
                _import_row(actor, visible, positions, cells, valid_months, result)
            except DomainError as error:
                result.rejected.append((number, error.message))
    return result


def _positions(header: list[str]) -> dict[str, int]:
    positions = {}
    for key, names in COLUMNS.items():
        for index, cell in enumerate(header):
            if str(cell).strip().strip("*") in names:
                positions[key] = index
                break
    missing = [COLUMNS[key][0] for key in ("id_number", "assessed_on", "level") if key not in positions]
    if missing:
        raise ValidationFailed(
            _("The spreadsheet has no column for %(columns)s.") % {"columns": "、".join(missing)},
            code="missing_columns",
        )
    return positions


def _import_row(actor, visible, positions, cells, valid_months: int, result: LegacyResult) -> None:
    def cell(key):
        index = positions.get(key)
        return cells[index] if index is not None and index < len(cells) else None

    number = parse_resident_id(fields.id_number_text(cell("id_number"))).number
    elder = visible.filter(id_number=number).first()
    if elder is None:
        raise ValidationFailed(_("No elder with this ID number is registered in your area."))
    assessed_on = fields.date(cell("assessed_on"))
    if assessed_on > timezone.localdate():
        raise ValidationFailed(_("The assessment date cannot be in the future."))
    level = LEGACY_LEVELS.get(fields.text(cell("level")))
    if level is None:
        raise ValidationFailed(
            _("The level must be 能力完好, 轻度失能, 中度失能 or 重度失能, not %(value)s.")
            % {"value": cell("level")}
        )
    with transaction.atomic():
        assessment, created = Assessment.objects.get_or_create(
            elder=elder,
            standard=MZT_039,
            assessed_on=assessed_on,
            defaults={
                "reason": Reason.OTHER,
                "state": State.APPROVED,
                "final_level": level,
                "reviewed_at": timezone.now(),
                "valid_until": add_months(assessed_on, valid_months),
                "note": fields.text(cell("note"))[:300],
            },
        )
        if not created:
            return  # the same result imported again changes nothing
        audit.record(
            actor=actor,
            action="assessments.legacy_import",
            obj=assessment,
            after={"standard": MZT_039, "level": level, "assessed_on": assessed_on},
            region_code=elder.community_id,
        )
        result.imported += 1
        if elder.ability_assessed_on is None or elder.ability_assessed_on < assessed_on:
            set_ability(
                actor=actor,
                elder_id=elder.pk,
                level=level,
                standard=MZT_039,
                assessed_on=assessed_on,
                valid_until=assessment.valid_until,
            )
            result.current += 1
