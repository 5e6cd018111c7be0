"""Models of provider statements (对账单) and budgets, kept beside ``models.py`` (which imports them).

- A ``Statement`` is one provider's month: the verified, confirmed, settled orders of that month (by the
  service day, Asia/Shanghai), each a ``StatementLine`` with its price, voucher part and self-pay part. The
  provider acknowledges it (确认) or disputes it (提出异议) overall or line by line; an official resolves the
  dispute, and a correction is posted to the ledger as a reversing transaction (and, for a corrected
  amount, the settlement posted again), never an edit of an entry.
- A ``Budget`` is what a fund source may spend in a region in a year or in one month of it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shouwang.core.models import TimeStampedModel

from .models import FundSource
from .transitions import Transition


class StatementState(models.TextChoices):
    ISSUED = "issued", _("issued, awaiting the provider (待确认)")
    ACKNOWLEDGED = "acknowledged", _("acknowledged by the provider (已确认)")
    DISPUTED = "disputed", _("disputed by the provider (有异议)")
    RESOLVED = "resolved", _("dispute resolved (异议已处理)")


class Statement(TimeStampedModel):
    """One provider's monthly statement. Totals are those of its lines as issued; corrections of a
    resolved dispute are on the lines (``StatementLine.corrected_amount_fen``)."""

    provider = models.ForeignKey("providers.Provider", on_delete=models.PROTECT, related_name="+")
    month = models.DateField(_("month"))
    state = models.CharField(
        _("state"), max_length=12, choices=StatementState.choices, default=StatementState.ISSUED
    )
    order_count = models.PositiveIntegerField(_("orders"), default=0)
    amount_fen = models.BigIntegerField(_("amount (fen)"), default=0)
    voucher_fen = models.BigIntegerField(_("paid by vouchers (fen)"), default=0)
    self_pay_fen = models.BigIntegerField(_("paid by the elders (fen)"), default=0)
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    dispute_reason = models.CharField(_("dispute"), max_length=300, blank=True)
    resolution = models.CharField(_("resolution"), max_length=300, blank=True)

    class Meta:
        ordering = ["-month", "provider_id"]
        constraints = [models.UniqueConstraint(fields=["provider", "month"], name="one_statement_per_month")]
        verbose_name = _("provider statement")
        verbose_name_plural = _("provider statements")

    def __str__(self) -> str:
        return f"{self.provider_id} {self.month:%Y-%m}"


class LineDecision(models.TextChoices):
    STANDS = "stands", _("the statement stands (维持)")
    CORRECTED = "corrected", _("corrected (已更正)")


class StatementLine(models.Model):
    """One settled order on a statement, with the split recorded at its settlement."""

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="lines")
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="+")
    service_day = models.DateField(_("service day"))
    amount_fen = models.PositiveIntegerField(_("price (fen)"))
    voucher_fen = models.PositiveIntegerField(_("voucher part (fen)"))
    self_pay_fen = models.PositiveIntegerField(_("self-pay part (fen)"))
    dispute_reason = models.CharField(_("dispute"), max_length=300, blank=True)
    decision = models.CharField(_("decision"), max_length=10, choices=LineDecision.choices, blank=True)
    decision_note = models.CharField(_("note"), max_length=300, blank=True)
    corrected_amount_fen = models.PositiveIntegerField(_("corrected price (fen)"), null=True, blank=True)
    # The correction in the ledger: the reversal of the settlement and, unless the order is not paid at
    # all, the settlement posted again for the corrected price.
    reversal = models.ForeignKey(
        "benefits.LedgerTransaction", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reposting = models.ForeignKey(
        "benefits.LedgerTransaction", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["statement", "service_day", "order_id"]
        constraints = [models.UniqueConstraint(fields=["statement", "order"], name="statement_order_once")]

    def __str__(self) -> str:
        return f"{self.statement_id}:{self.order_id}"

    @property
    def effective_amount_fen(self) -> int:
        return self.amount_fen if self.corrected_amount_fen is None else self.corrected_amount_fen


class StatementTransition(Transition):
    """One move of a statement's state: who, when, why. Only ever inserted."""

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="transitions")
    from_state = models.CharField(_("from"), max_length=12, choices=StatementState.choices, blank=True)
    to_state = models.CharField(_("to"), max_length=12, choices=StatementState.choices)
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        ordering = ["statement", "at", "id"]


class Budget(TimeStampedModel):
    """What one fund source may spend in a region: for a whole year (``month`` empty) or one month."""

    fund_source = models.CharField(_("fund source"), max_length=10, choices=FundSource.choices)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("month"), null=True, blank=True)
    amount_fen = models.BigIntegerField(_("budget (fen)"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-year", "month", "region_id", "fund_source"]
        constraints = [
            models.UniqueConstraint(
                fields=["fund_source", "region", "year", "month"],
                name="budget_once_per_month",
                condition=models.Q(month__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["fund_source", "region", "year"],
                name="budget_once_per_year",
                condition=models.Q(month__isnull=True),
            ),
            models.CheckConstraint(condition=models.Q(amount_fen__gte=0), name="budget_not_negative"),
            models.CheckConstraint(
                condition=models.Q(month__isnull=True) | models.Q(month__gte=1, month__lte=12),
                name="budget_month_1_to_12",
            ),
        ]
        verbose_name = _("budget")
        verbose_name_plural = _("budgets")

    def __str__(self) -> str:
        return f"{self.fund_source} {self.region_id} {self.year}-{self.month or '*'}"
