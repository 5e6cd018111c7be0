"""Health records (医养结合): each elder's health summary and conditions, vitals with their thresholds and
the care tasks an out-of-range reading opens, the health systems that read us over FHIR, and what a pull
from the regional health platform changed.

``community`` is copied onto readings and care tasks from the elder when they are made, so region scope
and the lists read one indexed column (as ``alarms.Incident`` and ``visits.VisitTask`` do).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shouwang.core.models import TimeStampedModel


class ConditionCode(models.Model):
    """One ICD-10 category with its Chinese name (the curated table in ``codes.CONDITION_CODES``)."""

    code = models.CharField(_("ICD-10 code"), max_length=8, primary_key=True)
    name = models.CharField(_("name"), max_length=60)
    name_en = models.CharField(_("English name"), max_length=120)

    class Meta:
        ordering = ["code"]
        verbose_name = _("condition code")
        verbose_name_plural = _("condition codes")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ContractStatus(models.TextChoices):
    """The family-doctor contract (家庭医生签约)."""

    NONE = "none", _("no contract")
    ACTIVE = "active", _("contracted (已签约)")
    ENDED = "ended", _("contract ended")


class HealthSummary(TimeStampedModel):
    """What the operator and the caregiver need to know about an elder's health, one row per elder."""

    elder = models.OneToOneField("elders.Elder", on_delete=models.CASCADE, related_name="health_summary")
    allergies = models.CharField(_("allergies"), max_length=300, blank=True)
    medications = models.CharField(_("medications"), max_length=500, blank=True)
    contract_status = models.CharField(
        _("family-doctor contract"), max_length=8, choices=ContractStatus.choices, default=ContractStatus.NONE
    )
    family_doctor = models.CharField(_("family doctor"), max_length=40, blank=True)
    family_doctor_team = models.CharField(_("family-doctor team or clinic"), max_length=80, blank=True)
    family_doctor_phone = models.CharField(_("family doctor's phone"), max_length=20, blank=True)
    contract_start = models.DateField(_("contract from"), null=True, blank=True)
    contract_end = models.DateField(_("contract until"), null=True, blank=True)
    hospital = models.CharField(_("hospital of choice"), max_length=80, blank=True)
    # The elder's Patient id on the regional health platform; set, the pull keeps this row up to date.
    platform_patient_id = models.CharField(_("patient id on the health platform"), max_length=64, blank=True)
    pulled_at = models.DateTimeField(_("last pulled at"), null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(contract_end__isnull=True)
                | Q(contract_start__isnull=True)
                | Q(contract_end__gte=models.F("contract_start")),
                name="health_contract_ends_after_start",
            )
        ]
        verbose_name = _("health summary")
        verbose_name_plural = _("health summaries")

    def __str__(self) -> str:
        return f"health {self.elder_id}"


class ConditionSource(models.TextChoices):
    REGISTRY = "registry", _("the registry")
    CONSOLE = "console", _("entered in the console")
    PLATFORM = "platform", _("the regional health platform")


class ElderCondition(TimeStampedModel):
    """A chronic condition of an elder: an ICD-10 category, or (carried over from the registry's free text
    without a match) only its name."""

    elder = models.ForeignKey("elders.Elder", on_delete=models.CASCADE, related_name="conditions")
    code = models.ForeignKey(
        ConditionCode,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("code"),
    )
    name = models.CharField(_("name"), max_length=60)
    noted_on = models.DateField(_("noted on"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=ConditionSource.choices)

    class Meta:
        ordering = ["elder", "code", "name"]
        constraints = [
            models.UniqueConstraint(fields=["elder", "code"], name="one_condition_per_code"),
            models.UniqueConstraint(
                fields=["elder", "name"],
                condition=Q(code__isnull=True),
                name="one_uncoded_condition_per_name",
            ),
        ]
        verbose_name = _("condition")
        verbose_name_plural = _("conditions")

    def __str__(self) -> str:
        return f"{self.code_id or ''} {self.name}".strip()


class VitalKind(models.TextChoices):
    BLOOD_PRESSURE = "blood_pressure", _("blood pressure")
    HEART_RATE = "heart_rate", _("heart rate")
    BLOOD_GLUCOSE = "blood_glucose", _("blood glucose")
    SPO2 = "spo2", _("blood oxygen (SpO₂)")
    TEMPERATURE = "temperature", _("temperature")
    WEIGHT = "weight", _("weight")


class VitalSource(models.TextChoices):
    DEVICE = "device", _("device")
    VISIT = "visit", _("caregiver on a visit")
    API = "api", _("API")


class Level(models.TextChoices):
    """How a reading compares with the elder's thresholds."""

    NORMAL = "normal", _("in range")
    OUT_OF_RANGE = "out_of_range", _("out of range")
    URGENT = "urgent", _("urgent")


class Vital(models.Model):
    """One reading. Blood pressure keeps systolic in ``value`` and diastolic in ``second_value``. A device's
    reading points at its ``alarms.DeviceEvent``, unique, so a redelivered event adds no reading."""

    elder = models.ForeignKey("elders.Elder", on_delete=models.CASCADE, related_name="vitals")
    community = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    kind = models.CharField(_("kind"), max_length=16, choices=VitalKind.choices)
    value = models.FloatField(_("value"))
    second_value = models.FloatField(_("second value"), null=True, blank=True)
    measured_at = models.DateTimeField(_("measured at"))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True, db_index=True)
    source = models.CharField(_("source"), max_length=8, choices=VitalSource.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    device_event = models.OneToOneField(
        "alarms.DeviceEvent", null=True, blank=True, on_delete=models.SET_NULL, related_name="vital"
    )
    level = models.CharField(_("level"), max_length=12, choices=Level.choices, default=Level.NORMAL)

    class Meta:
        ordering = ["-measured_at", "-id"]
        indexes = [
            models.Index(fields=["elder", "kind", "measured_at"]),
            models.Index(fields=["community", "measured_at"]),
        ]
        verbose_name = _("vital sign")
        verbose_name_plural = _("vital signs")

    def __str__(self) -> str:
        return f"{self.elder_id} {self.kind} {self.value}"


class VitalThreshold(TimeStampedModel):
    """An elder's own thresholds for one measure (``codes.MEASURES``); without a row the defaults apply."""

    elder = models.ForeignKey("elders.Elder", on_delete=models.CASCADE, related_name="vital_thresholds")
    measure = models.CharField(_("measure"), max_length=16)
    low = models.FloatField(_("low"), null=True, blank=True)
    high = models.FloatField(_("high"), null=True, blank=True)
    urgent_low = models.FloatField(_("urgent below"), null=True, blank=True)
    urgent_high = models.FloatField(_("urgent above"), null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["elder", "measure"], name="one_threshold_per_measure")]
        verbose_name = _("vital threshold")
        verbose_name_plural = _("vital thresholds")

    def __str__(self) -> str:
        return f"{self.elder_id} {self.measure}"


class CareTaskState(models.TextChoices):
    OPEN = "open", _("to do (待跟进)")
    DONE = "done", _("done (已跟进)")


class CareTask(TimeStampedModel):
    """A follow-up an out-of-range reading opened for the community: call or see the elder. One open task
    per elder and kind of vital; later out-of-range readings of that kind join it (``readings``)."""

    elder = models.ForeignKey("elders.Elder", on_delete=models.CASCADE, related_name="care_tasks")
    community = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    kind = models.CharField(_("kind"), max_length=16, choices=VitalKind.choices)
    vital = models.ForeignKey(Vital, on_delete=models.PROTECT, related_name="+", verbose_name=_("reading"))
    readings = models.PositiveIntegerField(_("out-of-range readings"), default=1)
    due_on = models.DateField(_("due on"))
    state = models.CharField(
        _("state"), max_length=8, choices=CareTaskState.choices, default=CareTaskState.OPEN, db_index=True
    )
    incident = models.ForeignKey(
        "alarms.Incident", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(_("what was done"), max_length=300, blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["state", "due_on", "id"]
        indexes = [models.Index(fields=["community", "state", "due_on"])]
        constraints = [
            models.UniqueConstraint(
                fields=["elder", "kind"], condition=Q(state="open"), name="one_open_care_task_per_kind"
            )
        ]
        verbose_name = _("care task")
        verbose_name_plural = _("care tasks")

    def __str__(self) -> str:
        return f"{self.elder_id} {self.kind} {self.state}"


class HealthClient(TimeStampedModel):
    """A health system that reads us over FHIR (a hospital, the regional platform): its bearer token (kept
    as a SHA-256 hash, shown once), the region it may read, and whether it may see ID numbers."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    may_read_id_numbers = models.BooleanField(_("may read ID numbers"), default=False)
    active = models.BooleanField(_("active"), default=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("health-system client")
        verbose_name_plural = _("health-system clients")

    def __str__(self) -> str:
        return self.name


class HealthChange(models.Model):
    """One value the pull from the regional health platform changed: rows are only ever inserted."""

    elder = models.ForeignKey("elders.Elder", on_delete=models.CASCADE, related_name="health_changes")
    field = models.CharField(_("field"), max_length=30)
    before = models.CharField(_("before"), max_length=300, blank=True)
    after = models.CharField(_("after"), max_length=300, blank=True)
    at = models.DateTimeField(_("changed at"), db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("health record change")
        verbose_name_plural = _("health record changes")

    def __str__(self) -> str:
        return f"{self.elder_id} {self.field}"
