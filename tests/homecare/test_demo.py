"""The demo district's home care, checked by the shared demo test (tests/demo/test_demo_district.py)."""

from shouwang.accounts.models import User
from shouwang.homecare.models import BedMonth, BedState, ClaimAnswer, ClaimStatus, HomeCareBed, RespiteStay
from shouwang.homecare.selectors import batches_for, beds_for, overdue_rentals


def check_the_demo_has_beds_at_every_step_a_closed_month_rentals_respite_and_an_answered_claim():
    official = User.objects.get(username="official")
    states = set(beds_for(official).values_list("state", flat=True))
    assert {BedState.APPLIED, BedState.ASSESSED, BedState.IN_SERVICE, BedState.ENDED} <= states
    assert BedMonth.objects.exists() and HomeCareBed.objects.filter(devices__isnull=False).exists()
    assert overdue_rentals(official).count() == 1
    assert RespiteStay.objects.exists()
    batch = batches_for(official).get()
    answer = ClaimAnswer.objects.get(batch=batch)
    assert answer.unknown_count == 1 and answer.refused_count == 1
    assert batch.lines.filter(status=ClaimStatus.PAID).count() == batch.line_count - 1
