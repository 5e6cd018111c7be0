"""Resident ID numbers (居民身份证号码, GB 11643-1999) and unified social credit codes.

python-stdnum computes the check digit. We do not call ``stdnum.cn.ric.validate``:
it also demands that the address code existed in the person's birth year, which rejects real numbers
of most elders (codes were assigned when the card was issued, not at birth — DOMAIN.md §1). Instead
any well-formed address code is accepted whose province part exists.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum import exceptions as stdnum_errors
from stdnum.cn import ric, uscc

from .errors import ValidationFailed
from .text import is_digits

# Province-level codes of GB/T 2260 (mainland, plus Taiwan, Hong Kong and Macao as the standard lists them).
PROVINCE_CODES = frozenset(
    [
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
    ]
)
MALE, FEMALE = "M", "F"


class InvalidIdNumber(ValidationFailed):
    code = "invalid_id_number"


class ResidentId(NamedTuple):
    """The parts of a checked number (a tuple: registry imports make a million of them)."""

    number: str
    birth_date: dt.date
    sex: str
    address_code: str

    @property
    def province_code(self) -> str:
        return self.address_code[:2]


def with_check_digit(first17: str) -> str:
    """The full 18-character number for 17 digits."""
    return first17 + ric.calc_check_digit(first17 + "0")


def upgrade_legacy(number: str) -> str:
    """A 15-digit number (2-digit year 19YY, no check digit) as its 18-character form."""
    return with_check_digit(number[:6] + "19" + number[6:15])


def make_resident_id(address_code: str, birth_date: dt.date, sequence: int) -> str:
    """Compose a valid number; ``sequence`` 0–999, odd for men and even for women."""
    return with_check_digit(f"{address_code}{birth_date:%Y%m%d}{sequence:03d}")


def parse_resident_id(raw: str, *, today: dt.date | None = None) -> ResidentId:
    """Check a resident ID number and return its parts; 15-digit legacy numbers are upgraded.

    Raises :class:`InvalidIdNumber` with a plain-language reason.
    """
    raw = raw or ""
    number = raw.upper() if len(raw) == 18 and is_digits(raw[:17]) else ric.compact(raw)
    if len(number) == 15 and is_digits(number):
        number = upgrade_legacy(number)
    if len(number) != 18:
        raise InvalidIdNumber(
            _("An ID number has 18 characters; this one has %(n)d.") % {"n": len(number)}, code="id_length"
        )
    if not is_digits(number[:17]) or not (is_digits(number[17]) or number[17] == "X"):
        raise InvalidIdNumber(_("An ID number is 17 digits followed by a digit or X."), code="id_format")
    if number[:2] not in PROVINCE_CODES:
        raise InvalidIdNumber(
            _("The ID number starts with %(code)s, which is no province code.") % {"code": number[:2]},
            code="id_province",
        )
    try:
        birth_date = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise InvalidIdNumber(
            _("The birth date in the ID number (%(date)s) does not exist.") % {"date": number[6:14]},
            code="id_birth_date",
        ) from None
    today = today or timezone.localdate()
    if birth_date > today or birth_date.year < 1880:
        raise InvalidIdNumber(
            _("The birth date in the ID number (%(date)s) is impossible.") % {"date": birth_date.isoformat()},
            code="id_birth_date_impossible",
        )
    if number[17] != ric.calc_check_digit(number):
        raise InvalidIdNumber(
            _("The check digit of the ID number is wrong; please check for a typing error."),
            code="id_check_digit",
        )
    sex = MALE if int(number[16]) % 2 else FEMALE
    return ResidentId(number=number, birth_date=birth_date, sex=sex, address_code=number[:6])


def normalise_credit_code(raw: str) -> str:
    """A validated unified social credit code (统一社会信用代码, GB 32100-2015)."""
    try:
        return uscc.validate(raw or "")
    except stdnum_errors.InvalidChecksum:
        raise ValidationFailed(
            _("The check character of the unified social credit code is wrong."), code="credit_code_check"
        ) from None
    except stdnum_errors.ValidationError:
        raise ValidationFailed(
            _("A unified social credit code has 18 characters of digits and capital letters."),
            code="invalid_credit_code",
        ) from None
