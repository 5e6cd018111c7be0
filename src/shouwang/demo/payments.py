"""Demo payments: the cash allowances of the demo's approved months, sent to the bank and returned.

Every elder with a cash allowance gets a (made-up) bank card number, except two, who show up in each batch
as "cannot be paid: no account". Each month's batch is made by the district official and its return read
back through the services, as the bank would send it: every row paid, except in the latest month, where
the bank refuses two (a closed account, a name that does not match) and they wait to be re-issued.
"""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from stdnum import luhn

from shouwang.accounts.models import User
from shouwang.benefits import payments
from shouwang.benefits.models import EligibilityResult
from shouwang.elders.models import Elder
from shouwang.elders.services import set_payment_account

WITHOUT_ACCOUNT = 2
BANK_REFUSALS = ("账户已销户", "户名与账号不符")


def demo_account(elder_id: int) -> str:
    """A card number of the demo's bank (6217, eleven digits, the Luhn check digit): made up, the same on
    every load."""
    stem = f"6217{elder_id:011d}"
    return stem + luhn.calc_check_digit(stem)


def load_payments(runs: list) -> list:
    """Accounts for the elders paid by ``runs`` (oldest first), then each run's batch and bank return."""
    official = User.objects.get(username="official")
    paid = sorted(
        set(EligibilityResult.objects.filter(run__in=runs, cash_fen__gt=0).values_list("elder_id", flat=True))
    )
    left_out = set(paid[:WITHOUT_ACCOUNT]) if len(paid) > 2 * WITHOUT_ACCOUNT else set()
    for elder_id in Elder.objects.filter(pk__in=paid, payment_account="").values_list("pk", flat=True):
        if elder_id not in left_out:
            set_payment_account(actor=official, elder_id=elder_id, account=demo_account(elder_id))
    batches = []
    for index, run in enumerate(runs):
        batch = payments.create_batch(actor=official, run_id=run.pk)
        latest = index == len(runs) - 1
        sent = list(batch.lines.exclude(account="").order_by("seq").values_list("seq", flat=True))
        refused = (
            dict(zip(sent[-len(BANK_REFUSALS) :], BANK_REFUSALS, strict=False))
            if latest and len(sent) > len(BANK_REFUSALS)
            else {}
        )
        content = payments.return_file(batch, {seq: ("失败", reason) for seq, reason in refused.items()})
        upload = SimpleUploadedFile(f"回盘-{run.month:%Y%m}.xlsx", content)
        payments.import_upload(actor=official, batch_id=batch.pk, upload=upload)
        batches.append(batch)
    return batches
