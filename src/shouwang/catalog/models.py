"""The service catalogue (服务目录): the items that may be ordered, grouped by the seven categories of
GB/T 43153-2023 《居家养老上门服务基本规范》 (DOMAIN.md §3), and the history of every change to them.

Item codes are stable keys: care plans (``assessments.careplans.CARE_SERVICES``), provider contracts and
orders refer to items by code, so a code never changes once made; an item is retired, not deleted.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shouwang.core.models import TimeStampedModel

from .prices import fen_to_yuan


class Category(models.TextChoices):
    """The seven service categories of GB/T 43153-2023, in the standard's order."""

    DAILY_LIVING = "daily_living", _("daily living (生活照料)")
    BASIC_CARE = "basic_care", _("basic care (基础照护)")
    HEALTH = "health", _("health management (健康管理)")
    VISITING = "visiting", _("visiting (探访关爱)")
    EMOTIONAL = "emotional", _("emotional support (精神慰藉)")
    ERRANDS = "errands", _("errands (委托代办)")
    HOME_ADAPTATION = "home_adaptation", _("home adaptation (适老化改造)")


# The categories' names in the standard: domain data, the same in every language.
CATEGORY_NAMES = {
    Category.DAILY_LIVING: "生活照料",
    Category.BASIC_CARE: "基础照护",
    Category.HEALTH: "健康管理",
    Category.VISITING: "探访关爱",
    Category.EMOTIONAL: "精神慰藉",
    Category.ERRANDS: "委托代办",
    Category.HOME_ADAPTATION: "适老化改造",
}


class Unit(models.TextChoices):
    """What one unit of the guide price buys."""

    SESSION = "session", _("session (次)")
    HOUR = "hour", _("hour (小时)")
    MEAL = "meal", _("meal (餐)")
    DAY = "day", _("day (天)")
    WEEK = "week", _("week (周)")
    MONTH = "month", _("month (月)")
    PROJECT = "project", _("project (项)")
    PIECE = "piece", _("piece (件)")


# The unit as written after a price: 15.00元/餐.
UNIT_NAMES = {
    Unit.SESSION: "次",
    Unit.HOUR: "小时",
    Unit.MEAL: "餐",
    Unit.DAY: "天",
    Unit.WEEK: "周",
    Unit.MONTH: "月",
    Unit.PROJECT: "项",
    Unit.PIECE: "件",
}


class Certificate(models.TextChoices):
    """The certificate a worker must hold (and have in date) to deliver an item."""

    NONE = "none", _("none")
    ELDER_CAREGIVER = "elder_caregiver", _("elderly caregiver (养老护理员)")
    HEALTH_CERTIFICATE = "health_certificate", _("health certificate (健康证)")
    NURSE_LICENCE = "nurse_licence", _("nurse licence (护士执业证书)")
    DOCTOR_LICENCE = "doctor_licence", _("doctor licence (医师执业证书)")
    THERAPIST = "therapist", _("rehabilitation therapist (康复治疗师)")


CERTIFICATE_NAMES = {
    Certificate.NONE: "无",
    Certificate.ELDER_CAREGIVER: "养老护理员",
    Certificate.HEALTH_CERTIFICATE: "健康证",
    Certificate.NURSE_LICENCE: "护士执业证书",
    Certificate.DOCTOR_LICENCE: "医师执业证书",
    Certificate.THERAPIST: "康复治疗师",
}


class ServiceItem(TimeStampedModel):
    """One orderable service (服务项目) with its guide price (指导价) in integer fen."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=60)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices, db_index=True)
    unit = models.CharField(_("unit"), max_length=10, choices=Unit.choices)
    standard_minutes = models.PositiveIntegerField(_("standard duration (minutes)"))
    required_skill = models.CharField(_("required skill"), max_length=100, blank=True)
    required_certificate = models.CharField(
        _("required certificate"), max_length=20, choices=Certificate.choices, default=Certificate.NONE
    )
    guide_price_fen = models.PositiveIntegerField(_("guide price (fen)"))
    subsidy_payable = models.BooleanField(_("subsidies may pay"), default=True)
    active = models.BooleanField(_("in use"), default=True, db_index=True)
    # Place in lists: the main item of each kind first, then its variants.
    position = models.PositiveIntegerField(_("position"), default=0)
    # The number of the latest ServiceItemVersion.
    version = models.PositiveIntegerField(_("version"), default=0)

    class Meta:
        ordering = ["position", "code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(category__in=Category.values), name="catalog_item_known_category"
            ),
            models.CheckConstraint(
                condition=models.Q(standard_minutes__gt=0), name="catalog_item_positive_minutes"
            ),
        ]
        verbose_name = _("service item")
        verbose_name_plural = _("service items")

    def __str__(self) -> str:
        return self.name

    @property
    def category_name(self) -> str:
        return CATEGORY_NAMES.get(self.category, self.category)

    @property
    def unit_name(self) -> str:
        return UNIT_NAMES.get(self.unit, self.unit)

    @property
    def guide_price_yuan(self) -> str:
        """The guide price as yuan text: 1550 → "15.50"."""
        return fen_to_yuan(self.guide_price_fen)

    @property
    def price_text(self) -> str:
        """15.50元/餐"""
        return f"{self.guide_price_yuan}元/{self.unit_name}"


class VersionAction(models.TextChoices):
    CREATED = "created", _("added to the catalogue")
    UPDATED = "updated", _("changed")
    RETIRED = "retired", _("retired")
    REACTIVATED = "reactivated", _("put back into use")


class ServiceItemVersion(models.Model):
    """The item's values after one change; rows are only ever inserted, so the history is complete."""

    item = models.ForeignKey(ServiceItem, on_delete=models.PROTECT, related_name="versions")
    version = models.PositiveIntegerField(_("version"))
    action = models.CharField(_("action"), max_length=12, choices=VersionAction.choices)
    values = models.JSONField(_("values"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(_("changed at"), auto_now_add=True)
    reason = models.CharField(_("reason for the change"), max_length=200, blank=True)

    class Meta:
        ordering = ["item", "version"]
        constraints = [
            models.UniqueConstraint(fields=["item", "version"], name="unique_catalog_item_version")
        ]
        verbose_name = _("service item version")
        verbose_name_plural = _("service item versions")

    def __str__(self) -> str:
        return f"{self.item_id} v{self.version}"
