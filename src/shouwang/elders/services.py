"""Writes of the registry and the audited reveal of personal data."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from shouwang.accounts.models import Role
from shouwang.core import audit
from shouwang.core.errors import Forbidden, ValidationFailed
from shouwang.core.phones import normalise_phone
from shouwang.core.sentinels import UNSET

from .models import Elder, ElderCategory, EmergencyContact, LivingArrangement
from .selectors import get_elder_for

CONTACT_FIELDS = ("phone", "address", "living_arrangement")
# Roles whose work needs the full ID number and phones; providers never see ID numbers.
REVEAL_ROLES = frozenset({Role.ADMIN, Role.OFFICIAL, Role.COMMUNITY_WORKER, Role.OPERATOR})


def update_elder_contact(
    *, actor, elder_id: int, phone=UNSET, address=UNSET, living_arrangement=UNSET
) -> Elder:
    """Change an elder's phone, address or living arrangement."""
    elder = get_elder_for(actor, elder_id)
    before = audit.snapshot(elder, CONTACT_FIELDS)
    if phone is not UNSET:
        elder.phone = normalise_phone(phone)
    if address is not UNSET:
        elder.address = (address or "").strip()
    if living_arrangement is not UNSET:
        if living_arrangement and living_arrangement not in LivingArrangement.values:
            raise ValidationFailed(
                _("Unknown living arrangement."),
                errors={"living_arrangement": _("Unknown living arrangement.")},
            )
        elder.living_arrangement = living_arrangement
    old, new = audit.changed(before, audit.snapshot(elder, CONTACT_FIELDS))
    if not new:
        return elder
    with transaction.atomic():
        elder.save(update_fields=[*new, "updated_at"])
        audit.record(
            actor=actor,
            action="elders.update",
            obj=elder,
            before=old,
            after=new,
            region_code=elder.community_id,
        )
    return elder


def reveal_elder(*, actor, elder_id: int, reason: str = "") -> dict[str, object]:
    """The unmasked ID number and phones of an elder, for roles whose work needs them. Audited."""
    elder = get_elder_for(actor, elder_id)
    if not (actor.is_platform_admin or actor.role in REVEAL_ROLES):
        raise Forbidden(_("Your role may not see full ID numbers or phone numbers."))
    revealed = {
        "id_number": elder.id_number,
        "phone": elder.phone,
        "contacts": [{"name": contact.name, "phone": contact.phone} for contact in elder.contacts.all()],
    }
    with transaction.atomic():
        audit.record(
            actor=actor,
            action="elders.reveal",
            obj=elder,
            after={"fields": ["id_number", "phone", "contacts.phone"], "reason": reason},
            region_code=elder.community_id,
        )
    return revealed


def bulk_register_elders(*, actor, people: list, batch_label: str = "") -> int:
    """Insert a batch of already-validated records (objects shaped like ``demo.generator.Person``).

    The fast path for loaders that produce clean data in bulk; the whole batch is one transaction and one
    audit record. Returns how many elders were written.
    """
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
                    hukou_region_code=person.hukou_region_code,
                    community_id=person.community_code,
                    address=person.address,
                    lat=person.lat,
                    lon=person.lon,
                    living_arrangement=person.living_arrangement,
                    disability_grade=person.disability_grade,
                    chronic_conditions=person.chronic_conditions,
                    family_doctor_contract=person.family_doctor_contract,
                    status=person.status,
                    status_date=person.status_date,
                )
                for person in people
            ]
        )
        ids = _ids_by_number([person.id_number for person in people])
        ElderCategory.objects.bulk_create(
            [ElderCategory(elder_id=ids[p.id_number], code=code) for p in people for code in p.categories]
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
