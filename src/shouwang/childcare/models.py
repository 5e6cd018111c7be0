"""Childcare (托育): registered institutions with their places by age group, enrolment figures, staff and
fees; the population figures the bureau keeps per region; and the plan targets the indicators are read
against (每千人口拥有3岁以下婴幼儿托位数, 普惠 share, occupancy).

Children are not recorded here, only counts: the bureau plans places, it does not keep a roll of infants.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shouwang.core.models import TimeStampedModel

AGE_GROUPS = ("0_1", "1_2", "2_3")


class InstitutionKind(models.TextChoices):
    FULL_DAY = "full_day", _("full-day care (全日托)")
    PART_TIME = "part_time", _("part-time care (半日托/计时托)")
    COMMUNITY = "community", _("community childcare point (社区托育点)")
    WORKPLACE = "workplace", _("workplace childcare (用人单位办托)")
    FAMILY = "family", _("family-style childcare (家庭托育点)")


class RegistrationState(models.TextChoices):
    PENDING = "pending", _("filing under review (备案审核中)")
    REGISTERED = "registered", _("registered (已备案)")
    REFUSED = "refused", _("refused (未通过)")
    SUSPENDED = "suspended", _("suspended (暂停)")


class Institution(TimeStampedModel):
    """A childcare institution's filing (备案) and the figures it keeps up to date itself."""

    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=12, choices=InstitutionKind.choices)
    licence_number = models.CharField(_("filing or licence number"), max_length=60)
    operator_name = models.CharField(_("operator"), max_length=120)
    operator_credit_code = models.CharField(_("operator's unified social credit code"), max_length=18)
    community = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    address = models.CharField(_("address"), max_length=200)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    places_0_1 = models.PositiveIntegerField(_("places, 0–1 year"), default=0)
    places_1_2 = models.PositiveIntegerField(_("places, 1–2 years"), default=0)
    places_2_3 = models.PositiveIntegerField(_("places, 2–3 years"), default=0)
    enrolled_0_1 = models.PositiveIntegerField(_("enrolled, 0–1 year"), default=0)
    enrolled_1_2 = models.PositiveIntegerField(_("enrolled, 1–2 years"), default=0)
    enrolled_2_3 = models.PositiveIntegerField(_("enrolled, 2–3 years"), default=0)
    monthly_fee_fen = models.PositiveIntegerField(_("monthly fee (fen)"), default=0)
    affordable = models.BooleanField(_("affordable (普惠)"), default=False)
    # The subsidy per place and year an affordable institution receives.
    subsidy_per_place_fen = models.PositiveIntegerField(_("subsidy per place a year (fen)"), default=0)
    state = models.CharField(
        _("filing state"), max_length=12, choices=RegistrationState.choices, default=RegistrationState.PENDING
    )
    decision_note = models.CharField(_("reasons of the decision"), max_length=300, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    # The institution's own login (role childcare_admin): it edits this record and nothing else.
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="childcare_institution",
        verbose_name=_("institution account"),
    )

    class Meta:
        ordering = ["community_id", "name"]
        indexes = [models.Index(fields=["state", "community"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(enrolled_0_1__lte=models.F("places_0_1"))
                & models.Q(enrolled_1_2__lte=models.F("places_1_2"))
                & models.Q(enrolled_2_3__lte=models.F("places_2_3")),
                name="childcare_enrolled_within_places",
            ),
        ]
        verbose_name = _("childcare institution")
        verbose_name_plural = _("childcare institutions")

    def __str__(self) -> str:
        return self.name

    @property
    def places(self) -> int:
        return self.places_0_1 + self.places_1_2 + self.places_2_3

    @property
    def enrolled(self) -> int:
        return self.enrolled_0_1 + self.enrolled_1_2 + self.enrolled_2_3

    @property
    def vacancies(self) -> int:
        return self.places - self.enrolled


class StaffMember(TimeStampedModel):
    """A worker of an institution with the qualification they hold (保育师, 育婴员, 卫生保健人员...)."""

    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="staff")
    name = models.CharField(_("name"), max_length=40)
    post = models.CharField(_("post"), max_length=40)
    qualification = models.CharField(_("qualification"), max_length=80, blank=True)
    certificate_number = models.CharField(_("certificate number"), max_length=40, blank=True)

    class Meta:
        ordering = ["institution", "name", "id"]
        verbose_name = _("childcare staff member")
        verbose_name_plural = _("childcare staff members")

    def __str__(self) -> str:
        return self.name


class Population(TimeStampedModel):
    """The resident population of a region in a year, as the statistics bureau publishes it; the bureau
    enters it. The indicators take a region's own figure, else the sum of its children's."""

    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    residents = models.PositiveIntegerField(_("resident population"))
    under_three = models.PositiveIntegerField(_("children under three"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=120, blank=True)

    class Meta:
        ordering = ["region_id", "-year"]
        constraints = [models.UniqueConstraint(fields=["region", "year"], name="one_population_per_year")]
        verbose_name = _("population figure")
        verbose_name_plural = _("population figures")

    def __str__(self) -> str:
        return f"{self.region_id} {self.year} {self.residents}"


class PlanTarget(TimeStampedModel):
    """The plan's targets for a region and year (e.g. 4.5 places per thousand residents by 2025). A region
    without its own target is held to its nearest ancestor's."""

    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    places_per_thousand = models.DecimalField(
        _("places per thousand residents"), max_digits=5, decimal_places=2
    )
    affordable_share = models.DecimalField(
        _("affordable share of places"), max_digits=4, decimal_places=3, null=True, blank=True
    )

    class Meta:
        ordering = ["region_id", "-year"]
        constraints = [models.UniqueConstraint(fields=["region", "year"], name="one_target_per_year")]
        verbose_name = _("plan target")
        verbose_name_plural = _("plan targets")

    def __str__(self) -> str:
        return f"{self.region_id} {self.year} {self.places_per_thousand}"
