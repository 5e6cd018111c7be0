"""The demo's health records, checked in the shared demo district (tests/demo/test_demo_district.py)."""

from shouwang.health.models import CareTask, ElderCondition, HealthSummary, Vital


def check_the_demo_has_health_records_weeks_of_vitals_and_follow_ups(client):
    """Coded conditions from the registry, summaries with family doctors, four weeks of readings, care
    tasks from out-of-range ones and an urgent one's incident; the worker sees the tasks and the chart."""
    from shouwang.accounts.models import User

    assert ElderCondition.objects.filter(code__isnull=False, source="registry").exists()
    assert HealthSummary.objects.filter(contract_status="active").exclude(family_doctor="").exists()
    span = Vital.objects.order_by("measured_at")
    assert (span.last().measured_at - span.first().measured_at).days >= 21
    assert CareTask.objects.filter(state="open").exists()
    assert CareTask.objects.filter(incident__kind="vital_sign").count() == 1
    worker = User.objects.get(username="worker")
    client.force_login(worker)
    assert "data-care-task=" in client.get("/health/tasks/").content.decode()
    measured = Vital.objects.filter(community_id__in=worker.regions.values("code")).first()
    page = client.get(f"/elders/{measured.elder_id}/").content.decode()
    assert 'data-vital-chart="blood_pressure"' in page
