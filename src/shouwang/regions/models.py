"""The division tree: province → city → county → street/town → community/village (DOMAIN.md §1).

The 12-digit statistical code is the primary key, so a foreign key to a region *is* its code and a
scope check on a region subtree is a prefix match on that column, without a join.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

CODE_LENGTH = 12


class Level(models.IntegerChoices):
    PROVINCE = 1, _("province")
    CITY = 2, _("city")
    COUNTY = 3, _("county / district")
    STREET = 4, _("street / town")
    COMMUNITY = 5, _("community / village")


# How many leading digits of the code are significant at each level.
PREFIX_LENGTH = {Level.PROVINCE: 2, Level.CITY: 4, Level.COUNTY: 6, Level.STREET: 9, Level.COMMUNITY: 12}


class UrbanRuralType(models.TextChoices):
    """城乡分类代码 of the statistical division codes."""

    CORE_URBAN = "111", _("core urban area")
    URBAN_FRINGE = "112", _("urban–rural fringe")
    TOWN_CENTRE = "121", _("town centre")
    TOWN_FRINGE = "122", _("town fringe")
    SPECIAL_AREA = "123", _("special area")
    TOWNSHIP_CENTRE = "210", _("township centre")
    VILLAGE = "220", _("village")


def level_of(code: str) -> Level:
    """The level a well-formed 12-digit code denotes, read from its trailing zeros."""
    if code[2:] == "0" * 10:
        return Level.PROVINCE
    if code[4:] == "0" * 8:
        return Level.CITY
    if code[6:] == "0" * 6:
        return Level.COUNTY
    if code[9:] == "000":
        return Level.STREET
    return Level.COMMUNITY


def prefix_of(code: str) -> str:
    """The significant prefix of a code: every descendant's code starts with it."""
    return code[: PREFIX_LENGTH[level_of(code)]]


class Region(models.Model):
    code = models.CharField(_("division code"), max_length=CODE_LENGTH, primary_key=True)
    name = models.CharField(_("name"), max_length=80)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices, db_index=True)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("parent"),
    )
    urban_rural_type = models.CharField(
        _("urban/rural type"), max_length=3, choices=UrbanRuralType.choices, blank=True
    )
    full_name = models.CharField(_("full name"), max_length=300, blank=True)
    centre_lat = models.FloatField(_("centre latitude"), null=True, blank=True)
    centre_lon = models.FloatField(_("centre longitude"), null=True, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return self.name

    @property
    def prefix(self) -> str:
        return prefix_of(self.code)

    @property
    def is_community(self) -> bool:
        return self.level == Level.COMMUNITY
