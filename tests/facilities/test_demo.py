"""The demo district's facilities, checked by the shared demo test (tests/demo/test_demo_district.py)."""

from shouwang.accounts.models import User
from shouwang.demo.loader import DISTRICT
from shouwang.elders.models import Elder
from shouwang.facilities.circle import circle_for, suggestions_for
from shouwang.facilities.contracts import overdue_reports
from shouwang.facilities.models import Facility, FacilityKind, MealRecord, Residency


def check_the_demo_has_facilities_of_every_kind_meals_a_planted_flag_and_two_gaps():
    assert Facility.objects.count() == 60
    assert set(Facility.objects.values_list("kind", flat=True)) == set(FacilityKind.values)
    assert not Facility.objects.filter(lat__isnull=True).exists()
    assert MealRecord.objects.count() > 100 and Residency.objects.filter(until__isnull=True).count() == 2
    flagged = MealRecord.objects.exclude(flag="")
    assert flagged.count() == 1
    assert Elder.objects.get(pk=flagged.get().elder_id).status == "deceased"
    assert MealRecord.objects.filter(redemption__isnull=False).exists()  # paid from the demo's vouchers
    official = User.objects.get(username="official")
    assert len(overdue_reports(official)) >= 1
    circle = circle_for(official, region=DISTRICT)
    assert sum(row["gap"] for row in circle.rows) >= 2
    sites = suggestions_for(official, region=DISTRICT, k=2)
    assert sites and sites[0]["added_covered"] > 0
