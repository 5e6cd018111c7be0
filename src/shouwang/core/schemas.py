"""The types every API input is built from, so that whatever passes the schema also fits the database.

PostgreSQL refuses a NUL character in text and a number beyond its column's range, and it refuses them
with a server error; SQLite stores both. So every text an input schema accepts has a length limit and no
NUL, and every whole number a range: a model field's own limit where the value lands in one
(``ModelText``, ``ModelInt``), a stated one where it does not (``Text``, ``Id``, ``Days``). All of them show
in the OpenAPI document (``maxLength``, ``minimum``, ``maximum``) and a value outside them is a 422 naming
the field and the limit (``core.api``). ``tests/core/test_input_limits.py`` walks the OpenAPI document and
fails on a text or number an endpoint takes without a limit.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.db.backends.base.operations import BaseDatabaseOperations
from pydantic import AfterValidator, Field, StringConstraints
from pydantic_core import PydanticCustomError

NUL = "\x00"
NUL_ERROR = "nul_character"

# The widest range any supported database gives each integer column (PostgreSQL's; SQLite's is wider).
_INTEGER_RANGES = BaseDatabaseOperations.integer_field_ranges
BIGINT_MAX = _INTEGER_RANGES["BigIntegerField"][1]


def refuse_nul(value: str) -> str:
    if NUL in value:
        raise PydanticCustomError(NUL_ERROR, "Text should not contain the NUL character")
    return value


def Text(max_length: int):  # noqa: N802 — used as a type
    """Text of at most ``max_length`` characters, without NUL (documented as a pattern)."""
    return Annotated[
        str,
        StringConstraints(max_length=max_length),
        AfterValidator(refuse_nul),
        Field(json_schema_extra={"pattern": r"^[^\x00]*$"}),
    ]


def ModelText(model, field_name: str):  # noqa: N802 — used as a type
    """Text that is stored in ``model.field_name``, limited to that column's length."""
    max_length = model._meta.get_field(field_name).max_length
    if max_length is None:
        raise ValueError(f"{model.__name__}.{field_name} has no max_length: give Text(n) a limit")
    return Text(max_length)


# Dates and times the platform can reason about: PostgreSQL refuses a time zone offset beyond ±15:59 and
# date arithmetic fails near the years 1 and 9999, so a day outside these years (or a time in a zone no
# place uses) is a typing error, answered as such.
EARLIEST_DAY, LATEST_DAY = dt.date(1900, 1, 1), dt.date(2199, 12, 31)
WIDEST_OFFSET = dt.timedelta(hours=14)
DATE_ERROR = "date_out_of_range"


def _refuse_far_day(value: dt.date) -> dt.date:
    if not EARLIEST_DAY <= value <= LATEST_DAY:
        raise PydanticCustomError(DATE_ERROR, "Date should be between 1900 and 2199")
    return value


def _refuse_far_moment(value: dt.datetime) -> dt.datetime:
    _refuse_far_day(value.date())
    offset = value.utcoffset()
    if offset is not None and abs(offset) > WIDEST_OFFSET:
        raise PydanticCustomError(DATE_ERROR, "Time zone offset should be within 14 hours of UTC")
    return value


Day = Annotated[dt.date, AfterValidator(_refuse_far_day)]
Moment = Annotated[dt.datetime, AfterValidator(_refuse_far_moment)]


def Int(minimum: int, maximum: int):  # noqa: N802 — used as a type
    return Annotated[int, Field(ge=minimum, le=maximum)]


def ModelInt(model, field_name: str):  # noqa: N802 — used as a type
    """A whole number that is stored in ``model.field_name``, within that column's range everywhere."""
    field = model._meta.get_field(field_name)
    minimum, maximum = _INTEGER_RANGES[field.get_internal_type()]
    return Int(minimum, maximum)


# A primary key (every table's is a BigAutoField): beyond this no row can exist.
Id = Int(1, BIGINT_MAX)
# A count of days ahead or back: a century covers every question the platform answers in days.
Days = Int(0, 36_500)
# Paging: pagination clamps both (a page past the end is the last, a size over 200 is 200), but the number
# itself must be one the server can count with.
Page = Int(1, BIGINT_MAX)
PageSize = Int(1, BIGINT_MAX)
# Short codes given as filters or choices (a state, a role, a kind, a region code, a category).
Code = Text(64)
# A region's 12-digit division code (GB/T 2260 and the statistics bureau's codes).
RegionCode = Text(12)
# An ID number as typed: 18 characters, or 15 of the old kind, with spaces or dashes between the groups.
IdNumber = Text(30)
# A free search or filter text.
SearchText = Text(200)
# A reason or a note someone writes in a form's text box (TextFields have no length of their own).
Note = Text(2000)
