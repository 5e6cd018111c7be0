"""Matching: each eligibility rule on its own, the ranking and its explanation, and the scoped entry point."""

import datetime as dt

import pytest
from django.utils import timezone

from shouwang.core.errors import Forbidden, NotFound
from shouwang.core.geo import distance_km
from shouwang.orders import matching
from shouwang.orders.matching import candidates_for, covering_codes, shortlist
from shouwang.orders.models import OrderState
from shouwang.providers import admission, evaluation
from shouwang.providers.models import EvaluationScheme, Price, ProviderScore, StaffCertificate
from tests import factories
from tests.orders import factories as of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

# The elder lives here; 甲 sits on the spot, 乙 about 5.5 km away.
HOME = (43.85, 126.55)
FAR = (43.9, 126.6)


@pytest.fixture
def order(elder_a):
    return of.OrderFactory(elder=elder_a, items=["cleaning", "bathing"], lat=HOME[0], lon=HOME[1])


def ids(listed):
    return [c.provider_id for c in listed.candidates]


def reason_for(order, provider):
    found = shortlist(order, explain=True).exclusion(provider.pk)
    assert found is not None, "the provider should be excluded"
    return found.reason


def test_a_designated_provider_with_a_qualified_caregiver_is_listed(order, admitted_a, carer_a):
    listed = shortlist(order)

    assert ids(listed) == [admitted_a.pk]
    candidate = listed.candidates[0]
    assert [c.id for c in candidate.caregivers] == [carer_a.pk]
    assert candidate.prices == {"cleaning": 4000, "bathing": 8000}
    assert candidate.total_fen == 12000
    assert set(candidate.factors) == set(matching.WEIGHTS)
    for factor in candidate.factors.values():
        assert set(factor) == {"value", "points", "why"} and factor["why"]
    assert candidate.score == round(sum(f["points"] for f in candidate.factors.values()), 1)


# --- provider rules --------------------------------------------------------------------------------------


def test_a_contract_for_another_community_excludes(official, elder_b, admitted_a, carer_a):
    order = of.OrderFactory(elder=elder_b)

    listed = shortlist(order, explain=True)
    assert ids(listed) == []
    assert listed.excluded == []  # not linked to community B at all: not worth listing


def test_a_contract_no_longer_in_force_excludes(order, admitted_a, carer_a):
    admitted_a.contracts.update(state="ended")

    assert ids(shortlist(order)) == []
    assert "No designated-provider contract in force" in reason_for(order, admitted_a)


def test_a_street_level_contract_area_covers_its_communities(official, order, provider_a):
    provider = of.admitted_provider(official, provider_a, areas=(factories.STREET_A,))
    of.caregiver(provider)

    assert factories.STREET_A in covering_codes(factories.COMMUNITY_A)
    assert ids(shortlist(order)) == [provider.pk]


def test_an_item_missing_from_the_contract_excludes(official, order, provider_a):
    provider = of.admitted_provider(official, provider_a, services=("cleaning", "meal"))
    of.caregiver(provider)

    assert ids(shortlist(order)) == []
    assert "Its contract does not cover 助浴·上门助浴" in reason_for(order, provider)


def test_an_exited_provider_is_excluded(official, order, admitted_a, carer_a):
    admission.exit_provider(actor=official, provider_id=admitted_a.pk, kind="forced", reason="违规")

    assert ids(shortlist(order)) == []
    assert "It exited on" in reason_for(order, admitted_a)


def test_a_black_listed_provider_is_excluded(official, order, admitted_a, carer_a):
    evaluation.add_to_list(actor=official, provider_id=admitted_a.pk, kind="black", reason="虚报服务")

    assert ids(shortlist(order)) == []
    assert reason_for(order, admitted_a) == "It is on the black list."


def test_a_provider_that_declined_before_is_excluded(order, admitted_a, carer_a):
    order.declined_provider_ids = [admitted_a.pk]
    order.save()

    assert ids(shortlist(order)) == []
    assert reason_for(order, admitted_a) == "It already had this order and did not take it."


def test_a_provider_without_a_price_on_the_day_is_excluded(order, admitted_a, carer_a):
    Price.objects.filter(provider=admitted_a, item__code="bathing").update(
        effective_to=timezone.localdate() - dt.timedelta(days=1)
    )

    assert ids(shortlist(order)) == []
    assert "It has no price on" in reason_for(order, admitted_a)
    assert "助浴·上门助浴" in reason_for(order, admitted_a)


# --- caregiver rules --------------------------------------------------------------------------------------


def caregiver_reason(order, provider) -> str:
    return reason_for(order, provider)


def test_an_unskilled_caregiver_does_not_qualify(order, admitted_a):
    of.caregiver(admitted_a, name="李不会", skills=("cleaning",))

    assert ids(shortlist(order)) == []
    assert "李不会: not skilled for 助浴·上门助浴" in caregiver_reason(order, admitted_a)


def test_an_expired_certificate_does_not_qualify(order, admitted_a):
    carer = of.caregiver(admitted_a, name="李过期")
    expired = timezone.localdate() - dt.timedelta(days=1)
    StaffCertificate.objects.filter(staff=carer, kind="elder_caregiver").update(expires_on=expired)

    assert ids(shortlist(order)) == []
    assert f"李过期: 养老护理员 certificate expired on {expired.isoformat()}" in caregiver_reason(
        order, admitted_a
    )


def test_a_missing_certificate_does_not_qualify(order, admitted_a):
    of.caregiver(admitted_a, name="李无证", certificates=("health_certificate",))

    assert "李无证: holds no 养老护理员 certificate" in caregiver_reason(order, admitted_a)


def test_a_caregiver_off_shift_does_not_qualify(order, admitted_a):
    of.caregiver(admitted_a, name="李晚班", shifts={day: [["18:00", "22:00"]] for day in of.ALL_DAY})

    assert ids(shortlist(order)) == []
    assert "李晚班: not on shift at that time" in caregiver_reason(order, admitted_a)


def test_a_caregiver_busy_at_that_time_does_not_qualify(elder_a, order, admitted_a):
    carer = of.caregiver(admitted_a, name="李忙碌")
    other = of.OrderFactory(
        elder=elder_a,
        state=OrderState.ASSIGNED,
        provider=admitted_a,
        caregiver=carer,
        window_start=order.window_start + dt.timedelta(minutes=30),
    )

    assert ids(shortlist(order)) == []
    assert f"李忙碌: busy with order #{other.pk} at that time" in caregiver_reason(order, admitted_a)


def test_a_busy_order_later_that_day_only_adds_load(elder_a, order, admitted_a):
    carer = of.caregiver(admitted_a)
    of.OrderFactory(
        elder=elder_a,
        state=OrderState.ASSIGNED,
        provider=admitted_a,
        caregiver=carer,
        window_start=order.window_start + dt.timedelta(hours=3),
    )

    candidate = shortlist(order).candidates[0]
    assert candidate.caregivers[0].factors["load"]["value"] == 1
    assert candidate.factors["load"]["value"] == 1
    assert "1 busy orders that day" in candidate.factors["load"]["why"]


def test_only_qualified_caregivers_are_listed_and_the_others_explained(order, admitted_a):
    good = of.caregiver(admitted_a, name="王能干")
    of.caregiver(admitted_a, name="李不会", skills=("cleaning",))

    candidate = shortlist(order, explain=True).candidates[0]
    assert [c.id for c in candidate.caregivers] == [good.pk]
    assert candidate.excluded_caregivers == [{"name": "李不会", "reason": "not skilled for 助浴·上门助浴"}]


# --- ranking and explanation ---------------------------------------------------------------------------


def test_a_nearer_provider_ranks_above_a_farther_one_all_else_equal(official, order, provider_a, provider_b):
    near = of.admitted_provider(official, provider_a, lat=HOME[0], lon=HOME[1])
    far = of.admitted_provider(official, provider_b, lat=FAR[0], lon=FAR[1])
    of.caregiver(near, home=None)
    of.caregiver(far, home=None)

    listed = shortlist(order)

    assert ids(listed) == [near.pk, far.pk]
    near_distance, far_distance = (c.factors["distance"] for c in listed.candidates)
    assert near_distance["value"] == 0.0 and near_distance["points"] == matching.WEIGHTS["distance"]
    assert far_distance["value"] == pytest.approx(distance_km(*HOME, *FAR), abs=0.01)
    assert far_distance["points"] < near_distance["points"]
    assert "km from the provider's base" in far_distance["why"]


def test_continuity_lifts_the_previous_caregiver_and_their_provider(
    official, elder_a, order, provider_a, provider_b
):
    first = of.admitted_provider(official, provider_a, lat=FAR[0], lon=FAR[1])
    second = of.admitted_provider(official, provider_b, lat=FAR[0], lon=FAR[1])
    stranger = of.caregiver(second, name="赵陌生", home=FAR)
    of.caregiver(first, name="钱新人", home=FAR)
    familiar = of.caregiver(first, name="孙熟悉", home=FAR)
    past = timezone.now() - dt.timedelta(days=7)
    of.OrderFactory(
        elder=elder_a,
        state=OrderState.CONFIRMED,
        provider=first,
        caregiver=familiar,
        window_start=past,
        window_end=past + dt.timedelta(hours=1),
    )

    listed = shortlist(order)

    assert ids(listed) == [first.pk, second.pk]
    top = listed.candidates[0]
    assert top.factors["continuity"]["points"] == matching.WEIGHTS["continuity"]
    assert top.factors["continuity"]["why"] == "孙熟悉 has served this elder before."
    assert [c.id for c in top.caregivers][0] == familiar.pk
    assert "last caregiver" in top.caregivers[0].factors["continuity"]["why"]
    assert listed.candidates[1].factors["continuity"]["points"] == 0
    assert listed.candidates[1].caregivers[0].id == stranger.pk


def test_a_cheaper_price_and_a_better_score_earn_points(official, order, provider_a, provider_b):
    cheap = of.admitted_provider(official, provider_a, prices={"cleaning": 2000, "bathing": 4000})
    dear = of.admitted_provider(official, provider_b, prices={"cleaning": 6000, "bathing": 12000})
    of.caregiver(cheap)
    of.caregiver(dear)
    scheme = EvaluationScheme.objects.create(
        name="s", effective_from=dt.date(1990, 1, 1), weights={"rating": 1}, star_bands=[[0, 1]]
    )
    month = timezone.localdate().replace(day=1)
    ProviderScore.objects.create(provider=dear, month=month, scheme=scheme, components={}, total=40, stars=1)

    listed = shortlist(order)

    by_id = {c.provider_id: c for c in listed.candidates}
    assert by_id[cheap.pk].factors["price"]["points"] == matching.WEIGHTS["price"]
    assert by_id[dear.pk].factors["price"]["points"] == 0
    assert by_id[dear.pk].factors["rating"]["value"] == 40.0
    assert "Evaluation score 40.0" in by_id[dear.pk].factors["rating"]["why"]
    assert "No evaluation score or rating yet" in by_id[cheap.pk].factors["rating"]["why"]
    assert ids(listed)[0] == cheap.pk


def test_limit_keeps_the_best_and_counts_all(official, order, provider_a, provider_b):
    for provider in (of.admitted_provider(official, provider_a), of.admitted_provider(official, provider_b)):
        of.caregiver(provider)

    listed = shortlist(order, limit=1)
    assert len(listed.candidates) == 1 and listed.eligible_count == 2


# --- scope ------------------------------------------------------------------------------------------------


def test_candidates_for_an_operator_in_scope(operator, order, admitted_a, carer_a):
    assert ids(candidates_for(operator, order.pk)) == [admitted_a.pk]


def test_candidates_for_an_operator_of_another_district_is_not_found(tree, order):
    elsewhere = factories.user("operator", regions=("220200000000",))
    other = factories.user("operator", regions=(factories.COMMUNITY_B,))

    assert candidates_for(elsewhere, order.pk).order_id == order.pk  # the city covers the district
    with pytest.raises(NotFound):
        candidates_for(other, order.pk)


def test_a_provider_admin_may_not_see_candidates(provider_admin_a, order):
    with pytest.raises(Forbidden):
        candidates_for(provider_admin_a, order.pk)
