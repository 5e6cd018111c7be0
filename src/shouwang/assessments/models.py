"""Ability assessments (GB/T 42195-2022, 老年人能力评估规范) and the care plans recommended from them.

An assessment is a form two assessors fill in together: the Appendix-A facts (informant, living
arrangement, diagnoses, special care, risk events) and 26 item scores. ``scoring`` turns the scores into
dimension scores, a total, a level and the adjustment rules that fired; the workflow keeps those with the
form so a report always shows what was decided and why.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shouwang.core.models import TimeStampedModel

GBT_42195 = "GB/T 42195-2022"
MZT_039 = "MZ/T 039-2013"


class Reason(models.TextChoices):
    FIRST = "first", _("first assessment (首次)")
    ROUTINE = "routine", _("routine re-assessment (常规)")
    CHANGE = "change", _("change of condition (即时)")
    DISPUTE = "dispute", _("re-assessment after a dispute (复评)")
    OTHER = "other", _("other (其他)")


class State(models.TextChoices):
    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("submitted for review")
    APPROVED = "approved", _("approved")
    RETURNED = "returned", _("returned for correction")
    DISCARDED = "discarded", _("discarded")


class Standard(models.TextChoices):
    GBT_42195 = GBT_42195, "GB/T 42195-2022"
    MZT_039 = MZT_039, _("MZ/T 039-2013 (legacy, level only)")


class Assessment(TimeStampedModel):
    elder = models.ForeignKey("elders.Elder", on_delete=models.PROTECT, related_name="assessments")
    standard = models.CharField(_("standard"), max_length=20, choices=Standard.choices, default=GBT_42195)
    reason = models.CharField(_("reason"), max_length=10, choices=Reason.choices, default=Reason.FIRST)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT)
    assessed_on = models.DateField(_("assessed on"))
    assessor_1 = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("assessor"),
    )
    assessor_2 = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("second assessor"),
    )
    informant_name = models.CharField(_("informant"), max_length=40, blank=True)
    informant_relation = models.CharField(_("informant's relation"), max_length=20, blank=True)
    living_arrangement = models.CharField(_("living arrangement"), max_length=20, blank=True)
    # [{"code": "F03", "name": "痴呆"}]: ICD-10 codes decide the mental-diagnosis adjustment.
    diagnoses = models.JSONField(_("diagnoses"), default=list, blank=True)
    special_care = models.JSONField(_("special care"), default=list, blank=True)
    risk_events = models.JSONField(_("risk events in the last 30 days"), default=dict, blank=True)
    coma = models.BooleanField(_("coma"), default=False)
    items = models.JSONField(_("item scores"), default=dict, blank=True)
    # The result, kept with the form: what scoring said when the assessment was submitted.
    dimension_scores = models.JSONField(_("dimension scores"), default=dict, blank=True)
    total = models.PositiveSmallIntegerField(_("total"), null=True, blank=True)
    initial_level = models.PositiveSmallIntegerField(_("initial level"), null=True, blank=True)
    final_level = models.PositiveSmallIntegerField(_("level"), null=True, blank=True)
    adjustments = models.JSONField(_("adjustments"), default=list, blank=True)
    cumulative_adjustments = models.BooleanField(default=False)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    return_reason = models.CharField(_("reason for return"), max_length=300, blank=True)
    discard_reason = models.CharField(_("reason for discarding"), max_length=300, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    disputed = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("disputed result"),
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["-assessed_on", "-id"]
        indexes = [models.Index(fields=["elder", "state"])]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")

    def __str__(self) -> str:
        return f"{self.elder} {self.assessed_on} {self.get_state_display()}"


class Frequency(models.TextChoices):
    DAILY = "day", _("per day")
    WEEKLY = "week", _("per week")
    MONTHLY = "month", _("per month")


class CareRule(models.Model):
    """One recommendation rule of the care plan, held as data: when an elder matches, recommend ``items``.

    Conditions left empty match everyone: ``min_level``/``max_level`` bound the ability level,
    ``living_arrangements`` and ``categories`` match if the elder has any of them, ``needs`` if the worker
    noted any of those stated needs. ``items`` is a list of ``{"service", "times", "per"}``.
    """

    name = models.CharField(_("name"), max_length=80)
    min_level = models.PositiveSmallIntegerField(_("from level"), default=0)
    max_level = models.PositiveSmallIntegerField(_("to level"), default=4)
    living_arrangements = models.JSONField(_("living arrangements"), default=list, blank=True)
    categories = models.JSONField(_("categories"), default=list, blank=True)
    needs = models.JSONField(_("stated needs"), default=list, blank=True)
    items = models.JSONField(_("services"), default=list)
    explanation = models.CharField(_("why"), max_length=200)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["-min_level", "name"]
        verbose_name = _("care-plan rule")
        verbose_name_plural = _("care-plan rules")

    def __str__(self) -> str:
        return self.name


class PlanState(models.TextChoices):
    DRAFT = "draft", _("draft")
    APPROVED = "approved", _("approved")
    SUPERSEDED = "superseded", _("superseded")


class CarePlan(TimeStampedModel):
    """The service package for an elder; the approved plan is what recurring orders are made from."""

    elder = models.ForeignKey("elders.Elder", on_delete=models.PROTECT, related_name="care_plans")
    assessment = models.ForeignKey(
        Assessment, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField(_("state"), max_length=10, choices=PlanState.choices, default=PlanState.DRAFT)
    needs = models.JSONField(_("stated needs"), default=list, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("care plan")
        verbose_name_plural = _("care plans")

    def __str__(self) -> str:
        return f"{self.elder} {self.get_state_display()}"


class CarePlanItem(models.Model):
    plan = models.ForeignKey(CarePlan, on_delete=models.CASCADE, related_name="items")
    service = models.CharField(_("service"), max_length=30)
    times = models.PositiveSmallIntegerField(_("times"))
    per = models.CharField(_("per"), max_length=5, choices=Frequency.choices)
    rule = models.ForeignKey(CareRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    why = models.CharField(_("why"), max_length=300, blank=True)

    class Meta:
        ordering = ["plan", "service"]
        constraints = [models.UniqueConstraint(fields=["plan", "service"], name="one_line_per_service")]

    def __str__(self) -> str:
        return f"{self.service} × {self.times}/{self.per}"
