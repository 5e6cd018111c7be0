"""A provider organisation. The admission, contract, staff and evaluation side grows on this model."""

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

    class Meta:
        ordering = ["name"]
        verbose_name = _("provider")
        verbose_name_plural = _("providers")

    def __str__(self) -> str:
        return self.name
