"""Every write of health records: the summary and conditions, readings with the follow-ups they open (a
care task out of range, an incident for the operator when urgent), each elder's thresholds, and the care
tasks' completion. Each takes the actor, runs in one transaction and leaves an audit record."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.core import audit
from shouwang.core.actors import as_user, is_system, require_actor
from shouwang.core.errors import Forbidden, NotFound, ValidationFailed, require_state
from shouwang.core.text import within_limit
from shouwang.elders.models import Elder, Status

from .codes import DISPLAY_UNITS, KIND_MEASURES, MEASURE_LABELS, MEASURES, Measure, registry_conditions
from .models import (
    CareTask,
    CareTaskState,
    ConditionCode,
    ConditionSource,
    ContractStatus,
    ElderCondition,
    HealthSummary,
    Level,
    Vital,
    VitalKind,
    VitalSource,
    VitalThreshold,
)
from .permissions import may_keep_summary, may_keep_thresholds, may_record_vitals, may_work_care_tasks
from .selectors import care_tasks_for, health_elder_for, summary_of, thresholds_of

# A reading may carry a device or phone clock a few minutes ahead of ours, and be typed in late.
FUTURE_TOLERANCE = dt.timedelta(minutes=5)
OLDEST_READING = dt.timedelta(days=366)
SUMMARY_TEXTS = {
    "allergies": 300,
    "medications": 500,
    "family_doctor": 40,
    "family_doctor_team": 80,
    "family_doctor_phone": 20,
    "hospital": 80,
    "platform_patient_id": 64,
}
SUMMARY_FIELDS = (*SUMMARY_TEXTS, "contract_status", "contract_start", "contract_end")
NOTE_LENGTH = 300


def _summary_label(field: str) -> str:
    return str(getattr(HealthSummary._meta.get_field(field), "verbose_name", field))


# --- summary and conditions ---------------------------------------------------------------------------


def update_summary(*, actor, elder_id: int, values: dict[str, Any]) -> HealthSummary:
    """Change the fields of an elder's health summary named in ``values`` (others are left as they are);
    the first change makes the row."""
    require_actor(actor)
    elder = health_elder_for(actor, elder_id)
    if not is_system(actor) and not may_keep_summary(actor):
        raise Forbidden(_("Your role does not keep health records."))
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    for field, limit in SUMMARY_TEXTS.items():
        if field in values:
            try:
                cleaned[field] = within_limit(values[field], limit, field=field, label=_summary_label(field))
            except ValidationFailed as failure:
                errors.update(failure.errors)
    if "contract_status" in values:
        if values["contract_status"] not in ContractStatus.values:
            errors["contract_status"] = _("Choose the contract's status.")
        cleaned["contract_status"] = values["contract_status"]
    for field in ("contract_start", "contract_end"):
        if field in values:
            cleaned[field] = _day(values[field], field, errors)
    with transaction.atomic():
        summary = summary_of(elder)
        if summary.pk:
            summary = HealthSummary.objects.select_for_update().get(pk=summary.pk)
        before = audit.snapshot(summary, SUMMARY_FIELDS)
        for field, value in cleaned.items():
            setattr(summary, field, value)
        start, end = summary.contract_start, summary.contract_end
        if start and end and end < start:
            errors["contract_end"] = _("The contract cannot end before it starts.")
        if errors:
            raise ValidationFailed(next(iter(errors.values())), errors=errors)
        summary.save()
        old, new = audit.changed(before, audit.snapshot(summary, SUMMARY_FIELDS))
        audit.record(
            actor=actor,
            action="health.summary.update",
            obj=summary,
            before=old,
            after=new,
            region_code=elder.community_id,
        )
    return summary


def _day(value: Any, field: str, errors: dict) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        errors[field] = _("Give a date as YYYY-MM-DD.")
        return None


def add_condition(*, actor, elder_id: int, code: str, noted_on: dt.date | None = None) -> ElderCondition:
    """Record a chronic condition by its ICD-10 code (from the table of codes)."""
    require_actor(actor)
    elder = health_elder_for(actor, elder_id)
    if not is_system(actor) and not may_keep_summary(actor):
        raise Forbidden(_("Your role does not keep health records."))
    found = ConditionCode.objects.filter(pk=(code or "").strip().upper()).first()
    if found is None:
        message = _("Choose a condition from the list of ICD-10 codes.")
        raise ValidationFailed(message, errors={"code": message})
    with transaction.atomic():
        Elder.objects.select_for_update().filter(pk=elder.pk).first()
        if ElderCondition.objects.filter(elder=elder, code=found).exists():
            message = _("This condition is already recorded.")
            raise ValidationFailed(message, errors={"code": message})
        condition = ElderCondition.objects.create(
            elder=elder, code=found, name=found.name, noted_on=noted_on, source=ConditionSource.CONSOLE
        )
        audit.record(
            actor=actor,
            action="health.condition.add",
            obj=condition,
            after={"code": found.code, "name": found.name},
            region_code=elder.community_id,
        )
    return condition


def remove_condition(*, actor, elder_id: int, condition_id: int) -> None:
    require_actor(actor)
    elder = health_elder_for(actor, elder_id)
    if not is_system(actor) and not may_keep_summary(actor):
        raise Forbidden(_("Your role does not keep health records."))
    with transaction.atomic():
        condition = (
            ElderCondition.objects.select_for_update()
            .filter(elder=elder, pk=condition_id)
            .order_by("pk")
            .first()
        )
        if condition is None:
            raise NotFound(_("This condition is not recorded for the elder."))
        audit.record(
            actor=actor,
            action="health.condition.remove",
            obj=condition,
            before={"code": condition.code_id, "name": condition.name},
            region_code=elder.community_id,
        )
        condition.delete()


def adopt_registry(*, actor, elder_ids) -> int:
    """Carry the registry's chronic conditions and family-doctor flag of ``elder_ids`` (after an import)
    into their health records, as the data migration did for the elders there were: known names become
    their ICD-10 codes, other texts are kept as they are; nothing recorded already is changed. Returns the
    conditions added. The platform itself, or the registry's writers for elders in their scope."""
    require_actor(actor)
    if not is_system(actor) and not may_keep_summary(actor):
        raise Forbidden(_("Your role does not keep health records."))
    from .selectors import health_elders_for

    added = 0
    with transaction.atomic():
        for elder in health_elders_for(actor).filter(pk__in=list(elder_ids)).order_by("pk"):
            held = set(ElderCondition.objects.filter(elder=elder).values_list("code_id", "name"))
            held_codes = {code for code, _name in held if code}
            held_names = {name for code, name in held if not code}
            for code, name in registry_conditions(elder.chronic_conditions):
                if (code and code in held_codes) or (not code and name in held_names):
                    continue
                ElderCondition.objects.create(
                    elder=elder, code_id=code, name=name, source=ConditionSource.REGISTRY
                )
                added += 1
            if elder.family_doctor_contract:
                HealthSummary.objects.get_or_create(
                    elder=elder, defaults={"contract_status": ContractStatus.ACTIVE}
                )
        audit.record(
            actor=actor,
            action="health.registry.adopt",
            after={"elders": len(list(elder_ids)), "conditions": added},
        )
    return added


# --- readings ------------------------------------------------------------------------------------------


def plausible(kind: str, values: dict[str, float]) -> bool:
    """Whether a device's numbers could be a real reading (registered with the alarms ingestion)."""
    try:
        _checked_values(kind, values)
    except ValidationFailed:
        return False
    return True


def _checked_values(kind: str, values: dict[str, Any]) -> dict[str, float]:
    """The reading's numbers by measure, or a ValidationFailed saying in plain words which is wrong."""
    if kind not in VitalKind.values:
        message = _(
            "Choose the kind of reading: blood pressure, heart rate, blood glucose, SpO₂, "
            "temperature or weight."
        )
        raise ValidationFailed(message, errors={"kind": message})
    errors: dict[str, str] = {}
    numbers: dict[str, float] = {}
    for name in KIND_MEASURES[kind]:
        field = "value" if len(KIND_MEASURES[kind]) == 1 else name
        measure = MEASURES[name]
        raw = values.get(field)
        number = _number(raw)
        low, high = measure.plausible
        if number is None:
            errors[field] = _("Give the %(measure)s as a number.") % {"measure": MEASURE_LABELS[name]}
        elif not low <= number <= high:
            errors[field] = _("The %(measure)s must be between %(low)s and %(high)s %(unit)s.") % {
                "measure": MEASURE_LABELS[name],
                "low": _plain(low),
                "high": _plain(high),
                "unit": DISPLAY_UNITS[measure.unit],
            }
        else:
            numbers[name] = number
    if kind == VitalKind.BLOOD_PRESSURE and len(numbers) == 2 and numbers["diastolic"] >= numbers["systolic"]:
        errors["diastolic"] = _("The diastolic pressure must be lower than the systolic pressure.")
    if errors:
        raise ValidationFailed(next(iter(errors.values())), errors=errors)
    return numbers


def _number(raw: Any) -> float | None:
    if isinstance(raw, bool) or raw in (None, ""):
        return None
    try:
        number = float(raw)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _plain(number: float) -> str:
    return f"{number:g}"


def _checked_moment(measured_at: dt.datetime | None) -> dt.datetime:
    now = timezone.now()
    if measured_at is None:
        return now
    if timezone.is_naive(measured_at):
        measured_at = timezone.make_aware(measured_at)
    if measured_at > now + FUTURE_TOLERANCE:
        message = _("The time of the reading is in the future.")
        raise ValidationFailed(message, errors={"measured_at": message})
    if measured_at < now - OLDEST_READING:
        message = _("The reading is more than a year old.")
        raise ValidationFailed(message, errors={"measured_at": message})
    return measured_at


def record_vital(
    *,
    actor,
    elder_id: int,
    kind: str,
    values: dict[str, Any],
    measured_at: dt.datetime | None = None,
    source: str = VitalSource.VISIT,
) -> Vital:
    """Record a reading taken by a caregiver on a visit or sent through the API; a reading outside the
    elder's thresholds opens its follow-up (see ``_follow_up``)."""
    require_actor(actor)
    elder = health_elder_for(actor, elder_id)
    if not is_system(actor) and not may_record_vitals(actor):
        raise Forbidden(_("Your role does not record vital signs."))
    numbers = _checked_values(kind, values)
    moment = _checked_moment(measured_at)
    with transaction.atomic():
        vital = _store(elder, kind, numbers, moment, source=source, actor=actor)
    return vital


def _store(elder: Elder, kind: str, numbers: dict[str, float], moment, *, source, actor, device_event=None):
    """Save one checked reading, grade it against the elder's thresholds, open its follow-up, audit it."""
    names = KIND_MEASURES[kind]
    level = _level(numbers, thresholds_of(elder))
    vital = Vital.objects.create(
        elder=elder,
        community_id=elder.community_id,
        kind=kind,
        value=numbers[names[0]],
        second_value=numbers[names[1]] if len(names) > 1 else None,
        measured_at=moment,
        source=source,
        recorded_by=as_user(actor),
        device_event=device_event,
        level=level,
    )
    audit.record(
        actor=actor,
        action="health.vital.record",
        obj=vital,
        after={"kind": kind, **numbers, "level": level, "source": source},
        region_code=elder.community_id,
    )
    if level != Level.NORMAL:
        _follow_up(vital)
    return vital


def _level(numbers: dict[str, float], bounds: dict[str, Measure]) -> str:
    """Urgent when any number reaches its urgent bound, out of range when any leaves its normal range."""
    level = Level.NORMAL
    for name, number in numbers.items():
        bound = bounds[name]
        if (bound.urgent_low is not None and number <= bound.urgent_low) or (
            bound.urgent_high is not None and number >= bound.urgent_high
        ):
            return Level.URGENT
        if (bound.low is not None and number < bound.low) or (bound.high is not None and number > bound.high):
            level = Level.OUT_OF_RANGE
    return level


def describe(vital: Vital) -> str:
    """ "血压 185/100 mmHg" — the reading in words for a task or an incident note."""
    names = KIND_MEASURES[vital.kind]
    unit = DISPLAY_UNITS[MEASURES[names[0]].unit]
    number = _plain(vital.value)
    if vital.second_value is not None:
        number = f"{number}/{_plain(vital.second_value)}"
    return f"{VitalKind(vital.kind).label} {number} {unit}"


def _follow_up(vital: Vital) -> CareTask:
    """An out-of-range reading opens a care task for the community, or joins the open one of its kind (a
    device measuring every hour makes one task, not one a reading). An urgent one also opens an incident
    for the operator, unless one about the elder's vitals is still open."""
    from shouwang.alarms.incidents import open_incident
    from shouwang.alarms.models import OPEN_STATES, Incident, IncidentKind, Priority

    elder = vital.elder
    task = (
        CareTask.objects.select_for_update()
        .filter(elder=elder, kind=vital.kind, state=CareTaskState.OPEN)
        .first()
    )
    if task is None:
        task = CareTask.objects.create(
            elder=elder,
            community_id=elder.community_id,
            kind=vital.kind,
            vital=vital,
            due_on=timezone.localdate() + dt.timedelta(days=settings.SHOUWANG_CARE_TASK_DAYS),
        )
        audit.record(
            actor=None,
            action="health.care_task.open",
            obj=task,
            after={"vital": vital.pk, "level": vital.level},
            region_code=elder.community_id,
        )
    else:
        task.vital, task.readings = vital, task.readings + 1
        task.save(update_fields=["vital", "readings", "updated_at"])
    if vital.level == Level.URGENT:
        open_one = Incident.objects.filter(
            elder=elder, kind=IncidentKind.VITAL_SIGN, state__in=OPEN_STATES
        ).first()
        incident = open_one or open_incident(
            elder=elder,
            device=vital.device_event.device if vital.device_event is not None else None,
            kind=IncidentKind.VITAL_SIGN,
            priority=Priority.URGENT,
            note=_("Urgent reading: %(reading)s") % {"reading": describe(vital)},
        )
        if task.incident_id != incident.pk:
            task.incident = incident
            task.save(update_fields=["incident", "updated_at"])
    return task


def record_device_measurements(sender, *, events, **kwargs) -> None:
    """Receiver of ``alarms.signals.measurements_recorded``, inside the ingest transaction: each new
    measurement event of a device bound to an active elder becomes a reading (its numbers were checked
    as plausible by ``plausible`` at ingestion). An unbound device's measurement stays an event only."""
    for event in events:
        elder = event.device.elder
        if elder is None or elder.status != Status.ACTIVE:
            continue
        _store(
            elder,
            event.type,
            _checked_values(event.type, event.values),
            event.ts,
            source=VitalSource.DEVICE,
            actor=None,
            device_event=event,
        )


# --- thresholds ----------------------------------------------------------------------------------------

BOUND_FIELDS = ("low", "high", "urgent_low", "urgent_high")


def set_threshold(*, actor, elder_id: int, measure: str, values: dict[str, Any]) -> VitalThreshold:
    """Set an elder's own bounds for one measure (empty: no such bound). They must nest: urgent low ≤ low
    < high ≤ urgent high, each within the measure's plausible range."""
    require_actor(actor)
    elder = health_elder_for(actor, elder_id)
    if not is_system(actor) and not may_keep_thresholds(actor):
        raise Forbidden(_("Your role does not set thresholds."))
    if measure not in MEASURES:
        raise ValidationFailed(_("Unknown measure."), errors={"measure": _("Unknown measure.")})
    plausible_low, plausible_high = MEASURES[measure].plausible
    errors: dict[str, str] = {}
    bounds: dict[str, float | None] = {}
    for field in BOUND_FIELDS:
        raw = values.get(field)
        number = _number(raw)
        if raw not in (None, "") and (number is None or not plausible_low <= number <= plausible_high):
            errors[field] = _("A bound must be a number between %(low)s and %(high)s.") % {
                "low": _plain(plausible_low),
                "high": _plain(plausible_high),
            }
        bounds[field] = number
    ordered = [
        number
        for field in ("urgent_low", "low", "high", "urgent_high")
        if (number := bounds[field]) is not None
    ]
    if not errors and ordered != sorted(ordered):
        errors["low"] = _("The bounds must rise: urgent low, low, high, urgent high.")
    if errors:
        raise ValidationFailed(next(iter(errors.values())), errors=errors)
    with transaction.atomic():
        row = VitalThreshold.objects.select_for_update().filter(elder=elder, measure=measure).first()
        before = audit.snapshot(row, BOUND_FIELDS) if row else {}
        row = row or VitalThreshold(elder=elder, measure=measure)
        for field, number in bounds.items():
            setattr(row, field, number)
        row.save()
        audit.record(
            actor=actor,
            action="health.threshold.set",
            obj=row,
            before=before,
            after={"measure": measure, **bounds},
            region_code=elder.community_id,
        )
    return row


# --- care tasks ----------------------------------------------------------------------------------------


def complete_care_task(*, actor, task_id: int, note: str) -> CareTask:
    """Record what the community did about an out-of-range reading (called, visited, sent to the doctor)."""
    require_actor(actor)
    if not is_system(actor) and not may_work_care_tasks(actor):
        raise Forbidden(_("Your role does not follow up readings."))
    note = within_limit(note, NOTE_LENGTH, field="note", label=_("What was done"))
    if not note:
        message = _("Say what was done.")
        raise ValidationFailed(message, errors={"note": message})
    with transaction.atomic():
        try:
            task = care_tasks_for(actor).select_for_update(of=("self",)).get(pk=task_id)
        except (CareTask.DoesNotExist, ValueError, TypeError):
            raise NotFound(_("This care task does not exist or is outside your area.")) from None
        require_state(task, [CareTaskState.OPEN], _("This care task is already %(state)s."))
        task.state, task.note = CareTaskState.DONE, note
        task.done_at, task.done_by = timezone.now(), as_user(actor)
        task.save()
        audit.record(
            actor=actor,
            action="health.care_task.done",
            obj=task,
            after={"note": note},
            region_code=task.community_id,
        )
    return task
