"""Writes to the childcare registry: filing an institution (with its own login), the filing decision,
the institution's own edits of its figures and staff, and the bureau's population figures and plan
targets. Every write checks a named permission, locks the row it changes and is audited."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.core import audit
from shouwang.core.actors import as_user, is_system, require_actor
from shouwang.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from shouwang.core.roles import Role
from shouwang.core.scope import scope_of
from shouwang.core.text import within_limit
from shouwang.regions.models import Level, Region

from .models import (
    AGE_GROUPS,
    Institution,
    InstitutionKind,
    PlanTarget,
    Population,
    RegistrationState,
    StaffMember,
)
from .permissions import (
    is_institution_account,
    may_keep_population,
    may_keep_record,
    may_review_registration,
)
from .selectors import get_institution_for

# What an institution keeps itself; the rest of the filing (name, kind, licence, operator, community,
# the 普惠 designation and its subsidy) changes only through the bureau.
OWN_FIELDS = (
    "address", "lat", "lon", "phone", "monthly_fee_fen",
    *(f"places_{group}" for group in AGE_GROUPS), *(f"enrolled_{group}" for group in AGE_GROUPS),
)  # fmt: skip
BUREAU_FIELDS = (
    "name", "kind", "licence_number", "operator_name", "operator_credit_code", "community",
    "affordable", "subsidy_per_place_fen", *OWN_FIELDS,
)  # fmt: skip
TEXT_LIMITS = {"name": 120, "licence_number": 60, "operator_name": 120, "address": 200, "phone": 20}
MAX_PLACES = 10_000


def _require(actor, allowed: Callable[[object], bool], message: str) -> None:
    require_actor(actor)
    if not (is_system(actor) or allowed(actor)):
        raise Forbidden(message)


def _community(code) -> Region:
    region = Region.objects.filter(code=str(code or ""), level=Level.COMMUNITY).first()
    if region is None:
        message = _("Choose a community or village.")
        raise ValidationFailed(message, errors={"community": message})
    return region


def _cleaned(values: dict, allowed: tuple[str, ...]) -> dict:
    """The values of ``allowed`` fields, checked; a field not allowed is refused, not ignored."""
    unknown = set(values) - set(allowed)
    if unknown:
        message = _("These fields are not yours to change: %(fields)s.") % {
            "fields": ", ".join(sorted(unknown))
        }
        raise Forbidden(message)
    cleaned: dict = {}
    errors: dict[str, str] = {}
    for key, value in values.items():
        if key in TEXT_LIMITS:
            cleaned[key] = within_limit(value, TEXT_LIMITS[key], field=key, label=key)
        elif key == "kind":
            if value not in InstitutionKind.values:
                errors[key] = _("Choose a kind of childcare.")
            cleaned[key] = value
        elif key == "operator_credit_code":
            code = str(value or "").strip().upper()
            if len(code) != 18:
                errors[key] = _("A unified social credit code has 18 characters.")
            cleaned[key] = code
        elif key == "community":
            cleaned[key] = _community(value)
        elif key in ("lat", "lon"):
            limit = 90 if key == "lat" else 180
            if value is not None and not -limit <= float(value) <= limit:
                errors[key] = _("Not a coordinate.")
            cleaned[key] = None if value is None else float(value)
        elif key == "affordable":
            cleaned[key] = bool(value)
        else:  # counts and amounts in fen
            number = int(value or 0)
            if not 0 <= number <= (MAX_PLACES if key.startswith(("places", "enrolled")) else 10**9):
                errors[key] = _("Out of range.")
            cleaned[key] = number
    if errors:
        raise ValidationFailed(next(iter(errors.values())), errors=errors)
    return cleaned


def _check_figures(institution: Institution) -> None:
    errors = {
        f"enrolled_{group}": _("More children enrolled than places in this age group.")
        for group in AGE_GROUPS
        if getattr(institution, f"enrolled_{group}") > getattr(institution, f"places_{group}")
    }
    if errors:
        raise ValidationFailed(next(iter(errors.values())), errors=errors)
    for name in ("name", "licence_number", "operator_name", "address"):
        if not getattr(institution, name):
            message = _("This is required.")
            raise ValidationFailed(message, errors={name: message})


def _snapshot(institution: Institution, fields) -> dict:
    return {
        key: (institution.community_id if key == "community" else getattr(institution, key)) for key in fields
    }


def file_institution(*, actor, values: dict, username: str = "", password: str = "") -> Institution:
    """Enter an institution's filing (备案) for review, with a login for it when ``username`` is given."""
    _require(actor, may_review_registration, _("Only civil-affairs officials enter childcare filings."))
    cleaned = _cleaned(values, BUREAU_FIELDS)
    for key in (
        "name",
        "kind",
        "licence_number",
        "operator_name",
        "operator_credit_code",
        "community",
        "address",
    ):
        if key not in cleaned:
            message = _("This is required.")
            raise ValidationFailed(message, errors={key: message})
    if not scope_of(actor).covers_region(cleaned["community"].code):
        raise NotFound(_("This region does not exist or is outside your area."))
    with transaction.atomic():
        institution = Institution(**cleaned)
        _check_figures(institution)
        if username:
            from shouwang.accounts.services import create_user

            institution.account = create_user(
                actor=actor, username=username, password=password, role=Role.CHILDCARE_ADMIN,
                full_name=institution.name,
            )  # fmt: skip
        institution.save()
        audit.record(
            actor=actor, action="childcare.filed", obj=institution,
            after=_snapshot(institution, cleaned), region_code=institution.community_id,
        )  # fmt: skip
    return institution


def _locked(actor, institution_id: int) -> Institution:
    get_institution_for(actor, institution_id)  # NotFound outside the actor's scope
    return Institution.objects.select_for_update().get(pk=institution_id)


def decide_registration(*, actor, institution_id: int, state: str, note: str = "") -> Institution:
    """Register, refuse, suspend or reinstate a filing. Refusing or suspending needs a reason."""
    _require(actor, may_review_registration, _("Only civil-affairs officials decide childcare filings."))
    moves: dict[str, set[str]] = {
        RegistrationState.PENDING: {RegistrationState.REGISTERED, RegistrationState.REFUSED},
        RegistrationState.REGISTERED: {RegistrationState.SUSPENDED},
        RegistrationState.SUSPENDED: {RegistrationState.REGISTERED},
        RegistrationState.REFUSED: {RegistrationState.PENDING},
    }
    note = within_limit(note, 300, field="note", label=_("The reason"))
    if state in (RegistrationState.REFUSED, RegistrationState.SUSPENDED) and not note:
        message = _("Give the reason.")
        raise ValidationFailed(message, errors={"note": message})
    with transaction.atomic():
        institution = _locked(actor, institution_id)
        if state not in moves.get(institution.state, set()):
            raise Conflict(
                _("This filing is %(state)s and cannot become %(target)s.")
                % {"state": institution.get_state_display(), "target": state},
                code="illegal_transition",
            )
        before = institution.state
        institution.state, institution.decision_note = state, note
        institution.decided_by, institution.decided_at = as_user(actor), timezone.now()
        institution.save()
        audit.record(
            actor=actor, action=f"childcare.{state}", obj=institution, before={"state": before},
            after={"state": state, "note": note}, region_code=institution.community_id,
        )  # fmt: skip
    return institution


def update_institution(*, actor, institution_id: int, values: dict) -> Institution:
    """Change the record: an institution its own figures, fees and address; the bureau the whole filing."""
    _require(actor, may_keep_record, _("Your role may not change childcare records."))
    allowed = OWN_FIELDS if is_institution_account(actor) else BUREAU_FIELDS
    cleaned = _cleaned(values, allowed)
    with transaction.atomic():
        institution = _locked(actor, institution_id)
        if "community" in cleaned and not scope_of(actor).covers_region(cleaned["community"].code):
            raise NotFound(_("This region does not exist or is outside your area."))
        before = _snapshot(institution, cleaned)
        for key, value in cleaned.items():
            setattr(institution, key, value)
        _check_figures(institution)
        institution.save()
        audit.record(
            actor=actor, action="childcare.updated", obj=institution, before=before,
            after=_snapshot(institution, cleaned), region_code=institution.community_id,
        )  # fmt: skip
    return institution


def add_staff(*, actor, institution_id: int, name: str, post: str, qualification: str = "",
              certificate_number: str = "") -> StaffMember:  # fmt: skip
    _require(actor, may_keep_record, _("Your role may not change childcare records."))
    name = within_limit(name, 40, field="name", label=_("The name"))
    post = within_limit(post, 40, field="post", label=_("The post"))
    if not name or not post:
        message = _("Give the name and the post.")
        raise ValidationFailed(message, errors={"name" if not name else "post": message})
    qualification = within_limit(qualification, 80, field="qualification", label=_("The qualification"))
    certificate_number = within_limit(
        certificate_number, 40, field="certificate_number", label=_("The number")
    )
    with transaction.atomic():
        institution = _locked(actor, institution_id)
        member = StaffMember.objects.create(
            institution=institution, name=name, post=post, qualification=qualification,
            certificate_number=certificate_number,
        )  # fmt: skip
        audit.record(
            actor=actor, action="childcare.staff_added", obj=institution,
            after={"name": name, "post": post, "qualification": qualification},
            region_code=institution.community_id,
        )  # fmt: skip
    return member


def remove_staff(*, actor, institution_id: int, staff_id: int) -> None:
    _require(actor, may_keep_record, _("Your role may not change childcare records."))
    with transaction.atomic():
        institution = _locked(actor, institution_id)
        member = institution.staff.filter(pk=staff_id).first()
        if member is None:
            raise NotFound(_("This staff member does not exist or is outside your area."))
        audit.record(
            actor=actor, action="childcare.staff_removed", obj=institution,
            before={"name": member.name, "post": member.post}, region_code=institution.community_id,
        )  # fmt: skip
        member.delete()


def _region_in_scope(actor, code: str) -> Region:
    region = Region.objects.filter(code=code).first()
    if region is None or not scope_of(actor).covers_region(region.code):
        raise NotFound(_("This region does not exist or is outside your area."))
    return region


def _year(year) -> int:
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        message = _("Give a year between 2000 and 2100.")
        raise ValidationFailed(message, errors={"year": message})
    return year


def set_population(*, actor, region_code: str, year: int, residents: int, under_three: int | None = None,
                   source: str = "") -> Population:  # fmt: skip
    """Record (or correct) a region's resident population for a year; the indicators divide by it."""
    _require(actor, may_keep_population, _("Only civil-affairs officials keep population figures."))
    year = _year(year)
    if residents <= 0:
        message = _("The population must be above zero.")
        raise ValidationFailed(message, errors={"residents": message})
    if under_three is not None and not 0 <= under_three <= residents:
        message = _("Children under three cannot outnumber the population.")
        raise ValidationFailed(message, errors={"under_three": message})
    source = within_limit(source, 120, field="source", label=_("The source"))
    with transaction.atomic():
        region = _region_in_scope(actor, region_code)
        existing = Population.objects.select_for_update().filter(region=region, year=year).first()
        before = (
            None
            if existing is None
            else {"residents": existing.residents, "under_three": existing.under_three}
        )
        row, _created = Population.objects.update_or_create(
            region=region,
            year=year,
            defaults={"residents": residents, "under_three": under_three, "source": source},
        )
        audit.record(
            actor=actor, action="childcare.population", obj=row, before=before,
            after={"year": year, "residents": residents, "under_three": under_three, "source": source},
            region_code=region.code,
        )  # fmt: skip
    return row


def set_target(
    *, actor, region_code: str, year: int, places_per_thousand, affordable_share=None
) -> PlanTarget:
    _require(actor, may_keep_population, _("Only civil-affairs officials keep plan targets."))
    year = _year(year)
    try:
        per_thousand = Decimal(str(places_per_thousand))
        share = None if affordable_share in (None, "") else Decimal(str(affordable_share))
    except InvalidOperation:
        message = _("Not a number.")
        raise ValidationFailed(message, errors={"places_per_thousand": message}) from None
    if not Decimal(0) < per_thousand < Decimal(100) or (share is not None and not 0 <= share <= 1):
        message = _("Out of range.")
        raise ValidationFailed(message, errors={"places_per_thousand": message})
    with transaction.atomic():
        region = _region_in_scope(actor, region_code)
        row, _created = PlanTarget.objects.update_or_create(
            region=region,
            year=year,
            defaults={"places_per_thousand": per_thousand, "affordable_share": share},
        )
        audit.record(
            actor=actor, action="childcare.target", obj=row,
            after={"year": year, "places_per_thousand": str(per_thousand), "affordable_share": str(share)},
            region_code=region.code,
        )  # fmt: skip
    return row
