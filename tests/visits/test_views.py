"""The console pages: the visitor's list and the visit form with its follow-ups, the elder page's panel,
the rules with their preview, the coverage table and its xlsx."""

import pytest
from django.utils import timezone

from shouwang.core.spreadsheets import open_workbook
from shouwang.regions.models import Region
from shouwang.visits.generation import generate_visits
from shouwang.visits.models import VisitRule, VisitTask
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def task(tree, worker_a):
    elder = factories.ElderFactory(living_arrangement="alone", ability_level=3, name="甲独居")
    generate_visits(today=timezone.localdate())
    return VisitTask.objects.get(elder=elder)


def test_the_visitor_records_a_visit_and_follows_up(client, task, worker_a, worker_b, english):
    client.force_login(worker_a)
    listed = client.get("/visits/")
    assert listed.status_code == 200 and f'data-task="{task.pk}"' in listed.content.decode()
    form = client.get(f"/visits/{task.pk}/").content.decode()
    assert "geo-form" in form and 'name="findings"' in form
    refused = client.post(f"/visits/{task.pk}/", {"outcome": "met", "findings": ["hazard"]})
    assert "needs your position" in refused.content.decode()
    done = client.post(
        f"/visits/{task.pk}/",
        {"outcome": "met", "findings": ["hazard"], "lat": "43.85", "lon": "126.55"},
        follow=True,
    )
    assert "data-visit-record" in done.content.decode() and 'data-follow-up="order"' in done.content.decode()
    client.post(f"/visits/{task.pk}/follow-up/order/", {"items": ["home_adaptation"]})
    task.refresh_from_db()
    assert task.order is not None and task.order.elder_id == task.elder_id
    panel = client.get(f"/elders/{task.elder_id}/").content.decode()
    assert 'id="visit-risk"' in panel and "high risk" in panel
    client.force_login(worker_b)
    assert client.get(f"/visits/{task.pk}/").status_code == 404
    assert client.post(f"/visits/{task.pk}/follow-up/incident/", {"note": "x"}).status_code == 404


def test_rules_preview_and_coverage(client, task, official, worker_a, english, tmp_path):
    client.force_login(official)
    rules = client.get("/visits/rules/").content.decode()
    weekly = VisitRule.objects.get(position=10)
    assert f'data-rule="{weekly.pk}"' in rules
    values = {
        "name": "独居：每周电话",
        "tier": "medium",
        "kind": "phone",
        "interval_days": "7",
        "arrangements": ["alone"],
        "active": "on",
        "region": factories.DISTRICT,
    }
    preview = client.post("/visits/rules/new/", {**values, "preview": "1"}).content.decode()
    assert 'data-preview="1"' in preview and not VisitRule.objects.filter(name="独居：每周电话").exists()
    assert client.post("/visits/rules/new/", values).status_code == 302
    assert VisitRule.objects.get(name="独居：每周电话").interval_days == 7
    client.force_login(worker_a)
    assert client.post("/visits/rules/new/", values).status_code == 403

    client.force_login(official)
    month = timezone.localdate().strftime("%Y-%m")
    Region.objects.filter(code=factories.COMMUNITY_A).update(centre_lat=43.85, centre_lon=126.55)
    page = client.get(f"/visits/coverage/?month={month}").content.decode()
    assert f'data-community="{factories.COMMUNITY_A}" data-tier="high"' in page
    assert "data-coverage-map" in page and '"lat": 43.85' in page
    export = client.get(f"/visits/coverage/?month={month}&format=xlsx")
    saved = tmp_path / "coverage.xlsx"
    saved.write_bytes(b"".join(export.streaming_content))
    with open_workbook(saved) as workbook:
        sheet = workbook.sheet(0)
        assert sheet.header[:2] == ["Community code", "Community"]
        assert [str(cell) for cell in next(iter(sheet.rows))][:3] == [
            factories.COMMUNITY_A,
            "甲社区",
            "high risk",
        ]
