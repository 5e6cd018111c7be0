"""An older resident, their categories and emergency contacts."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from shouwang.core.models import TimeStampedModel


class Sex(models.TextChoices):
    MALE = "M", _("male")
    FEMALE = "F", _("female")


class LivingArrangement(models.TextChoices):
    ALONE = "alone", _("living alone (独居)")
    EMPTY_NEST = "empty_nest", _("empty nest (空巢)")
    LEFT_BEHIND = "left_behind", _("left behind (留守)")
    WITH_FAMILY = "with_family", _("with family")
    INSTITUTION = "institution", _("in an institution")


class Category(models.TextChoices):
    """Eligibility categories (DOMAIN.md §4); an elder may be in several."""

    EXTREME_POVERTY = "tekun", _("extreme poverty (特困)")
    SUBSISTENCE = "dibao", _("minimum subsistence (低保)")
    LOW_INCOME = "low_income", _("low income (低保边缘/低收入)")
    ENTITLED_GROUP = "youfu", _("entitled group (重点优抚)")
    FAMILY_PLANNING = "family_planning", _("family-planning special family (计划生育特殊家庭)")
    LOST_ONLY_CHILD = "shidu", _("lost only child (失独)")
    SEVERE_DISABILITY = "severe_disability", _("severe disability (重度残疾)")


class Status(models.TextChoices):
    ACTIVE = "active", _("active")
    MOVED_OUT = "moved_out", _("moved out")
    DECEASED = "deceased", _("deceased")


class Elder(TimeStampedModel):
    name = models.CharField(_("name"), max_length=40, db_index=True)
    # Pinyin initials of the name (张三丰 → zsf), so a few keystrokes find a person.
    name_initials = models.CharField(_("pinyin initials"), max_length=20, db_index=True, blank=True)
    id_number = models.CharField(_("ID number"), max_length=18, unique=True)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("birth date"), db_index=True)
    ethnicity = models.CharField(_("ethnicity"), max_length=20, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True, db_index=True)
    hukou_region_code = models.CharField(_("household registration region"), max_length=12, blank=True)
    community = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("residence community")
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    living_arrangement = models.CharField(
        _("living arrangement"), max_length=20, choices=LivingArrangement.choices, blank=True
    )
    disability_grade = models.PositiveSmallIntegerField(_("disability grade"), null=True, blank=True)
    chronic_conditions = models.JSONField(_("chronic conditions"), default=list, blank=True)
    family_doctor_contract = models.BooleanField(_("family-doctor contract"), default=False)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.ACTIVE)
    status_date = models.DateField(_("status date"), null=True, blank=True)
    consent_data_sharing = models.BooleanField(_("consents to data sharing"), default=False)

    class Meta:
        ordering = ["community_id", "name"]
        indexes = [models.Index(fields=["community", "status"])]
        verbose_name = _("elder")
        verbose_name_plural = _("elders")

    def __str__(self) -> str:
        return self.name


class ElderCategory(models.Model):
    elder = models.ForeignKey(Elder, on_delete=models.CASCADE, related_name="categories")
    code = models.CharField(_("category"), max_length=20, choices=Category.choices, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["elder", "code"], name="unique_elder_category")]

    def __str__(self) -> str:
        return self.get_code_display()


class EmergencyContact(models.Model):
    elder = models.ForeignKey(Elder, on_delete=models.CASCADE, related_name="contacts")
    priority = models.PositiveSmallIntegerField(_("priority"), default=1)
    name = models.CharField(_("name"), max_length=40)
    relation = models.CharField(_("relation"), max_length=20, blank=True)
    phone = models.CharField(_("phone"), max_length=20)
    is_keyholder = models.BooleanField(_("holds a key"), default=False)

    class Meta:
        ordering = ["elder", "priority"]

    def __str__(self) -> str:
        return f"{self.name} ({self.relation})"
