"""The six anomaly checks: what each finds and what it leaves alone, how each case explains itself, and
that running them again adds nothing."""

import datetime as dt

import pytest
from django.utils import timezone

from shouwang.benefits import anomalies, cases, services
from shouwang.benefits.case_models import Case, CaseKind, CaseState, CheckRun
from shouwang.core.errors import Forbidden
from shouwang.core.models import AuditLog
from shouwang.elders.services import record_life_event
from shouwang.orders.models import ExceptionKind, ExceptionState, OrderState, Visit, VisitException
from tests import factories
from tests.benefits import factories as bf
from tests.benefits.anomaly_data import FAR, HOME, MONTH, at, served
from tests.orders import factories as of

pytestmark = pytest.mark.django_db
S = OrderState
K = CaseKind


@pytest.fixture
def carer(tree):
    return of.caregiver(factories.provider("核查服务商"), login=False, name="王护理")


@pytest.fixture
def elder(tree):
    return factories.ElderFactory(name="赵老汉", birth_date=dt.date(1940, 5, 1))


def age_allowance():
    return bf.policy(
        "gaoling", "高龄津贴", "cash", factories.DISTRICT, tiers=bf.AGE_TIERS, fund_shares={"city": 100}
    )


def check(actor, region=factories.DISTRICT) -> CheckRun:
    return anomalies.run_checks(actor=actor, month="2026-03", region_code=region)


def cases_of(kind: str) -> list[Case]:
    return list(Case.objects.filter(kind=kind).order_by("pk"))


# --- after death or move-out ----------------------------------------------------------------------------


def test_a_service_after_the_registered_death_is_a_case_that_says_so(elder, carer, official):
    before = served(elder, carer, at(3, "09:00"))
    same_day = served(elder, carer, at(5, "09:00"))
    after = served(elder, carer, at(10, "09:00"))
    Visit.objects.filter(order=after).update(checkout_at=None)  # served, whatever else is wrong with it
    record_life_event(actor=official, elder_id=elder.pk, event="deceased", date=MONTH.replace(day=5))

    check(official)

    found = cases_of(K.AFTER_LIFE_EVENT)
    assert [case.key for case in found] == [f"order:{after.pk}"]
    assert {before.pk, same_day.pk}.isdisjoint({int(c.key.split(":")[1]) for c in found})
    text = cases.explain(found[0])
    assert "赵老汉" in text and "2026-03-05" in text and f"#{after.pk}" in text and "去世" in text
    assert {e["type"] for e in found[0].evidence} == {"order", "elder", "life_event"}


def test_a_move_out_then_a_return_ends_the_span(elder, carer, official):
    record_life_event(actor=official, elder_id=elder.pk, event="moved_out", date=MONTH.replace(day=2))
    record_life_event(actor=official, elder_id=elder.pk, event="returned", date=MONTH.replace(day=12))
    away = served(elder, carer, at(8, "09:00"), state=S.COMPLETED)
    served(elder, carer, at(20, "09:00"))

    check(official)

    assert [case.key for case in cases_of(K.AFTER_LIFE_EVENT)] == [f"order:{away.pk}"]
    assert "迁出" in cases.explain(cases_of(K.AFTER_LIFE_EVENT)[0])


def test_a_run_paying_for_a_month_after_a_late_reported_death_is_a_case(tree, official):
    age_allowance()
    died_before = bf.elder(born=dt.date(1940, 1, 1), name="钱老太")
    died_during = bf.elder(born=dt.date(1940, 1, 1), name="孙老太")
    run = services.start_run(actor=official, month="2026-03", region_code=factories.DISTRICT)
    # Reported after the run was computed: the run still pays both.
    record_life_event(actor=official, elder_id=died_before.pk, event="deceased", date=dt.date(2026, 2, 20))
    record_life_event(actor=official, elder_id=died_during.pk, event="deceased", date=dt.date(2026, 3, 15))

    check(official)

    (case,) = cases_of(K.AFTER_LIFE_EVENT)
    assert (case.key, case.elder_id) == (f"result:{run.pk}:{died_before.pk}", died_before.pk)
    text = cases.explain(case)
    assert "钱老太" in text and "2026-02-20" in text and "100.00" in text and "高龄津贴" in text
    assert {"type": "run", "id": run.pk} in [{k: e[k] for k in ("type", "id")} for e in case.evidence]


# --- double claims --------------------------------------------------------------------------------------


def test_two_claims_for_the_same_item_at_overlapping_times_are_one_case(elder, carer, official):
    first = served(elder, carer, at(10, "09:00"), minutes=90)
    second = served(elder, carer, at(10, "10:00"), state=S.CONFIRMED)
    served(elder, carer, at(10, "14:00"))  # later the same day: no overlap
    served(elder, carer, at(10, "09:30"), items=("meal",))  # another item
    served(elder, carer, at(10, "09:15"), state=S.CANCELLED, visit=False)  # never claimed

    check(official)

    (case,) = cases_of(K.DOUBLE_CLAIM)
    assert case.key.endswith(f":{first.pk}:{second.pk}")
    text = cases.explain(case)
    assert f"#{first.pk}" in text and f"#{second.pk}" in text and "赵老汉" in text


# --- impossible travel ----------------------------------------------------------------------------------


def test_consecutive_visits_too_far_apart_for_the_time_between_are_a_case(carer, official, settings):
    settings.SHOUWANG_EVV_MAX_TRAVEL_KMH = 60
    here, there = factories.ElderFactory(), factories.ElderFactory(community_id=factories.COMMUNITY_B)
    left = served(here, carer, at(10, "09:00"))  # checked out 09:55
    rushed = served(there, carer, at(10, "10:00"), place=FAR)  # 11 km in 5 minutes
    served(there, carer, at(10, "11:10"), place=FAR)  # next door to the one before
    served(here, carer, at(10, "12:30"))  # 11 km in 25 minutes: 27 km/h, possible

    check(official)

    (case,) = cases_of(K.IMPOSSIBLE_TRAVEL)
    assert case.facts["from_order"] == left.pk and case.facts["to_order"] == rushed.pk
    assert (case.region_code, case.other_region_code) == (factories.COMMUNITY_B, factories.COMMUNITY_A)
    assert case.facts["kmh"] > 60
    assert "王护理" in cases.explain(case) and "11.1" in cases.explain(case)


def test_the_travel_limit_is_the_configured_speed(carer, official, settings):
    served(factories.ElderFactory(), carer, at(10, "09:00"))
    served(factories.ElderFactory(), carer, at(10, "10:00"), place=FAR)  # ≈ 133 km/h
    settings.SHOUWANG_EVV_MAX_TRAVEL_KMH = 150

    check(official)

    assert cases_of(K.IMPOSSIBLE_TRAVEL) == []


# --- settled without verification -----------------------------------------------------------------------


def test_settled_orders_never_verified_are_cases_with_the_reasons(elder, carer, official):
    clean = served(elder, carer, at(2, "09:00"))
    no_visit = served(elder, carer, at(3, "09:00"), visit=False)
    no_checkout = served(elder, carer, at(4, "09:00"), checkout_at=None, checkout_lat=None, checkout_lon=None)
    away = served(elder, carer, at(5, "09:00"))
    VisitException.objects.create(order=away, kind=ExceptionKind.OUTSIDE_RADIUS, state=ExceptionState.UPHELD)
    late = served(elder, carer, at(6, "09:00"))
    VisitException.objects.create(order=late, kind=ExceptionKind.LATE, state=ExceptionState.UPHELD)
    served(elder, carer, at(7, "09:00"), state=S.CONFIRMED, visit=False)  # not settled (yet)

    check(official)

    found = {case.key: case for case in cases_of(K.UNVERIFIED)}
    assert set(found) == {f"order:{o.pk}" for o in (no_visit, no_checkout, away)}
    assert f"order:{clean.pk}" not in found and f"order:{late.pk}" not in found
    assert "没有上门服务的电子核验记录" in cases.explain(found[f"order:{no_visit.pk}"])
    assert "未签出" in cases.explain(found[f"order:{no_checkout.pk}"])
    assert "超出范围" in cases.explain(found[f"order:{away.pk}"])


# --- the same signature or photo ------------------------------------------------------------------------


SIGNATURE = (
    "data:image/png;base64,"
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


def test_the_same_photo_or_signature_on_different_visits_is_a_case(carer, official):
    elders = [factories.ElderFactory() for _ in range(4)]
    photo_a = served(elders[0], carer, at(10, "09:00"), photo_sha256="ab" * 32)
    photo_b = served(elders[1], carer, at(11, "09:00"), photo_sha256="ab" * 32)
    served(elders[2], carer, at(12, "09:00"), photo_sha256="cd" * 32)
    signed_a = served(elders[2], carer, at(13, "09:00"), signature=SIGNATURE)
    # The same picture under another header is the same signature.
    other_header = SIGNATURE.replace("image/png", "image/x-png")
    signed_b = served(elders[3], carer, at(14, "09:00"), signature=other_header)
    served(elders[0], carer, at(15, "09:00"), signature="data:image/png;base64,AAAA")

    check(official)

    found = {case.facts["proof"]: case for case in cases_of(K.REUSED_PROOF)}
    assert set(found) == {"photo", "signature"}
    assert [row["id"] for row in found["photo"].facts["orders"]] == [photo_a.pk, photo_b.pk]
    assert [row["id"] for row in found["signature"].facts["orders"]] == [signed_a.pk, signed_b.pk]
    assert "签字" in cases.explain(found["signature"]) and "照片" in cases.explain(found["photo"])


# --- one ID number in two regions -----------------------------------------------------------------------


def test_one_id_number_drawing_a_benefit_in_two_runs_is_a_case(tree, official, admin_user):
    age_allowance()
    twice = bf.elder(born=dt.date(1940, 1, 1), name="周老伯")
    bf.elder(born=dt.date(1940, 1, 1), community=factories.COMMUNITY_B, name="吴老伯")
    services.start_run(actor=official, month="2026-03", region_code=factories.DISTRICT)
    services.start_run(actor=admin_user, month="2026-03", region_code=factories.COMMUNITY_A)

    check(official)

    (case,) = cases_of(K.TWO_REGIONS)
    assert case.elder_id == twice.pk
    text = cases.explain(case)
    assert "周老伯" in text and twice.id_number not in text and twice.id_number[-4:] in text
    assert len([e for e in case.evidence if e["type"] == "run"]) == 2


# --- filing ---------------------------------------------------------------------------------------------


def test_running_the_checks_again_adds_no_case_even_after_one_was_closed(elder, carer, official):
    served(elder, carer, at(3, "09:00"), visit=False)
    served(elder, carer, at(4, "09:00"), visit=False)

    first = check(official)
    again = check(official)

    assert (first.found, first.new, again.found, again.new) == (2, 2, 2, 0)
    assert Case.objects.count() == 2
    case = Case.objects.first()
    cases.take_case(actor=official, case_id=case.pk)
    cases.close_case(actor=official, case_id=case.pk, outcome="dismissed", note="补录了纸质签到单")
    assert check(official).new == 0
    assert Case.objects.count() == 2
    assert AuditLog.objects.filter(action="benefits.checks.run").count() == 3


def test_checks_of_a_street_find_only_its_facts(carer, official):
    served(factories.ElderFactory(), carer, at(3, "09:00"), visit=False)
    served(factories.ElderFactory(community_id=factories.COMMUNITY_B), carer, at(3, "15:00"), visit=False)

    run = check(official, region=factories.STREET_A)

    assert (run.found, run.region_code) == (1, factories.STREET_A)
    assert Case.objects.get().region_code == factories.COMMUNITY_A


def test_only_officials_of_the_region_run_the_checks(tree, worker_a):
    street_b = factories.user("official", regions=("220202002000",))
    with pytest.raises(Forbidden):
        check(street_b, region=factories.STREET_A)
    with pytest.raises(Forbidden):
        check(worker_a, region=factories.COMMUNITY_A)
    assert not CheckRun.objects.exists()


def test_the_monthly_job_checks_last_month_once(elder, carer):
    served(elder, carer, at(3, "09:00"), visit=False)
    april = dt.date(2026, 4, 2)

    run = anomalies.monthly_checks(today=april)

    assert (run.month, run.region_code, run.actor, run.new) == (MONTH, "", None, 1)
    assert anomalies.monthly_checks(today=april) is None
    assert Case.objects.get().state == CaseState.OPEN


def test_the_monthly_job_is_registered_with_the_scheduler():
    from shouwang.benefits import tasks
    from shouwang.core.scheduler import registered_jobs

    jobs = {job.name: job for job in registered_jobs()}
    assert jobs["benefits.monthly_anomaly_checks"].task is tasks.monthly_anomaly_checks
    assert jobs["benefits.monthly_anomaly_checks"].every == dt.timedelta(days=1)


def test_an_open_case_gets_the_latest_facts_but_one_under_review_keeps_its_own(elder, carer, official):
    order = served(elder, carer, at(3, "09:00"), visit=False)
    check(official)
    Visit.objects.create(order=order, caregiver=carer, checkin_at=at(3, "09:00"), checkin_lat=HOME[0],
                         checkin_lon=HOME[1])  # fmt: skip
    check(official)
    case = Case.objects.get()
    assert case.facts["reasons"] == [{"code": "no_checkout"}]

    cases.take_case(actor=official, case_id=case.pk)
    Visit.objects.filter(order=order).update(checkout_at=timezone.now(), checkin_lat=None)
    check(official)
    case.refresh_from_db()
    assert case.facts["reasons"] == [{"code": "no_checkout"}]
