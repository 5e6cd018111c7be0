"""The demo's regular visits, checked in the shared demo district (tests/demo/test_demo_district.py)."""

from django.utils import timezone

from shouwang.visits.models import TaskState, VisitRule, VisitTask


def check_the_demo_has_three_months_of_visits_and_some_overdue(client):
    """The default rules, a month of visits done on many days with findings and an incident from one, open
    tasks for the worker, some overdue ones escalated; the worker's list and the coverage page show them."""
    from shouwang.accounts.models import User

    assert VisitRule.objects.count() >= 6
    done = VisitTask.objects.filter(state=TaskState.DONE)
    assert len({timezone.localdate(at) for at in done.values_list("done_at", flat=True)}) >= 10
    assert done.exclude(findings=[]).exists() and done.filter(incident__isnull=False).count() == 1
    assert VisitTask.objects.filter(state=TaskState.OPEN, escalated_at__isnull=False).exists()
    # Three months of visits (the issue's), and the doctor referrals their health findings led to, at every
    # stage: settled with an outcome, booked, still open and some of those overdue.
    first_day = min(timezone.localdate(at) for at in done.values_list("done_at", flat=True))
    assert (timezone.localdate() - first_day).days >= 85
    from shouwang.visits.models import Referral
    from shouwang.visits.referrals import is_overdue

    referrals = list(Referral.objects.all())
    assert {"open", "booked", "done", "declined"} <= {referral.state for referral in referrals}
    assert all(referral.outcome for referral in referrals if referral.state in ("done", "declined"))
    assert any(is_overdue(referral) for referral in referrals)
    from shouwang.visits.models import HoursPosting, Volunteer
    from shouwang.visits.volunteers import balance_minutes

    volunteer = Volunteer.objects.get(user__username="volunteer")
    assert balance_minutes(volunteer) > 0
    team = Volunteer.objects.filter(community_id=volunteer.community_id)
    assert team.count() >= 30 and all(balance_minutes(member) > 0 for member in team)
    assert HoursPosting.objects.filter(kind="donated").count() == 1
    assert HoursPosting.objects.filter(activity__attendance_at__isnull=False).exists()
    from shouwang.visits.models import HelpTask

    # Escorts and companionship: one confirmed (its hours earned), one waiting, the volunteer's to come.
    assert set(HelpTask.objects.values_list("state", flat=True)) == {"open", "done", "confirmed"}
    confirmed = HelpTask.objects.get(state="confirmed")
    assert HoursPosting.objects.filter(help=confirmed, volunteer=confirmed.volunteer).exists()
    assert HelpTask.objects.filter(volunteer=volunteer, state="open", kind="companionship").exists()
    client.force_login(User.objects.get(username="worker"))
    assert "data-task=" in client.get("/visits/").content.decode()
    assert "data-overdue-count" in client.get("/visits/referrals/").content.decode()
    client.force_login(User.objects.get(username="official"))
    page = client.get(f"/visits/coverage/?month={timezone.localdate():%Y-%m}").content.decode()
    assert "data-coverage" in page
