"""Admission (准入), contracts (定点协议) and exit (退出) of providers.

applied → reviewing → admitted | rejected; a rejected provider may apply again once its documents are
corrected; an admitted provider is contracted for areas and services; any provider may exit, voluntarily
or by force, which ends its contracts and tells the rest of the platform (``signals.provider_exited``) so
that open orders and regular elders are handed over. Every step is audited.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.catalog.models import ServiceItem
from shouwang.core import audit
from shouwang.core.actors import SYSTEM
from shouwang.core.errors import Forbidden, ValidationFailed, require_state
from shouwang.core.roles import Role
from shouwang.core.scope import scope_of
from shouwang.core.text import listed, within_limit
from shouwang.regions.models import Region

from .models import Contract, ContractState, ExitKind, Licence, LicenceKind, Provider, ProviderState
from .permissions import may_decide_admission
from .selectors import get_provider_for
from .signals import provider_exited


def _require_official(actor) -> None:
    if not may_decide_admission(actor):
        raise Forbidden(_("Only civil-affairs officials may decide on admission, contracts and forced exit."))


def _require_state(provider: Provider, *states: str) -> None:
    require_state(provider, states, _("The provider is %(state)s; that cannot be done now."))


def _move(actor, provider: Provider, state: str, action: str, **details) -> Provider:
    before = provider.state
    provider.state = state
    for key, value in details.items():
        setattr(provider, key, value)
    with transaction.atomic():
        provider.save()
        audit.record(
            actor=actor,
            action=f"providers.{action}",
            obj=provider,
            before={"state": before},
            after={"state": state, **details},
            region_code=provider.region_id,
            provider_id=provider.pk,
        )
    return provider


def add_licence(
    *, actor, provider_id: int, kind: str, number: str, issued_on=None, expires_on=None
) -> Licence:
    """The provider (or an official) records a licence or filing; a document for the review."""
    provider = get_provider_for(actor, provider_id)
    if kind not in LicenceKind.values:
        raise ValidationFailed(_("Unknown licence type."), errors={"kind": _("Unknown licence type.")})
    if not (number or "").strip():
        raise ValidationFailed(_("The licence number is required."), errors={"number": _("Required.")})
    if issued_on and expires_on and expires_on < issued_on:
        message = _("A licence cannot expire before it was issued.")
        raise ValidationFailed(message, errors={"expires_on": message})
    with transaction.atomic():
        licence = Licence.objects.create(
            provider=provider,
            kind=kind,
            number=within_limit(number, 60, field="number", label=_("The licence number")),
            issued_on=issued_on,
            expires_on=expires_on,
        )
        audit.record(
            actor=actor,
            action="providers.licence",
            obj=provider,
            after={"kind": kind, "number": licence.number, "expires_on": expires_on},
            region_code=provider.region_id,
            provider_id=provider.pk,
        )
    return licence


def submit_application(*, actor, provider_id: int) -> Provider:
    """The provider applies (again, after a rejection): the application waits for document review."""
    provider = get_provider_for(actor, provider_id)
    _require_state(provider, ProviderState.APPLIED, ProviderState.REJECTED)
    return _move(actor, provider, ProviderState.APPLIED, "apply", decision_note="")


def start_review(*, actor, provider_id: int) -> Provider:
    _require_official(actor)
    provider = get_provider_for(actor, provider_id)
    _require_state(provider, ProviderState.APPLIED)
    return _move(actor, provider, ProviderState.REVIEWING, "review")


def decide_admission(*, actor, provider_id: int, admit: bool, reasons: str = "") -> Provider:
    """Admit or reject after the document review. Admission needs a valid business licence; a rejection
    needs its reasons, which the provider sees."""
    _require_official(actor)
    provider = get_provider_for(actor, provider_id)
    _require_state(provider, ProviderState.REVIEWING)
    reasons = within_limit(reasons, 300, field="reasons", label=_("The reasons"))
    if not admit:
        if not reasons:
            raise ValidationFailed(
                _("Give the reasons for the rejection."), errors={"reasons": _("Required.")}
            )
        return _move(actor, provider, ProviderState.REJECTED, "reject", decision_note=reasons)
    today = timezone.localdate()
    if not any(
        licence.kind == LicenceKind.BUSINESS and licence.is_valid_on(today)
        for licence in provider.licences.all()
    ):
        raise ValidationFailed(
            _("A provider is admitted only with a valid business licence on record."),
            errors={"licences": _("No valid business licence.")},
        )
    return _move(actor, provider, ProviderState.ADMITTED, "admit", decision_note=reasons)


def sign_contract(
    *,
    actor,
    provider_id: int,
    number: str,
    starts_on: dt.date,
    ends_on: dt.date,
    area_codes: list[str],
    services: list[str],
) -> Contract:
    """Designate an admitted provider (定点) for areas inside the official's region and catalogue services."""
    _require_official(actor)
    provider = get_provider_for(actor, provider_id)
    _require_state(provider, ProviderState.ADMITTED)
    errors = {}
    if not (number or "").strip():
        errors["number"] = _("The contract number is required.")
    if ends_on < starts_on:
        errors["ends_on"] = _("The contract cannot end before it starts.")
    areas = list(Region.objects.filter(code__in=area_codes))
    if not areas or len(areas) != len(set(area_codes)):
        errors["areas"] = _("Choose the areas the contract covers.")
    elif not all(scope_of(actor).covers_region(area.code) for area in areas):
        errors["areas"] = _("A contract can only cover areas inside your own region.")
    unknown = _unknown_services(services)
    if not services or unknown:
        errors["services"] = (
            _("Unknown services: %(codes)s.") % {"codes": listed(unknown)}
            if unknown
            else _("Choose the services the contract covers.")
        )
    if errors:
        raise ValidationFailed(next(iter(errors.values())), errors=errors)
    with transaction.atomic():
        contract = Contract.objects.create(
            provider=provider,
            number=within_limit(number, 40, field="number", label=_("The contract number")),
            starts_on=starts_on,
            ends_on=ends_on,
            services=sorted(set(services)),
            signed_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        contract.areas.set(areas)
        provider.service_areas.add(*areas)
        audit.record(
            actor=actor,
            action="providers.contract",
            obj=provider,
            after={
                "contract": contract.number,
                "areas": area_codes,
                "services": contract.services,
                "starts_on": starts_on,
                "ends_on": ends_on,
            },  # fmt: skip
            region_code=provider.region_id,
            provider_id=provider.pk,
        )
    return contract


def _unknown_services(codes: list[str]) -> list[str]:
    """Codes missing from the service catalogue."""
    known = set(ServiceItem.objects.filter(code__in=codes).values_list("code", flat=True))
    return sorted(set(codes) - known)


def exit_provider(*, actor, provider_id: int, kind: str, reason: str) -> Provider:
    """The provider leaves: voluntarily (asked by itself or an official) or by force (officials only, with a
    reason). Its contracts end today, it takes no new orders and leaves the public lists; receivers of
    ``provider_exited`` hand its open orders and regular elders over."""
    provider = get_provider_for(actor, provider_id)
    if kind not in ExitKind.values:
        raise ValidationFailed(
            _("Say whether the exit is voluntary or forced."), errors={"kind": _("Required.")}
        )
    if kind == ExitKind.FORCED:
        _require_official(actor)
    reason = within_limit(reason, 300, field="reason", label=_("The reason"))
    if not reason:
        raise ValidationFailed(_("Give the reason for the exit."), errors={"reason": _("Required.")})
    _require_state(provider, ProviderState.ADMITTED)
    today = timezone.localdate()
    with transaction.atomic():
        ended = provider.contracts.filter(state=ContractState.ACTIVE)
        ended_numbers = list(ended.values_list("number", flat=True))
        ended.update(state=ContractState.TERMINATED, ends_on=today)
        _move(actor, provider, ProviderState.EXITED, "exit", exit_kind=kind, exit_reason=reason,
              exited_on=today)  # fmt: skip
        provider_exited.send(
            sender=Provider, provider=provider, kind=kind, actor=actor, contracts=ended_numbers
        )
    return provider


def may_take_orders(provider: Provider, day: dt.date | None = None) -> bool:
    """Admitted, under a contract in force and not on the black list: what dispatching checks."""
    from .evaluation import is_black_listed

    day = day or timezone.localdate()
    if provider.state != ProviderState.ADMITTED:
        return False
    if not any(contract.is_in_force_on(day) for contract in provider.contracts.all()):
        return False
    return not is_black_listed(provider.pk, day)


def apply_online(
    *,
    name: str,
    credit_code: str,
    kind: str,
    region_code: str,
    contact_name: str,
    contact_phone: str,
    username: str,
    password: str,
) -> Provider:
    """A provider applies by itself from the public page: the organisation is recorded as an applicant and
    its administrator gets a login to add licences and follow the review. Nothing is half-saved: a bad
    credit code, a taken username or a weak password leaves neither the provider nor the account."""
    from shouwang.accounts.services import create_user

    from .services import create_provider

    with transaction.atomic():
        provider = create_provider(
            actor=SYSTEM,
            name=name,
            credit_code=credit_code,
            kind=kind,
            region_code=region_code,
            contact_phone=contact_phone,
        )
        provider.contact_name = within_limit(
            contact_name, 40, field="contact_name", label=_("The contact name")
        )
        provider.save(update_fields=["contact_name", "updated_at"])
        admin = create_user(
            actor=SYSTEM,
            username=username,
            password=password,
            role=Role.PROVIDER_ADMIN,
            full_name=provider.contact_name,
            phone=contact_phone,
            provider_id=provider.pk,
        )
        audit.record(
            actor=SYSTEM,
            action="providers.apply_online",
            obj=provider,
            after={"admin": admin.get_username()},
            region_code=provider.region_id,
            provider_id=provider.pk,
        )
    return provider
