"""Care facilities (养老服务设施): where care is given, who lives there, meals served at meal points.

A facility is a place on the map run by an operator (a ``providers.Provider``). Its ``sector`` says which
side of "一老一小" it serves: only elderly care is registered here. Childcare institutions (托育) have their
own filing, places by age group and account (the ``childcare`` app) and join the service circle's map and
table through ``circle.register_sector`` (decision 0025).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shouwang.core.models import TimeStampedModel


class Sector(models.TextChoices):
    ELDERLY = "elderly", _("elderly care (养老)")


class FacilityKind(models.TextChoices):
    DAY_CARE = "day_care", _("day-care centre (日间照料中心)")
    SERVICE_CENTRE = (
        "service_centre",
        _("community elderly-care service centre or station (社区养老服务中心/站)"),
    )
    RURAL_HOME = "rural_home", _("rural happiness home (农村幸福院)")
    MEAL_POINT = "meal_point", _("elderly canteen or meal point (老年食堂/助餐点)")
    EMBEDDED = "embedded", _("embedded small institution (嵌入式小微养老机构)")
    INSTITUTION = "institution", _("care institution (养老机构)")


# Kinds that take residents (beds), and the community kinds a 15-minute circle is drawn around.
RESIDENTIAL_KINDS = (FacilityKind.EMBEDDED, FacilityKind.INSTITUTION)
SECTOR_OF_KIND = {kind: Sector.ELDERLY for kind in FacilityKind}


class Ownership(models.TextChoices):
    PUBLIC = "public", _("public (公办)")
    PRIVATE = "private", _("private (民办)")
    PUBLIC_PRIVATE = "public_private", _("publicly built, privately run (公建民营)")


# The services a facility offers: the seven categories of the catalogue (GB/T 43153-2023) plus meal help
# (助餐), which the catalogue counts under daily living but which the 15-minute circle asks for by name.
MEAL_SERVICE = "meal"


class Facility(TimeStampedModel):
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=20, choices=FacilityKind.choices)
    sector = models.CharField(_("sector"), max_length=10, choices=Sector.choices, default=Sector.ELDERLY)
    ownership = models.CharField(_("ownership"), max_length=20, choices=Ownership.choices, blank=True)
    medical_integrated = models.BooleanField(_("integrated medical care (医养结合)"), default=False)
    provider = models.ForeignKey(
        "providers.Provider", on_delete=models.PROTECT, related_name="+", verbose_name=_("operator")
    )
    community = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    address = models.CharField(_("address"), max_length=200)
    # WGS-84, like elders' homes; a facility without coordinates is not drawn and covers nobody.
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    floor_area_m2 = models.PositiveIntegerField(_("floor area (m²)"), null=True, blank=True)
    opening_hours = models.CharField(_("opening hours"), max_length=100, blank=True)
    services = models.JSONField(_("services offered"), default=list, blank=True)
    beds_total = models.PositiveIntegerField(_("beds"), default=0)
    beds_occupied = models.PositiveIntegerField(_("beds occupied"), default=0)
    beds_reserved = models.PositiveIntegerField(_("beds reserved for government-backed elders"), default=0)
    grade = models.PositiveSmallIntegerField(_("star grade"), null=True, blank=True)
    licences = models.CharField(_("licences"), max_length=300, blank=True)
    operating_subsidy_fen = models.PositiveBigIntegerField(_("operating subsidy a year (fen)"), default=0)
    construction_subsidy_fen = models.PositiveBigIntegerField(_("construction subsidy (fen)"), default=0)
    active = models.BooleanField(_("in operation"), default=True)

    class Meta:
        ordering = ["community_id", "name"]
        indexes = [models.Index(fields=["community", "kind"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(beds_occupied__lte=models.F("beds_total"))
                & models.Q(beds_reserved__lte=models.F("beds_total")),
                name="facility_beds_within_total",
            ),
        ]
        verbose_name = _("facility")
        verbose_name_plural = _("facilities")

    def __str__(self) -> str:
        return self.name


class ChangeState(models.TextChoices):
    PENDING = "pending", _("awaiting review")
    APPROVED = "approved", _("approved")
    REFUSED = "refused", _("refused")


class FacilityChange(TimeStampedModel):
    """An operator's proposed change to its facility's registry entry; an official of the region approves
    it (the values are applied) or refuses it with a reason."""

    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="changes")
    values = models.JSONField(_("proposed values"))
    state = models.CharField(
        _("state"), max_length=10, choices=ChangeState.choices, default=ChangeState.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    note = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("facility change request")
        verbose_name_plural = _("facility change requests")


class MonthlyFigures(TimeStampedModel):
    """What the operator reports for one month: occupancy and services delivered."""

    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="monthly")
    month = models.DateField(_("month"))
    beds_occupied = models.PositiveIntegerField(_("beds occupied"), default=0)
    people_served = models.PositiveIntegerField(_("people served"), default=0)
    service_visits = models.PositiveIntegerField(_("services delivered"), default=0)
    meals_served = models.PositiveIntegerField(_("meals served"), default=0)

    class Meta:
        ordering = ["facility", "-month"]
        constraints = [models.UniqueConstraint(fields=["facility", "month"], name="one_report_a_month")]
        verbose_name = _("monthly figures")
        verbose_name_plural = _("monthly figures")


class Residency(TimeStampedModel):
    """An elder living in a residential facility, from ``since`` until ``until`` (open while living there)."""

    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="residencies")
    elder = models.ForeignKey("elders.Elder", on_delete=models.PROTECT, related_name="+")
    since = models.DateField(_("since"))
    until = models.DateField(_("until"), null=True, blank=True)
    previous_arrangement = models.CharField(_("living arrangement before"), max_length=20, blank=True)

    class Meta:
        ordering = ["facility", "-since"]
        constraints = [
            models.UniqueConstraint(
                fields=["elder"], condition=models.Q(until__isnull=True), name="one_open_residency"
            )
        ]
        verbose_name = _("residency")
        verbose_name_plural = _("residencies")


class Meal(models.TextChoices):
    BREAKFAST = "breakfast", _("breakfast")
    LUNCH = "lunch", _("lunch")
    DINNER = "dinner", _("dinner")


class MealFlag(models.TextChoices):
    DECEASED = "deceased", _("elder had died")
    MOVED_OUT = "moved_out", _("elder had moved out")


class MealUnpaid(models.TextChoices):
    NO_VOUCHERS = "no_vouchers", _("voucher balance too low")


class MealSubsidyRate(TimeStampedModel):
    """The subsidy per meal (助餐补贴) for elders of a category (特困, 低保 …) or from an age on; an elder
    gets the highest rate that applies. Set by the bureau as data, not code."""

    category = models.CharField(_("category"), max_length=20, blank=True)
    min_age = models.PositiveSmallIntegerField(_("from age"), null=True, blank=True)
    fen_per_meal = models.PositiveIntegerField(_("subsidy per meal (fen)"))

    class Meta:
        ordering = ["-fen_per_meal"]
        verbose_name = _("meal subsidy rate")
        verbose_name_plural = _("meal subsidy rates")


class MealRecord(models.Model):
    """One meal served to one elder at a meal point on one day."""

    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="meals")
    elder = models.ForeignKey("elders.Elder", on_delete=models.PROTECT, related_name="+")
    day = models.DateField(_("day"))
    meal = models.CharField(_("meal"), max_length=10, choices=Meal.choices, default=Meal.LUNCH)
    subsidy_fen = models.PositiveIntegerField(_("subsidy (fen)"), default=0)
    flag = models.CharField(_("flag"), max_length=10, choices=MealFlag.choices, blank=True)
    unpaid = models.CharField(_("why no subsidy"), max_length=12, choices=MealUnpaid.choices, blank=True)
    redemption = models.ForeignKey(
        "benefits.LedgerTransaction", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["-day", "facility"]
        indexes = [models.Index(fields=["facility", "day"])]
        constraints = [
            models.UniqueConstraint(fields=["elder", "day", "meal"], name="one_meal_per_elder_sitting")
        ]
        verbose_name = _("meal record")
        verbose_name_plural = _("meal records")

    def __str__(self) -> str:
        return f"{self.day} {self.meal}"


class OperatingContract(TimeStampedModel):
    """公建民营: a publicly built facility run by a selected operator (the facility's provider) under a
    contract with its public owner, with beds reserved for government-backed elders and operating reports
    due every ``report_every_months`` months."""

    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="contracts")
    public_owner = models.CharField(_("public owner"), max_length=120)
    number = models.CharField(_("contract number"), max_length=40)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    reserved_beds = models.PositiveIntegerField(_("reserved beds"), default=0)
    report_every_months = models.PositiveSmallIntegerField(_("report every (months)"), default=3)

    class Meta:
        ordering = ["facility", "-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="contract_ends_after_start"
            )
        ]
        verbose_name = _("operating contract")
        verbose_name_plural = _("operating contracts")

    def __str__(self) -> str:
        return self.number


class ReportKind(models.TextChoices):
    PERIODIC = "periodic", _("operating report")
    INCIDENT = "incident", _("serious incident report")


class OperatingReport(TimeStampedModel):
    """An operator's report under its contract: the periodic one for the period starting ``period``, or a
    serious incident (dated by ``period``, the day it happened)."""

    contract = models.ForeignKey(OperatingContract, on_delete=models.CASCADE, related_name="reports")
    kind = models.CharField(_("kind"), max_length=10, choices=ReportKind.choices)
    period = models.DateField(_("period"))
    summary = models.CharField(_("summary"), max_length=2000)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["contract", "-period"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "period"],
                condition=models.Q(kind="periodic"),
                name="one_periodic_report_a_period",
            )
        ]
        verbose_name = _("operating report")
        verbose_name_plural = _("operating reports")

    def __str__(self) -> str:
        return f"{self.contract} {self.period}"


class TravelTime(models.Model):
    """One walking time of the travel matrix, computed offline by a routing engine (OSRM's ``table``,
    Valhalla's ``sources_to_targets``) and imported (``facilities.travel``): from an origin, a small H3
    cell of homes, to a target, ``facility:<id>`` or a candidate site ``community:<code>``. ``seconds``
    is empty where the engine found no walking route."""

    origin = models.CharField(_("origin cell (H3)"), max_length=16)
    target = models.CharField(_("target"), max_length=40)
    seconds = models.PositiveIntegerField(_("walking time (s)"), null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["target", "origin"], name="one_time_per_pair")]
        verbose_name = _("walking time")
        verbose_name_plural = _("walking times")

    def __str__(self) -> str:
        return f"{self.origin} → {self.target}"
