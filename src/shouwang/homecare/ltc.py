"""Long-term care insurance (长期护理保险): designated providers, elders' statuses, claim batches and the
agency's answers.

- The agency's status file (xlsx or csv: 身份证号, 状态, 护理等级, 申请日期, 有效期至) is read whole before
  anything is written: a row the file gets wrong refuses the file, naming the row; ID numbers of no elder
  in the importer's area are reported. One transaction.
- A claim batch bills one designated provider's month: per insured elder, the completed orders of that
  month priced at their amounts, the covered share of the elder's level up to the level's monthly cap
  (less what other batches of the month already claimed for the elder). Once per provider and month.
- The agency's answer file (流水号, 身份证号, 结果 支付/拒付, 支付金额, 拒付原因) marks lines paid or refused;
  rows the batch does not hold are reported, a malformed row refuses the file, and nothing is half-saved.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.core import audit
from shouwang.core.actors import as_user
from shouwang.core.errors import Conflict, ValidationFailed
from shouwang.core.idnumbers import InvalidIdNumber, parse_resident_id
from shouwang.core.masking import mask_id_number
from shouwang.core.spreadsheets import SheetWriter, open_sheet
from shouwang.elders.models import Elder

from .models import (
    ClaimAnswer,
    ClaimBatch,
    ClaimLine,
    ClaimStatus,
    LtcDesignation,
    LtcRule,
    LtcSource,
    LtcState,
    LtcStatus,
)
from .permissions import may_keep_ltc, may_make_claims
from .selectors import get_batch_for
from .services import _invalid, _require, active_provider, month_bounds, visible_elder

STATE_WORDS = {
    "已申请": LtcState.APPLIED,
    "申请中": LtcState.APPLIED,
    "applied": LtcState.APPLIED,
    "已享受": LtcState.APPROVED,
    "通过": LtcState.APPROVED,
    "已通过": LtcState.APPROVED,
    "approved": LtcState.APPROVED,
    "未通过": LtcState.REFUSED,
    "不通过": LtcState.REFUSED,
    "refused": LtcState.REFUSED,
}
RESULT_WORDS = {
    "支付": ClaimStatus.PAID,
    "已支付": ClaimStatus.PAID,
    "paid": ClaimStatus.PAID,
    "拒付": ClaimStatus.REFUSED,
    "refused": ClaimStatus.REFUSED,
}
STATUS_COLUMNS = {
    "id_number": ("身份证号", "身份证号码", "证件号码"),
    "state": ("状态", "待遇状态"),
    "level": ("护理等级", "失能等级", "等级"),
    "applied_on": ("申请日期",),
    "valid_until": ("有效期至", "待遇截止日期"),
}
CLAIM_HEADER = [
    "流水号",
    "定点机构编码",
    "姓名",
    "身份证号",
    "护理等级",
    "服务月份",
    "服务次数",
    "服务费用(元)",
    "申报金额(元)",
]
ANSWER_COLUMNS = {
    "reference": ("流水号",),
    "id_number": ("身份证号", "身份证号码"),
    "result": ("结果", "审核结果"),
    "paid": ("支付金额(元)", "支付金额"),
    "reason": ("拒付原因", "原因"),
}
ANSWER_HEADER = ["流水号", "身份证号", "结果", "支付金额(元)", "拒付原因"]


def yuan(fen: int) -> str:
    return f"{fen / 100:.2f}"


# --- designations and rules --------------------------------------------------------------------------


def designate(
    *,
    actor,
    provider_id: int,
    agency_code: str,
    designated_from: dt.date | None,
    designated_until: dt.date | None = None,
) -> LtcDesignation:
    """Record (or renew) the agency's designation of a provider."""
    _require(actor, may_keep_ltc(actor), _("Only the civil-affairs bureau records designations."))
    provider = active_provider(provider_id)
    code = (agency_code or "").strip()
    if not code or len(code) > 40:
        raise _invalid("agency_code", _("Give the agency's code of the provider (at most 40 characters)."))
    if designated_from is None or (designated_until is not None and designated_until < designated_from):
        raise _invalid("designated_from", _("Give the day the designation starts, before the day it ends."))
    with transaction.atomic():
        designation, _created = LtcDesignation.objects.update_or_create(
            provider_id=provider,
            defaults={
                "agency_code": code,
                "designated_from": designated_from,
                "designated_until": designated_until,
            },
        )
        audit.record(
            actor=actor,
            action="homecare.ltc.designate",
            obj=designation,
            after={"provider": provider, "agency_code": code, "from": designated_from.isoformat()},
            provider_id=provider,
        )
    return designation


def set_rule(*, actor, level: int, covered_percent: int, monthly_cap_fen: int) -> LtcRule:
    _require(actor, may_keep_ltc(actor), _("Only the civil-affairs bureau keeps the insurance's rules."))
    if not 1 <= level <= 6:
        raise _invalid("level", _("The approved level is from 1 to 6."))
    if not 0 <= covered_percent <= 100:
        raise _invalid("covered_percent", _("The covered share is a percentage from 0 to 100."))
    if not 0 <= monthly_cap_fen <= 10_000_000:
        raise _invalid("monthly_cap_fen", _("The monthly cap must be between ¥0 and ¥100,000."))
    with transaction.atomic():
        rule, _created = LtcRule.objects.update_or_create(
            level=level, defaults={"covered_percent": covered_percent, "monthly_cap_fen": monthly_cap_fen}
        )
        audit.record(
            actor=actor,
            action="homecare.ltc.rule",
            obj=rule,
            after={"level": level, "covered_percent": covered_percent, "monthly_cap_fen": monthly_cap_fen},
        )
    return rule


def designated(provider_id: int, start: dt.date, end: dt.date) -> LtcDesignation | None:
    """The provider's designation when it covers some of [start, end)."""
    found = LtcDesignation.objects.filter(provider_id=provider_id, designated_from__lt=end).first()
    if found is None or (found.designated_until is not None and found.designated_until < start):
        return None
    return found


# --- statuses -----------------------------------------------------------------------------------------


def _checked_status(state: str, level: int | None, valid_until: dt.date | None) -> dict:
    if state not in LtcState.values:
        raise _invalid("state", _("The state is applied, approved or refused."))
    if state == LtcState.APPROVED and (level is None or not 1 <= level <= 6 or valid_until is None):
        raise _invalid(
            "level", _("An approved status needs its level (1 to 6) and the day it is valid until.")
        )
    return {
        "state": state,
        "level": level if state == LtcState.APPROVED else None,
        "valid_until": valid_until if state == LtcState.APPROVED else None,
    }


def _save_status(actor, elder: Elder, values: dict, source: str) -> tuple[LtcStatus, bool]:
    status, created = LtcStatus.objects.select_for_update().get_or_create(
        elder=elder, defaults={"community_id": elder.community_id, "source": source, **values}
    )
    if not created:
        for key, value in {**values, "source": source, "community_id": elder.community_id}.items():
            setattr(status, key, value)
        status.save()
    return status, created


def enter_status(
    *,
    actor,
    elder_id: int,
    state: str,
    applied_on: dt.date | None = None,
    level: int | None = None,
    valid_until: dt.date | None = None,
) -> LtcStatus:
    """An official enters an elder's LTC status by hand (as the agency's letter says)."""
    _require(actor, may_keep_ltc(actor), _("Only the civil-affairs bureau records LTC statuses."))
    elder = visible_elder(actor, elder_id)
    values = {**_checked_status(state, level, valid_until), "applied_on": applied_on}
    with transaction.atomic():
        status, _created = _save_status(actor, elder, values, LtcSource.ENTERED)
        audit.record(
            actor=actor,
            action="homecare.ltc.status",
            obj=status,
            after={"elder": elder.pk, "state": state, "level": values["level"]},
            region_code=elder.community_id,
        )
    return status


@dataclass
class StatusRow:
    row: int
    id_number: str
    values: dict


def read_statuses(path: Path) -> list[StatusRow]:
    """The rows of the agency's status file, or ValidationFailed naming the first row at fault."""
    with open_sheet(
        path, is_header=lambda cells: bool(set(cells) & set(STATUS_COLUMNS["id_number"]))
    ) as sheet:
        positions = _positions(sheet.header, STATUS_COLUMNS, required=("id_number", "state"))
        rows = []
        for number, cells in enumerate(sheet.rows, start=sheet.header_row + 1):
            found = _cells(cells, positions)
            if not any(found.values()):
                continue
            rows.append(
                StatusRow(
                    row=number,
                    id_number=_id_number(found["id_number"], number),
                    values=_status_values(found, number),
                )
            )
    if not rows:
        raise _invalid("file", _("The file has no rows."))
    return rows


def _positions(header: list[str], columns: dict, *, required: tuple[str, ...]) -> dict[str, int]:
    positions = {}
    for key, names in columns.items():
        for index, cell in enumerate(header):
            if str(cell).strip() in names:
                positions[key] = index
                break
    missing = [columns[key][0] for key in required if key not in positions]
    if missing:
        message = _("The file has no column %(columns)s. Nothing was saved.") % {
            "columns": "、".join(missing)
        }
        raise ValidationFailed(message, errors={"file": message}, code="missing_columns")
    return positions


def _cells(cells: list, positions: dict[str, int]) -> dict[str, str]:
    texts = ["" if cell is None else str(cell).strip() for cell in cells]
    return {key: texts[index] if index < len(texts) else "" for key, index in positions.items()}


def _row_error(row: int, what: str) -> ValidationFailed:
    message = _("Row %(row)s: %(what)s Nothing was saved.") % {"row": row, "what": what}
    return ValidationFailed(message, errors={"file": message}, code="bad_row")


def _id_number(text: str, row: int) -> str:
    try:
        return parse_resident_id(text).number
    except InvalidIdNumber:
        raise _row_error(
            row, _("“%(value)s” is not a resident ID number.") % {"value": mask_id_number(text)}
        ) from None


def _day(text: str, row: int) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text[:10].replace("/", "-"))
    except ValueError:
        raise _row_error(row, _("“%(value)s” is not a date (year-month-day).") % {"value": text}) from None


def _status_values(found: dict[str, str], row: int) -> dict:
    state = STATE_WORDS.get(found["state"])
    if state is None:
        raise _row_error(
            row, _("the state must be 已申请, 已享受 or 未通过, not “%(value)s”.") % {"value": found["state"]}
        )
    level_text = found.get("level", "")
    level = None
    if level_text:
        digits = level_text.rstrip("级").lstrip("第")
        if not digits.isdigit():
            raise _row_error(row, _("the level “%(value)s” is not a number.") % {"value": level_text})
        level = int(digits)
    try:
        checked = _checked_status(state, level, _day(found.get("valid_until", ""), row))
    except ValidationFailed as error:
        raise _row_error(row, error.message) from None
    return {**checked, "applied_on": _day(found.get("applied_on", ""), row)}


def import_statuses(*, actor, path: Path, name: str = "") -> dict:
    """Apply the agency's status file to the elders of the actor's area; the report says what was created,
    updated, left as it was, and which rows name nobody known here (masked)."""
    from shouwang.elders.selectors import elders_for

    _require(actor, may_keep_ltc(actor), _("Only the civil-affairs bureau imports the agency's file."))
    rows = read_statuses(path)
    elders = {e.id_number: e for e in elders_for(actor).filter(id_number__in=[r.id_number for r in rows])}
    report: dict[str, list] = {"created": [], "updated": [], "unchanged": [], "unknown": []}
    with transaction.atomic():
        for row in rows:
            elder = elders.get(row.id_number)
            if elder is None:
                report["unknown"].append(
                    {
                        "row": row.row,
                        "id_number": mask_id_number(row.id_number),
                        "why": _("no elder with this ID number in your area"),
                    }
                )
                continue
            before = (
                LtcStatus.objects.filter(elder=elder)
                .values("state", "level", "valid_until", "applied_on")
                .first()
            )
            if before == row.values:
                report["unchanged"].append({"row": row.row, "elder": elder.pk})
                continue
            _status, created = _save_status(actor, elder, row.values, LtcSource.IMPORTED)
            report["created" if created else "updated"].append(
                {"row": row.row, "elder": elder.pk, "name": elder.name}
            )
        counts = {key: len(value) for key, value in report.items()}
        audit.record(actor=actor, action="homecare.ltc.import", object_repr=name[:200] or "ltc", after=counts)
    return {**counts, "report": report}


def import_status_upload(*, actor, upload) -> dict:
    return _with_upload(upload, lambda path: import_statuses(actor=actor, path=path, name=upload.name or ""))


def _with_upload(upload, read):
    suffix = Path(upload.name or "").suffix.lower()[:8] or ".xlsx"
    with tempfile.NamedTemporaryFile(suffix=suffix) as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
        handle.flush()
        return read(Path(handle.name))


# --- claim batches ------------------------------------------------------------------------------------


def _claimable_orders(
    provider_id: int, start: dt.date, end: dt.date
) -> dict[int, list[tuple[int, int, dt.date]]]:
    """Completed orders of the provider in the month with a price: elder → [(order, amount, day)]."""
    from shouwang.orders.models import Order
    from shouwang.orders.states import SERVED_STATES

    zone = timezone.get_current_timezone()
    orders = Order.objects.filter(
        provider_id=provider_id,
        state__in=SERVED_STATES,
        amount_fen__gt=0,
        window_start__gte=dt.datetime.combine(start, dt.time.min, zone),
        window_start__lt=dt.datetime.combine(end, dt.time.min, zone),
    ).values_list("pk", "elder_id", "amount_fen", "window_start")
    found: dict[int, list] = defaultdict(list)
    for pk, elder_id, amount, start_at in orders.order_by("window_start", "pk"):
        found[elder_id].append((pk, amount, timezone.localtime(start_at).date()))
    return found


def make_batch(*, actor, provider_id: int, month: dt.date) -> ClaimBatch:
    """Bill a designated provider's past month to the insurance; see the module's docstring."""
    from shouwang.providers.selectors import get_provider_for

    _require(actor, may_make_claims(actor), _("Only a designated provider or the bureau makes claims."))
    provider = get_provider_for(actor, provider_id)
    start, end = month_bounds(month)
    if end > timezone.localdate().replace(day=1):
        raise _invalid("month", _("Claims are made for a month that is over."))
    if designated(provider.pk, start, end) is None:
        raise _invalid(
            "provider", _("This provider is not designated for long-term care insurance in that month.")
        )
    rules = {rule.level: rule for rule in LtcRule.objects.all()}
    with transaction.atomic():
        if ClaimBatch.objects.select_for_update().filter(provider=provider, month=start).exists():
            raise Conflict(_("This provider's claims for that month were already made."), code="batch_exists")
        batch = ClaimBatch.objects.create(
            provider=provider, region_id=provider.region_id, month=start, created_by=as_user(actor)
        )
        lines = _claim_lines(batch, _claimable_orders(provider.pk, start, end), rules, start)
        ClaimLine.objects.bulk_create(lines)
        batch.line_count = len(lines)
        batch.amount_fen = sum(line.amount_fen for line in lines)
        batch.claimed_fen = sum(line.claimed_fen for line in lines)
        batch.save(update_fields=["line_count", "amount_fen", "claimed_fen", "updated_at"])
        audit.record(
            actor=actor,
            action="homecare.ltc.batch",
            obj=batch,
            after={"month": f"{start:%Y-%m}", "lines": batch.line_count, "claimed_fen": batch.claimed_fen},
            region_code=batch.region_id,
            provider_id=provider.pk,
        )
    return batch


def _claim_lines(batch: ClaimBatch, orders: dict, rules: dict, start: dt.date) -> list[ClaimLine]:
    statuses = {
        s.elder_id: s
        for s in LtcStatus.objects.filter(elder_id__in=list(orders), state=LtcState.APPROVED).select_related(
            "elder"
        )
    }
    # What other batches of the month already claim for these elders counts against the same cap.
    claimed_elsewhere = dict(
        ClaimLine.objects.filter(batch__month=start, elder_id__in=list(statuses))
        .exclude(status=ClaimStatus.REFUSED)
        .values_list("elder_id")
        .annotate(total=Sum("claimed_fen"))
        .values_list("elder_id", "total")
    )
    lines: list[ClaimLine] = []
    for elder_id, status in sorted(
        statuses.items(), key=lambda item: (item[1].elder.community_id, item[1].elder.name)
    ):
        rule = rules.get(status.level)
        covered = [
            (pk, amount)
            for pk, amount, day in orders[elder_id]
            if status.valid_until and day <= status.valid_until
        ]
        if rule is None or status.level is None or not covered:
            continue
        amount = sum(fen for _pk, fen in covered)
        room = max(0, rule.monthly_cap_fen - claimed_elsewhere.get(elder_id, 0))
        claimed = min(amount * rule.covered_percent // 100, room)
        if not claimed:
            continue
        lines.append(
            ClaimLine(
                batch=batch,
                seq=len(lines) + 1,
                elder_id=elder_id,
                community_code=status.elder.community_id,
                name=status.elder.name,
                id_number=status.elder.id_number,
                level=status.level,
                orders=[pk for pk, _fen in covered],
                amount_fen=amount,
                claimed_fen=claimed,
            )
        )
    return lines


def claim_file(*, actor, batch_id: int) -> tuple[str, bytes]:
    """The batch as the agency takes it (xlsx, one row per line, full ID numbers: the agency's own data);
    the export is audited."""
    batch = get_batch_for(actor, batch_id)
    designation = LtcDesignation.objects.filter(provider_id=batch.provider_id).first()
    buffer = io.BytesIO()
    with SheetWriter(buffer, CLAIM_HEADER, sheet_name="申报") as writer:
        for line in batch.lines.order_by("seq"):
            writer.append(
                [
                    f"{batch.reference}-{line.seq}",
                    designation.agency_code if designation else "",
                    line.name,
                    line.id_number,
                    line.level,
                    f"{batch.month:%Y-%m}",
                    len(line.orders),
                    yuan(line.amount_fen),
                    yuan(line.claimed_fen),
                ]
            )
    audit.record(
        actor=actor,
        action="homecare.ltc.export",
        obj=batch,
        after={"lines": batch.line_count},
        region_code=batch.region_id,
        provider_id=batch.provider_id,
    )
    return f"长护险申报-{batch.reference}.xlsx", buffer.getvalue()


@dataclass
class AnswerRow:
    row: int
    reference: str
    id_number: str
    result: str
    paid_fen: int | None
    reason: str


def read_answer(path: Path) -> list[AnswerRow]:
    with open_sheet(path, is_header=lambda cells: "流水号" in cells) as sheet:
        positions = _positions(sheet.header, ANSWER_COLUMNS, required=("reference", "result"))
        rows = []
        for number, cells in enumerate(sheet.rows, start=sheet.header_row + 1):
            found = _cells(cells, positions)
            if not any(found.values()):
                continue
            result = RESULT_WORDS.get(found["result"])
            if result is None:
                raise _row_error(
                    number,
                    _("the result must be 支付 or 拒付, not “%(value)s”.") % {"value": found["result"]},
                )
            paid = _amount(found.get("paid", ""), number)
            if result == ClaimStatus.REFUSED and not found.get("reason"):
                raise _row_error(number, _("a refused claim needs the agency's reason."))
            rows.append(
                AnswerRow(
                    row=number,
                    reference=found["reference"],
                    id_number=found.get("id_number", "").upper(),
                    result=result,
                    paid_fen=paid,
                    reason=found.get("reason", "")[:200],
                )
            )
    if not rows:
        raise _invalid("file", _("The file has no rows."))
    return rows


def _amount(text: str, row: int) -> int | None:
    if not text:
        return None
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or value < 0 or value != value.quantize(Decimal("0.01")):
        raise _row_error(row, _("the amount “%(value)s” is not an amount in yuan.") % {"value": text})
    return int(value * 100)


def import_answer(*, actor, batch_id: int, path: Path, name: str = "") -> ClaimAnswer:
    """Apply the agency's answer to a batch: see the module's docstring. The same file twice gives the
    earlier import back."""
    _require(
        actor,
        may_make_claims(actor),
        _("Only a designated provider or the bureau imports the agency's answer."),
    )
    get_batch_for(actor, batch_id)
    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    rows = read_answer(path)
    with transaction.atomic():
        batch = ClaimBatch.objects.select_for_update().get(pk=batch_id)
        earlier = batch.answers.filter(sha256=digest).first()
        if earlier is not None:
            return earlier
        lines = {
            f"{batch.reference}-{line.seq}": line
            for line in ClaimLine.objects.select_for_update().filter(batch=batch)
        }
        report: dict[str, list] = {"paid": [], "refused": [], "unknown": [], "unchanged": []}
        changed = []
        for row in rows:
            line = lines.get(row.reference)
            if line is None or (row.id_number and row.id_number != line.id_number):
                why = _("not in this batch") if line is None else _("the ID number differs from the claim")
                report["unknown"].append({"row": row.row, "reference": row.reference, "why": why})
                continue
            if line.status != ClaimStatus.CLAIMED:
                report["unchanged"].append({"row": row.row, "seq": line.seq, "status": line.status})
                continue
            paid = line.claimed_fen if row.paid_fen is None else row.paid_fen
            if row.result == ClaimStatus.PAID and paid > line.claimed_fen:
                raise _row_error(
                    row.row,
                    _("the agency pays more than was claimed (¥%(claimed)s).")
                    % {"claimed": yuan(line.claimed_fen)},
                )
            line.status = row.result
            line.paid_fen = paid if row.result == ClaimStatus.PAID else 0
            line.reason = row.reason
            changed.append(line)
            entry = {"row": row.row, "seq": line.seq, "name": line.name, "paid_fen": line.paid_fen}
            if row.result == ClaimStatus.REFUSED:
                entry["reason"] = row.reason
            report["paid" if row.result == ClaimStatus.PAID else "refused"].append(entry)
        ClaimLine.objects.bulk_update(changed, ["status", "paid_fen", "reason"])
        batch.paid_fen = batch.lines.aggregate(total=Sum("paid_fen"))["total"] or 0
        batch.save(update_fields=["paid_fen", "updated_at"])
        answer = ClaimAnswer.objects.create(
            batch=batch,
            file_name=name[:200],
            sha256=digest,
            imported_by=as_user(actor),
            paid_count=len(report["paid"]),
            refused_count=len(report["refused"]),
            unknown_count=len(report["unknown"]),
            report=report,
        )
        audit.record(
            actor=actor,
            action="homecare.ltc.answer",
            obj=batch,
            after={
                "file": answer.file_name,
                "paid": answer.paid_count,
                "refused": answer.refused_count,
                "unknown": answer.unknown_count,
            },
            region_code=batch.region_id,
            provider_id=batch.provider_id,
        )
        return answer


def import_answer_upload(*, actor, batch_id: int, upload) -> ClaimAnswer:
    return _with_upload(
        upload, lambda path: import_answer(actor=actor, batch_id=batch_id, path=path, name=upload.name or "")
    )


def answer_file(
    batch: ClaimBatch, outcomes: dict[int, tuple[str, str]], *, extra: list[list] | None = None
) -> bytes:
    """An answer file as the agency would send it: every line paid in full, or as ``outcomes`` says
    (seq → (结果, reason)), plus ``extra`` rows. The demo and the tests play the agency with it."""
    buffer = io.BytesIO()
    with SheetWriter(buffer, ANSWER_HEADER, sheet_name="审核结果") as writer:
        for line in batch.lines.order_by("seq"):
            word, reason = outcomes.get(line.seq, ("支付", ""))
            writer.append(
                [
                    f"{batch.reference}-{line.seq}",
                    line.id_number,
                    word,
                    yuan(line.claimed_fen) if word == "支付" else "0.00",
                    reason,
                ]
            )
        for row in extra or []:
            writer.append(row)
    return buffer.getvalue()
