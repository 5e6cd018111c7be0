import datetime as dt

import pytest

from shouwang.benefits import services
from shouwang.benefits.ledger import voucher_balance
from shouwang.benefits.models import LedgerEntry, RunState, RunTransition
from shouwang.core.actors import SYSTEM
from shouwang.core.errors import Conflict, Forbidden, ValidationFailed
from shouwang.core.models import AuditLog
from tests import factories
from tests.benefits import factories as bf

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(policies):
    bf.elder(born=dt.date(1940, 1, 1), categories=("dibao",))
    return services.start_run(actor=SYSTEM, month="2026-03", region_code=factories.DISTRICT)


def test_a_run_is_checked_by_the_community_then_the_street_then_approved_by_the_district(
    run, worker_a, street_official, official
):
    steps = []
    for actor in (worker_a, street_official, official):
        services.review_run(actor=actor, run_id=run.pk, note="ok")
        run.refresh_from_db()
        steps.append(run.state)

    assert steps == [RunState.COMMUNITY_CHECKED, RunState.STREET_CHECKED, RunState.APPROVED]
    assert list(RunTransition.objects.values_list("actor__username", flat=True)) == [
        "worker_a",
        "street_official",
        "official",
    ]
    assert (
        AuditLog.objects.filter(action="benefits.run.approved", region_code=factories.DISTRICT).count() == 1
    )


def test_no_money_moves_before_the_district_approves(run, worker_a, street_official, official):
    elder_id = run.results.get().elder_id
    services.review_run(actor=worker_a, run_id=run.pk)
    services.review_run(actor=street_official, run_id=run.pk)
    assert not LedgerEntry.objects.exists()

    services.review_run(actor=official, run_id=run.pk)

    assert voucher_balance(elder_id) == 30000


def test_each_step_is_taken_only_by_its_level(run, worker_a, street_official, official, english):
    with pytest.raises(Forbidden, match="not yours"):
        services.review_run(actor=official, run_id=run.pk)  # the community checks first
    services.review_run(actor=worker_a, run_id=run.pk)
    with pytest.raises(Forbidden):
        services.review_run(actor=worker_a, run_id=run.pk)
    with pytest.raises(Forbidden):
        services.review_run(actor=official, run_id=run.pk)  # the street checks second
    run.refresh_from_db()
    assert run.state == RunState.COMMUNITY_CHECKED


def test_a_street_official_may_not_approve_for_the_district(run, worker_a, street_official, english):
    services.review_run(actor=worker_a, run_id=run.pk)
    services.review_run(actor=street_official, run_id=run.pk)
    with pytest.raises(Forbidden):
        services.review_run(actor=street_official, run_id=run.pk)
    assert not LedgerEntry.objects.exists()


def test_only_a_community_worker_inside_the_region_checks_it(run, worker_b, english):
    street_run = services.start_run(actor=SYSTEM, month="2026-03", region_code=factories.STREET_A)
    with pytest.raises(Forbidden):
        services.review_run(actor=worker_b, run_id=street_run.pk)  # 乙社区 lies in another street
    with pytest.raises(Forbidden):
        services.return_run(actor=worker_b, run_id=street_run.pk, reason="x")
    services.review_run(actor=worker_b, run_id=run.pk)  # but inside the district


def test_a_returned_run_is_computed_again_before_it_goes_round_again(run, worker_a, street_official, english):
    services.review_run(actor=worker_a, run_id=run.pk)
    with pytest.raises(ValidationFailed, match="what must be corrected"):
        services.return_run(actor=street_official, run_id=run.pk, reason=" ")
    services.return_run(actor=street_official, run_id=run.pk, reason="张三 moved in January")
    with pytest.raises(Conflict, match="returned for correction"):
        services.review_run(actor=worker_a, run_id=run.pk)

    again = services.start_run(actor=SYSTEM, month="2026-03", region_code=factories.DISTRICT)

    assert again.state == RunState.COMPUTED
    assert list(RunTransition.objects.values_list("to_state", "reason")) == [
        ("community_checked", ""),
        ("returned", "张三 moved in January"),
        ("computed", "computed again"),
    ]


def test_an_approved_run_posts_its_money_once(run, worker_a, street_official, official, english):
    for actor in (worker_a, street_official, official):
        services.review_run(actor=actor, run_id=run.pk)
    entries = LedgerEntry.objects.count()
    with pytest.raises(Conflict, match="cannot become"):
        services.review_run(actor=official, run_id=run.pk)
    with pytest.raises(Conflict):
        services.return_run(actor=official, run_id=run.pk, reason="too late")
    assert LedgerEntry.objects.count() == entries


def test_a_death_recorded_after_the_run_was_computed_stops_its_approval(
    run, worker_a, street_official, official, english
):
    from shouwang.elders.services import record_life_event

    services.review_run(actor=worker_a, run_id=run.pk)
    services.review_run(actor=street_official, run_id=run.pk)
    elder_id = run.results.get().elder_id
    record_life_event(actor=official, elder_id=elder_id, event="deceased", date=dt.date(2026, 2, 20))

    with pytest.raises(Conflict, match="1 deaths or moves were recorded"):
        services.review_run(actor=official, run_id=run.pk)
    assert not LedgerEntry.objects.exists()

    services.return_run(actor=official, run_id=run.pk, reason="died in February")
    again = services.start_run(actor=SYSTEM, month="2026-03", region_code=factories.DISTRICT)
    assert again.totals["amount_fen"] == 0  # died before the first of March
    for actor in (worker_a, street_official, official):
        services.review_run(actor=actor, run_id=run.pk)
    assert voucher_balance(elder_id) == 0
