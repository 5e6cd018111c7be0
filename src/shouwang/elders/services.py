"""Writes of the registry: register and correct a record, life events, the audited reveal, bulk loading.

Spreadsheet imports live in ``imports`` and exports in ``exports``; both use the same field parsers
(``fields``) as the services here, so a value is accepted or refused the same way everywhere.
"""

from __future__ import annotations

import datetime as dt
import re

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum import luhn

from shouwang.core import audit
from shouwang.core.actors import is_system, require_actor
from shouwang.core.errors import Conflict, DomainError, Forbidden, ValidationFailed
from shouwang.core.idnumbers import parse_resident_id
from shouwang.core.phones import normalise_phone
from shouwang.core.pinyin import initials
from shouwang.core.scope import scope_of
from shouwang.core.text import too_long, within_limit
from shouwang.regions.models import Level, Region, prefix_of

from . import fields
from .models import (
    Assignment,
    AssignmentKind,
    Elder,
    ElderCategory,
    EmergencyContact,
    LifeEvent,
    Status,
    StatusChange,
)
from .permissions import may_edit_contacts, may_reveal, may_write_registry
from .selectors import elders_for, get_elder_for
from .signals import life_event_recorded

# Fields a person at the desk may set, and how each is parsed (the same table the import uses).
DETAIL_PARSERS = {"name": fields.name, **fields.PARSERS}
ABILITY_FIELDS = (
    "ability_level",
    "ability_standard",
    "ability_assessed_on",
    "ability_valid_until",
    "is_disabled",
)
AUDITED_FIELDS = ("name", "community_id", *DETAIL_PARSERS)
# Which life event may follow which status. "Returned" also undoes a death recorded by mistake.
EVENT_TRANSITIONS = {
    LifeEvent.DECEASED: (Status.ACTIVE, Status.MOVED_OUT),
    LifeEvent.MOVED_OUT: (Status.ACTIVE,),
    LifeEvent.RETURNED: (Status.MOVED_OUT, Status.DECEASED),
}
EVENT_STATUS = {
    LifeEvent.DECEASED: Status.DECEASED,
    LifeEvent.MOVED_OUT: Status.MOVED_OUT,
    LifeEvent.RETURNED: Status.ACTIVE,
}


class DuplicateElder(Conflict):
    """The ID number is already registered; ``existing_id`` is set when the actor may open that record."""

    code = "duplicate_id_number"

    def __init__(self, message: str, *, existing_id: int | None):
        super().__init__(message)
        self.existing_id = existing_id
        self.errors = {"id_number": message}
        self.details = {"existing_id": existing_id} if existing_id else {}


def _require_writer(actor) -> None:
    if not may_write_registry(actor):
        raise Forbidden(_("Your role may not change the registry."))


def _parse(data: dict) -> tuple[dict, dict]:
    """Every given field parsed; returns (values, errors by field) so a form shows all problems at once."""
    values, errors = {}, {}
    for key, parse in DETAIL_PARSERS.items():
        if key not in data:
            continue
        try:
            values[key] = parse(data[key])
        except DomainError as error:
            errors[key] = error
    coordinates_given = "lat" in values or "lon" in values
    if (
        coordinates_given
        and not ({"lat", "lon"} & errors.keys())
        and (values.get("lat") is None) != (values.get("lon") is None)
    ):
        errors.setdefault("lon", _("Give both longitude and latitude, or neither."))
    for key in ("living_arrangement", "ethnicity", "phone", "second_phone", "hukou_region_code", "address"):
        if key in values and values[key] is None:
            values[key] = ""
    for key in ("family_doctor_contract", "consent_data_sharing"):
        if key in values and values[key] is None:
            values[key] = False
    return values, errors


def _categories(data: dict, errors: dict) -> list[str] | None:
    if "categories" not in data:
        return None
    given = data["categories"]
    try:
        return fields.categories("、".join(given) if isinstance(given, list | tuple) else given)
    except DomainError as error:
        errors["categories"] = error.message
        return None


def _contacts(data: dict, errors: dict) -> list[dict] | None:
    """Contacts in priority order; a contact row left wholly empty is skipped."""
    if "contacts" not in data:
        return None
    contacts = []
    for number, contact in enumerate(data["contacts"] or [], start=1):
        name = fields.text(contact.get("name"))
        phone_raw = fields.text(contact.get("phone"))
        if not name and not phone_raw:
            continue
        try:
            phone = normalise_phone(phone_raw)
        except DomainError as error:
            errors[f"contact_{number}"] = error.message
            continue
        if not (name and phone):
            errors[f"contact_{number}"] = _("An emergency contact needs both a name and a phone number.")
            continue
        relation = fields.text(contact.get("relation"))
        if message := too_long(name, 40, label=_("The contact's name")) or too_long(
            relation, 20, label=_("The relation")
        ):
            errors[f"contact_{number}"] = message
            continue
        keyholder = bool(contact.get("is_keyholder"))
        contacts.append({"name": name, "relation": relation, "phone": phone, "is_keyholder": keyholder})
    return contacts


def _community(actor, code: str) -> Region:
    code = fields.text(code)
    region = Region.objects.filter(code=code, level=Level.COMMUNITY).first()
    if region is None:
        raise ValidationFailed(
            _("Choose the community the elder lives in."),
            errors={"community": _("Choose the community the elder lives in.")},
        )
    if not scope_of(actor).covers_region(region.code):
        message = _("Community %(code)s is outside your area.") % {"code": region.code}
        raise ValidationFailed(message, errors={"community": message})
    return region


def _raise_if(errors: dict) -> None:
    """One ValidationFailed carrying every field's message; a lone error keeps its own code."""
    if not errors:
        return
    messages = {key: getattr(error, "message", error) for key, error in errors.items()}
    if len(errors) > 1:
        raise ValidationFailed(_("Please correct the marked fields."), errors=messages)
    key, error = next(iter(errors.items()))
    raise ValidationFailed(messages[key], errors=messages, code=getattr(error, "code", None))


def register_elder(*, actor, data: dict) -> Elder:
    """Register a new elder from what was typed. ``data`` holds ``id_number``, ``name``, ``community`` and
    any detail field, plus ``categories`` (codes or Chinese names) and ``contacts`` (dicts in priority order).

    An ID number already registered raises :class:`DuplicateElder` pointing at the existing record.
    """
    _require_writer(actor)
    values, errors = _parse({**data, "name": data.get("name", "")})
    identity = None
    try:
        identity = parse_resident_id(fields.id_number_text(data.get("id_number")))
        fields.old_enough(identity.birth_date, timezone.localdate())
    except DomainError as error:
        errors["id_number"] = error
    _check_stated_identity(data, identity, errors)
    categories, contacts = _categories(data, errors), _contacts(data, errors)
    try:
        community = _community(actor, data.get("community", ""))
    except ValidationFailed as error:
        errors.update(error.errors)
    _raise_if(errors)
    _refuse_duplicate(actor, identity.number)
    with transaction.atomic():
        elder = Elder.objects.create(
            id_number=identity.number,
            sex=identity.sex,
            birth_date=identity.birth_date,
            community=community,
            name_initials=initials(values["name"]),
            **values,
        )
        replace_categories(elder.pk, categories or [], community_code=elder.community_id, name=elder.name)
        _replace_contacts(elder, contacts or [])
        audit.record(
            actor=actor,
            action="elders.create",
            obj=elder,
            after={**audit.snapshot(elder, AUDITED_FIELDS), "categories": categories or []},
            region_code=elder.community_id,
        )
    return elder


def _check_stated_identity(data: dict, identity, errors: dict) -> None:
    """A sex or birth date typed beside the ID number must agree with it."""
    if identity is None:
        return
    if fields.text(data.get("sex")):
        try:
            if fields.sex(data["sex"]) != identity.sex:
                errors["sex"] = _("The ID number belongs to a %(sex)s.") % {
                    "sex": _("man") if identity.sex == "M" else _("woman")
                }
        except DomainError as error:
            errors["sex"] = error.message
    if fields.text(data.get("birth_date")):
        try:
            if fields.date(data["birth_date"]) != identity.birth_date:
                errors["birth_date"] = _("The ID number says born on %(date)s.") % {
                    "date": identity.birth_date.isoformat()
                }
        except DomainError as error:
            errors["birth_date"] = error.message


def _refuse_duplicate(actor, id_number: str) -> None:
    existing = Elder.objects.filter(id_number=id_number).values_list("pk", flat=True).first()
    if existing is None:
        return
    visible = elders_for(actor).filter(pk=existing).exists()
    if visible:
        raise DuplicateElder(_("This ID number is already registered."), existing_id=existing)
    raise DuplicateElder(
        _("This ID number is already registered in a community outside your area."), existing_id=None
    )


def update_elder(*, actor, elder_id: int, data: dict) -> Elder:
    """Correct a record: only the keys present in ``data`` change. The ID number (and with it sex and birth
    date) is the person's identity and is not changed here."""
    _require_writer(actor)
    elder = get_elder_for(actor, elder_id)
    values, errors = _parse(data)
    categories, contacts = _categories(data, errors), _contacts(data, errors)
    if "community" in data:
        try:
            values["community_id"] = _community(actor, data["community"]).code
        except ValidationFailed as error:
            errors.update(error.errors)
    _raise_if(errors)
    before = audit.snapshot(elder, AUDITED_FIELDS)
    before_categories = sorted(elder.categories.values_list("code", flat=True))
    for key, value in values.items():
        setattr(elder, key, value)
    if "name" in values:
        elder.name_initials = initials(elder.name)
    old, new = audit.changed(before, audit.snapshot(elder, AUDITED_FIELDS))
    if categories is not None and categories != before_categories:
        old["categories"], new["categories"] = before_categories, categories
    if contacts is not None:
        before_contacts = list(elder.contacts.values("name", "relation", "phone", "is_keyholder"))
        if before_contacts != contacts:
            old["contacts"], new["contacts"] = (
                [c["name"] for c in before_contacts],
                [c["name"] for c in contacts],
            )
    if not new:
        return elder
    with transaction.atomic():
        elder.save()
        if "categories" in new:
            replace_categories(elder.pk, categories, community_code=elder.community_id, name=elder.name)
        elif "name" in new or "community_id" in new:
            copy_list_order(elder.pk, community_code=elder.community_id, name=elder.name)
        if "contacts" in new:
            _replace_contacts(elder, contacts)
        audit.record(
            actor=actor,
            action="elders.update",
            obj=elder,
            before=old,
            after=new,
            region_code=elder.community_id,
        )
    return get_elder_for(actor, elder_id)


def update_contacts(*, actor, elder_id: int, contacts: list[dict]) -> Elder:
    """Replace the elder's emergency contacts (in priority order); for the registry's writers and the
    elder's own family (the portal). Nothing is saved when one contact is wrong."""
    if not may_edit_contacts(actor):
        raise Forbidden(_("Your role may not change emergency contacts."))
    elder = get_elder_for(actor, elder_id)
    errors: dict = {}
    checked = _contacts({"contacts": contacts}, errors) or []
    _raise_if(errors)
    before = list(elder.contacts.values("name", "relation", "phone", "is_keyholder"))
    if before == checked:
        return elder
    with transaction.atomic():
        _replace_contacts(elder, checked)
        audit.record(
            actor=actor,
            action="elders.contacts",
            obj=elder,
            before={"contacts": [c["name"] for c in before]},
            after={"contacts": [c["name"] for c in checked]},
            region_code=elder.community_id,
        )
    return get_elder_for(actor, elder_id)


def replace_categories(elder_id: int, codes: list[str], *, community_code: str, name: str) -> None:
    """The elder's categories are ``codes`` from now on, each with the copy of the elder's (current)
    community and name that ElderCategory's comment explains."""
    ElderCategory.objects.filter(elder_id=elder_id).delete()
    ElderCategory.objects.bulk_create(
        ElderCategory(elder_id=elder_id, code=code, community_code=community_code, name=name)
        for code in codes
    )


def copy_list_order(elder_id: int, *, community_code: str, name: str) -> None:
    """After an elder's community or name changed: the copies on their categories (ElderCategory's
    comment says why they are there)."""
    ElderCategory.objects.filter(elder_id=elder_id).update(community_code=community_code, name=name)


def _replace_contacts(elder: Elder, contacts: list[dict]) -> None:
    EmergencyContact.objects.filter(elder=elder).delete()
    EmergencyContact.objects.bulk_create(
        EmergencyContact(elder=elder, priority=priority, **contact)
        for priority, contact in enumerate(contacts, start=1)
    )


def record_life_event(*, actor, elder_id: int, event: str, date: dt.date, note: str = "") -> StatusChange:
    """Record that an elder died, moved out or returned; the status follows and its history grows.

    Other apps react through ``signals.life_event_recorded`` (stop benefits, cancel open orders, unbind
    devices). It is sent inside this transaction, so if a reaction fails the event is not recorded either.
    """
    _require_writer(actor)
    elder = get_elder_for(actor, elder_id)
    if event not in EVENT_TRANSITIONS:
        raise ValidationFailed(_("Unknown life event."), errors={"event": _("Unknown life event.")})
    if elder.status not in EVENT_TRANSITIONS[event]:
        raise Conflict(
            _("An elder who is %(status)s cannot be recorded as %(event)s.")
            % {"status": elder.get_status_display(), "event": LifeEvent(event).label},
            code="illegal_life_event",
        )
    if date > timezone.localdate() or date < elder.birth_date:
        message = _("The date must lie between the birth date and today.")
        raise ValidationFailed(message, errors={"date": message})
    if event == LifeEvent.RETURNED and elder.status == Status.DECEASED and not note.strip():
        message = _("Say why a death is being undone (for example: recorded by mistake).")
        raise ValidationFailed(message, errors={"note": message})
    with transaction.atomic():
        change = StatusChange.objects.create(
            elder=elder,
            event=event,
            status_before=elder.status,
            status_after=EVENT_STATUS[event],
            date=date,
            note=within_limit(note, 200, field="note", label=_("The note")),
            recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        elder.status = EVENT_STATUS[event]
        elder.status_date = date
        elder.save(update_fields=["status", "status_date", "updated_at"])
        audit.record(
            actor=actor,
            action=f"elders.{event}",
            obj=elder,
            before={"status": change.status_before},
            after={"status": change.status_after, "date": date, "note": change.note},
            region_code=elder.community_id,
        )
        life_event_recorded.send(sender=Elder, elder=elder, event=event, date=date, actor=actor)
    return change


# A reveal's reason is read later by whoever checks the log: a few words, not a blank and not a document.
REVEAL_REASON_LENGTH = (2, 200)


def _reveal_reason(reason) -> str:
    """The reason, stripped; ValidationFailed (on ``reason``) when it is missing, too short or too long, or
    holds a control character."""
    text = reason.strip() if isinstance(reason, str) else ""
    shortest, longest = REVEAL_REASON_LENGTH
    if any(ord(char) < 32 and char not in "\t\n\r" for char in text):
        message = _("The reason contains a character that cannot be stored; type it again.")
    elif not shortest <= len(text) <= longest:
        message = _("Say why you need the full numbers, in %(min)d to %(max)d characters.") % {
            "min": shortest,
            "max": longest,
        }
    else:
        return text
    raise ValidationFailed(message, errors={"reason": message})


def reveal_elder(*, actor, elder_id: int, reason: str) -> dict[str, object]:
    """The unmasked ID number and phones of an elder, for roles whose work needs them, with the reason
    (``REVEAL_REASON_LENGTH``) recorded in the audit log."""
    elder = get_elder_for(actor, elder_id)
    if not may_reveal(actor):
        raise Forbidden(_("Your role may not see full ID numbers or phone numbers."))
    reason = _reveal_reason(reason)
    revealed = {
        "id_number": elder.id_number,
        "phone": elder.phone,
        "second_phone": elder.second_phone,
        "payment_account": elder.payment_account,
        "contacts": [{"name": contact.name, "phone": contact.phone} for contact in elder.contacts.all()],
    }
    with transaction.atomic():
        audit.record(
            actor=actor,
            action="elders.reveal",
            obj=elder,
            after={
                "fields": ["id_number", "phone", "second_phone", "payment_account", "contacts.phone"],
                "reason": reason,
            },
            region_code=elder.community_id,
        )
    return revealed


PAYMENT_ACCOUNT = re.compile(r"[0-9A-Z]{8,32}")
# A bank card (银行卡, the social-security card's bank number too) is 16 to 19 digits ending in a Luhn check
# digit; a number of other shape (a social-security card number with letters, a passbook) is not checked.
BANK_CARD = re.compile(r"[0-9]{16,19}")


def clean_payment_account(account: str) -> str:
    """The account number as stored (spaces and dashes dropped, letters in capitals), or ValidationFailed
    naming ``payment_account``: 8 to 32 digits or letters, and a bank card's check digit right."""
    value = re.sub(r"[\s-]", "", account or "").upper()
    message = ""
    if value and not PAYMENT_ACCOUNT.fullmatch(value):
        message = _("A bank or social-security card number is 8 to 32 digits or letters.")
    elif BANK_CARD.fullmatch(value) and not luhn.is_valid(value):
        message = _("This bank card number's check digit is wrong: compare it with the card, digit by digit.")
    if message:
        raise ValidationFailed(message, errors={"payment_account": message})
    return value


def set_payment_account(*, actor, elder_id: int, account: str) -> Elder:
    """Record (or, with an empty value, clear) the bank or social-security card number cash allowances
    are paid to (``clean_payment_account``). Audited masked."""
    _require_writer(actor)
    elder = get_elder_for(actor, elder_id)
    value = clean_payment_account(account)
    if value == elder.payment_account:
        return elder
    with transaction.atomic():
        before = elder.payment_account
        Elder.objects.filter(pk=elder.pk).update(payment_account=value, updated_at=timezone.now())
        elder.payment_account = value
        audit.record(
            actor=actor,
            action="elders.payment_account",
            obj=elder,
            before={"payment_account": before},
            after={"payment_account": value},
            region_code=elder.community_id,
        )
    return elder


def bulk_register_elders(*, actor, people: list, batch_label: str = "") -> int:
    """Insert a batch of already-validated records (objects shaped like ``demo.generator.Person``).

    The fast path for loaders that produce clean data in bulk; the whole batch is one transaction and one
    audit record. People who are not active get the life event that made them so in their history.
    Returns how many elders were written. Only the platform itself (``SYSTEM``: the demo loader) uses it:
    it checks neither rights nor scope.
    """
    require_actor(actor)
    if not is_system(actor):
        raise Forbidden(_("Only the platform itself registers elders in bulk."))
    if not people:
        return 0
    with transaction.atomic():
        elders = Elder.objects.bulk_create(
            [
                Elder(
                    name=person.name,
                    name_initials=person.name_initials,
                    id_number=person.id_number,
                    sex=person.sex,
                    birth_date=person.birth_date,
                    ethnicity=person.ethnicity,
                    phone=person.phone,
                    second_phone=person.second_phone,
                    hukou_region_code=person.hukou_region_code,
                    community_id=person.community_code,
                    address=person.address,
                    lat=person.lat,
                    lon=person.lon,
                    living_arrangement=person.living_arrangement,
                    disability_grade=person.disability_grade,
                    chronic_conditions=person.chronic_conditions,
                    family_doctor_contract=person.family_doctor_contract,
                    consent_data_sharing=person.consent_data_sharing,
                    status=person.status,
                    status_date=person.status_date,
                )
                for person in people
            ]
        )
        ids = _ids_by_number([person.id_number for person in people])
        ElderCategory.objects.bulk_create(
            [
                ElderCategory(
                    elder_id=ids[p.id_number], code=code, community_code=p.community_code, name=p.name
                )
                for p in people
                for code in p.categories
            ]
        )
        EmergencyContact.objects.bulk_create(
            [
                EmergencyContact(
                    elder_id=ids[p.id_number],
                    priority=c.priority,
                    name=c.name,
                    relation=c.relation,
                    phone=c.phone,
                    is_keyholder=c.is_keyholder,
                )
                for p in people
                for c in p.contacts
            ]
        )
        StatusChange.objects.bulk_create(
            [
                StatusChange(
                    elder_id=ids[p.id_number],
                    event=p.status,
                    status_before=Status.ACTIVE,
                    status_after=p.status,
                    date=p.status_date,
                )
                for p in people
                if p.status != Status.ACTIVE
            ]
        )
        audit.record(
            actor=actor,
            action="elders.bulk_register",
            object_type="elders.elder",
            object_repr=batch_label or f"{len(elders)} elders",
            after={"count": len(elders), "first_id": ids[people[0].id_number]},
        )
    return len(elders)


def _ids_by_number(numbers: list[str]) -> dict[str, int]:
    """Primary keys of just-inserted elders, looked up by ID number (not every backend returns them)."""
    found: dict[str, int] = {}
    for start in range(0, len(numbers), 900):  # stay under SQLite's bound-parameter limit
        chunk = numbers[start : start + 900]
        found.update(Elder.objects.filter(id_number__in=chunk).values_list("id_number", "pk"))
    return found


def assign_elder(*, actor, elder_id: int, user_id: int, kind: str) -> Assignment:
    """Give a user (an assessor, say) an elder to work with; it then lies in that user's own scope."""
    _require_writer(actor)
    elder = get_elder_for(actor, elder_id)
    user = _assignable_user(user_id, kind, elder)
    if user is None:
        raise ValidationFailed(
            _("Choose an active %(kind)s who works in this elder's area.")
            % {"kind": AssignmentKind(kind).label},
            errors={"user": _("Choose someone with that role.")},
        )
    with transaction.atomic():
        assignment, created = Assignment.objects.get_or_create(
            elder=elder, user=user, defaults={"kind": kind}
        )
        if created:
            audit.record(
                actor=actor,
                action="elders.assign",
                obj=elder,
                after={"user": user.get_username(), "kind": kind},
                region_code=elder.community_id,
            )
    return assignment


def _assignable_user(user_id: int, kind: str, elder: Elder):
    """An active user of that role who works in the elder's area (their regions cover the community)."""
    from shouwang.accounts.models import User

    user = User.objects.filter(pk=user_id, role=kind, is_active=True).prefetch_related("regions").first()
    if user is None or not any(elder.community_id.startswith(prefix_of(r.code)) for r in user.regions.all()):
        return None
    return user


def set_ability(
    *, actor, elder_id: int, level: int, standard: str, assessed_on: dt.date, valid_until: dt.date | None
) -> Elder:
    """Record an elder's current ability level; called by the assessment workflow when a result is approved.

    The 失能 flag follows the level: from ``settings.SHOUWANG_DISABLED_FROM_LEVEL`` (default 1, 轻度失能) up.
    """
    with transaction.atomic():
        elder = Elder.objects.select_for_update().get(pk=elder_id)
        before = audit.snapshot(elder, ABILITY_FIELDS)
        elder.ability_level, elder.ability_standard = level, standard
        elder.ability_assessed_on, elder.ability_valid_until = assessed_on, valid_until
        elder.is_disabled = level >= settings.SHOUWANG_DISABLED_FROM_LEVEL
        elder.save(update_fields=[*ABILITY_FIELDS, "updated_at"])
        old, new = audit.changed(before, audit.snapshot(elder, ABILITY_FIELDS))
        audit.record(
            actor=actor,
            action="elders.ability",
            obj=elder,
            before=old,
            after=new,
            region_code=elder.community_id,
        )
    return elder
