"""Pilot programmes (试点): a street or district applies with goals and indicators; the level above reviews
it; an approved programme is published (公示) for an objection period; then it is implemented with
milestones and reported indicator values; and finally accepted (验收) with a score and documents.

Every move and every event on the way is one ``PilotEvent`` row (only inserted), so a programme's page
shows its whole history; ``states.advance`` is the one function that moves a programme.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shouwang.core.models import TimeStampedModel


class PilotState(models.TextChoices):
    APPLIED = "applied", _("applied (申报)")
    NOTICE = "notice", _("public notice (公示中)")
    IMPLEMENTING = "implementing", _("implementing (实施中)")
    ACCEPTANCE = "acceptance", _("awaiting acceptance (待验收)")
    ACCEPTED = "accepted", _("accepted (已验收)")
    FAILED = "failed", _("failed acceptance (验收不合格)")
    REJECTED = "rejected", _("rejected (未通过)")
    WITHDRAWN = "withdrawn", _("withdrawn (已撤回)")


class Pilot(TimeStampedModel):
    title = models.CharField(_("title"), max_length=120)
    # The street or district that applies and carries the programme out.
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("region")
    )
    goals = models.TextField(_("goals"))
    state = models.CharField(
        _("state"), max_length=12, choices=PilotState.choices, default=PilotState.APPLIED
    )
    objection_days = models.PositiveSmallIntegerField(_("objection period (days)"), default=7)
    notice_from = models.DateField(_("public notice from"), null=True, blank=True)
    notice_until = models.DateField(_("objections until"), null=True, blank=True)
    score = models.DecimalField(_("acceptance score"), max_digits=4, decimal_places=1, null=True, blank=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("pilot programme")
        verbose_name_plural = _("pilot programmes")

    def __str__(self) -> str:
        return self.title


class Indicator(models.Model):
    """One of a programme's own indicators, with its target; values are reported during implementation."""

    pilot = models.ForeignKey(Pilot, on_delete=models.CASCADE, related_name="indicators")
    name = models.CharField(_("indicator"), max_length=120)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    baseline = models.DecimalField(_("baseline"), max_digits=12, decimal_places=2, null=True, blank=True)
    target = models.DecimalField(_("target"), max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["pilot", "id"]
        verbose_name = _("pilot indicator")
        verbose_name_plural = _("pilot indicators")

    def __str__(self) -> str:
        return self.name


class IndicatorReport(models.Model):
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="reports")
    period = models.DateField(_("as of"))
    value = models.DecimalField(_("value"), max_digits=12, decimal_places=2)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reported_at = models.DateTimeField(_("reported at"), auto_now_add=True)

    class Meta:
        ordering = ["indicator", "period", "id"]
        verbose_name = _("indicator report")
        verbose_name_plural = _("indicator reports")

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.period} {self.value}"


class Milestone(models.Model):
    pilot = models.ForeignKey(Pilot, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("milestone"), max_length=120)
    due_on = models.DateField(_("due on"))
    done_on = models.DateField(_("done on"), null=True, blank=True)

    class Meta:
        ordering = ["pilot", "due_on", "id"]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")

    def __str__(self) -> str:
        return self.title


class Document(models.Model):
    """A document of the programme (an acceptance report, an expert opinion...), by title and file number
    (文号); the paper itself is kept in the bureau's archive."""

    pilot = models.ForeignKey(Pilot, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(_("title"), max_length=120)
    number = models.CharField(_("document number"), max_length=60, blank=True)
    stage = models.CharField(_("stage"), max_length=12, choices=PilotState.choices)
    added_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        ordering = ["pilot", "added_at", "id"]
        verbose_name = _("pilot document")
        verbose_name_plural = _("pilot documents")

    def __str__(self) -> str:
        return self.title


class EventKind(models.TextChoices):
    MOVE = "move", _("state change")
    OBJECTION = "objection", _("objection")
    MILESTONE = "milestone", _("milestone")
    REPORT = "report", _("indicator reported")
    DOCUMENT = "document", _("document")


class PilotEvent(models.Model):
    """One step of a programme's history: who, when, what. Only ever inserted."""

    pilot = models.ForeignKey(Pilot, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=10, choices=EventKind.choices)
    from_state = models.CharField(_("from"), max_length=12, choices=PilotState.choices, blank=True)
    to_state = models.CharField(_("to"), max_length=12, choices=PilotState.choices)
    at = models.DateTimeField(_("time"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(_("by"), max_length=150, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["pilot", "at", "id"]
        verbose_name = _("pilot event")
        verbose_name_plural = _("pilot events")

    def __str__(self) -> str:
        return f"{self.kind} {self.from_state}→{self.to_state}"
