"""A provider's route plan for one day: who visits whom, in which order and when; and what could not
be placed, with the reason. A plan is a draft until the dispatcher publishes it; a re-plan is a new plan
that replaces the day's current one (the old one is kept, superseded)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shouwang.core.models import TimeStampedModel


class PlanState(models.TextChoices):
    DRAFT = "draft", _("draft")
    PUBLISHED = "published", _("published")
    SUPERSEDED = "superseded", _("superseded")


class RoutePlan(TimeStampedModel):
    provider = models.ForeignKey("providers.Provider", on_delete=models.PROTECT, related_name="route_plans")
    day = models.DateField(_("day"), db_index=True)
    state = models.CharField(_("state"), max_length=12, choices=PlanState.choices, default=PlanState.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    replaces = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.CharField(_("reason for re-planning"), max_length=200, blank=True)
    travel_minutes = models.FloatField(_("travel (minutes)"), default=0)

    class Meta:
        ordering = ["-day", "-pk"]
        verbose_name = _("route plan")
        verbose_name_plural = _("route plans")

    def __str__(self) -> str:
        return f"{self.provider_id} {self.day:%Y-%m-%d} #{self.pk}"


class PlannedStop(models.Model):
    plan = models.ForeignKey(RoutePlan, on_delete=models.CASCADE, related_name="stops")
    caregiver = models.ForeignKey("providers.StaffMember", on_delete=models.PROTECT, related_name="+")
    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="planned_stops")
    position = models.PositiveSmallIntegerField(_("position"))
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    double = models.BooleanField(_("with a second caregiver"), default=False)

    class Meta:
        ordering = ["caregiver_id", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "caregiver", "position"], name="routes_one_stop_a_position"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan_id}/{self.caregiver_id}/{self.position}"


class UnplannedReason(models.TextChoices):
    NO_QUALIFIED = "no_qualified", _("no caregiver has the skills")
    NO_SHIFT = "no_shift", _("outside every qualified caregiver's shift")
    NO_PAIR = "no_pair", _("no two qualified caregivers free at the same time")
    NO_ROOM = "no_room", _("no room in any qualified caregiver's day")
    NO_PLACE = "no_place", _("the address has no coordinates")


class UnplannedVisit(models.Model):
    plan = models.ForeignKey(RoutePlan, on_delete=models.CASCADE, related_name="unplanned")
    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("why not planned"), max_length=16, choices=UnplannedReason.choices)

    def __str__(self) -> str:
        return f"{self.plan_id}/{self.order_id}: {self.reason}"
