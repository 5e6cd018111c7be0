"""The contract (docs/api.md, Benefits) and who sees what through it."""

import datetime as dt

import pytest

from shouwang.benefits import ledger
from shouwang.benefits.models import EligibilityRun
from tests import factories
from tests.benefits import factories as bf
from tests.benefits.conftest import approved
from tests.orders import factories as of

pytestmark = pytest.mark.django_db
API = "/api/v1/benefits"


@pytest.fixture
def people(policies):
    return {
        "a": bf.elder(born=dt.date(1935, 1, 1), categories=("dibao",), name="张三丰"),
        "b": bf.elder(born=dt.date(1940, 1, 1), community=factories.COMMUNITY_B, name="李四光"),
    }


@pytest.fixture
def run(people, official, client):
    client.force_login(official)
    answer = client.post(
        f"{API}/runs", {"month": "2026-03", "region": factories.DISTRICT}, content_type="application/json"
    )
    assert answer.status_code == 201
    return answer.json()


def test_post_runs_answers_201_with_the_id_and_state(run):
    assert run["state"] == "computed"
    assert EligibilityRun.objects.filter(pk=run["id"]).exists()


def test_a_run_reports_its_elders_and_totals_per_policy_and_fund_source(run, client):
    body = client.get(f"{API}/runs/{run['id']}").json()

    assert (body["state"], body["elder_count"], body["eligible_count"]) == ("computed", 2, 2)
    policies = {p["code"]: p for p in body["policies"]}
    assert (policies["gaoling"]["eligible"], policies["gaoling"]["amount_fen"]) == (2, 50000 + 10000)
    assert policies["fuwu"]["funds"] == {"city": 12000, "district": 12000, "street": 6000}
    funds = {f["source"]: f["amount_fen"] for f in body["funds"]}
    assert funds == {"city": 42000, "district": 42000, "lottery": 0, "street": 6000}
    assert body["amount_fen"] == 90000


def test_a_wrong_month_or_region_is_422_with_the_field(people, official, client, english):
    client.force_login(official)
    for payload, field in (
        ({"month": "03/2026", "region": factories.DISTRICT}, "month"),
        ({"month": "2026-03", "region": "x"}, "region"),
    ):
        answer = client.post(f"{API}/runs", payload, content_type="application/json")
        assert answer.status_code == 422
        assert field in answer.json()["errors"]


def test_the_elders_benefits_say_eligible_the_amount_and_why(run, people, client, english):
    body = client.get(f"/api/v1/elders/{people['a'].pk}/benefits", {"month": "2026-03"}).json()

    assert (body["computed"], body["run_id"]) == (True, run["id"])
    policies = {p["code"]: p for p in body["policies"]}
    assert (policies["gaoling"]["eligible"], policies["gaoling"]["amount_fen"]) == (True, 50000)
    assert (policies["huli"]["eligible"], policies["huli"]["amount_fen"]) == (False, 0)
    assert {"condition": "matches one of the amounts", "held": False} in policies["huli"]["reasons"]
    assert policies["fuwu"]["funds"] == {"city": 12000, "district": 12000, "street": 6000}


def test_before_a_run_the_elders_benefits_are_a_preview(people, official, client):
    client.force_login(official)
    body = client.get(f"/api/v1/elders/{people['a'].pk}/benefits", {"month": "2026-05"}).json()
    assert body["computed"] is False
    assert {p["code"]: p["amount_fen"] for p in body["policies"]} == {
        "fuwu": 30000,
        "gaoling": 50000,
        "huli": 0,
    }


def test_the_trial_balance_lists_every_account_and_totals_zero(
    run, client, worker_a, street_official, official
):
    approved(EligibilityRun.objects.get(), worker=worker_a, street=street_official, district=official)

    body = client.get(f"{API}/ledger/trial-balance").json()

    assert body["total_fen"] == 0
    kinds = {row["kind"]: row["balance_fen"] for row in body["by_kind"]}
    assert kinds["voucher"] == 30000
    assert sum(a["balance_fen"] for a in body["accounts"]) == 0


def test_review_and_return_through_the_api(run, client, worker_a, english):
    client.force_login(worker_a)
    assert (
        client.post(f"{API}/runs/{run['id']}/review", {}, content_type="application/json").json()["state"]
        == "community_checked"
    )
    refused = client.post(f"{API}/runs/{run['id']}/review", {}, content_type="application/json")
    assert refused.status_code == 403
    assert (
        client.post(
            f"{API}/runs/{run['id']}/return", {"reason": ""}, content_type="application/json"
        ).status_code
        == 422
    )


# --- who sees what ---------------------------------------------------------------------------------------


def test_a_community_worker_sees_their_elders_results_only(run, people, client, worker_b):
    client.force_login(worker_b)
    results = client.get(f"{API}/runs/{run['id']}/results").json()
    assert [r["elder_name"] for r in results["items"]] == ["李四光"]
    assert client.get(f"/api/v1/elders/{people['a'].pk}/benefits", {"month": "2026-03"}).status_code == 404
    assert client.get(f"/api/v1/elders/{people['b'].pk}/benefits", {"month": "2026-03"}).status_code == 200


def test_results_filter_by_policy_outcome(run, client):
    eligible = client.get(f"{API}/runs/{run['id']}/results", {"policy": "fuwu", "eligible": True}).json()
    assert [r["elder_name"] for r in eligible["items"]] == ["张三丰"]


def test_a_family_sees_only_its_elders_allowances_and_voucher_balance(
    run, people, client, worker_a, street_official, official
):
    approved(EligibilityRun.objects.get(), worker=worker_a, street=street_official, district=official)
    family = of.family(people["a"])
    client.force_login(family)

    mine = client.get(f"/api/v1/elders/{people['a'].pk}/benefits", {"month": "2026-03"}).json()

    assert mine["voucher_balance_fen"] == 30000
    assert client.get(f"/api/v1/elders/{people['b'].pk}/benefits", {"month": "2026-03"}).status_code == 404
    assert client.get(f"{API}/runs/{run['id']}").status_code == 404
    assert client.get(f"{API}/ledger/trial-balance").status_code == 403
    assert [a["kind"] for a in client.get(f"{API}/ledger/accounts").json()] == ["voucher"]


def test_a_provider_sees_only_its_own_account(
    run, people, client, worker_a, street_official, official, provider_a, provider_b, provider_admin_a
):
    approved(EligibilityRun.objects.get(), worker=worker_a, street=street_official, district=official)
    ledger.redeem(actor=official, elder_id=people["a"].pk, provider=provider_a, amount_fen=1000)
    ledger.redeem(actor=official, elder_id=people["a"].pk, provider=provider_b, amount_fen=2000)
    client.force_login(provider_admin_a)

    accounts = client.get(f"{API}/ledger/accounts").json()

    assert [(a["kind"], a["balance_fen"]) for a in accounts] == [("provider_payable", 1000)]
    assert client.get(f"/api/v1/elders/{people['a'].pk}/benefits", {"month": "2026-03"}).status_code == 404
    assert client.get(f"{API}/runs").json()["count"] == 0


def test_an_official_of_another_street_sees_the_district_run_but_not_other_streets_elders(
    run, people, client
):
    other = factories.user("official", regions=("220202002000",))
    client.force_login(other)
    assert client.get(f"{API}/runs/{run['id']}").status_code == 200
    names = [r["elder_name"] for r in client.get(f"{API}/runs/{run['id']}/results").json()["items"]]
    assert names == ["李四光"]


def test_only_policy_keepers_publish(policies, client, worker_a, official, english):
    client.force_login(worker_a)
    version = {"effective_from": "2026-09", "tiers": bf.AGE_TIERS, "fund_shares": {"city": 100}}
    url = f"{API}/policies/{policies['gaoling'].pk}/versions"
    assert client.post(url, version, content_type="application/json").status_code == 403
    client.force_login(official)
    assert [
        v["number"] for v in client.post(url, version, content_type="application/json").json()["versions"]
    ] == [2, 1]
    bad = client.post(
        url,
        {**version, "effective_from": "2026-10", "fund_shares": {"city": 90}},
        content_type="application/json",
    )
    assert bad.status_code == 422
    assert "fund_shares" in bad.json()["errors"]
