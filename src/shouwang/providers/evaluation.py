"""Provider evaluation (服务评估): a monthly score from elder ratings, complaints, on-time and verified visits
and inspections, weighted by the scheme in force (data, not code), a star grade, and the red and black lists.

Each component comes from a *source*: a function registered by the app that owns the facts. Inspections are
here; the orders app registers ratings, complaints, on-time and verification rates. A component without
data that month is left out and the other weights are scaled up, and the score page says so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import Avg, Case, Count, IntegerField, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.core import audit
from shouwang.core.actors import as_user, is_system
from shouwang.core.errors import Forbidden, ValidationFailed
from shouwang.core.text import within_limit

from .models import (
    EvaluationScheme,
    Inspection,
    InspectionResult,
    ListEntry,
    ListKind,
    Provider,
    ProviderScore,
    ProviderState,
)
from .permissions import may_evaluate_providers
from .selectors import get_provider_for

COMPONENTS = ("rating", "complaints", "on_time", "verification", "inspection")
INSPECTION_POINTS = {InspectionResult.PASSED: 100, InspectionResult.MINOR: 70, InspectionResult.MAJOR: 30}


@dataclass(frozen=True)
class Measure:
    """One component for one provider and month: the 0–100 score, the raw value and how many facts."""

    score: float | None
    value: float | None = None
    count: int = 0


Source = Callable[[int, dt.date, dt.date], Measure]
_sources: dict[str, Source] = {}


def register_source(component: str, source: Source) -> None:
    """Give a component its facts: ``source(provider_id, first_day, last_day) -> Measure``."""
    if component not in COMPONENTS:
        raise ValueError(f"unknown evaluation component {component}")
    _sources[component] = source


def combine(scores: dict[str, float | None], weights: dict[str, float]) -> float | None:
    """The weighted mean of the components that have a score; None when none has."""
    present = {key: score for key, score in scores.items() if score is not None and weights.get(key)}
    total_weight = sum(weights[key] for key in present)
    if not total_weight:
        return None
    return sum(score * weights[key] for key, score in present.items()) / total_weight


def stars_for(total: float | None, bands: list[list[float]]) -> int | None:
    if total is None:
        return None
    return next(stars for lowest, stars in sorted(bands, reverse=True) if total >= lowest)


def scheme_on(day: dt.date) -> EvaluationScheme:
    scheme = EvaluationScheme.objects.filter(effective_from__lte=day).order_by("-effective_from").first()
    if scheme is None:
        raise ValidationFailed(_("No evaluation scheme is in force for that month."))
    return scheme


def _month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    first = month.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return first, following - dt.timedelta(days=1)


def score_month(*, month: dt.date, provider_ids: list[int] | None = None) -> int:
    """(Re)compute the month's score of every admitted or exited provider; running it again gives the same
    rows. A system job (the scheduler) calls it; returns how many scores were written."""
    first, last = _month_bounds(month)
    scheme = scheme_on(first)
    providers = Provider.objects.filter(state__in=[ProviderState.ADMITTED, ProviderState.EXITED])
    if provider_ids is not None:
        providers = providers.filter(pk__in=provider_ids)
    written = 0
    for provider_id in providers.values_list("pk", flat=True):
        measures = {key: _sources[key](provider_id, first, last) if key in _sources else Measure(None)
                    for key in COMPONENTS}  # fmt: skip
        total = combine({key: m.score for key, m in measures.items()}, scheme.weights)
        rounded = None if total is None else Decimal(str(total)).quantize(Decimal("0.1"), ROUND_HALF_UP)
        components = {
            key: {"score": m.score, "value": m.value, "count": m.count, "weight": scheme.weights.get(key, 0)}
            for key, m in measures.items()
        }
        ProviderScore.objects.update_or_create(
            provider_id=provider_id,
            month=first,
            defaults={
                "scheme": scheme,
                "components": components,
                "total": rounded,
                "stars": stars_for(float(rounded) if rounded is not None else None, scheme.star_bands),
            },
        )
        written += 1
    return written


def inspection_measure(provider_id: int, first: dt.date, last: dt.date) -> Measure:
    """Inspections of the month: passed 100, minor findings 70, major findings 30, averaged."""
    points = Case(
        *(When(result=result, then=Value(value)) for result, value in INSPECTION_POINTS.items()),
        output_field=IntegerField(),
    )
    found = Inspection.objects.filter(provider_id=provider_id, inspected_on__range=(first, last)).aggregate(
        average=Avg(points), count=Count("id")
    )
    if not found["count"]:
        return Measure(None)
    return Measure(score=float(found["average"]), value=float(found["average"]), count=found["count"])


register_source("inspection", inspection_measure)


def _require_official(actor) -> None:
    # The platform itself lists a provider when an inspection finding goes unrectified (inspections app).
    if not (is_system(actor) or may_evaluate_providers(actor)):
        raise Forbidden(_("Only civil-affairs officials record inspections and list providers."))


def record_inspection(
    *, actor, provider_id: int, inspected_on: dt.date, result: str, findings: str = "", rectify_by=None
) -> Inspection:
    _require_official(actor)
    provider = get_provider_for(actor, provider_id)
    if result not in InspectionResult.values:
        raise ValidationFailed(
            _("Unknown inspection result."), errors={"result": _("Unknown inspection result.")}
        )
    if result != InspectionResult.PASSED and not findings.strip():
        message = _("Describe the findings.")
        raise ValidationFailed(message, errors={"findings": message})
    if inspected_on > timezone.localdate():
        message = _("An inspection cannot be in the future.")
        raise ValidationFailed(message, errors={"inspected_on": message})
    with transaction.atomic():
        inspection = Inspection.objects.create(
            provider=provider,
            inspected_on=inspected_on,
            result=result,
            findings=findings.strip(),
            rectify_by=rectify_by,
            inspector=actor,
        )
        audit.record(
            actor=actor,
            action="providers.inspection",
            obj=provider,
            after={"on": inspected_on, "result": result, "findings": inspection.findings},
            region_code=provider.region_id,
            provider_id=provider.pk,
        )
    return inspection


def add_to_list(
    *, actor, provider_id: int, kind: str, reason: str, starts_on: dt.date | None = None, ends_on=None
) -> ListEntry:
    """Put a provider on the red or the black list; a black-listed provider takes no new orders."""
    _require_official(actor)
    provider = get_provider_for(actor, provider_id)
    if kind not in ListKind.values:
        raise ValidationFailed(_("Choose the red or the black list."), errors={"kind": _("Required.")})
    reason = within_limit(reason, 300, field="reason", label=_("The reason"))
    if not reason:
        raise ValidationFailed(_("Give the reason."), errors={"reason": _("Required.")})
    starts_on = starts_on or timezone.localdate()
    if ends_on is not None and ends_on < starts_on:
        message = _("The listing cannot end before it starts.")
        raise ValidationFailed(message, errors={"ends_on": message})
    with transaction.atomic():
        entry = ListEntry.objects.create(
            provider=provider, kind=kind, reason=reason, starts_on=starts_on, ends_on=ends_on,
            added_by=as_user(actor),
        )  # fmt: skip
        audit.record(
            actor=actor,
            action=f"providers.{kind}_list",
            obj=provider,
            after={"reason": entry.reason, "from": starts_on, "until": ends_on},
            region_code=provider.region_id,
            provider_id=provider.pk,
        )
    return entry


def is_black_listed(provider_id: int, day: dt.date | None = None) -> bool:
    day = day or timezone.localdate()
    entries = ListEntry.objects.filter(provider_id=provider_id, kind=ListKind.BLACK, starts_on__lte=day)
    return any(entry.is_in_force_on(day) for entry in entries)
