"""Supervision across the sectors (双随机、一公开): inspection plans whose targets and inspectors are drawn at
random from recorded pools with a recorded seed, inspections with findings, and each finding's
rectification followed to the end — the operator's response with evidence, re-inspection, closed, or
escalated (the operator on the providers' black list, a childcare institution suspended).

Targets are providers, facilities and childcare institutions (``TargetKind``): one inspection names its
target by kind and id and keeps the target's name, region and operator, so scope and the public results
read one table whatever the sector. A provider's inspection is also written to ``providers.Inspection``
when its results are published, which the provider's monthly score reads (decision 0025).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shouwang.core.models import TimeStampedModel


class TargetKind(models.TextChoices):
    PROVIDER = "provider", _("service provider")
    FACILITY = "facility", _("care facility")
    CHILDCARE = "childcare", _("childcare institution")


class PlanState(models.TextChoices):
    DRAWN = "drawn", _("drawn (已抽取)")
    PUBLISHED = "published", _("results published (已公开)")


class InspectionPlan(TimeStampedModel):
    """An inspection round: a sample of targets of one kind in a region, each with inspectors drawn at
    random. The pools and the seed are recorded, so anyone can redraw and get the same sample."""

    title = models.CharField(_("title"), max_length=120)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    target_kind = models.CharField(_("targets"), max_length=10, choices=TargetKind.choices)
    sample_size = models.PositiveSmallIntegerField(_("targets drawn"))
    inspectors_per_target = models.PositiveSmallIntegerField(_("inspectors per target"), default=2)
    seed = models.BigIntegerField(_("random seed"))
    target_pool = models.JSONField(_("target pool"), default=list)  # ids, ascending, at the draw
    inspector_pool = models.JSONField(_("inspector pool"), default=list)  # user ids, ascending
    state = models.CharField(_("state"), max_length=10, choices=PlanState.choices, default=PlanState.DRAWN)
    due_on = models.DateField(_("inspections due by"))
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("inspection plan")
        verbose_name_plural = _("inspection plans")

    def __str__(self) -> str:
        return self.title


class InspectionState(models.TextChoices):
    PLANNED = "planned", _("planned")
    DONE = "done", _("inspected")
    PUBLISHED = "published", _("published")


class Inspection(TimeStampedModel):
    plan = models.ForeignKey(InspectionPlan, on_delete=models.PROTECT, related_name="inspections")
    target_kind = models.CharField(_("target kind"), max_length=10, choices=TargetKind.choices)
    target_id = models.BigIntegerField(_("target"))
    target_name = models.CharField(_("target name"), max_length=120)
    # Whose it is, for scope: the target's community (or, for a provider, its registered district) and
    # its operator (the provider running a facility); a childcare institution has no provider.
    region_code = models.CharField(_("region"), max_length=12, db_index=True)
    provider_id = models.BigIntegerField(_("operator"), null=True, blank=True, db_index=True)
    inspectors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="+", verbose_name=_("inspectors")
    )
    state = models.CharField(
        _("state"), max_length=10, choices=InspectionState.choices, default=InspectionState.PLANNED
    )
    inspected_on = models.DateField(_("inspected on"), null=True, blank=True)
    summary = models.CharField(_("summary"), max_length=300, blank=True)

    class Meta:
        ordering = ["plan", "target_name", "id"]
        indexes = [models.Index(fields=["target_kind", "target_id"])]
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")

    def __str__(self) -> str:
        return f"{self.target_name} ({self.plan_id})"


class Severity(models.TextChoices):
    MINOR = "minor", _("minor (一般)")
    MAJOR = "major", _("major (较重)")
    CRITICAL = "critical", _("critical (严重)")


class FindingState(models.TextChoices):
    OPEN = "open", _("awaiting rectification (待整改)")
    RESPONDED = "responded", _("rectification reported (已报整改)")
    CLOSED = "closed", _("closed (已销号)")
    ESCALATED = "escalated", _("escalated (已升级处理)")


class Finding(TimeStampedModel):
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="findings")
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    description = models.CharField(_("finding"), max_length=300)
    rectify_by = models.DateField(_("rectify by"))
    state = models.CharField(
        _("state"), max_length=10, choices=FindingState.choices, default=FindingState.OPEN
    )
    response = models.CharField(_("operator's response"), max_length=500, blank=True)
    evidence = models.JSONField(_("evidence"), default=list, blank=True)  # short descriptions or file numbers
    responded_at = models.DateTimeField(_("responded at"), null=True, blank=True)
    reinspected_on = models.DateField(_("re-inspected on"), null=True, blank=True)
    reinspection_note = models.CharField(_("re-inspection"), max_length=300, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    escalation_note = models.CharField(_("escalation"), max_length=300, blank=True)

    class Meta:
        ordering = ["inspection", "rectify_by", "id"]
        indexes = [models.Index(fields=["state", "rectify_by"])]
        verbose_name = _("finding")
        verbose_name_plural = _("findings")

    def __str__(self) -> str:
        return self.description
