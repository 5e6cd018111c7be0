"""The registry's fields as people type them: one parser per field, shared by the console form and imports.

Every parser takes what was typed (or what a spreadsheet cell held) and returns the stored value, or
raises ``ValidationFailed`` whose message says in plain words what is wrong. Spreadsheets say things in
many ways (男/女, 是/否, 独居, 低保户, 一级…); the alias tables below are where those ways are listed.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shouwang.core.errors import ValidationFailed
from shouwang.core.idnumbers import PROVINCE_CODES
from shouwang.core.phones import normalise_phone
from shouwang.core.text import is_digits, too_long, within_limit

from .models import Category, LivingArrangement, Sex

SEPARATORS = re.compile(r"[、,，;；/|\s]+")
YES = frozenset({"是", "有", "y", "yes", "true", "1", "√", "已签约", "签约"})
NO = frozenset({"否", "无", "没有", "n", "no", "false", "0", "未签约"})
SEXES = {
    "男": Sex.MALE,
    "女": Sex.FEMALE,
    "m": Sex.MALE,
    "f": Sex.FEMALE,
    "male": Sex.MALE,
    "female": Sex.FEMALE,
}
LIVING_ALIASES = {
    LivingArrangement.ALONE: ("独居", "独居老人", "一人居住", "空巢独居", "独居空巢", "alone"),
    LivingArrangement.EMPTY_NEST: ("空巢", "空巢老人", "与配偶同住", "夫妻同住", "empty_nest"),
    LivingArrangement.LEFT_BEHIND: ("留守", "留守老人", "left_behind"),
    LivingArrangement.WITH_FAMILY: (
        "与家人同住",
        "与子女同住",
        "与家人",
        "与子女",
        "与亲属同住",
        "同住",
        "with_family",
    ),
    LivingArrangement.INSTITUTION: ("机构", "养老机构", "入住机构", "机构养老", "住养老院", "institution"),
}
CATEGORY_ALIASES = {
    Category.EXTREME_POVERTY: (
        "特困",
        "特困人员",
        "特困供养",
        "特困供养人员",
        "三无",
        "五保",
        "五保户",
        "tekun",
    ),
    Category.SUBSISTENCE: ("低保", "低保户", "低保对象", "城市低保", "农村低保", "dibao"),
    Category.LOW_INCOME: ("低保边缘", "低边", "低收入", "低收入家庭", "low_income"),
    Category.ENTITLED_GROUP: ("重点优抚", "优抚", "优抚对象", "重点优抚对象", "youfu"),
    Category.FAMILY_PLANNING: (
        "计划生育特殊家庭",
        "计生特殊家庭",
        "计生特扶",
        "特扶",
        "伤残",
        "family_planning",
    ),
    Category.LOST_ONLY_CHILD: ("失独", "失独家庭", "shidu"),
    Category.SEVERE_DISABILITY: ("重度残疾", "重残", "残疾", "severe_disability"),
}
# The plain Chinese name of each value, as lists, reports and exports show it (and the import reads back).
LIVING_NAMES = {value: aliases[0] for value, aliases in LIVING_ALIASES.items()}
CATEGORY_NAMES = {value: aliases[0] for value, aliases in CATEGORY_ALIASES.items()}
MAX_CONDITIONS = 20
NAME_LENGTH = 40
GRADES = {"1": 1, "2": 2, "3": 3, "4": 4, "一": 1, "二": 2, "三": 3, "四": 4}
# Rough bounding box of China (WGS-84); a point outside it is a typo or swapped columns.
LAT_RANGE, LON_RANGE = (3.0, 54.0), (73.0, 136.0)
LIVING_BY_ALIAS = {alias: value for value, aliases in LIVING_ALIASES.items() for alias in aliases}
_CATEGORIES = {alias: value for value, aliases in CATEGORY_ALIASES.items() for alias in aliases}
_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


def text(value) -> str:
    """A cell as clean text: numbers without a trailing .0, full-width characters folded, spaces trimmed."""
    if type(value) is str:
        result = value.strip()
        if result.isascii():
            return result
        return unicodedata.normalize("NFKC", result).strip()
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    result = str(value).strip()
    if not result.isascii():
        result = unicodedata.normalize("NFKC", result).strip()
    return result


def name(value) -> str:
    result = text(value)
    if not result:
        raise ValidationFailed(_("The name is missing."), code="name_missing")
    if message := too_long(result, NAME_LENGTH, label=_("The name")):
        raise ValidationFailed(message, code="name_too_long")
    if symbols := sorted({character for character in result if not _name_character(character)}):
        raise ValidationFailed(
            _("The name cannot contain %(characters)s: a name has letters, spaces and the separator · only.")
            % {"characters": " ".join(symbols)},
            code="name_invalid",
        )
    return result


def _name_character(character: str) -> bool:
    """Letters of any script (not digits), and what joins the parts of a name: spaces, the middle dot of
    阿依古丽·买买提 (and its look-alikes), a hyphen, an apostrophe."""
    return character.isalpha() or character in " ·•‧・.-'’"


def id_number_text(value) -> str:
    """The ID number as typed; an Excel number of more than 15 digits has lost its last digits.

    Excel keeps 15 significant digits, so a 15-digit legacy number stored as a number is intact.
    """
    if isinstance(value, float) and value >= 1e15:
        raise ValidationFailed(
            _(
                "Excel stored the ID number as a number and its last digits are lost; "
                "format the column as text and type the numbers again."
            ),
            code="id_stored_as_number",
        )
    result = text(value).upper()
    if not result:
        raise ValidationFailed(_("The ID number is missing."), code="id_missing")
    return result


def sex(value) -> str:
    result = text(value).lower()
    if result not in SEXES:
        raise ValidationFailed(_("The sex must be 男 or 女, not %(value)s.") % {"value": value}, code="sex")
    return SEXES[result]


def date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    raw = text(value)
    for pattern in _DATE_PATTERNS:
        if match := pattern.match(raw):
            try:
                return dt.date(*(int(part) for part in match.groups()))
            except ValueError:
                break
    raise ValidationFailed(
        _("%(value)s is not a date; write it like 1948-03-02.") % {"value": raw}, code="date_invalid"
    )


_YEAR_MONTH = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?(?:[-/.]?\s*\d{1,2}\s*日?)?$")


def year_month(value) -> tuple[int, frozenset[int]]:
    """A 出生年月 cell (1945.03, 1945年3月, 1945-3, 194503, or a date) as its year and the months it may
    mean: Excel keeps 1945.10 typed in a cell as the number 1945.1, which then reads as October or January."""
    if isinstance(value, dt.date):
        return value.year, frozenset({value.month})
    raw = text(value)
    if isinstance(value, float) and re.fullmatch(r"\d{4}\.\d", raw):
        month = int(raw[-1])
        return int(raw[:4]), frozenset({month, month * 10} if month == 1 else {month})
    if re.fullmatch(r"\d{6}", raw):
        raw = f"{raw[:4]}.{raw[4:]}"
    match = _YEAR_MONTH.match(raw)
    if match and 1 <= int(match.group(2)) <= 12:
        return int(match.group(1)), frozenset({int(match.group(2))})
    raise ValidationFailed(
        _("The birth month %(value)s could not be read; write it as 1945.03 or 1945年3月.") % {"value": raw},
        code="birth_month_invalid",
    )


def age_on(birth_date: dt.date, day: dt.date) -> int:
    """Completed years on ``day``."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def old_enough(birth_date: dt.date, today: dt.date) -> None:
    """The registry holds older residents: from ELDER_MIN_AGE (default 60) up."""
    minimum = settings.SHOUWANG_ELDER_MIN_AGE
    age = age_on(birth_date, today)
    if age < minimum:
        raise ValidationFailed(
            _("This person is %(age)d years old; the registry holds people aged %(min)d and over.")
            % {"age": age, "min": minimum},
            code="too_young",
        )


def region_code(value) -> str:
    """A division code of 6, 9 or 12 digits whose province exists, padded to 12 digits."""
    raw = text(value)
    if not raw:
        return ""
    if not (is_digits(raw) and len(raw) in (6, 9, 12) and raw[:2] in PROVINCE_CODES):
        raise ValidationFailed(
            _("%(value)s is not a division code (6 or 12 digits starting with a province code).")
            % {"value": raw},
            code="region_code_invalid",
        )
    return raw.ljust(12, "0")


def coordinate(value, *, bounds: tuple[float, float], label: str) -> float | None:
    if type(value) is float:  # a spreadsheet's number cell
        raw, number = value, value
    else:
        raw = text(value)
        if not raw:
            return None
        try:
            number = float(raw)
        except ValueError:
            number = None
    if number is None or not bounds[0] <= number <= bounds[1]:
        raise ValidationFailed(
            _("The %(label)s %(value)s is not a place in China.") % {"label": label, "value": raw},
            code="coordinate_invalid",
        )
    return round(number, 6)


def living_arrangement(value) -> str:
    raw = text(value)
    if not raw:
        return ""
    if raw not in LIVING_BY_ALIAS:
        raise ValidationFailed(
            _("Unknown living arrangement %(value)s; use 独居, 空巢, 留守, 与家人同住 or 机构.")
            % {"value": raw},
            code="living_arrangement_unknown",
        )
    return LIVING_BY_ALIAS[raw]


def categories(value) -> list[str]:
    """Several categories in one cell, separated by 、 , ; / or spaces. 失独 implies 计划生育特殊家庭."""
    found = []
    for part in SEPARATORS.split(text(value)):
        if not part:
            continue
        if part not in _CATEGORIES:
            raise ValidationFailed(
                _(
                    "Unknown category %(value)s; use 特困, 低保, 低保边缘, 低收入, 重点优抚, "
                    "计划生育特殊家庭, 失独 or 重度残疾."
                )
                % {"value": part},
                code="category_unknown",
            )
        found.append(_CATEGORIES[part])
    if Category.LOST_ONLY_CHILD in found:
        found.append(Category.FAMILY_PLANNING)
    return sorted(set(found))


def disability_grade(value) -> int | None:
    raw = text(value)
    if not raw:
        return None
    grade = GRADES.get(raw.replace("残疾", "").replace("级", ""))
    if grade is None:
        raise ValidationFailed(
            _("The disability grade must be 一级 to 四级 (1–4), not %(value)s.") % {"value": value},
            code="disability_grade_invalid",
        )
    return grade


def yes_no(value, *, label: str) -> bool | None:
    if isinstance(value, bool):  # a form's checkbox or a JSON boolean
        return value
    raw = text(value).lower()
    if not raw:
        return None
    if raw in YES:
        return True
    if raw in NO:
        return False
    raise ValidationFailed(
        _("%(label)s must be 是 or 否, not %(value)s.") % {"label": label, "value": value}, code="yes_no"
    )


def conditions(value) -> list[str]:
    """Several conditions in one cell, or a list of them."""
    parts = value if isinstance(value, list | tuple) else SEPARATORS.split(text(value))
    found = [text(part) for part in parts if text(part)]
    if len(found) > MAX_CONDITIONS:
        raise ValidationFailed(
            _("At most %(max)d chronic conditions; %(count)d were given.")
            % {"max": MAX_CONDITIONS, "count": len(found)},
            code="too_many_conditions",
        )
    return found


def phone(value, *, field: str = "phone") -> str:
    return normalise_phone(text(value), field=field)


# Labels for messages, made once (a lazy translation is an object; these parsers run millions of times).
_LATITUDE, _LONGITUDE = gettext_lazy("latitude"), gettext_lazy("longitude")
_ETHNICITY, _ADDRESS = gettext_lazy("The ethnicity"), gettext_lazy("The address")
_FAMILY_DOCTOR, _CONSENT = gettext_lazy("Family-doctor contract"), gettext_lazy("Consent to data sharing")
# The parser of every optional registry field, by field name: the console form, the API and the import
# all go through this one table.
PARSERS = {
    "ethnicity": lambda value: within_limit(text(value), 20, field="ethnicity", label=_ETHNICITY),
    "phone": phone,
    "second_phone": lambda value: phone(value, field="second_phone"),
    "hukou_region_code": region_code,
    "address": lambda value: within_limit(text(value), 200, field="address", label=_ADDRESS),
    "lat": lambda value: coordinate(value, bounds=LAT_RANGE, label=_LATITUDE),
    "lon": lambda value: coordinate(value, bounds=LON_RANGE, label=_LONGITUDE),
    "living_arrangement": living_arrangement,
    "disability_grade": disability_grade,
    "chronic_conditions": conditions,
    "family_doctor_contract": lambda value: yes_no(value, label=_FAMILY_DOCTOR),
    "consent_data_sharing": lambda value: yes_no(value, label=_CONSENT),
}
