"""Home care (居家养老) beyond single orders: home care beds (家庭养老床位), assistive-device rental
(辅助器具租赁), respite care (喘息服务), and long-term care insurance (长期护理保险).

- A ``HomeCareBed`` is a contract between an elder, a provider and the bureau. It moves apply → assess →
  equip → in service → end through ``states.advance`` only; its monthly package (``BedPackageItem``) is
  what the provider owes each month, and a ``BedMonth`` closes a month: what was delivered (completed
  orders of that elder with that provider), the shortfalls, and the bed subsidy posted to the ledger.
- ``DeviceRental`` and ``RespiteStay`` are records tied to the elder.
- LTC insurance: designated providers (``LtcDesignation``), each elder's status with the agency
  (``LtcStatus``), the rules per level (``LtcRule``), and claim batches (``ClaimBatch`` with its lines)
  sent to the agency and answered by its file (``ClaimAnswer``).

Months are stored as the date of their first day; money in fen.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shouwang.benefits.models import FundSource
from shouwang.core.models import TimeStampedModel

# --- home care beds --------------------------------------------------------------------------------------


class BedState(models.TextChoices):
    APPLIED = "applied", _("applied (已申请)")
    ASSESSED = "assessed", _("assessed (已评估)")
    EQUIPPED = "equipped", _("equipped (已改造安装)")
    IN_SERVICE = "in_service", _("in service (服务中)")
    ENDED = "ended", _("ended (已终止)")


class HomeCareBed(TimeStampedModel):
    elder = models.ForeignKey("elders.Elder", on_delete=models.PROTECT, related_name="+")
    provider = models.ForeignKey(
        "providers.Provider", on_delete=models.PROTECT, related_name="+", verbose_name=_("provider")
    )
    # The elder's community when the bed was applied for: scope filters on it without a join.
    community = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    state = models.CharField(
        _("state"), max_length=12, choices=BedState.choices, default=BedState.APPLIED, db_index=True
    )
    applied_on = models.DateField(_("applied on"))
    # The ability level the assessment gave (assessments app) when the bed was assessed.
    assessment = models.ForeignKey(
        "assessments.Assessment", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    level = models.PositiveSmallIntegerField(_("ability level"), null=True, blank=True)
    adaptation_done_on = models.DateField(_("home adaptation done on"), null=True, blank=True)
    adaptation_note = models.CharField(_("home adaptation"), max_length=300, blank=True)
    devices = models.ManyToManyField("alarms.Device", blank=True, related_name="+", verbose_name=_("devices"))
    service_from = models.DateField(_("in service from"), null=True, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    monthly_subsidy_fen = models.PositiveIntegerField(_("bed subsidy a month (fen)"), default=0)
    fund_source = models.CharField(
        _("fund source"), max_length=10, choices=FundSource.choices, default=FundSource.DISTRICT
    )

    class Meta:
        ordering = ["-applied_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["elder"], condition=~models.Q(state="ended"), name="one_open_home_care_bed"
            )
        ]
        verbose_name = _("home care bed")
        verbose_name_plural = _("home care beds")

    def __str__(self) -> str:
        return f"{_('home care bed')} #{self.pk}"


class BedPackageItem(models.Model):
    """One catalogue service and how many times a month the provider delivers it on this bed."""

    bed = models.ForeignKey(HomeCareBed, on_delete=models.CASCADE, related_name="package")
    item = models.ForeignKey("catalog.ServiceItem", on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveSmallIntegerField(_("times a month"))

    class Meta:
        ordering = ["bed", "item__position"]
        constraints = [models.UniqueConstraint(fields=["bed", "item"], name="one_package_line_per_item")]
        verbose_name = _("package item")
        verbose_name_plural = _("package items")

    def __str__(self) -> str:
        return f"{self.item_id} × {self.quantity}"


class BedTransition(models.Model):
    """One move of a bed's lifecycle: inserted by ``states.advance`` only."""

    bed = models.ForeignKey(HomeCareBed, on_delete=models.CASCADE, related_name="transitions")
    from_state = models.CharField(_("from"), max_length=12, choices=BedState.choices, blank=True)
    to_state = models.CharField(_("to"), max_length=12, choices=BedState.choices)
    at = models.DateTimeField(_("time"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(_("by"), max_length=150, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["bed", "at", "id"]
        verbose_name = _("bed transition")
        verbose_name_plural = _("bed transitions")

    def __str__(self) -> str:
        return f"{self.from_state} → {self.to_state}"


class BedMonth(models.Model):
    """A closed month of a bed in service: the package against what was delivered, and the subsidy paid."""

    bed = models.ForeignKey(HomeCareBed, on_delete=models.PROTECT, related_name="months")
    month = models.DateField(_("month"))
    delivered = models.JSONField(_("delivered"), default=dict)
    shortfalls = models.JSONField(_("shortfalls"), default=list)
    subsidy_fen = models.PositiveIntegerField(_("subsidy (fen)"), default=0)
    transaction = models.OneToOneField(
        "benefits.LedgerTransaction", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(_("closed at"), auto_now_add=True)

    class Meta:
        ordering = ["bed", "-month"]
        constraints = [models.UniqueConstraint(fields=["bed", "month"], name="one_bed_month")]
        verbose_name = _("bed month")
        verbose_name_plural = _("bed months")

    def __str__(self) -> str:
        return f"{self.bed_id} {self.month:%Y-%m}"


# --- assistive devices and respite care ------------------------------------------------------------------


class DeviceRental(TimeStampedModel):
    """An assistive device (wheelchair, care bed, walker …) lent to an elder against a deposit."""

    elder = models.ForeignKey("elders.Elder", on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    provider = models.ForeignKey("providers.Provider", on_delete=models.PROTECT, related_name="+")
    item = models.CharField(_("item"), max_length=80)
    deposit_fen = models.PositiveIntegerField(_("deposit (fen)"), default=0)
    starts_on = models.DateField(_("from"))
    due_on = models.DateField(_("due back on"))
    returned_on = models.DateField(_("returned on"), null=True, blank=True)
    deposit_refunded_fen = models.PositiveIntegerField(_("deposit refunded (fen)"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(due_on__gte=models.F("starts_on")), name="rental_due_after_start"
            )
        ]
        verbose_name = _("device rental")
        verbose_name_plural = _("device rentals")

    def __str__(self) -> str:
        return self.item


class RespiteStay(TimeStampedModel):
    """Days of respite care (喘息服务) taken by an elder: counted against the yearly entitlement."""

    elder = models.ForeignKey("elders.Elder", on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    provider = models.ForeignKey("providers.Provider", on_delete=models.PROTECT, related_name="+")
    starts_on = models.DateField(_("from"))
    days = models.PositiveSmallIntegerField(_("days"))
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["-starts_on", "-id"]
        indexes = [models.Index(fields=["elder", "starts_on"])]
        verbose_name = _("respite stay")
        verbose_name_plural = _("respite stays")

    def __str__(self) -> str:
        return f"{self.elder_id} {self.starts_on} +{self.days}"


# --- long-term care insurance ----------------------------------------------------------------------------


class LtcDesignation(TimeStampedModel):
    """A provider designated by the insurance agency (定点服务机构) to bill LTC services."""

    provider = models.OneToOneField("providers.Provider", on_delete=models.PROTECT, related_name="+")
    agency_code = models.CharField(_("agency's code"), max_length=40)
    designated_from = models.DateField(_("designated from"))
    designated_until = models.DateField(_("designated until"), null=True, blank=True)

    class Meta:
        ordering = ["provider__name"]
        verbose_name = _("LTC designation")
        verbose_name_plural = _("LTC designations")

    def __str__(self) -> str:
        return self.agency_code


class LtcState(models.TextChoices):
    APPLIED = "applied", _("applied (已申请)")
    APPROVED = "approved", _("approved (已享受)")
    REFUSED = "refused", _("refused (未通过)")


class LtcSource(models.TextChoices):
    IMPORTED = "imported", _("agency's file")
    ENTERED = "entered", _("entered by hand")


class LtcStatus(TimeStampedModel):
    """An elder's standing with the LTC insurance agency, as its file or an official says."""

    elder = models.OneToOneField("elders.Elder", on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    state = models.CharField(_("state"), max_length=10, choices=LtcState.choices)
    applied_on = models.DateField(_("applied on"), null=True, blank=True)
    level = models.PositiveSmallIntegerField(_("approved level"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=LtcSource.choices)

    class Meta:
        ordering = ["community", "elder"]
        verbose_name = _("LTC status")
        verbose_name_plural = _("LTC statuses")

    def __str__(self) -> str:
        return f"{self.elder_id} {self.state}"


class LtcRule(models.Model):
    """What the insurance pays for services to an elder of an approved level: a share of the price, up to a
    cap a month. Data the bureau keeps, not code."""

    level = models.PositiveSmallIntegerField(_("approved level"), unique=True)
    covered_percent = models.PositiveSmallIntegerField(_("covered share (%)"))
    monthly_cap_fen = models.PositiveIntegerField(_("cap a month (fen)"))

    class Meta:
        ordering = ["level"]
        constraints = [
            models.CheckConstraint(condition=models.Q(covered_percent__lte=100), name="ltc_share_at_most_all")
        ]
        verbose_name = _("LTC rule")
        verbose_name_plural = _("LTC rules")

    def __str__(self) -> str:
        return f"{self.level}: {self.covered_percent}%"


class ClaimBatch(TimeStampedModel):
    """The claims of one designated provider for one month, sent to the agency as a file."""

    provider = models.ForeignKey("providers.Provider", on_delete=models.PROTECT, related_name="+")
    # The provider's district: officials of that subtree oversee its claims.
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    month = models.DateField(_("month"))
    line_count = models.PositiveIntegerField(_("lines"), default=0)
    amount_fen = models.PositiveBigIntegerField(_("services (fen)"), default=0)
    claimed_fen = models.PositiveBigIntegerField(_("claimed (fen)"), default=0)
    paid_fen = models.PositiveBigIntegerField(_("paid (fen)"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-month", "provider"]
        constraints = [models.UniqueConstraint(fields=["provider", "month"], name="one_claim_batch_a_month")]
        verbose_name = _("claim batch")
        verbose_name_plural = _("claim batches")

    @property
    def reference(self) -> str:
        return f"LTC{self.month:%Y%m}-{self.provider_id}"

    def __str__(self) -> str:
        return f"{self.provider_id} {self.month:%Y-%m}"


class ClaimStatus(models.TextChoices):
    CLAIMED = "claimed", _("claimed (已申报)")
    PAID = "paid", _("paid (已支付)")
    REFUSED = "refused", _("refused (拒付)")


class ClaimLine(models.Model):
    """One insured elder's services of the month in a batch; ``reference`` is the row's key in both files."""

    batch = models.ForeignKey(ClaimBatch, on_delete=models.CASCADE, related_name="lines")
    seq = models.PositiveIntegerField(_("no."))
    elder = models.ForeignKey("elders.Elder", on_delete=models.PROTECT, related_name="+")
    community_code = models.CharField(max_length=12)
    name = models.CharField(_("name"), max_length=40)
    id_number = models.CharField(_("ID number"), max_length=18)
    level = models.PositiveSmallIntegerField(_("approved level"))
    orders = models.JSONField(_("orders"), default=list)
    amount_fen = models.PositiveIntegerField(_("services (fen)"))
    claimed_fen = models.PositiveIntegerField(_("claimed (fen)"))
    status = models.CharField(
        _("status"), max_length=10, choices=ClaimStatus.choices, default=ClaimStatus.CLAIMED
    )
    paid_fen = models.PositiveIntegerField(_("paid (fen)"), default=0)
    reason = models.CharField(_("agency's reason"), max_length=200, blank=True)

    class Meta:
        ordering = ["batch", "seq"]
        constraints = [models.UniqueConstraint(fields=["batch", "seq"], name="one_claim_line_per_seq")]
        verbose_name = _("claim line")
        verbose_name_plural = _("claim lines")

    def __str__(self) -> str:
        return f"{self.batch_id}-{self.seq}"

    @property
    def reference(self) -> str:
        return f"{self.batch.reference}-{self.seq}"


class ClaimAnswer(models.Model):
    """One import of the agency's answer file for a batch, with what it did."""

    batch = models.ForeignKey(ClaimBatch, on_delete=models.CASCADE, related_name="answers")
    file_name = models.CharField(_("file"), max_length=200)
    sha256 = models.CharField(max_length=64)
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    paid_count = models.PositiveIntegerField(_("paid"), default=0)
    refused_count = models.PositiveIntegerField(_("refused"), default=0)
    unknown_count = models.PositiveIntegerField(_("unknown"), default=0)
    report = models.JSONField(_("report"), default=dict)

    class Meta:
        ordering = ["-imported_at"]
        verbose_name = _("claim answer")
        verbose_name_plural = _("claim answers")

    def __str__(self) -> str:
        return self.file_name
