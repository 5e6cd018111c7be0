"""Cash allowances paid through the bank (代发): payment batches, the bank's file and its return file.

When the district has approved a run, its cash allowances are owed to the elders (``ledger.post_run``
booked them from the fund sources to "allowances payable"). An official then makes the run's payment batch
(number 1; asking again gives the same batch): every elder with a cash allowance becomes a line with the
name, ID number and bank or social-security card number as they stand then, the amount and its split by
policy. An elder without an account number is listed as "cannot be paid: no account" and stays owed.
Making the batch books what it sends from "allowances payable" to "sent to the bank" (银行代发在途).

The bank file is an xlsx in the layout a teller imports (序号, 姓名, 身份证号, 账号/社保卡号,
金额(元)) with the batch total, the row count and a check code below; a second sheet lists who could not
be paid. The bank returns the same rows with 状态 (成功/失败) and 失败原因: paid lines move from "sent"
to "paid to elders", failed lines go back to "payable" and wait to be re-issued in a later batch
(``reissue_batch``, which withholds the lines of elders who have died or moved out since), rows the
batch does not hold (ID number or amount) are reported and change nothing. The same file imported twice
changes nothing the second time; a bad file is refused whole, with the row and column at fault.
"""

from __future__ import annotations

import hashlib
import io
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.core import audit
from shouwang.core.actors import as_user, is_system, require_actor
from shouwang.core.errors import Conflict, NotFound, ValidationFailed
from shouwang.core.masking import mask_id_number
from shouwang.core.scope import scope_of
from shouwang.core.spreadsheets import SheetWriter, open_sheet
from shouwang.elders.models import Status
from shouwang.regions.models import Region

from . import ledger
from .models import (
    Account,
    AccountKind,
    EligibilityResult,
    EligibilityRun,
    LineStatus,
    PaymentBatch,
    PaymentLine,
    PaymentReturn,
    Policy,
    PolicyKind,
    RunState,
    TransactionKind,
)
from .permissions import may_pay, require

BANK_SHEET = "代发明细"
UNPAYABLE_SHEET = "未能代发"
BANK_HEADER = ["序号", "姓名", "身份证号", "账号/社保卡号", "金额(元)"]
RETURN_HEADER = [*BANK_HEADER, "状态", "失败原因"]
TOTAL_LABEL, COUNT_LABEL, CHECK_LABEL = "合计金额(元)", "总笔数", "校验码"
# Column names a bank's return file may use for each part of a row.
RETURN_COLUMNS = {
    "id_number": ("身份证号", "证件号码", "身份证号码"),
    "amount": ("金额(元)", "金额", "代发金额", "交易金额"),
    "status": ("状态", "处理状态", "交易状态", "处理结果"),
    "reason": ("失败原因", "原因", "备注"),
    "name": ("姓名", "户名"),
}
STATUS_WORDS = {"成功": LineStatus.PAID, "失败": LineStatus.FAILED}


def fen_text(fen: int) -> str:
    """Fen as yuan with two decimals, as the bank reads it (no separators)."""
    return f"{fen // 100}.{fen % 100:02d}"


def clearing_account(region: Region) -> Account:
    return ledger._account(
        f"bank_clearing:{region.code}",
        kind=AccountKind.BANK_CLEARING,
        name=_("Allowances sent to the bank · %(region)s") % {"region": region.name},
        region_id=region.code,
    )


def paid_account(region: Region) -> Account:
    return ledger._account(
        f"allowance_paid:{region.code}",
        kind=AccountKind.ALLOWANCE_PAID,
        name=_("Allowances paid to elders · %(region)s") % {"region": region.name},
        region_id=region.code,
    )


def _locked_run(run_id: int) -> EligibilityRun:
    run = EligibilityRun.objects.select_for_update().select_related("region").filter(pk=run_id).first()
    if run is None:
        raise NotFound(_("This run does not exist or is outside your area."))
    return run


def _require_payable(actor, run: EligibilityRun) -> None:
    require_actor(actor)
    if not is_system(actor):
        require(may_pay(actor, run), _("Only the district's officials pay this run's allowances."))
    if run.state != RunState.APPROVED:
        raise Conflict(
            _("Only a run the district has approved is paid; this one is %(state)s.")
            % {"state": run.get_state_display()},
            code="run_not_approved",
        )


# --- batches ----------------------------------------------------------------------------------------------


@transaction.atomic
def create_batch(*, actor, run_id: int) -> PaymentBatch:
    """The run's payment batch (number 1) with every cash allowance of the run; when it exists already,
    that batch, unchanged. Refused for a run the district has not approved or without cash allowances."""
    run = _locked_run(run_id)
    _require_payable(actor, run)
    existing = run.payment_batches.filter(number=1).first()
    if existing is not None:
        return existing
    cash = [
        code for code, p in run.totals.get("policies", {}).items() if p["kind"] == PolicyKind.CASH_ALLOWANCE
    ]
    results = (
        EligibilityResult.objects.filter(run=run, cash_fen__gt=0)
        .select_related("elder")
        .order_by("community_code", "elder_id")
    )
    items = []
    for result in results.iterator(chunk_size=2000):
        amounts = {
            code: result.outcomes[code]["amount_fen"]
            for code in cash
            if result.outcomes.get(code, {}).get("eligible") and result.outcomes[code]["amount_fen"] > 0
        }
        if amounts:
            items.append((result.elder, result.community_code, amounts))
    if not items:
        raise Conflict(_("This run has no cash allowances to pay."), code="nothing_to_pay")
    return _issue(run, actor=actor, number=1, items=items)


def reissue_batch(*, actor, run_id: int) -> PaymentBatch:
    """A new batch of the run for what the bank refused and for elders listed as "no account" who have
    one now; their earlier lines become "re-issued". The registry is read again first: a waiting line whose
    elder has died or moved out since is not re-issued but marked "withheld" with the reason (its money
    stays payable, and the reconciliation report lists it). Refused when there is nothing to re-issue;
    lines withheld on the way are kept even then, and the refusal counts them."""
    with transaction.atomic():
        run = _locked_run(run_id)
        _require_payable(actor, run)
        waiting = list(
            PaymentLine.objects.select_for_update(of=("self",))
            .filter(batch__run=run, status__in=(LineStatus.FAILED, LineStatus.NO_ACCOUNT))
            .select_related("elder")
            .order_by("community_code", "elder_id")
        )
        withheld = _withhold(run, [line for line in waiting if withheld_reason(line.elder)], actor=actor)
        held = {line.pk for line in withheld}
        ready = [line for line in waiting if line.pk not in held and line.elder.payment_account]
        if ready:
            PaymentLine.objects.filter(pk__in=[line.pk for line in ready]).update(status=LineStatus.REISSUED)
            number = (run.payment_batches.aggregate(last=Max("number"))["last"] or 0) + 1
            return _issue(
                run,
                actor=actor,
                number=number,
                items=[(line.elder, line.community_code, line.amounts) for line in ready],
            )
    if withheld:
        raise Conflict(
            _(
                "Nothing to re-issue: %(count)s waiting payment(s) were withheld because the elder has died "
                "or moved out; the batch lists them with the reason."
            )
            % {"count": len(withheld)},
            code="nothing_to_pay",
        )
    raise Conflict(
        _("Nothing to re-issue: no failed payment, and nobody without an account has one now."),
        code="nothing_to_pay",
    )


def withheld_reason(elder) -> str:
    """Why an allowance waiting to be re-issued is not paid again ("" when it may be): the registry's
    status now, with its date."""
    if elder.status == Status.ACTIVE:
        return ""
    when = elder.status_date.isoformat() if elder.status_date else _("date unknown")
    if elder.status == Status.DECEASED:
        return _("The elder died (%(date)s); not re-issued.") % {"date": when}
    return _("The elder moved out (%(date)s); not re-issued.") % {"date": when}


def _withhold(run: EligibilityRun, lines: list[PaymentLine], *, actor) -> list[PaymentLine]:
    """Mark ``lines`` withheld with the reason, audited once for the run."""
    for line in lines:
        line.status, line.withheld_reason = LineStatus.WITHHELD, withheld_reason(line.elder)
    if lines:
        PaymentLine.objects.bulk_update(lines, ["status", "withheld_reason"], batch_size=2000)
        audit.record(
            actor=actor,
            action="benefits.payment.withhold",
            obj=run,
            after={
                "lines": [
                    {"batch": line.batch_id, "seq": line.seq, "reason": line.withheld_reason}
                    for line in lines[:500]
                ],
                "count": len(lines),
                "amount_fen": sum(line.amount_fen for line in lines),
            },
            region_code=run.region_id,
        )
    return lines


def _issue(run: EligibilityRun, *, actor, number: int, items: list) -> PaymentBatch:
    batch = PaymentBatch.objects.create(run=run, number=number, created_by=as_user(actor), checksum="")
    lines = [
        PaymentLine(
            batch=batch,
            seq=seq,
            elder=elder,
            community_code=community,
            name=elder.name,
            id_number=elder.id_number,
            account=elder.payment_account,
            amount_fen=sum(amounts.values()),
            amounts=amounts,
            status=LineStatus.SENT if elder.payment_account else LineStatus.NO_ACCOUNT,
        )
        for seq, (elder, community, amounts) in enumerate(items, start=1)
    ]
    PaymentLine.objects.bulk_create(lines, batch_size=2000)
    sent = [line for line in lines if line.status == LineStatus.SENT]
    batch.row_count = len(sent)
    batch.total_fen = sum(line.amount_fen for line in sent)
    batch.unpayable_count = len(lines) - len(sent)
    batch.checksum = checksum(sent)
    if sent:
        by_policy: dict[str, int] = defaultdict(int)
        for line in sent:
            for code, fen in line.amounts.items():
                by_policy[code] += fen
        entries = [(_payable(code, run).pk, -fen) for code, fen in by_policy.items()]
        entries.append((clearing_account(run.region).pk, batch.total_fen))
        batch.sent_transaction = ledger.post(
            actor=actor,
            kind=TransactionKind.PAYMENT_SENT,
            memo=_("%(region)s %(month)s: payment batch %(number)s sent to the bank")
            % {"region": run.region.name, "month": run.month.strftime("%Y-%m"), "number": number},
            lines=entries,
        )
    batch.save()
    audit.record(
        actor=actor,
        action="benefits.payment.batch",
        obj=batch,
        after={
            "run": run.pk,
            "number": number,
            "rows": batch.row_count,
            "total_fen": batch.total_fen,
            "no_account": batch.unpayable_count,
        },
        region_code=run.region_id,
    )
    return batch


def _payable(code: str, run: EligibilityRun) -> Account:
    return ledger.allowance_account(Policy.objects.get(code=code), run.region)


def checksum(lines) -> str:
    """The check code under the file: the first 16 hex digits of SHA-256 over each sent row as
    ``seq|ID number|account|fen``, one per line; a teller's system (or ours) recomputes it from the rows."""
    text = "\n".join(f"{line.seq}|{line.id_number}|{line.account}|{line.amount_fen}" for line in lines)
    return hashlib.sha256(text.encode()).hexdigest()[:16].upper()


# --- the bank's file --------------------------------------------------------------------------------------


def bank_file(*, actor, batch: PaymentBatch) -> bytes:
    """The batch as the bank imports it, with full ID and account numbers: a reveal, so only for those who
    may pay the run, and audited."""
    require(may_pay(actor, batch.run), _("Only the district's officials pay this run's allowances."))
    sent = batch.lines.exclude(account="").order_by("seq")
    unpayable = batch.lines.filter(account="").order_by("seq")
    buffer = io.BytesIO()
    with SheetWriter(buffer, BANK_HEADER, sheet_name=BANK_SHEET) as writer:
        for line in sent.iterator(chunk_size=2000):
            writer.append([line.seq, line.name, line.id_number, line.account, fen_text(line.amount_fen)])
        writer.append([])
        writer.append([TOTAL_LABEL, "", "", "", fen_text(batch.total_fen)])
        writer.append([COUNT_LABEL, "", "", "", batch.row_count])
        writer.append([CHECK_LABEL, "", "", "", batch.checksum])
        writer.add_sheet(["序号", "姓名", "身份证号", "金额(元)", "原因"], sheet_name=UNPAYABLE_SHEET)
        for line in unpayable.iterator(chunk_size=2000):
            writer.append(
                [
                    line.seq,
                    line.name,
                    line.id_number,
                    fen_text(line.amount_fen),
                    str(LineStatus.NO_ACCOUNT.label),
                ]
            )
    audit.record(
        actor=actor,
        action="benefits.payment.file",
        obj=batch,
        after={"fields": ["id_number", "payment_account"], "rows": batch.row_count},
        region_code=batch.run.region_id,
    )
    return buffer.getvalue()


def file_name(batch: PaymentBatch) -> str:
    return f"代发-{batch.run.region_id}-{batch.run.month:%Y-%m}-{batch.number}.xlsx"


# --- the bank's return ------------------------------------------------------------------------------------


@dataclass
class ReturnRow:
    row: int
    id_number: str
    amount_fen: int
    status: str
    reason: str
    name: str = ""


def read_return(path: Path) -> list[ReturnRow]:
    """The rows of a bank's return file, or ValidationFailed naming the row and column at fault (the
    summary rows under the data — 合计, 总笔数, 校验码 — are passed over)."""
    with open_sheet(path, is_header=_is_return_header) as sheet:
        positions = _return_positions(sheet.header)
        rows = []
        for number, cells in enumerate(sheet.rows, start=sheet.header_row + 1):
            texts = ["" if cell is None else str(cell).strip() for cell in cells]
            if not any(texts) or texts[0] in (TOTAL_LABEL, COUNT_LABEL, CHECK_LABEL):
                continue
            found = {key: texts[index] if index < len(texts) else "" for key, index in positions.items()}
            rows.append(
                ReturnRow(
                    row=number,
                    id_number=found["id_number"].upper(),
                    amount_fen=_fen(found["amount"], number),
                    status=_status(found["status"], number),
                    reason=found.get("reason", "")[:200],
                    name=found.get("name", "")[:40],
                )
            )
    if not rows:
        raise ValidationFailed(
            _("The return file has no rows."), errors={"file": _("The return file has no rows.")}
        )
    return rows


def _is_return_header(cells: list[str]) -> bool:
    names = {str(cell).strip() for cell in cells}
    return bool(names & set(RETURN_COLUMNS["id_number"])) and bool(names & set(RETURN_COLUMNS["status"]))


def _return_positions(header: list[str]) -> dict[str, int]:
    positions = {}
    for key, names in RETURN_COLUMNS.items():
        for index, cell in enumerate(header):
            if str(cell).strip() in names:
                positions[key] = index
                break
    missing = [RETURN_COLUMNS[key][0] for key in ("id_number", "amount", "status") if key not in positions]
    if missing:
        message = _("The return file has no column %(columns)s. Nothing was saved.") % {
            "columns": "、".join(missing)
        }
        raise ValidationFailed(message, errors={"file": message}, code="missing_columns")
    return positions


def _fen(text: str, row: int) -> int:
    try:
        yuan = Decimal(text.replace(",", ""))
    except InvalidOperation:
        yuan = None
    if yuan is None or not yuan.is_finite() or yuan <= 0 or yuan != yuan.quantize(Decimal("0.01")):
        message = _("Row %(row)s: the amount “%(value)s” is not an amount in yuan. Nothing was saved.") % {
            "row": row,
            "value": text,
        }
        raise ValidationFailed(message, errors={"amount": message})
    return int(yuan * 100)


def _status(text: str, row: int) -> str:
    if text not in STATUS_WORDS:
        message = _("Row %(row)s: the status must be 成功 or 失败, not “%(value)s”. Nothing was saved.") % {
            "row": row,
            "value": text,
        }
        raise ValidationFailed(message, errors={"status": message})
    return STATUS_WORDS[text]


def import_return(*, actor, batch_id: int, path: Path, name: str) -> PaymentReturn:
    """Read the bank's return file for a batch: paid lines are marked paid, failed lines are marked with
    the bank's reason (and wait to be re-issued), rows the batch does not hold are reported. One
    transaction: a bad file saves nothing. The same file a second time gives the earlier import back."""
    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    rows = read_return(path)
    with transaction.atomic():
        batch = (
            PaymentBatch.objects.select_for_update().select_related("run__region").filter(pk=batch_id).first()
        )
        if batch is None:
            raise NotFound(_("This payment batch does not exist or is outside your area."))
        require(may_pay(actor, batch.run), _("Only the district's officials pay this run's allowances."))
        earlier = batch.returns.filter(sha256=digest).first()
        if earlier is not None:
            return earlier
        lines = {
            line.id_number: line
            for line in PaymentLine.objects.select_for_update().filter(batch=batch).exclude(account="")
        }
        report: dict[str, list] = {"paid": [], "failed": [], "unknown": [], "unchanged": []}
        now = timezone.now()
        changed: list[PaymentLine] = []
        for row in rows:
            line = lines.get(row.id_number)
            if line is None or line.amount_fen != row.amount_fen:
                why = (
                    _("not in this batch")
                    if line is None
                    else _("the batch pays ¥%(amount)s") % {"amount": fen_text(line.amount_fen)}
                )
                report["unknown"].append(
                    {
                        "row": row.row,
                        "id_number": mask_id_number(row.id_number),
                        "amount_fen": row.amount_fen,
                        "why": why,
                    }
                )
                continue
            if line.status != LineStatus.SENT:
                report["unchanged"].append({"row": row.row, "seq": line.seq, "status": line.status})
                continue
            line.status, line.bank_reason, line.settled_at = row.status, row.reason, now
            changed.append(line)
            entry = {"row": row.row, "seq": line.seq, "name": line.name, "amount_fen": line.amount_fen}
            if row.status == LineStatus.FAILED:
                entry["reason"] = row.reason
            report["paid" if row.status == LineStatus.PAID else "failed"].append(entry)
        PaymentLine.objects.bulk_update(changed, ["status", "bank_reason", "settled_at"], batch_size=2000)
        returned = PaymentReturn(
            batch=batch,
            file_name=name[:200],
            sha256=digest,
            imported_by=as_user(actor),
            paid_count=len(report["paid"]),
            failed_count=len(report["failed"]),
            unknown_count=len(report["unknown"]),
            unchanged_count=len(report["unchanged"]),
            report=report,
            transaction=_book_return(batch, changed, actor=actor),
        )
        returned.save()
        audit.record(
            actor=actor,
            action="benefits.payment.return",
            obj=batch,
            after={
                "file": returned.file_name,
                "paid": returned.paid_count,
                "failed": returned.failed_count,
                "unknown": returned.unknown_count,
                "unchanged": returned.unchanged_count,
            },
            region_code=batch.run.region_id,
        )
        return returned


def _book_return(batch: PaymentBatch, changed: list[PaymentLine], *, actor):
    """Paid lines from "sent to the bank" to "paid to elders"; failed lines back to "payable"."""
    if not changed:
        return None
    run = batch.run
    paid = sum(line.amount_fen for line in changed if line.status == LineStatus.PAID)
    failed: dict[str, int] = defaultdict(int)
    for line in changed:
        if line.status == LineStatus.FAILED:
            for code, fen in line.amounts.items():
                failed[code] += fen
    entries = [(clearing_account(run.region).pk, -(paid + sum(failed.values())))]
    if paid:
        entries.append((paid_account(run.region).pk, paid))
    entries += [(_payable(code, run).pk, fen) for code, fen in failed.items()]
    return ledger.post(
        actor=actor,
        kind=TransactionKind.PAYMENT_RETURNED,
        memo=_("%(region)s %(month)s: bank return of batch %(number)s")
        % {"region": run.region.name, "month": run.month.strftime("%Y-%m"), "number": batch.number},
        lines=entries,
    )


def return_file(batch: PaymentBatch, outcomes: dict[int, tuple[str, str]]) -> bytes:
    """A return file for ``batch`` as a bank would send it: every sent row with 成功, or 失败 and the reason
    given in ``outcomes`` (seq → (status word, reason)). The demo and the tests play the bank with it."""
    buffer = io.BytesIO()
    with SheetWriter(buffer, RETURN_HEADER, sheet_name="回盘") as writer:
        for line in batch.lines.exclude(account="").order_by("seq"):
            word, reason = outcomes.get(line.seq, ("成功", ""))
            writer.append(
                [line.seq, line.name, line.id_number, line.account, fen_text(line.amount_fen), word, reason]
            )
    return buffer.getvalue()


def import_upload(*, actor, batch_id: int, upload) -> PaymentReturn:
    """An uploaded return file (the console's or the API's), kept only while it is read."""
    suffix = Path(upload.name or "").suffix.lower()[:8] or ".xlsx"
    with tempfile.NamedTemporaryFile(suffix=suffix) as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
        handle.flush()
        return import_return(actor=actor, batch_id=batch_id, path=Path(handle.name), name=upload.name or "")


# --- reads (always through the user's scope; one NotFound for missing and forbidden) ----------------------


def batches_for(user, run: EligibilityRun):
    """The batches of a run the user reached through ``selectors.get_run_for``."""
    return run.payment_batches.order_by("number")


def get_batch_for(user, run_id: int, number: int) -> PaymentBatch:
    from .selectors import get_run_for

    run = get_run_for(user, run_id)
    batch = run.payment_batches.select_related("run__region").filter(number=number).first()
    if batch is None:
        raise NotFound(_("This payment batch does not exist or is outside your area."))
    return batch


def lines_for(user, batch: PaymentBatch, *, status: str = ""):
    """The batch's lines of the user's communities, optionally of one status."""
    lines = scope_of(user).filter(batch.lines.all(), region="community_code")
    if status:
        lines = lines.filter(status=status)
    return lines.order_by("seq")


def status_counts(user, batch: PaymentBatch) -> dict[str, int]:
    counts = dict.fromkeys(LineStatus.values, 0)
    for row in lines_for(user, batch).values("status").annotate(n=Count("pk")):
        counts[row["status"]] = row["n"]
    return counts
