"""The demo district loads at any size, and a load that fails leaves nothing that blocks a retry.

Each load takes tens of seconds (40 providers and their staff go through the services), so few sizes."""

import pytest
from django.core.management import call_command

from shouwang.alarms.models import Incident, IncidentState
from shouwang.alarms.permissions import close_blockers
from shouwang.demo import loader
from shouwang.elders.models import Elder
from shouwang.orders.models import Order
from shouwang.providers.models import StaffMember
from shouwang.regions.models import Region

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("elders", [1, 100])
def test_a_small_district_loads(elders):
    """With 100 elders the four busy communities hold fewer elders than today's order slots."""
    call_command("seed_demo", elders=elders)
    assert Elder.objects.count() == elders and Region.objects.exists()
    if elders == 100:
        assert Order.objects.exists()
        # The caregiver's login and the staff member the boards show are one person.
        carer = StaffMember.objects.get(user__username="caregiver")
        assert carer.name == "吴桂芳" == carer.user.full_name.split("（")[0]
        _handled_incidents_obey_the_close_rules()


def _handled_incidents_obey_the_close_rules():
    """The demo's month of handled alarms went through the workflow: each closed one would close today."""
    closed = Incident.objects.filter(state=IncidentState.CLOSED).prefetch_related("contact_attempts")
    assert closed.count() >= 50
    for incident in closed:
        assert close_blockers(incident, outcome=incident.outcome, notes=incident.notes) == {}, incident
        assert incident.opened_at <= incident.acknowledged_at <= incident.closed_at
        steps = list(incident.steps.order_by("pk").values_list("at", flat=True))
        assert steps == sorted(steps) and steps[-1] == incident.closed_at


def test_a_load_that_fails_half_way_leaves_an_empty_database(monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("the disk filled up")

    monkeypatch.setattr(loader, "load_assessments", broken)  # after the regions, providers and elders
    with pytest.raises(RuntimeError):
        call_command("seed_demo", elders=20)
    assert not Region.objects.exists() and not Elder.objects.exists()
    assert not loader.is_loaded()  # what seed-demo and demo check before loading again
