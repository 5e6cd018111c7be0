"""The types every API input is built from, so that whatever passes the schema also fits the database.

PostgreSQL refuses a NUL character in text and a number beyond its column's range, and it refuses them
with a server error; SQLite stores both. So every text an input schema accepts has a length limit and no
NUL, and every whole number a range: a model field's own limit where the value lands in one
(``column_text``, ``column_range``), a stated one where it does not (``MaxText``, ``Id``, ``Days``), each
spelt ``Annotated[str, MaxText(80)]`` so that mypy reads it as the type it is. All of them show
in the OpenAPI document (``maxLength``, ``minimum``, ``maximum``) and a value outside them is a 422 naming
the field and the limit (``core.api``). ``tests/core/test_input_limits.py`` walks the OpenAPI document and
fails on a text or number an endpoint takes without a limit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any

from django.db.backends.base.operations import BaseDatabaseOperations
from pydantic import AfterValidator, Field, GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

NUL = "\x00"
NUL_ERROR = "nul_character"

# The widest range any supported database gives each integer column (PostgreSQL's; SQLite's is wider).
_INTEGER_RANGES = BaseDatabaseOperations.integer_field_ranges
BIGINT_MAX = _INTEGER_RANGES["BigIntegerField"][1]


def refuse_nul(value: str) -> str:
    if NUL in value:
        raise PydanticCustomError(NUL_ERROR, "Text should not contain the NUL character")
    return value


@dataclass(frozen=True)
class MaxText:
    """Text of at most ``max_length`` characters, without NUL (documented as a pattern):
    ``Annotated[str, MaxText(80)]``."""

    max_length: int

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.no_info_after_validator_function(
            refuse_nul, core_schema.str_schema(max_length=self.max_length)
        )

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        json_schema["pattern"] = r"^[^\x00]*$"
        return json_schema


def column_text(model: Any, field_name: str) -> MaxText:
    """The limit of text stored in ``model.field_name``, that column's length:
    ``Annotated[str, column_text(Elder, "name")]``."""
    max_length = model._meta.get_field(field_name).max_length
    if max_length is None:
        raise ValueError(f"{model.__name__}.{field_name} has no max_length: give MaxText(n) a limit")
    return MaxText(max_length)


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


def column_range(model: Any, field_name: str) -> Any:
    """The range of ``model.field_name``'s column on every supported database, as the ``Field`` limits of
    a whole number stored in it: ``Annotated[int, column_range(Order, "minutes")]``."""
    minimum, maximum = _INTEGER_RANGES[model._meta.get_field(field_name).get_internal_type()]
    return Field(ge=minimum, le=maximum)


# A primary key (every table's is a BigAutoField): beyond this no row can exist.
Id = Annotated[int, Field(ge=1, le=BIGINT_MAX)]
# A count of days ahead or back: a century covers every question the platform answers in days.
Days = Annotated[int, Field(ge=0, le=36_500)]
# Paging: pagination clamps both (a page past the end is the last, a size over 200 is 200), but the number
# itself must be one the server can count with.
Page = Annotated[int, Field(ge=1, le=BIGINT_MAX)]
PageSize = Annotated[int, Field(ge=1, le=BIGINT_MAX)]
# Short codes given as filters or choices (a state, a role, a kind, a region code, a category).
Code = Annotated[str, MaxText(64)]
# A region's 12-digit division code (GB/T 2260 and the statistics bureau's codes).
RegionCode = Annotated[str, MaxText(12)]
# An ID number as typed: 18 characters, or 15 of the old kind, with spaces or dashes between the groups.
IdNumber = Annotated[str, MaxText(30)]
# A free search or filter text.
SearchText = Annotated[str, MaxText(200)]
# A reason or a note someone writes in a form's text box (TextFields have no length of their own).
Note = Annotated[str, MaxText(2000)]


def absent() -> Any:
    """The default of a field that may be left out but not sent as null (a PATCH's fields): the value is
    None when the field is missing, while a null sent is still refused, since None is not of its type.
    (Typed as Any so that ``name: str = absent()`` reads as what it is.)"""
    return Field(default=None)


@dataclass(frozen=True)
class DecimalText:
    """Declares the length of the text form of a decimal an endpoint takes (``"4.50"`` beside 4.5), as
    every text an endpoint takes declares one (tests/core/test_input_limits); ``Field(max_digits=…)``
    refuses a longer one. Use: ``Annotated[Decimal, Field(max_digits=5, …), DecimalText(7)]``."""

    max_length: int

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        answer = handler(schema)
        for option in answer.get("anyOf", [answer]):
            if option.get("type") == "string":
                option["maxLength"] = self.max_length
        return answer
