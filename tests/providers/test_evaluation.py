"""Provider evaluation: the weighted score with weights held as data, star grades, inspections, lists."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from shouwang.core.errors import Forbidden, ValidationFailed
from shouwang.providers import evaluation
from shouwang.providers.admission import (
    add_licence,
    decide_admission,
    may_take_orders,
    sign_contract,
    start_review,
)
from shouwang.providers.evaluation import (
    Measure,
    add_to_list,
    combine,
    record_inspection,
    score_month,
    stars_for,
)
from shouwang.providers.models import EvaluationScheme, ProviderScore
from tests import factories

pytestmark = pytest.mark.django_db


def today():
    """The platform's date when the test runs (not when the module was imported: a run may cross midnight)."""
    return timezone.localdate()


WEIGHTS = {"rating": 30, "complaints": 20, "on_time": 20, "verification": 20, "inspection": 10}
BANDS = [[90, 5], [80, 4], [70, 3], [60, 2], [0, 1]]


def test_the_score_is_the_weighted_mean_of_the_components():
    scores = {"rating": 90, "complaints": 80, "on_time": 100, "verification": 70, "inspection": 100}
    assert combine(scores, WEIGHTS) == pytest.approx(
        (90 * 30 + 80 * 20 + 100 * 20 + 70 * 20 + 100 * 10) / 100
    )


def test_components_without_data_are_left_out_and_the_rest_scaled_up():
    assert combine({"rating": 80, "inspection": 50, "complaints": None}, WEIGHTS) == pytest.approx(
        (80 * 30 + 50 * 10) / 40
    )
    assert combine({"rating": None}, WEIGHTS) is None


def test_star_grades_follow_the_bands():
    assert [stars_for(total, BANDS) for total in (95, 90, 89.9, 70, 59.9, None)] == [5, 5, 4, 3, 1, None]


def test_month_score_from_inspections_and_a_registered_source(official, provider_a):
    _admit(official, provider_a)
    month = today().replace(day=1)
    record_inspection(actor=official, provider_id=provider_a.pk, inspected_on=month, result="passed")
    record_inspection(
        actor=official, provider_id=provider_a.pk, inspected_on=month, result="minor", findings="台账不全"
    )
    evaluation.register_source(
        "rating", lambda provider_id, first, last: Measure(score=95.0, value=4.8, count=12)
    )
    try:
        assert score_month(month=today()) == 1
        assert score_month(month=today()) == 1  # again: the same row, not a second one
    finally:
        evaluation._sources.pop("rating")
    score = ProviderScore.objects.get(provider=provider_a)
    assert score.components["inspection"]["score"] == 85.0 and score.components["rating"]["count"] == 12
    assert score.components["on_time"]["score"] is None
    assert score.total == Decimal("92.5") and score.stars == 5  # (95·30 + 85·10) / 40


def test_weights_are_data(official, provider_a):
    _admit(official, provider_a)
    EvaluationScheme.objects.create(
        name="重检查", effective_from=today().replace(day=1), weights={"inspection": 1}, star_bands=BANDS
    )
    record_inspection(
        actor=official, provider_id=provider_a.pk, inspected_on=today(), result="major", findings="x"
    )
    score_month(month=today())
    assert ProviderScore.objects.get(provider=provider_a).total == Decimal("30.0")


def test_black_list_stops_new_orders_and_needs_a_reason(official, provider_a, provider_admin_a):
    _admit(official, provider_a)
    provider_a.refresh_from_db()
    assert may_take_orders(provider_a)
    with pytest.raises(ValidationFailed):
        add_to_list(actor=official, provider_id=provider_a.pk, kind="black", reason="")
    with pytest.raises(Forbidden):
        add_to_list(actor=provider_admin_a, provider_id=provider_a.pk, kind="red", reason="自评优秀")
    add_to_list(actor=official, provider_id=provider_a.pk, kind="black", reason="虚报服务", ends_on=today())
    assert not may_take_orders(provider_a)
    assert may_take_orders(provider_a, today() + dt.timedelta(days=1))


def _admit(official, provider):
    add_licence(actor=official, provider_id=provider.pk, kind="business", number="B1")
    start_review(actor=official, provider_id=provider.pk)
    decide_admission(actor=official, provider_id=provider.pk, admit=True)
    sign_contract(
        actor=official, provider_id=provider.pk, number="C1", starts_on=today() - dt.timedelta(days=5),
        ends_on=today() + dt.timedelta(days=30), area_codes=[factories.COMMUNITY_A], services=["meal"],
    )  # fmt: skip


def test_score_page_shows_how_the_score_was_made(client, official, provider_a):
    _admit(official, provider_a)
    client.force_login(official)
    client.post(f"/providers/{provider_a.pk}/inspection/", {"inspected_on": str(today()), "result": "passed"})
    score_month(month=today())
    page = client.get(f"/providers/{provider_a.pk}/").content.decode()
    assert "100.0" in page and "★★★★★" in page


def test_evaluation_through_the_api(client, official, provider_a, provider_admin_a):
    _admit(official, provider_a)
    client.force_login(official)
    url = f"/api/v1/providers/{provider_a.pk}"
    body = {"inspected_on": str(today()), "result": "major", "findings": "无服务记录"}
    assert client.post(f"{url}/inspections", body, content_type="application/json").status_code == 201
    score_month(month=today())
    client.force_login(provider_admin_a)  # a provider sees its own score and how it was made
    scores = client.get(f"{url}/scores").json()
    assert scores[0]["total"] == 30.0 and scores[0]["components"]["inspection"]["count"] == 1
    listed = client.post(f"{url}/lists", {"kind": "black", "reason": "x"}, content_type="application/json")
    assert listed.status_code == 403
