"""Admission, contracts and exit of providers: legal steps, refusals, audit, hand-over hook, scope."""

import datetime as dt

import pytest
from django.utils import timezone

from shouwang.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from shouwang.core.models import AuditLog
from shouwang.providers.admission import (
    add_licence,
    decide_admission,
    exit_provider,
    may_take_orders,
    sign_contract,
    start_review,
    submit_application,
)
from shouwang.providers.models import ContractState, ProviderState
from shouwang.providers.selectors import expiring_licences
from shouwang.providers.signals import provider_exited
from tests import factories

pytestmark = pytest.mark.django_db


def today():
    """The platform's date when the test runs (not when the module was imported: a run may cross midnight)."""
    return timezone.localdate()


def _admitted(official, provider):
    add_licence(actor=official, provider_id=provider.pk, kind="business", number="91220202MA0000001X")
    start_review(actor=official, provider_id=provider.pk)
    return decide_admission(actor=official, provider_id=provider.pk, admit=True)


def _contract(official, provider, **overrides):
    values = {
        "number": "CY-2026-001",
        "starts_on": today() - dt.timedelta(days=1),
        "ends_on": today() + dt.timedelta(days=365),
        "area_codes": [factories.COMMUNITY_A],
        "services": ["meal", "cleaning"],
    }
    return sign_contract(actor=official, provider_id=provider.pk, **{**values, **overrides})


def test_from_application_to_designated_provider(official, provider_a):
    assert provider_a.state == ProviderState.APPLIED and not may_take_orders(provider_a)
    _admitted(official, provider_a)
    contract = _contract(official, provider_a)
    provider_a.refresh_from_db()
    assert provider_a.state == ProviderState.ADMITTED and may_take_orders(provider_a)
    assert list(provider_a.service_areas.values_list("code", flat=True)) == [factories.COMMUNITY_A]
    assert contract.services == ["cleaning", "meal"]
    actions = list(AuditLog.objects.filter(provider_id=provider_a.pk).values_list("action", flat=True))
    assert {"providers.review", "providers.admit", "providers.contract", "providers.licence"} <= set(actions)


def test_admission_needs_a_valid_business_licence(official, provider_a):
    add_licence(
        actor=official,
        provider_id=provider_a.pk,
        kind="business",
        number="X1",
        expires_on=today() - dt.timedelta(1),
    )
    start_review(actor=official, provider_id=provider_a.pk)
    with pytest.raises(ValidationFailed):
        decide_admission(actor=official, provider_id=provider_a.pk, admit=True)


def test_rejection_needs_reasons_and_the_provider_may_apply_again(official, provider_a, provider_admin_a):
    start_review(actor=official, provider_id=provider_a.pk)
    with pytest.raises(ValidationFailed):
        decide_admission(actor=official, provider_id=provider_a.pk, admit=False, reasons=" ")
    rejected = decide_admission(
        actor=official, provider_id=provider_a.pk, admit=False, reasons="营业执照已过期"
    )
    assert (rejected.state, rejected.decision_note) == (ProviderState.REJECTED, "营业执照已过期")
    again = submit_application(actor=provider_admin_a, provider_id=provider_a.pk)
    assert again.state == ProviderState.APPLIED and again.decision_note == ""


def test_illegal_steps_are_refused(official, provider_a, provider_admin_a):
    with pytest.raises(Conflict):
        decide_admission(actor=official, provider_id=provider_a.pk, admit=True)  # not under review
    with pytest.raises(Conflict):
        _contract(official, provider_a)  # not admitted
    with pytest.raises(Forbidden):
        start_review(actor=provider_admin_a, provider_id=provider_a.pk)  # a provider does not review itself
    _admitted(official, provider_a)
    with pytest.raises(Conflict):
        start_review(actor=official, provider_id=provider_a.pk)


def test_contract_areas_must_lie_in_the_officials_region(tree, provider_a):
    street_official = factories.user("official", regions=(factories.STREET_A,))
    _admitted(factories.user("official", regions=(factories.DISTRICT,)), provider_a)
    with pytest.raises((ValidationFailed, NotFound)):
        _contract(street_official, provider_a, area_codes=[factories.COMMUNITY_B])


def test_forced_exit_ends_contracts_and_tells_the_platform(official, provider_a, provider_admin_a):
    _admitted(official, provider_a)
    _contract(official, provider_a)
    heard = []
    provider_exited.connect(receiver := lambda **kwargs: heard.append((kwargs["kind"], kwargs["contracts"])))
    try:
        with pytest.raises(Forbidden):
            exit_provider(actor=provider_admin_a, provider_id=provider_a.pk, kind="forced", reason="多次投诉")
        with pytest.raises(ValidationFailed):
            exit_provider(actor=official, provider_id=provider_a.pk, kind="forced", reason="")
        exited = exit_provider(
            actor=official, provider_id=provider_a.pk, kind="forced", reason="多次投诉未整改"
        )
    finally:
        provider_exited.disconnect(receiver)
    assert exited.state == ProviderState.EXITED and exited.exited_on == today()
    assert heard == [("forced", ["CY-2026-001"])]
    assert list(exited.contracts.values_list("state", flat=True)) == [ContractState.TERMINATED]
    assert not may_take_orders(exited)


def test_a_provider_may_leave_of_its_own_accord(official, provider_a, provider_admin_a):
    _admitted(official, provider_a)
    exited = exit_provider(
        actor=provider_admin_a, provider_id=provider_a.pk, kind="voluntary", reason="业务调整"
    )
    assert exited.exit_kind == "voluntary"


def test_a_provider_admin_reaches_nothing_of_another_provider(provider_admin_a, provider_b):
    with pytest.raises(NotFound):
        add_licence(actor=provider_admin_a, provider_id=provider_b.pk, kind="business", number="X")
    with pytest.raises(NotFound):
        submit_application(actor=provider_admin_a, provider_id=provider_b.pk)


def test_licences_running_out_are_listed_for_warning(official, provider_a, provider_b):
    soon = add_licence(
        actor=official,
        provider_id=provider_a.pk,
        kind="food",
        number="F1",
        expires_on=today() + dt.timedelta(20),
    )
    add_licence(
        actor=official,
        provider_id=provider_b.pk,
        kind="food",
        number="F2",
        expires_on=today() + dt.timedelta(200),
    )
    assert list(expiring_licences(official)) == [soon]
