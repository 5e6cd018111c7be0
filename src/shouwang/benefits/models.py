"""Benefits (补贴): policies as versioned data, monthly eligibility runs, and the double-entry ledger.

- A ``Policy`` is a named benefit of one kind in a region; what it pays is in its ``PolicyVersion`` rows,
  each in force for a range of months. A change is a new version: a version a run used is never edited,
  so a past run always explains itself with the rules it was computed under.
- An ``EligibilityRun`` evaluates every elder of a region against every policy in force in one month. Each
  elder gets one ``EligibilityResult`` with the facts the run saw and, per policy, the outcome.
- The ledger (``Account``, ``LedgerTransaction``, ``LedgerEntry``) records every movement of money:
  entries are only ever inserted, each transaction sums to zero, balances are sums of entries.

Months are stored as the date of their first day.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shouwang.core.models import TimeStampedModel

from .transitions import Transition


class PolicyKind(models.TextChoices):
    # 现金津贴: paid to the elder's bank or social-security card (高龄津贴, 护理补贴).
    CASH_ALLOWANCE = "cash", _("cash allowance (津贴)")
    # 服务补贴: credited to the elder's voucher account (服务券), spent on catalogue services.
    SERVICE_SUBSIDY = "service", _("service subsidy (服务补贴)")


class FundSource(models.TextChoices):
    CITY = "city", _("city budget (市级财政)")
    DISTRICT = "district", _("district budget (区级财政)")
    STREET = "street", _("street budget (街道财政)")
    LOTTERY = "lottery", _("welfare lottery fund (福彩公益金)")


class Policy(TimeStampedModel):
    """A benefit the bureau pays; its rules and amounts live in its versions."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=80)
    kind = models.CharField(_("kind"), max_length=8, choices=PolicyKind.choices)
    # Where it applies: elders living in this region's subtree; 户籍 conditions mean "registered here".
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("benefit policy")
        verbose_name_plural = _("benefit policies")

    def __str__(self) -> str:
        return self.name


class YearEnd(models.TextChoices):
    # Most schedules grant a service subsidy per year (DOMAIN.md §4: "≥ 300 元 per person per year"), so
    # what is unspent lapses (年底清零) unless the policy says it carries over.
    EXPIRE = "expire", _("expire at year end (年底清零)")
    CARRY_OVER = "carry_over", _("carry over to next year (结转下年)")


class PolicyVersion(TimeStampedModel):
    """The rules of a policy for a range of months (``effective_until`` inclusive, empty = open).

    ``conditions`` must all hold; then the first of ``tiers`` whose own conditions hold gives the monthly
    amount (an age band, an ability level, a category). ``fund_shares`` maps fund sources to whole
    percentages summing to 100. ``self_pay_percent`` (service subsidies) maps an elder category, or
    ``"*"`` for everybody else, to the share of a service's price the elder pays; see ``policies.py``.
    """

    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveSmallIntegerField(_("version"))
    effective_from = models.DateField(_("in force from"))
    effective_until = models.DateField(_("in force until"), null=True, blank=True)
    conditions = models.JSONField(_("conditions"), default=list, blank=True)
    tiers = models.JSONField(_("amounts"), default=list)
    fund_shares = models.JSONField(_("fund shares"), default=dict)
    self_pay_percent = models.JSONField(_("self-pay share"), default=dict, blank=True)
    # Service subsidies: what the vouchers credited under this version do at the end of the year.
    year_end = models.CharField(
        _("at year end"), max_length=12, choices=YearEnd.choices, default=YearEnd.EXPIRE
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["policy", "number"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "number"], name="policy_version_number_once"),
            models.CheckConstraint(
                condition=models.Q(effective_until__isnull=True)
                | models.Q(effective_until__gte=models.F("effective_from")),
                name="policy_version_dates_ordered",
            ),
        ]
        verbose_name = _("policy version")
        verbose_name_plural = _("policy versions")

    def __str__(self) -> str:
        return f"{self.policy_id} v{self.number}"


class RunState(models.TextChoices):
    COMPUTED = "computed", _("computed (待审核)")
    COMMUNITY_CHECKED = "community_checked", _("checked by the community (社区已审核)")
    STREET_CHECKED = "street_checked", _("checked by the street (街道已审核)")
    APPROVED = "approved", _("approved by the district (区级已审批)")
    RETURNED = "returned", _("returned for correction (已退回)")


class EligibilityRun(TimeStampedModel):
    """One month's eligibility of every elder in a region, then its approval level by level.

    ``totals`` keeps the sums shown on the run: per policy (eligible elders, amount), per fund source, and
    the changes against the previous month. Money moves only when the district approves."""

    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    month = models.DateField(_("month"))
    state = models.CharField(_("state"), max_length=20, choices=RunState.choices, default=RunState.COMPUTED)
    elder_count = models.PositiveIntegerField(_("elders evaluated"), default=0)
    eligible_count = models.PositiveIntegerField(_("elders with a benefit"), default=0)
    totals = models.JSONField(_("totals"), default=dict, blank=True)
    computed_at = models.DateTimeField(_("computed at"), null=True, blank=True)
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-month", "region_id"]
        constraints = [models.UniqueConstraint(fields=["region", "month"], name="one_run_per_region_month")]
        verbose_name = _("eligibility run")
        verbose_name_plural = _("eligibility runs")

    def __str__(self) -> str:
        return f"{self.region_id} {self.month:%Y-%m}"


class RunTransition(Transition):
    """One move of a run's state: who, when, why. Only ever inserted."""

    run = models.ForeignKey(EligibilityRun, on_delete=models.CASCADE, related_name="transitions")
    from_state = models.CharField(_("from"), max_length=20, choices=RunState.choices, blank=True)
    to_state = models.CharField(_("to"), max_length=20, choices=RunState.choices)
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        ordering = ["run", "at", "id"]


class EligibilityResult(models.Model):
    """One elder in one run: the facts the run saw and, per policy code, the outcome.

    ``outcomes`` maps a policy code to ``{"version", "eligible", "amount_fen", "tier", "failed"}``;
    ``failed`` lists the indexes of the conditions that did not hold (the explanation is rebuilt from the
    version's conditions and these facts, see ``policies.explain``). ``changes`` maps the policy codes whose
    outcome differs from last month's to ``{"change": new|stopped|changed, "reasons": [fact changes]}``.
    ``fingerprint`` identifies the outcomes, so next month's run sees at a glance which elders changed."""

    # No foreign-key constraints in the database (docs/decisions/0021): a run writes a million rows, and
    # PostgreSQL checks each row's two keys one by one at commit, locking every elder's row. Only
    # ``runs.compute`` writes results, holding its run's row lock, from elders it has just read; elders are
    # never deleted (PROTECT still guards the ORM). The run's own index is the unique (run, elder) one.
    run = models.ForeignKey(
        EligibilityRun, on_delete=models.CASCADE, related_name="results", db_index=False, db_constraint=False
    )
    elder = models.ForeignKey(
        "elders.Elder", on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    community_code = models.CharField(max_length=12)
    # The facts on the first of the month.
    age = models.PositiveSmallIntegerField(_("age"))
    status = models.CharField(_("status"), max_length=12)
    ability_level = models.PositiveSmallIntegerField(_("ability level"), null=True, blank=True)
    categories = models.CharField(_("categories"), max_length=200, blank=True)
    living_arrangement = models.CharField(_("living arrangement"), max_length=20, blank=True)
    hukou_region_code = models.CharField(_("household registration region"), max_length=12, blank=True)
    outcomes = models.JSONField(_("outcomes"), default=dict)
    fingerprint = models.CharField(max_length=16)
    changes = models.JSONField(_("changes against last month"), default=dict, blank=True)
    cash_fen = models.PositiveIntegerField(_("cash allowances (fen)"), default=0)
    voucher_fen = models.PositiveIntegerField(_("vouchers (fen)"), default=0)

    class Meta:
        ordering = ["run", "community_code", "elder"]
        constraints = [models.UniqueConstraint(fields=["run", "elder"], name="one_result_per_run_elder")]
        indexes = [
            models.Index(fields=["elder", "run"], name="result_by_elder"),
            models.Index(fields=["run", "community_code", "elder"], name="result_run_order"),
        ]

    def __str__(self) -> str:
        return f"{self.run_id}:{self.elder_id}"


# --- the ledger ------------------------------------------------------------------------------------------


class AccountKind(models.TextChoices):
    FUND = "fund", _("fund source (资金来源)")
    VOUCHER = "voucher", _("elder's voucher account (服务券账户)")
    ALLOWANCE_PAYABLE = "allowance_payable", _("allowances payable to elders (应付津贴)")
    PROVIDER_PAYABLE = "provider_payable", _("payable to a provider (应付服务商)")
    SELF_PAY = "self_pay", _("self-pay receivable (个人自付应收)")
    EXPIRED = "expired", _("expired vouchers (过期服务券)")
    BANK_CLEARING = "bank_clearing", _("allowances sent to the bank (银行代发在途)")
    ALLOWANCE_PAID = "allowance_paid", _("allowances paid to elders (已发津贴)")
    # The volunteers' time bank (时间银行, unit minute; see visits.timebank): each member's hours, the
    # account the hours are earned from (it runs negative as hours are issued), and where redeemed hours go.
    HOURS_MEMBER = "hours_member", _("a volunteer's hours (时间银行账户)")
    HOURS_ISSUED = "hours_issued", _("hours issued for service (时间银行发放)")
    HOURS_REDEEMED = "hours_redeemed", _("hours redeemed for help (时间银行兑换)")


class LedgerUnit(models.TextChoices):
    """What an account counts. A transaction moves one unit; balances are whole numbers of it."""

    FEN = "fen", _("fen (分)")
    MINUTE = "minute", _("minutes of service (分钟)")


# Accounts whose balance may never fall below zero (a voucher cannot be overspent, nobody owes a provider
# less than nothing). Fund sources run negative as they are spent; self-pay receivables are negative
# while elders owe their share.
NON_NEGATIVE_KINDS = frozenset(
    {
        AccountKind.VOUCHER,
        AccountKind.ALLOWANCE_PAYABLE,
        AccountKind.PROVIDER_PAYABLE,
        AccountKind.EXPIRED,
        AccountKind.BANK_CLEARING,
        AccountKind.ALLOWANCE_PAID,
        AccountKind.HOURS_MEMBER,
    }
)


class Account(models.Model):
    """A ledger account. Its balance is the sum of its entries; nothing else stores it."""

    kind = models.CharField(_("kind"), max_length=20, choices=AccountKind.choices)
    # Unique per meaning: "fund:district:220202000000", "voucher:17", "provider:3", …
    key = models.CharField(max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=120)
    unit = models.CharField(_("unit"), max_length=8, choices=LedgerUnit.choices, default=LedgerUnit.FEN)
    fund_source = models.CharField(_("fund source"), max_length=10, choices=FundSource.choices, blank=True)
    # Whose account it is: scope filters on these without joins.
    region = models.ForeignKey("regions.Region", null=True, on_delete=models.PROTECT, related_name="+")
    elder = models.ForeignKey("elders.Elder", null=True, on_delete=models.PROTECT, related_name="+")
    provider = models.ForeignKey("providers.Provider", null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "key"]
        indexes = [models.Index(fields=["elder", "kind"])]
        verbose_name = _("ledger account")
        verbose_name_plural = _("ledger accounts")

    def __str__(self) -> str:
        return self.name


class TransactionKind(models.TextChoices):
    VOUCHER_CREDIT = "voucher_credit", _("vouchers credited (服务券发放)")
    ALLOWANCE = "allowance", _("allowances due (津贴应付)")
    REDEMPTION = "redemption", _("service paid (服务结算)")
    EXPIRY = "expiry", _("vouchers expired (服务券过期)")
    REVERSAL = "reversal", _("reversal (冲正)")
    PAYMENT_SENT = "payment_sent", _("allowances sent to the bank (津贴代发)")
    PAYMENT_RETURNED = "payment_returned", _("bank return booked (银行回盘)")
    HOURS_EARNED = "hours_earned", _("hours earned (时间银行存入)")
    HOURS_DONATED = "hours_donated", _("hours given to another volunteer (时间银行转赠)")
    HOURS_REDEEMED = "hours_redeemed", _("hours redeemed (时间银行兑换)")


class LedgerTransaction(models.Model):
    """One movement of money: two or more entries summing to zero, posted together or not at all."""

    kind = models.CharField(_("kind"), max_length=20, choices=TransactionKind.choices)
    memo = models.CharField(_("memo"), max_length=200)
    posted_at = models.DateTimeField(_("posted at"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    run = models.ForeignKey(
        EligibilityRun, null=True, blank=True, on_delete=models.PROTECT, related_name="transactions"
    )
    order = models.ForeignKey(
        "orders.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # A correction never edits: it posts the opposite entries and points at what it undoes (once).
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    # Posted at most once per key ("earn:visit:12"): what a unique fact may post only once (core.ledger).
    once_key = models.CharField(max_length=60, null=True, blank=True, unique=True)

    class Meta:
        ordering = ["-posted_at", "-id"]
        constraints = [
            # A run posts its money once per kind; an order is settled once.
            models.UniqueConstraint(
                fields=["run", "kind"], condition=models.Q(run__isnull=False), name="run_posted_once"
            ),
            models.UniqueConstraint(
                fields=["order", "kind"], condition=models.Q(order__isnull=False), name="order_posted_once"
            ),
        ]
        verbose_name = _("ledger transaction")
        verbose_name_plural = _("ledger transactions")

    def __str__(self) -> str:
        return f"#{self.pk} {self.memo}"


class LedgerEntry(models.Model):
    """One line of a transaction. Never updated or deleted (on PostgreSQL a trigger refuses both)."""

    transaction = models.ForeignKey(LedgerTransaction, on_delete=models.PROTECT, related_name="entries")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="entries")
    # In the account's unit: fen on money accounts, minutes on time-bank accounts (the column kept the name
    # it had when only money was booked; ADR 0018).
    amount_fen = models.BigIntegerField(_("amount (fen)"))

    class Meta:
        ordering = ["transaction", "id"]
        constraints = [models.CheckConstraint(condition=~models.Q(amount_fen=0), name="entry_not_zero")]
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")

    def __str__(self) -> str:
        return f"{self.account_id} {self.amount_fen}"


# Anomaly cases live in their own module (see its docstring); imported here so Django registers them.
from .case_models import Case, CaseTransition, CheckRun  # noqa: E402, F401

# Statements (对账单) and budgets live in a module of their own; imported here so Django registers them.
from .statement_models import (  # noqa: E402, F401
    Budget,
    LineDecision,
    Statement,
    StatementLine,
    StatementState,
    StatementTransition,
)

# --- cash allowance payments (代发) and the year end ----------------------------------------------------


class PaymentBatch(TimeStampedModel):
    """A file of cash allowances for the bank to pay (代发批次). Number 1 holds every cash allowance of an
    approved run; later numbers re-issue what failed or could not be paid. See ``payments.py``."""

    run = models.ForeignKey(EligibilityRun, on_delete=models.PROTECT, related_name="payment_batches")
    number = models.PositiveSmallIntegerField(_("batch"))
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    total_fen = models.BigIntegerField(_("total (fen)"), default=0)
    unpayable_count = models.PositiveIntegerField(_("cannot be paid"), default=0)
    checksum = models.CharField(_("check code"), max_length=16)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sent_transaction = models.OneToOneField(
        LedgerTransaction, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["run", "number"]
        constraints = [models.UniqueConstraint(fields=["run", "number"], name="payment_batch_number_once")]
        verbose_name = _("payment batch")
        verbose_name_plural = _("payment batches")

    def __str__(self) -> str:
        return f"{self.run} #{self.number}"


class LineStatus(models.TextChoices):
    NO_ACCOUNT = "no_account", _("cannot be paid: no account")
    SENT = "sent", _("sent to the bank")
    PAID = "paid", _("paid")
    FAILED = "failed", _("failed, waiting to be re-issued")
    REISSUED = "reissued", _("re-issued in a later batch")
    # Waiting to be re-issued, but the registry says the elder has since died or moved out: not paid again.
    WITHHELD = "withheld", _("not re-issued: no longer eligible")


class PaymentLine(models.Model):
    """One elder in a batch: the name, ID and account number as sent (the file must match what the bank
    returns, whatever the registry says later), the amount and its split by policy."""

    batch = models.ForeignKey(PaymentBatch, on_delete=models.CASCADE, related_name="lines")
    seq = models.PositiveIntegerField(_("no."))
    elder = models.ForeignKey("elders.Elder", on_delete=models.PROTECT, related_name="+")
    community_code = models.CharField(max_length=12)
    name = models.CharField(_("name"), max_length=40)
    id_number = models.CharField(_("ID number"), max_length=18)
    account = models.CharField(_("account"), max_length=32, blank=True)
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    amounts = models.JSONField(_("by policy"), default=dict)
    status = models.CharField(_("status"), max_length=12, choices=LineStatus.choices)
    bank_reason = models.CharField(_("bank's reason"), max_length=200, blank=True)
    settled_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    withheld_reason = models.CharField(_("why not re-issued"), max_length=200, blank=True)

    class Meta:
        ordering = ["batch", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "elder"], name="payment_line_elder_once"),
            models.UniqueConstraint(fields=["batch", "seq"], name="payment_line_seq_once"),
            models.CheckConstraint(condition=models.Q(amount_fen__gt=0), name="payment_line_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.seq}"


class PaymentReturn(models.Model):
    """One bank return file (回盘文件) read into a batch, with what it changed and what it could not place."""

    batch = models.ForeignKey(PaymentBatch, on_delete=models.CASCADE, related_name="returns")
    file_name = models.CharField(_("file"), max_length=200)
    sha256 = models.CharField(max_length=64)
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    paid_count = models.PositiveIntegerField(_("paid"), default=0)
    failed_count = models.PositiveIntegerField(_("failed"), default=0)
    unknown_count = models.PositiveIntegerField(_("unknown"), default=0)
    unchanged_count = models.PositiveIntegerField(_("already recorded"), default=0)
    report = models.JSONField(_("report"), default=dict)
    transaction = models.OneToOneField(
        LedgerTransaction, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["batch", "-imported_at", "-id"]

    def __str__(self) -> str:
        return self.file_name


class YearEndClosing(models.Model):
    """A voucher account closed for a year: its balance then, and what expired (the rest carried over).
    One per account and year, so closing a year again changes nothing."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    balance_fen = models.BigIntegerField(_("balance (fen)"))
    expired_fen = models.BigIntegerField(_("expired (fen)"))
    transaction = models.OneToOneField(
        LedgerTransaction, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["year", "account"]
        constraints = [models.UniqueConstraint(fields=["account", "year"], name="year_end_once")]

    def __str__(self) -> str:
        return f"{self.account_id} {self.year}"
