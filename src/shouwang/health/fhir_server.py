"""The FHIR R4 server's reads (``/fhir/r4/``), for one ``HealthClient`` at a time: a client sees only the
elders of its region's subtree and their readings, conditions and care plans; anything else is "not
found", exactly like a missing id. Searches by identifier, ``_id``, ``patient``, ``code`` and
``_lastUpdated`` (prefixes eq, gt, ge, lt, le on a date or an instant), paged by ``_count`` (default 50,
at most 200) and our own ``_offset``. A search by the ID number is refused to a client not allowed to read
ID numbers (so it cannot test who is registered). Every read is audited (``audit_read``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from shouwang.assessments.models import CarePlan
from shouwang.core import audit
from shouwang.elders.models import Elder
from shouwang.regions.models import prefix_of

from . import fhir
from .codes import BLOOD_PRESSURE_PANEL, KIND_MEASURES, MEASURES
from .models import ElderCondition, HealthClient, Vital

DEFAULT_COUNT, MAX_COUNT = 50, 200
MAX_OFFSET = 10_000_000
MAX_ID_DIGITS = 18  # a primary key is a bigint: a longer number names nothing (and must not reach SQL)
YEARS = (1900, 2200)  # _lastUpdated outside these names no record of ours
PREFIXES = ("eq", "gt", "ge", "lt", "le")


class SearchError(Exception):
    """A search the server refuses: ``status`` and the FHIR issue ``code``."""

    def __init__(self, status: int, code: str, text: str):
        super().__init__(text)
        self.status, self.code, self.text = status, code, text


@dataclass(frozen=True)
class ResourceType:
    name: str
    updated_field: str  # what _lastUpdated compares
    patient_field: str  # the elder's id


TYPES = {
    "Patient": ResourceType("Patient", "updated_at", "pk"),
    "Observation": ResourceType("Observation", "recorded_at", "elder_id"),
    "Condition": ResourceType("Condition", "updated_at", "elder_id"),
    "CarePlan": ResourceType("CarePlan", "updated_at", "elder_id"),
}


def elders_of(client: HealthClient) -> QuerySet[Elder]:
    return Elder.objects.filter(community__code__startswith=prefix_of(client.region_id))


def _rows(client: HealthClient, kind: str) -> QuerySet:
    elders = elders_of(client).values("pk")
    if kind == "Patient":
        return elders_of(client).order_by("pk")
    if kind == "Observation":
        return Vital.objects.filter(elder_id__in=elders).order_by("pk")
    if kind == "Condition":
        return ElderCondition.objects.filter(elder_id__in=elders).order_by("pk")
    return CarePlan.objects.filter(elder_id__in=elders).prefetch_related("items").order_by("pk")


def build(client: HealthClient, kind: str, row) -> Any:
    if kind == "Patient":
        return fhir.patient(row, with_id_number=client.may_read_id_numbers)
    if kind == "Observation":
        return fhir.observation(row)
    if kind == "Condition":
        return fhir.condition(row)
    return fhir.care_plan(row)


def _id_value(text: str) -> int | None:
    return int(text) if text.isdigit() and len(text) <= MAX_ID_DIGITS else None


def read(client: HealthClient, kind: str, resource_id: str):
    """One resource by id, or None when it is missing or outside the client's region."""
    pk = _id_value(resource_id)
    if pk is None:
        return None
    row = _rows(client, kind).filter(pk=pk).first()
    return None if row is None else build(client, kind, row)


def search(client: HealthClient, kind: str, params) -> tuple[list, int, int, int]:
    """The matching resources of one page, the total, the offset and the count; ``params`` a QueryDict."""
    spec = TYPES[kind]
    rows = _rows(client, kind)
    for value in params.getlist("_id"):
        rows = rows.filter(pk__in=[pk for part in value.split(",") if (pk := _id_value(part)) is not None])
    for value in params.getlist("_lastUpdated"):
        rows = rows.filter(_last_updated(spec.updated_field, value))
    if kind == "Patient":
        for value in params.getlist("identifier"):
            rows = rows.filter(_identifier(client, value))
    else:
        for value in params.getlist("patient") + params.getlist("subject"):
            elder_id = _id_value(value.removeprefix("Patient/"))
            rows = rows.filter(**{spec.patient_field: elder_id}) if elder_id is not None else rows.none()
    if kind == "Observation":
        for value in params.getlist("code"):
            rows = rows.filter(kind__in=_kinds_of(value))
    count = _whole(params.get("_count"), DEFAULT_COUNT, "_count")
    count = min(count, MAX_COUNT)
    offset = _whole(params.get("_offset"), 0, "_offset")
    if offset > MAX_OFFSET:
        raise SearchError(400, "invalid", f"_offset may be at most {MAX_OFFSET}.")
    total = rows.count()
    page = list(rows[offset : offset + count]) if count else []
    return [build(client, kind, row) for row in page], total, offset, count


def _whole(raw: str | None, default: int, name: str) -> int:
    if raw in (None, ""):
        return default
    if not raw.isdigit() or len(raw) > MAX_ID_DIGITS:
        raise SearchError(400, "invalid", f"{name} must be a whole number from 0.")
    return int(raw)


def _identifier(client: HealthClient, value: str) -> Q:
    system, _bar, number = value.rpartition("|")
    if system and system != settings.SHOUWANG_FHIR_ID_NUMBER_SYSTEM:
        return Q(pk__in=[])  # an identifier system we do not publish matches nobody
    if not client.may_read_id_numbers:
        raise SearchError(403, "forbidden", "This client may not search by the resident ID number.")
    return Q(id_number=number.strip().upper())


def _kinds_of(value: str) -> list[str]:
    code = value.rpartition("|")[2]
    kinds = [kind for kind, names in KIND_MEASURES.items() if any(MEASURES[n].loinc == code for n in names)]
    return kinds + (["blood_pressure"] if code == BLOOD_PRESSURE_PANEL else [])


def _last_updated(field: str, value: str) -> Q:
    prefix = value[:2] if value[:2] in PREFIXES else "eq"
    text = value[2:] if value[:2] in PREFIXES else value
    start, end = _moment_range(text)
    conditions = {
        "eq": Q(**{f"{field}__gte": start, f"{field}__lt": end}),
        "gt": Q(**{f"{field}__gte": end}),
        "ge": Q(**{f"{field}__gte": start}),
        "lt": Q(**{f"{field}__lt": start}),
        "le": Q(**{f"{field}__lt": end}),
    }
    return conditions[prefix]


def _moment_range(text: str) -> tuple[dt.datetime, dt.datetime]:
    """The span a FHIR date or instant stands for: a whole (local) day for a date, one second for an
    instant given to the second."""
    try:
        if len(text) == 10:
            day = dt.date.fromisoformat(text)
            moment = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
            span = dt.timedelta(days=1)
        else:
            moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
            span = dt.timedelta(seconds=1)
    except ValueError:
        raise SearchError(
            400, "invalid", f"_lastUpdated: {text[:40]!r} is not a date or an instant."
        ) from None
    if timezone.is_naive(moment):
        raise SearchError(400, "invalid", "_lastUpdated: an instant needs its time zone (Z or +08:00).")
    if not YEARS[0] <= moment.year <= YEARS[1]:
        raise SearchError(400, "invalid", f"_lastUpdated: a year from {YEARS[0]} to {YEARS[1]}.")
    return moment, moment + span


def audit_read(client: HealthClient, *, kind: str, query: str, ids: list[str], status: int) -> None:
    """One audit record per request a client made: what it asked and which resources it was given."""
    audit.record(
        actor=None,
        action="health.fhir.read",
        obj=client,
        after={
            "client": client.name,
            "resource": kind,
            "query": query[:300],
            "ids": ids[:200],
            "status": status,
        },
        region_code=client.region_id,
    )
