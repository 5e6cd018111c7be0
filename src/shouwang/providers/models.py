"""Provider organisations (服务商), their admission (准入) and exit (退出), licences and contracts (定点协议).

Government admits social providers, contracts them as designated providers (定点单位) for given areas
and services, and removes them when needed; a provider takes orders only while admitted and under an
active contract.
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shouwang.core.models import TimeStampedModel


class ProviderKind(models.TextChoices):
    COMPANY = "company", _("company (企业)")
    SOCIAL_ORGANISATION = "social_org", _("social organisation (社会组织)")
    CARE_HOME = "care_home", _("care institution (养老机构)")
    MEDICAL = "medical", _("medical institution (医疗机构)")
    HOUSEKEEPING = "housekeeping", _("housekeeping (家政)")
    PROPERTY = "property", _("property management (物业)")


class ProviderState(models.TextChoices):
    APPLIED = "applied", _("applied (申请中)")
    REVIEWING = "reviewing", _("documents under review (审核中)")
    ADMITTED = "admitted", _("admitted (已准入)")
    REJECTED = "rejected", _("rejected (未通过)")
    EXITED = "exited", _("exited (已退出)")


class ExitKind(models.TextChoices):
    VOLUNTARY = "voluntary", _("voluntary (主动退出)")
    FORCED = "forced", _("forced (强制退出)")


class Provider(TimeStampedModel):
    name = models.CharField(_("name"), max_length=120)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    kind = models.CharField(_("type"), max_length=20, choices=ProviderKind.choices)
    # The district the provider is registered in: officials of that subtree supervise it.
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("region")
    )
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    legal_representative = models.CharField(_("legal representative"), max_length=40, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=40, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    service_areas = models.ManyToManyField(
        "regions.Region", blank=True, related_name="+", verbose_name=_("service areas")
    )
    state = models.CharField(
        _("admission state"), max_length=10, choices=ProviderState.choices, default=ProviderState.APPLIED
    )
    decision_note = models.CharField(_("reasons of the decision"), max_length=300, blank=True)
    exit_kind = models.CharField(_("exit"), max_length=10, choices=ExitKind.choices, blank=True)
    exit_reason = models.CharField(_("reason for exit"), max_length=300, blank=True)
    exited_on = models.DateField(_("exited on"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("provider")
        verbose_name_plural = _("providers")

    def __str__(self) -> str:
        return self.name


class LicenceKind(models.TextChoices):
    BUSINESS = "business", _("business licence (营业执照)")
    CARE_INSTITUTION = "care_institution", _("care institution filing (养老机构备案)")
    FOOD = "food", _("food business licence (食品经营许可证)")
    MEDICAL = "medical", _("medical institution licence (医疗机构执业许可证)")
    OTHER = "other", _("other")


class Licence(models.Model):
    """A licence or filing the provider holds; admission needs a valid business licence."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="licences")
    kind = models.CharField(_("kind"), max_length=20, choices=LicenceKind.choices)
    number = models.CharField(_("number"), max_length=60)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    expires_on = models.DateField(_("expires on"), null=True, blank=True, help_text=_("Empty: long-term."))

    class Meta:
        ordering = ["provider", "kind", "expires_on"]
        verbose_name = _("licence")
        verbose_name_plural = _("licences")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"

    def is_valid_on(self, day: dt.date) -> bool:
        return self.expires_on is None or self.expires_on >= day


class ContractState(models.TextChoices):
    ACTIVE = "active", _("active")
    ENDED = "ended", _("ended")
    TERMINATED = "terminated", _("terminated")


class Contract(TimeStampedModel):
    """A designated-provider agreement (定点服务协议) for given areas and services over given dates."""

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="contracts")
    number = models.CharField(_("contract number"), max_length=40)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    areas = models.ManyToManyField("regions.Region", related_name="+", verbose_name=_("areas"))
    # Catalogue item codes (catalog.ServiceItem.code) the provider is designated for.
    services = models.JSONField(_("services"), default=list)
    state = models.CharField(
        _("state"), max_length=12, choices=ContractState.choices, default=ContractState.ACTIVE
    )
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["provider", "-starts_on"]
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")

    def __str__(self) -> str:
        return self.number

    def is_in_force_on(self, day: dt.date) -> bool:
        return self.state == ContractState.ACTIVE and self.starts_on <= day <= self.ends_on


class Price(models.Model):
    """A provider's own price (自主定价) for a catalogue item from a date on.

    A change adds a row and closes the previous one the day before; rows are never edited, so the price of
    any past order can be looked up as it was (``prices.price_on``).
    """

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="prices")
    item = models.ForeignKey("catalog.ServiceItem", on_delete=models.PROTECT, related_name="+")
    price_fen = models.PositiveIntegerField(_("price (fen)"))
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    set_at = models.DateTimeField(_("set at"), auto_now_add=True)

    class Meta:
        ordering = ["provider", "item", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "item", "effective_from"], name="one_price_per_day")
        ]
        verbose_name = _("price")
        verbose_name_plural = _("prices")

    def __str__(self) -> str:
        return f"{self.item_id} {self.price_fen} from {self.effective_from}"

    @staticmethod
    def in_force_on(day: dt.date) -> models.Q:
        """The rows whose period contains ``day``."""
        return models.Q(effective_from__lte=day) & (
            models.Q(effective_to__isnull=True) | models.Q(effective_to__gte=day)
        )


# --- Staff (护理员及其他从业人员), their certificates and training -------------------------------------


class StaffJob(models.TextChoices):
    CAREGIVER = "caregiver", _("caregiver (护理员)")
    NURSE = "nurse", _("nurse (护士)")
    DOCTOR = "doctor", _("doctor (医生)")
    THERAPIST = "therapist", _("rehabilitation therapist (康复治疗师)")
    COOK = "cook", _("cook (厨师)")
    CLEANER = "cleaner", _("cleaner (保洁员)")
    SOCIAL_WORKER = "social_worker", _("social worker (社工)")
    OTHER = "other", _("other")


class StaffMember(TimeStampedModel):
    """A worker of a provider. ``skills`` holds catalogue item codes (catalog.ServiceItem.code) they may do;
    ``weekly_shifts`` maps weekday keys ``mon``..``sun`` to lists of ``["HH:MM", "HH:MM"]`` ranges."""

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="staff")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="staff_member",
        verbose_name=_("login account"),
    )
    name = models.CharField(_("name"), max_length=40)
    id_number = models.CharField(_("ID number"), max_length=18, unique=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    photo = models.FileField(_("photo"), upload_to="staff/", blank=True)
    job = models.CharField(_("job"), max_length=16, choices=StaffJob.choices, default=StaffJob.CAREGIVER)
    skills = models.JSONField(_("skills"), default=list, blank=True)
    weekly_shifts = models.JSONField(_("weekly shifts"), default=dict, blank=True)
    home_lat = models.FloatField(_("home latitude"), null=True, blank=True)
    home_lon = models.FloatField(_("home longitude"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["provider", "name", "id"]
        verbose_name = _("staff member")
        verbose_name_plural = _("staff members")

    def __str__(self) -> str:
        return self.name


class StaffCertificateKind(models.TextChoices):
    """The catalogue's ``Certificate`` values other than ``none`` (kept equal so eligibility can compare)."""

    ELDER_CAREGIVER = "elder_caregiver", _("elderly caregiver (养老护理员)")
    HEALTH_CERTIFICATE = "health_certificate", _("health certificate (健康证)")
    NURSE_LICENCE = "nurse_licence", _("nurse licence (护士执业证书)")
    DOCTOR_LICENCE = "doctor_licence", _("doctor licence (医师执业证书)")
    THERAPIST = "therapist", _("rehabilitation therapist (康复治疗师)")


class StaffCertificate(TimeStampedModel):
    staff = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="certificates")
    kind = models.CharField(_("certificate"), max_length=20, choices=StaffCertificateKind.choices)
    number = models.CharField(_("certificate number"), max_length=40)
    # For 养老护理员: 初级, 中级, 高级, 技师, 高级技师.
    level = models.CharField(_("level"), max_length=20, blank=True)
    issued_on = models.DateField(_("issued on"))
    # Null: long-term (长期有效).
    expires_on = models.DateField(_("expires on"), null=True, blank=True)

    class Meta:
        ordering = ["staff", "kind", "-issued_on"]
        verbose_name = _("staff certificate")
        verbose_name_plural = _("staff certificates")

    def __str__(self) -> str:
        return f"{self.kind} {self.number}"

    def is_valid_on(self, day: dt.date) -> bool:
        return self.issued_on <= day and (self.expires_on is None or day <= self.expires_on)


class TrainingRecord(TimeStampedModel):
    staff = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="trainings")
    title = models.CharField(_("title"), max_length=120)
    trained_on = models.DateField(_("trained on"))
    hours = models.DecimalField(_("hours"), max_digits=4, decimal_places=1)
    organiser = models.CharField(_("organiser"), max_length=120, blank=True)

    class Meta:
        ordering = ["staff", "-trained_on"]
        verbose_name = _("training record")
        verbose_name_plural = _("training records")

    def __str__(self) -> str:
        return self.title


class EvaluationScheme(models.Model):
    """How the monthly provider score is made, held as data: the weight of each component and the lowest
    score of each star grade. The scheme in force on the first day of a month scores that month."""

    name = models.CharField(_("name"), max_length=80)
    effective_from = models.DateField(_("effective from"), unique=True)
    # {"rating": 30, "complaints": 20, "on_time": 20, "verification": 20, "inspection": 10}
    weights = models.JSONField(_("weights"))
    # [[90, 5], [80, 4], [70, 3], [60, 2], [0, 1]]: the lowest total of each star grade.
    star_bands = models.JSONField(_("star grades"))

    class Meta:
        ordering = ["-effective_from"]
        verbose_name = _("evaluation scheme")
        verbose_name_plural = _("evaluation schemes")

    def __str__(self) -> str:
        return self.name


class InspectionResult(models.TextChoices):
    PASSED = "passed", _("passed (合格)")
    MINOR = "minor", _("minor findings (轻微问题)")
    MAJOR = "major", _("major findings (严重问题)")


class Inspection(TimeStampedModel):
    """An official's inspection (监督检查) of a provider, with findings and a rectification deadline."""

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="inspections")
    inspected_on = models.DateField(_("inspected on"))
    result = models.CharField(_("result"), max_length=8, choices=InspectionResult.choices)
    findings = models.TextField(_("findings"), blank=True)
    rectify_by = models.DateField(_("rectify by"), null=True, blank=True)
    rectified_on = models.DateField(_("rectified on"), null=True, blank=True)
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["provider", "-inspected_on"]
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")

    def __str__(self) -> str:
        return f"{self.provider_id} {self.inspected_on} {self.result}"


class ProviderScore(models.Model):
    """A provider's score for one month, with every component, so the score page can show how it was made."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="scores")
    month = models.DateField(_("month"))
    scheme = models.ForeignKey(EvaluationScheme, on_delete=models.PROTECT, related_name="+")
    # {"rating": {"value": 4.6, "score": 90.0, "weight": 30, "count": 52}, "complaints": {... "score": null}}
    components = models.JSONField(_("components"))
    total = models.DecimalField(_("score"), max_digits=5, decimal_places=1, null=True, blank=True)
    stars = models.PositiveSmallIntegerField(_("stars"), null=True, blank=True)
    computed_at = models.DateTimeField(_("computed at"), auto_now=True)

    class Meta:
        ordering = ["provider", "-month"]
        constraints = [models.UniqueConstraint(fields=["provider", "month"], name="one_score_per_month")]
        verbose_name = _("provider score")
        verbose_name_plural = _("provider scores")

    def __str__(self) -> str:
        return f"{self.provider_id} {self.month:%Y-%m} {self.total}"

    @property
    def star_text(self) -> str:
        return "★" * (self.stars or 0)


class ListKind(models.TextChoices):
    RED = "red", _("red list (红名单)")
    BLACK = "black", _("black list (黑名单)")


class ListEntry(TimeStampedModel):
    """A provider on the red list (commended) or the black list (barred from new orders) for a period."""

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="list_entries")
    kind = models.CharField(_("list"), max_length=5, choices=ListKind.choices)
    reason = models.CharField(_("reason"), max_length=300)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"), null=True, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["provider", "-starts_on"]
        verbose_name = _("list entry")
        verbose_name_plural = _("list entries")

    def __str__(self) -> str:
        return f"{self.provider_id} {self.kind} {self.starts_on}"

    def is_in_force_on(self, day: dt.date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)
