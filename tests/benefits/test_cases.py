"""The review of anomaly cases: the table of moves, the required note, who sees which case (an official of
another street: 404), and the same through the API and the console."""

import pytest

from shouwang.benefits import anomalies, cases
from shouwang.benefits.case_models import Case, CaseState, CaseTransition
from shouwang.core.errors import Conflict, NotFound, ValidationFailed
from shouwang.core.models import AuditLog
from tests import factories
from tests.benefits.anomaly_data import at, served
from tests.orders import factories as of

pytestmark = pytest.mark.django_db
API = "/api/v1/benefits/cases"
STREET_B = "220202002000"


@pytest.fixture
def case(tree, official) -> Case:
    """A settled order of community A never verified (no EVV record), found by the checks."""
    carer = of.caregiver(factories.provider("核查服务商"), login=False)
    served(factories.ElderFactory(name="赵老汉"), carer, at(3, "09:00"), visit=False)
    anomalies.run_checks(actor=official, month="2026-03", region_code=factories.DISTRICT)
    return Case.objects.get()


@pytest.fixture
def street_a(tree):
    return factories.user("official", regions=(factories.STREET_A,), username="street_a")


@pytest.fixture
def street_b(tree):
    return factories.user("official", regions=(STREET_B,), username="street_b")


def test_a_case_goes_open_under_review_closed_with_its_note(case, street_a):
    cases.take_case(actor=street_a, case_id=case.pk)
    case.refresh_from_db()
    assert (case.state, case.reviewer) == (CaseState.UNDER_REVIEW, street_a)

    cases.close_case(actor=street_a, case_id=case.pk, outcome="confirmed", note="服务商承认未上门，追回款项")

    case.refresh_from_db()
    assert (case.state, case.note) == (CaseState.CONFIRMED, "服务商承认未上门，追回款项")
    assert case.closed_at is not None
    moves = list(case.transitions.values_list("from_state", "to_state", "actor_name"))
    assert moves == [
        ("", "open", "系统"),
        ("open", "under_review", "street_a"),
        ("under_review", "confirmed", "street_a"),
    ]
    actions = set(AuditLog.objects.filter(object_id=str(case.pk)).values_list("action", flat=True))
    assert {"benefits.case.open", "benefits.case.under_review", "benefits.case.confirmed"} <= actions


def test_closing_needs_a_note_and_an_outcome_and_saves_nothing_without(case, official):
    cases.take_case(actor=official, case_id=case.pk)
    with pytest.raises(ValidationFailed) as refused:
        cases.close_case(actor=official, case_id=case.pk, outcome="dismissed", note="  ")
    assert set(refused.value.errors) == {"note"}
    with pytest.raises(ValidationFailed) as refused:
        cases.close_case(actor=official, case_id=case.pk, outcome="open", note="看过了")
    assert set(refused.value.errors) == {"outcome"}
    case.refresh_from_db()
    assert (case.state, case.note) == (CaseState.UNDER_REVIEW, "")


def test_moves_outside_the_table_are_refused(case, official):
    with pytest.raises(Conflict):
        cases.close_case(actor=official, case_id=case.pk, outcome="dismissed", note="直接结案")
    cases.take_case(actor=official, case_id=case.pk)
    with pytest.raises(Conflict):
        cases.take_case(actor=official, case_id=case.pk)
    cases.close_case(actor=official, case_id=case.pk, outcome="dismissed", note="纸质签到单齐全")
    with pytest.raises(Conflict):
        cases.close_case(actor=official, case_id=case.pk, outcome="confirmed", note="改主意")
    assert CaseTransition.objects.filter(case=case).count() == 3


def test_an_official_of_another_street_neither_sees_nor_moves_the_case(case, street_a, street_b, worker_a):
    assert list(cases.cases_for(street_a)) == [case]
    for outsider in (street_b, worker_a):
        assert not cases.cases_for(outsider).exists()
        with pytest.raises(NotFound):
            cases.get_case_for(outsider, case.pk)
        with pytest.raises(NotFound):
            cases.take_case(actor=outsider, case_id=case.pk)
    case.refresh_from_db()
    assert case.state == CaseState.OPEN


def test_a_case_spanning_two_regions_is_seen_from_both(case, street_b):
    Case.objects.filter(pk=case.pk).update(other_region_code=factories.COMMUNITY_B)
    assert cases.get_case_for(street_b, case.pk) == case


def test_filters_by_kind_and_state(case, official):
    assert list(cases.cases_for(official, kind="unverified", state="open")) == [case]
    assert not cases.cases_for(official, kind="double_claim").exists()
    assert not cases.cases_for(official, state="closed").exists()


# --- the API --------------------------------------------------------------------------------------------


def test_the_api_lists_explains_and_closes_a_case(case, street_a, client):
    client.force_login(street_a)
    listed = client.get(API, {"kind": "unverified", "state": "open"}).json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == case.pk

    body = client.get(f"{API}/{case.pk}").json()
    assert "从未通过核验" in body["explanation"] and "赵老汉" in body["explanation"]
    assert [e["type"] for e in body["evidence"]] == ["order", "elder"]
    assert body["evidence"][0]["url"] == f"/orders/{body['facts']['order']}/"

    taken = client.post(f"{API}/{case.pk}/review", {}, content_type="application/json")
    assert taken.json()["state"] == "under_review"
    closed = client.post(
        f"{API}/{case.pk}/close", {"outcome": "dismissed", "note": "已核实"}, content_type="application/json"
    )
    assert (closed.status_code, closed.json()["state"], closed.json()["note"]) == (200, "dismissed", "已核实")
    assert [t["to_state"] for t in closed.json()["transitions"]] == ["open", "under_review", "dismissed"]


def test_the_api_refuses_a_close_without_a_note_naming_the_field(case, official, client, english):
    client.force_login(official)
    client.post(f"{API}/{case.pk}/review", {}, content_type="application/json")
    answer = client.post(
        f"{API}/{case.pk}/close", {"outcome": "confirmed", "note": ""}, content_type="application/json"
    )
    assert answer.status_code == 422
    assert "note" in factories.error_fields(answer.json())
    assert Case.objects.get().state == CaseState.UNDER_REVIEW


def test_the_api_answers_404_to_an_official_of_another_street(case, street_b, client):
    client.force_login(street_b)
    assert client.get(API).json()["count"] == 0
    assert client.get(f"{API}/{case.pk}").status_code == 404
    assert client.post(f"{API}/{case.pk}/review", {}, content_type="application/json").status_code == 404


def test_the_api_runs_the_checks_on_demand(case, street_a, street_b, client):
    client.force_login(street_a)
    answer = client.post(
        f"{API}/checks", {"month": "2026-03", "region": factories.STREET_A}, content_type="application/json"
    )
    assert answer.status_code == 201
    assert (answer.json()["found"], answer.json()["new"], answer.json()["month"]) == (1, 0, "2026-03")
    client.force_login(street_b)
    refused = client.post(
        f"{API}/checks", {"month": "2026-03", "region": factories.STREET_A}, content_type="application/json"
    )
    assert refused.status_code == 403


# --- the console ----------------------------------------------------------------------------------------


def test_the_cases_page_filters_and_the_case_page_shows_the_evidence_and_closes(case, street_a, client):
    client.force_login(street_a)
    page = client.get("/benefits/cases/", {"kind": "unverified"}).content.decode()
    assert "赵老汉" in page and f'href="/benefits/cases/{case.pk}/"' in page
    assert "赵老汉" not in client.get("/benefits/cases/", {"kind": "double_claim"}).content.decode()

    detail = client.get(f"/benefits/cases/{case.pk}/").content.decode()
    assert f'href="/orders/{case.facts["order"]}/"' in detail and "开始审查" in detail

    client.post(f"/benefits/cases/{case.pk}/review/")
    refused = client.post(
        f"/benefits/cases/{case.pk}/close/", {"outcome": "confirmed", "note": ""}, follow=True
    )
    assert "结案必须填写说明" in refused.content.decode()
    client.post(f"/benefits/cases/{case.pk}/close/", {"outcome": "confirmed", "note": "追回"})
    case.refresh_from_db()
    assert (case.state, case.note) == (CaseState.CONFIRMED, "追回")


def test_the_case_page_is_404_for_an_official_of_another_street(case, street_b, client):
    client.force_login(street_b)
    assert client.get(f"/benefits/cases/{case.pk}/").status_code == 404
    assert client.post(f"/benefits/cases/{case.pk}/review/").status_code == 404
    case.refresh_from_db()
    assert case.state == CaseState.OPEN


def test_the_console_runs_the_checks_and_says_what_it_found(case, street_a, client):
    client.force_login(street_a)
    answer = client.post(
        "/benefits/cases/checks/", {"month": "2026-03", "region": factories.STREET_A}, follow=True
    )
    assert "发现 1 条异常，其中 0 条为新案件" in answer.content.decode()
