"""A provider's staff (从业人员): caregivers and other workers, their certificates, training, skills and
weekly shifts, and the eligibility rule that decides who may deliver a service item at a given time.

A provider admin manages only their own staff, officials those of providers registered in their region
(both through ``selectors.get_provider_for`` / ``get_staff_for``); caregivers read only themselves. Every
write is one transaction with its audit record. ID numbers and phones are shown masked everywhere.

Eligibility (``eligibility``): a staff member may do an item at a time when they are active, their provider
may take orders (``admission.may_take_orders``), the item is among their skills, they hold the item's
required certificate in date (养老护理员, 健康证 …) and the time lies inside one of their weekly shifts.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shouwang.catalog.models import CERTIFICATE_NAMES, Certificate, ServiceItem
from shouwang.core import audit
from shouwang.core.errors import Forbidden, ValidationFailed
from shouwang.core.idnumbers import InvalidIdNumber, parse_resident_id
from shouwang.core.phones import normalise_phone
from shouwang.core.text import listed, too_long, within_limit

from .admission import may_take_orders
from .models import (
    ProviderState,
    StaffCertificate,
    StaffCertificateKind,
    StaffJob,
    StaffMember,
    TrainingRecord,
)
from .permissions import may_manage_staff
from .selectors import get_provider_for, get_staff_for

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAY_NAMES = {
    "mon": gettext_lazy("Monday"),
    "tue": gettext_lazy("Tuesday"),
    "wed": gettext_lazy("Wednesday"),
    "thu": gettext_lazy("Thursday"),
    "fri": gettext_lazy("Friday"),
    "sat": gettext_lazy("Saturday"),
    "sun": gettext_lazy("Sunday"),
}
# 养老护理员 grades (国家职业技能标准 养老护理员).
CAREGIVER_LEVELS = ("初级", "中级", "高级", "技师", "高级技师")
PHOTO_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp")
PHOTO_MAX_BYTES = 5 * 1024 * 1024
# The staff fields ``update_staff`` may change, and those kept in the audit record.
UPDATABLE = ("name", "id_number", "phone", "job", "home_lat", "home_lon", "photo", "user")
AUDITED = ("name", "id_number", "phone", "job", "home_lat", "home_lon", "photo", "user", "active")
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


# --- permission and audit helpers ----------------------------------------------------------------------


def _require_manager(actor) -> None:
    if not may_manage_staff(actor):
        raise Forbidden(_("Only the provider's administrator or an official may manage staff."))


def _staff_to_change(actor, staff_id: int) -> StaffMember:
    """The staff member, when the actor may manage them; NotFound when out of scope."""
    _require_manager(actor)
    staff = get_staff_for(actor, staff_id)
    get_provider_for(actor, staff.provider_id)
    return staff


def _snapshot(staff: StaffMember) -> dict:
    """The audited values (``audit.record`` masks the ID number and phone)."""
    values = audit.snapshot(staff, [f for f in AUDITED if f not in ("photo", "user")])
    values["photo"] = staff.photo.name if staff.photo else ""
    values["user"] = staff.user_id
    return values


def _record(actor, action: str, staff: StaffMember, *, before=None, after=None) -> None:
    audit.record(
        actor=actor,
        action=f"providers.staff.{action}",
        obj=staff,
        before=before,
        after=after,
        region_code=staff.provider.region_id,
        provider_id=staff.provider_id,
    )


def _fail(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationFailed(next(iter(errors.values())), errors=errors)


# --- field checks --------------------------------------------------------------------------------------


def _check_id_number(raw: str, errors: dict, *, exclude_pk: int | None = None) -> str:
    try:
        number = parse_resident_id((raw or "").strip()).number
    except InvalidIdNumber as error:
        errors["id_number"] = error.message
        return ""
    if StaffMember.objects.filter(id_number=number).exclude(pk=exclude_pk).exists():
        errors["id_number"] = _("A staff member with this ID number is already registered.")
    return number


def _check_phone(raw: str, errors: dict) -> str:
    try:
        return normalise_phone(raw, field="phone")
    except ValidationFailed as error:
        errors["phone"] = error.message
        return ""


def _check_coordinate(value, low: float, high: float, field: str, errors: dict) -> float | None:
    if value in (None, ""):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = None
    if number is None or not low <= number <= high:
        errors[field] = _("Not a valid coordinate.")
        return None
    return number


def _check_photo(photo, errors: dict):
    if not photo:
        return photo
    name = getattr(photo, "name", "") or ""
    if not name.lower().endswith(PHOTO_EXTENSIONS):
        errors["photo"] = _("The photo must be a JPEG, PNG or WebP picture.")
    elif (getattr(photo, "size", 0) or 0) > PHOTO_MAX_BYTES:
        errors["photo"] = _("The photo is larger than 5 MB.")
    return photo


def _check_login(user_id, provider_id: int, errors: dict, *, staff_pk: int | None = None):
    """The login account to link: a caregiver account of the same provider, not linked to someone else."""
    if user_id in (None, ""):
        return None
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None or user.provider_id != provider_id:
        errors["user"] = _("Choose a login account of this provider.")
        return None
    if StaffMember.objects.filter(user=user).exclude(pk=staff_pk).exists():
        errors["user"] = _("This login account already belongs to another staff member.")
        return None
    return user


def _check_fields(values: dict, errors: dict, *, provider_id: int, staff_pk: int | None = None) -> dict:
    """Checked values for the keys present in ``values``; problems go to ``errors`` by field."""
    clean: dict = {}
    if "name" in values:
        clean["name"] = (values["name"] or "").strip()
        if message := too_long(clean["name"], 40, label=_("The name")):
            errors["name"] = message
        if not clean["name"]:
            errors["name"] = _("The name is required.")
    if "id_number" in values:
        clean["id_number"] = _check_id_number(values["id_number"], errors, exclude_pk=staff_pk)
    if "phone" in values:
        clean["phone"] = _check_phone(values["phone"], errors)
    if "job" in values:
        clean["job"] = values["job"] or StaffJob.CAREGIVER
        if clean["job"] not in StaffJob.values:
            errors["job"] = _("Unknown job.")
    if "home_lat" in values:
        clean["home_lat"] = _check_coordinate(values["home_lat"], -90, 90, "home_lat", errors)
    if "home_lon" in values:
        clean["home_lon"] = _check_coordinate(values["home_lon"], -180, 180, "home_lon", errors)
    if "photo" in values and values["photo"]:
        clean["photo"] = _check_photo(values["photo"], errors)
    if "user" in values:
        clean["user"] = _check_login(values["user"], provider_id, errors, staff_pk=staff_pk)
    return clean


# --- services ------------------------------------------------------------------------------------------


def add_staff(
    *,
    actor,
    provider_id: int,
    name: str,
    id_number: str,
    phone: str = "",
    job: str = StaffJob.CAREGIVER,
    photo=None,
    home_lat: float | None = None,
    home_lon: float | None = None,
    user_id: int | None = None,
    skills: list[str] | None = None,
    weekly_shifts: dict | None = None,
) -> StaffMember:
    """Register a worker of the provider with a validated ID number and phone; skills and shifts may be
    given at once (checked as by ``set_skills`` and ``set_shifts``)."""
    _require_manager(actor)
    provider = get_provider_for(actor, provider_id)
    if provider.state == ProviderState.EXITED:
        raise ValidationFailed(_("A provider that has exited registers no staff."))
    errors: dict[str, str] = {}
    values = {
        "name": name,
        "id_number": id_number,
        "phone": phone,
        "job": job,
        "home_lat": home_lat,
        "home_lon": home_lon,
        "photo": photo,
        "user": user_id,
    }
    clean = _check_fields(values, errors, provider_id=provider.pk)
    codes = _check_skills(skills or [], errors)
    shifts = _check_shifts(weekly_shifts or {}, errors)
    _fail(errors)
    with transaction.atomic():
        staff = StaffMember(provider=provider, skills=codes, weekly_shifts=shifts, **clean)
        staff.save()
        _record(actor, "add", staff, after={**_snapshot(staff), "skills": codes, "weekly_shifts": shifts})
    return staff


def update_staff(*, actor, staff_id: int, **changes) -> StaffMember:
    """Change any of ``UPDATABLE`` (``user`` is a login account's id, or None to unlink); only the change
    is audited. Unknown keys are refused."""
    unknown = sorted(set(changes) - set(UPDATABLE))
    if unknown:
        raise ValidationFailed(_("These fields cannot be changed here: %(f)s.") % {"f": listed(unknown)})
    staff = _staff_to_change(actor, staff_id)
    errors: dict[str, str] = {}
    clean = _check_fields(changes, errors, provider_id=staff.provider_id, staff_pk=staff.pk)
    _fail(errors)
    before = _snapshot(staff)
    for key, value in clean.items():
        setattr(staff, key, value)
    old, new = audit.changed(before, _snapshot(staff))
    if not new:
        return staff
    with transaction.atomic():
        staff.save()
        _record(actor, "update", staff, before=old, after=new)
    return staff


def deactivate_staff(*, actor, staff_id: int, reason: str = "") -> StaffMember:
    """The worker leaves or is suspended: no new assignments. Certificates and history stay."""
    staff = _staff_to_change(actor, staff_id)
    if not staff.active:
        return staff
    with transaction.atomic():
        staff.active = False
        staff.save(update_fields=["active", "updated_at"])
        _record(
            actor,
            "deactivate",
            staff,
            before={"active": True},
            after={
                "active": False,
                "reason": within_limit(reason, 200, field="reason", label=_("The reason")),
            },
        )
    return staff


def reactivate_staff(*, actor, staff_id: int) -> StaffMember:
    staff = _staff_to_change(actor, staff_id)
    if staff.active:
        return staff
    with transaction.atomic():
        staff.active = True
        staff.save(update_fields=["active", "updated_at"])
        _record(actor, "reactivate", staff, before={"active": False}, after={"active": True})
    return staff


def add_certificate(
    *,
    actor,
    staff_id: int,
    kind: str,
    number: str,
    issued_on: dt.date | None,
    expires_on: dt.date | None = None,
    level: str = "",
) -> StaffCertificate:
    """Record a certificate (养老护理员 with its level, 健康证, a licence …).

    ``expires_on`` None means long-term (长期有效)."""
    staff = _staff_to_change(actor, staff_id)
    errors: dict[str, str] = {}
    level = (level or "").strip()
    if kind not in StaffCertificateKind.values:
        errors["kind"] = _("Unknown certificate type.")
    if not (number or "").strip():
        errors["number"] = _("The certificate number is required.")
    if kind == StaffCertificateKind.ELDER_CAREGIVER and level not in CAREGIVER_LEVELS:
        errors["level"] = _("Give the level of the elderly-caregiver certificate: %(levels)s.") % {
            "levels": "、".join(CAREGIVER_LEVELS)
        }
    if issued_on is None:
        errors["issued_on"] = _("The date of issue is required.")
    elif issued_on > timezone.localdate():
        errors["issued_on"] = _("A certificate cannot be issued in the future.")
    elif expires_on is not None and expires_on < issued_on:
        errors["expires_on"] = _("A certificate cannot expire before it was issued.")
    _fail(errors)
    with transaction.atomic():
        certificate = StaffCertificate.objects.create(
            staff=staff,
            kind=kind,
            number=within_limit(number, 40, field="number", label=_("The certificate number")),
            level=within_limit(level, 20, field="level", label=_("The level")),
            issued_on=issued_on,
            expires_on=expires_on,
        )
        _record(
            actor,
            "certificate",
            staff,
            after={
                "kind": kind,
                "number": certificate.number,
                "level": level,
                "issued_on": issued_on,
                "expires_on": expires_on,
            },
        )
    return certificate


def add_training(
    *, actor, staff_id: int, title: str, trained_on: dt.date | None, hours, organiser: str = ""
) -> TrainingRecord:
    """Record a training the worker took (hours with one decimal, e.g. "7.5")."""
    staff = _staff_to_change(actor, staff_id)
    errors: dict[str, str] = {}
    if not (title or "").strip():
        errors["title"] = _("The title of the training is required.")
    if trained_on is None:
        errors["trained_on"] = _("The date of the training is required.")
    elif trained_on > timezone.localdate():
        errors["trained_on"] = _("A training cannot be recorded before it took place.")
    try:
        amount = Decimal(str(hours).strip())
    except (InvalidOperation, ValueError):
        amount = None
    if amount is None or not amount.is_finite() or not Decimal("0") < amount < Decimal("1000"):
        errors["hours"] = _("Give the hours as a number above 0 and below 1000.")
    elif amount != amount.quantize(Decimal("0.1")):
        errors["hours"] = _("Give the hours with at most one decimal.")
    _fail(errors)
    with transaction.atomic():
        record = TrainingRecord.objects.create(
            staff=staff,
            title=within_limit(title, 120, field="title", label=_("The title")),
            trained_on=trained_on,
            hours=amount,
            organiser=within_limit(organiser, 120, field="organiser", label=_("The organiser")),
        )
        _record(
            actor,
            "training",
            staff,
            after={
                "title": record.title,
                "trained_on": trained_on,
                "hours": amount,
                "organiser": record.organiser,
            },
        )
    return record


def _check_skills(codes, errors: dict) -> list[str]:
    if not isinstance(codes, list | tuple) or not all(isinstance(code, str) for code in codes):
        errors["skills"] = _("Give the skills as a list of catalogue item codes.")
        return []
    wanted = sorted({code.strip() for code in codes if code.strip()})
    known = set(ServiceItem.objects.filter(code__in=wanted).values_list("code", flat=True))
    unknown = [code for code in wanted if code not in known]
    if unknown:
        errors["skills"] = _("Not in the service catalogue: %(codes)s.") % {"codes": listed(unknown)}
    return wanted


def set_skills(*, actor, staff_id: int, codes: list[str]) -> StaffMember:
    """The catalogue items the worker may do (replaces the list); every code must be in the catalogue."""
    staff = _staff_to_change(actor, staff_id)
    errors: dict[str, str] = {}
    wanted = _check_skills(codes, errors)
    _fail(errors)
    before = list(staff.skills)
    with transaction.atomic():
        staff.skills = wanted
        staff.save(update_fields=["skills", "updated_at"])
        _record(actor, "skills", staff, before={"skills": before}, after={"skills": wanted})
    return staff


def _minutes(text) -> int | None:
    match = _TIME.match(text.strip()) if isinstance(text, str) else None
    return int(match.group(1)) * 60 + int(match.group(2)) if match else None


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _check_shifts(shifts, errors: dict) -> dict[str, list[list[str]]]:
    """The weekly pattern in its stored form (weekdays in order, ranges sorted, times as HH:MM). Problems
    go to ``errors["weekly_shifts"]`` and, per day, to ``errors["mon"]`` … for forms with a field a day."""
    if not isinstance(shifts, dict):
        errors["weekly_shifts"] = _("Give the shifts as weekdays (mon … sun) with lists of time ranges.")
        return {}
    unknown = [str(key) for key in shifts if key not in WEEKDAYS]
    if unknown:
        errors["weekly_shifts"] = _("Unknown weekdays: %(days)s; use mon, tue, wed, thu, fri, sat, sun.") % {
            "days": listed(unknown)
        }
        return {}
    clean: dict[str, list[list[str]]] = {}
    day_errors: dict[str, str] = {}
    for day in WEEKDAYS:
        ranges = shifts.get(day) or []
        if not isinstance(ranges, list | tuple):
            day_errors[day] = _("Give a list of time ranges.")
            continue
        spans = []
        for pair in ranges:
            start, end = (
                (_minutes(pair[0]), _minutes(pair[1]))
                if isinstance(pair, list | tuple) and len(pair) == 2
                else (None, None)
            )
            if start is None or end is None:
                day_errors[day] = _("A shift is two times as HH:MM, e.g. 08:00–12:00.")
            elif start >= end:
                day_errors[day] = _("A shift must end after it starts: %(start)s–%(end)s.") % {
                    "start": _hhmm(start),
                    "end": _hhmm(end),
                }
            else:
                spans.append((start, end))
        spans.sort()
        if any(later[0] < earlier[1] for earlier, later in zip(spans, spans[1:], strict=False)):
            day_errors.setdefault(day, _("Two shifts on the same day overlap."))
        if spans:
            clean[day] = [[_hhmm(start), _hhmm(end)] for start, end in spans]
    if day_errors:
        errors["weekly_shifts"] = "; ".join(
            f"{WEEKDAY_NAMES[day]}: {text}" for day, text in day_errors.items()
        )
        errors.update(day_errors)
    return clean


def set_shifts(*, actor, staff_id: int, shifts: dict) -> StaffMember:
    """The weekly shift pattern, e.g. ``{"mon": [["08:00", "12:00"], ["13:30", "17:30"]]}``; weekdays
    ``mon``..``sun``, ranges start before they end and do not overlap (a day left out is a day off)."""
    staff = _staff_to_change(actor, staff_id)
    errors: dict[str, str] = {}
    clean = _check_shifts(shifts, errors)
    _fail(errors)
    before = staff.weekly_shifts
    with transaction.atomic():
        staff.weekly_shifts = clean
        staff.save(update_fields=["weekly_shifts", "updated_at"])
        _record(actor, "shifts", staff, before={"weekly_shifts": before}, after={"weekly_shifts": clean})
    return staff


# --- eligibility ---------------------------------------------------------------------------------------


def _local(moment: dt.datetime) -> dt.datetime:
    """Wall-clock time in the platform's zone (naive datetimes are taken as already local)."""
    return timezone.localtime(moment) if timezone.is_aware(moment) else moment


def certificate_name(kind: str) -> str:
    return CERTIFICATE_NAMES.get(kind, kind)


def within_shifts(staff: StaffMember, start: dt.datetime, end: dt.datetime) -> bool:
    """Whether start..end (local time, within one day) lies inside one of that weekday's shift ranges."""
    start, end = _local(start), _local(end)
    if end.date() != start.date():
        return False
    begin = start.hour * 60 + start.minute
    finish = end.hour * 60 + end.minute + (1 if end.second or end.microsecond else 0)
    for first, last in (staff.weekly_shifts or {}).get(WEEKDAYS[start.weekday()], []):
        low, high = _minutes(first), _minutes(last)
        if low is not None and high is not None and low <= begin and finish <= high:
            return True
    return False


def eligibility(staff: StaffMember, item: ServiceItem, start: dt.datetime, end: dt.datetime) -> list[str]:
    """The plain reasons why ``staff`` may NOT deliver ``item`` from ``start`` to ``end``; an empty list
    means eligible. Reads the provider's contracts and the staff member's certificates (prefetch them
    when checking many)."""
    reasons: list[str] = []
    local_start, local_end = _local(start), _local(end)
    day, last_day = local_start.date(), local_end.date()
    if end <= start:
        reasons.append(_("The service must end after it starts."))
    if not staff.active:
        reasons.append(_("%(name)s is inactive.") % {"name": staff.name})
    if not may_take_orders(staff.provider, day):
        reasons.append(
            _("%(provider)s may not take orders on %(day)s: it is not admitted or has no contract in force.")
            % {"provider": staff.provider.name, "day": day.isoformat()}
        )
    if not item.active:
        reasons.append(_("%(item)s is no longer in the catalogue.") % {"item": item.name})
    if item.code not in (staff.skills or []):
        reasons.append(
            _("%(item)s is not among %(name)s's skills.") % {"item": item.name, "name": staff.name}
        )
    required = item.required_certificate
    if required and required != Certificate.NONE:
        held = [c for c in staff.certificates.all() if c.kind == required]
        if not held:
            reasons.append(
                _("%(item)s needs a %(certificate)s certificate, which %(name)s does not hold.")
                % {"item": item.name, "certificate": certificate_name(required), "name": staff.name}
            )
        elif not any(c.is_valid_on(day) and c.is_valid_on(last_day) for c in held):
            latest = max(held, key=lambda c: c.expires_on or dt.date.max)
            if latest.issued_on > day:
                reasons.append(
                    _("%(name)s's %(certificate)s certificate is valid only from %(date)s.")
                    % {
                        "name": staff.name,
                        "certificate": certificate_name(required),
                        "date": latest.issued_on.isoformat(),
                    }
                )
            else:
                reasons.append(
                    _("%(name)s's %(certificate)s certificate expired on %(date)s.")
                    % {
                        "name": staff.name,
                        "certificate": certificate_name(required),
                        "date": latest.expires_on.isoformat(),
                    }
                )
    if end > start and not within_shifts(staff, start, end):
        reasons.append(
            _("%(start)s–%(end)s is outside %(name)s's shifts.")
            % {"start": f"{local_start:%Y-%m-%d %H:%M}", "end": f"{local_end:%H:%M}", "name": staff.name}
        )
    return reasons


def eligible_staff(
    provider_id: int, item_code: str, start: dt.datetime, end: dt.datetime
) -> list[StaffMember]:
    """The provider's staff who may deliver the item from ``start`` to ``end`` (for dispatching orders;
    no actor: the caller has already checked who is asking). Sorted by name."""
    item = ServiceItem.objects.filter(code=item_code).first()
    if item is None:
        return []
    candidates = (
        StaffMember.objects.filter(provider_id=provider_id, active=True)
        .select_related("provider")
        .prefetch_related("certificates", "provider__contracts")
        .order_by("name", "pk")
    )
    return [
        staff
        for staff in candidates
        if item_code in (staff.skills or []) and not eligibility(staff, item, start, end)
    ]
