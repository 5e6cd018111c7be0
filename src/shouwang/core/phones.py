"""Chinese phone numbers (DOMAIN.md §1): mobiles have 11 digits starting with 1, landlines an area code."""

import re

from django.utils.translation import gettext as _

from .errors import ValidationFailed

MOBILE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")
_LAYOUT = re.compile(r"[\s()]")


def normalise_phone(raw: str, *, field: str = "phone") -> str:
    """The phone without spaces, or a ValidationFailed naming what is wrong. Empty stays empty."""
    if raw and MOBILE.fullmatch(raw):  # as most are typed: nothing to take out
        return raw
    value = _LAYOUT.sub("", raw or "").removeprefix("+86")
    if not value:
        return ""
    if MOBILE.match(value) or LANDLINE.match(value):
        return value
    raise ValidationFailed(
        _(
            "%(phone)s is not a phone number: a mobile has 11 digits starting with 1, "
            "a landline starts with its area code."
        )
        % {"phone": raw},
        errors={field: _("Not a phone number.")},
        code="invalid_phone",
    )
