"""The demo district's childcare, checked by the shared demo test (tests/demo/test_demo_district.py)."""

from shouwang.accounts.models import User
from shouwang.childcare.indicators import indicators_for
from shouwang.childcare.models import Institution
from shouwang.childcare.selectors import institutions_for
from shouwang.demo.loader import DISTRICT
from shouwang.facilities.circle import circle_for


def check_the_demo_has_25_childcare_institutions_indicators_and_a_childcare_circle():
    assert Institution.objects.count() == 25
    assert Institution.objects.filter(state="registered").count() == 21
    assert Institution.objects.filter(state="pending").count() == 3
    nursery = User.objects.get(username="nursery")
    assert institutions_for(nursery).count() == 1
    official = User.objects.get(username="official")
    result = indicators_for(official, DISTRICT)
    assert result["places"] > 0 and result["residents"] and result["places_per_thousand"] is not None
    assert result["target_per_thousand"] is not None
    layer = next(
        layer for layer in circle_for(official, region=DISTRICT).sectors if layer.sector == "childcare"
    )
    assert len(layer.points) == 21 and any(not row["gap"] for row in layer.rows)


def check_the_demo_has_two_pilots_at_different_stages_and_a_round_with_open_and_closed_findings():
    from shouwang.inspections.models import Finding, InspectionPlan
    from shouwang.inspections.services import draw_reproduced
    from shouwang.pilots.models import Pilot

    assert sorted(Pilot.objects.values_list("state", flat=True)) == ["accepted", "implementing"]
    plan = InspectionPlan.objects.get()
    assert plan.state == "published" and plan.inspections.count() == 4 and draw_reproduced(plan)
    states = set(Finding.objects.values_list("state", flat=True))
    assert {"closed", "open", "responded"} <= states
