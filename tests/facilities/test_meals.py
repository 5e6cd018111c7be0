"""Meal help: a meal point records a sitting by ID numbers, each meal with the subsidy the rates give that
elder; a diner recorded twice counts once; an unknown number saves nothing; a meal to an elder who had
died is flagged and unpaid; daily and monthly counts."""

import datetime as dt

import pytest
from django.utils import timezone

from shouwang.benefits import ledger
from shouwang.benefits.models import FundSource, TransactionKind
from shouwang.core.actors import SYSTEM
from shouwang.elders.models import ElderCategory
from shouwang.elders.services import record_life_event
from shouwang.facilities.meals import set_meal_rate
from shouwang.facilities.models import MealRecord
from shouwang.regions.models import Region
from tests import factories

from .conftest import facility

pytestmark = pytest.mark.django_db


@pytest.fixture
def diners(w):
    set_meal_rate(actor=SYSTEM, fen_per_meal=300, min_age=60)
    set_meal_rate(actor=SYSTEM, fen_per_meal=800, category="tekun")
    poor = factories.ElderFactory(community_id=factories.COMMUNITY_B, name="特困老人")
    ElderCategory.objects.create(elder=poor, code="tekun", community_code=poor.community_id, name=poor.name)
    plain = factories.ElderFactory(community_id=factories.COMMUNITY_B, name="普通老人")
    gone = factories.ElderFactory(community_id=factories.COMMUNITY_B, name="已故老人")
    fund(poor, 1000)
    fund(plain, 1000)
    return poor, plain, gone


def fund(elder, fen: int) -> None:
    """Credit ``fen`` to the elder's voucher account from the district budget (as an approved run does)."""
    account = ledger.voucher_accounts({elder.pk: (elder.name, elder.community_id)})[elder.pk]
    source = ledger.fund_account(FundSource.DISTRICT, Region.objects.get(code=factories.DISTRICT))
    lines = [(source.pk, -fen), (account, fen)]
    ledger.post(actor=SYSTEM, kind=TransactionKind.VOUCHER_CREDIT, memo="test", lines=lines)


def test_a_sitting_with_subsidies_flags_and_counts(w, api, diners):
    poor, plain, gone = diners
    today = timezone.localdate()
    record_life_event(actor=w.official, elder_id=gone.pk, event="deceased", date=today - dt.timedelta(days=2))
    client = api(w.padmin_b)
    url = f"/api/v1/facilities/{w.meal_point.pk}/meals"
    people = [poor.id_number, plain.id_number.lower(), gone.id_number, poor.id_number]
    summary = client.post(url, {"day": today.isoformat(), "meal": "lunch", "people": people})
    assert summary.status_code == 200, summary.json()
    assert summary.json() == {"recorded": 3, "already": 0, "flagged": 1, "unpaid": 0, "subsidy_fen": 1100}
    again = client.post(url, {"day": today.isoformat(), "meal": "lunch", "people": [poor.id_number]}).json()
    assert again == {"recorded": 0, "already": 1, "flagged": 0, "unpaid": 0, "subsidy_fen": 0}
    flagged = client.get("/api/v1/facilities/meals/flagged").json()
    assert [(m["elder_name"], m["flag"]) for m in flagged] == [("已故老人", "deceased")]

    counts = client.get(f"{url}/counts").json()
    assert counts == [{"period": today.isoformat(), "meals": 3, "flagged": 1, "subsidy_fen": 1100}]
    monthly = client.get(f"{url}/counts", by="month").json()
    assert monthly[0]["period"] == today.replace(day=1).isoformat() and monthly[0]["meals"] == 3
    page = client.client.get(f"/facilities/{w.meal_point.pk}/meals/").content.decode()
    assert "已故老人" in page


def test_an_unknown_number_saves_nothing_and_other_operators_are_refused(w, api, diners):
    poor, _plain, _gone = diners
    today = timezone.localdate().isoformat()
    client = api(w.padmin_b)
    url = f"/api/v1/facilities/{w.meal_point.pk}/meals"
    unknown = factories.make_resident_id("220202", dt.date(1950, 1, 1), 999)
    response = client.post(url, {"day": today, "people": [poor.id_number, unknown]})
    assert response.status_code == 422 and response.json()["code"] == "unknown_diners"
    assert unknown not in str(response.json())  # masked
    assert not MealRecord.objects.exists()
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    assert client.post(url, {"day": tomorrow, "people": [poor.id_number]}).status_code == 422
    assert api(w.padmin_a).post(url, {"day": today, "people": [poor.id_number]}).status_code == 404
    # A day-care centre offers meals too; an institution without meal help does not record them.
    home = f"/api/v1/facilities/{w.home.pk}/meals"
    assert api(w.padmin_a).post(home, {"day": today, "people": [poor.id_number]}).status_code == 422


def test_the_bureau_sets_meal_rates(w, api):
    official = api(w.official)
    made = official.post("/api/v1/facilities/meal-rates", {"fen_per_meal": 500, "min_age": 80})
    assert made.status_code == 201 and made.json()["min_age"] == 80
    both = official.post(
        "/api/v1/facilities/meal-rates", {"fen_per_meal": 500, "min_age": 80, "category": "tekun"}
    )
    assert both.status_code == 422
    assert (
        official.post("/api/v1/facilities/meal-rates", {"fen_per_meal": 500, "category": "x"}).status_code
        == 422
    )
    operator = api(w.padmin_b)
    assert (
        operator.post("/api/v1/facilities/meal-rates", {"fen_per_meal": 900, "min_age": 60}).status_code
        == 403
    )
    assert [rate["fen_per_meal"] for rate in operator.get("/api/v1/facilities/meal-rates").json()] == [500]


OTHER_COUNTY = [
    ("220203000000", "邻区", ""),
    ("220203001000", "邻街道", ""),
    ("220203001001", "邻社区", "111"),
]


def test_a_number_registered_outside_the_district_gets_the_answer_an_unknown_one_gets(w, api, diners):
    """A meal point of another district learns nothing from its form: the elder's number registered there
    and a number registered nowhere are refused alike, and both lookups are audited, masked."""
    from shouwang.core.models import AuditLog
    from shouwang.regions.services import load_regions

    load_regions(
        actor=SYSTEM, rows=[{"code": c, "name": n, "urban_rural_type": t} for c, n, t in OTHER_COUNTY]
    )
    neighbour = factories.provider("邻区服务商", region_code="220203000000")
    point = facility(neighbour, "220203001001", name="邻区老年食堂", kind="meal_point", services=["meal"])
    counter = factories.user("provider_admin", provider_id=neighbour.pk)
    poor, _plain, _gone = diners  # registered in district 220202
    unknown = factories.make_resident_id("220203", dt.date(1950, 1, 1), 998)
    client = api(counter)
    url = f"/api/v1/facilities/{point.pk}/meals"
    today = timezone.localdate().isoformat()
    known_answer = client.post(url, {"day": today, "people": [poor.id_number]})
    unknown_answer = client.post(url, {"day": today, "people": [unknown]})
    assert known_answer.status_code == unknown_answer.status_code == 422
    known, unknown_body = known_answer.json(), unknown_answer.json()
    assert known["code"] == unknown_body["code"] == "unknown_diners"
    assert known["message"] == unknown_body["message"]
    assert list(known["errors"].values()) == list(unknown_body["errors"].values())
    assert not MealRecord.objects.exists()
    trail = AuditLog.objects.filter(action="facilities.meal_lookup_refused", object_id=str(point.pk))
    assert trail.count() == 2
    shown = str(list(trail.values_list("after", flat=True)))
    assert poor.id_number not in shown and unknown not in shown and poor.id_number[-4:] in shown
    # The elder's own district's point records the same number.
    own = api(w.padmin_b).post(
        f"/api/v1/facilities/{w.meal_point.pk}/meals", {"day": today, "people": [poor.id_number]}
    )
    assert own.status_code == 200 and own.json()["recorded"] == 1
