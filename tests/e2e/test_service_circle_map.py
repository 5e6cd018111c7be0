"""The service circle's map in a real browser: facilities with their rings, the elders' density hexagons
(H3) and a suggested site are drawn by the page's own script (no inline script, nothing from the
internet), and the page passes axe. Tiles come from a path on the test server."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.test import override_settings

from shouwang.core.actors import SYSTEM
from shouwang.facilities.services import register_facility
from tests import factories
from tests.e2e.test_incident_map import TILES, _png

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@override_settings(SHOUWANG_MAP_TILES_URL=TILES)
def test_the_circle_map_draws_facilities_density_and_a_suggested_site(live_server, page):
    factories.load_tree()
    official = factories.user("official", regions=(factories.DISTRICT,), username="official")
    provider = factories.provider("甲服务商")
    register_facility(
        actor=SYSTEM,
        data={
            "name": "甲日间照料中心",
            "kind": "day_care",
            "provider": provider.pk,
            "community": factories.COMMUNITY_A,
            "address": "解放北路1号",
            "lat": 43.85,
            "lon": 126.55,
            "services": ["meal"],
        },
    )
    factories.ElderFactory(community_id=factories.COMMUNITY_A, lat=43.851, lon=126.55)
    factories.ElderFactory(community_id=factories.COMMUNITY_B, name="远处老人", lat=43.80, lon=126.60)
    page.route("**/map-tiles/**", lambda route: route.fulfill(body=_png(), content_type="image/png"))
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", official.username)
    page.fill("#id_password", factories.PASSWORD)
    page.press("#id_password", "Enter")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/facilities/circle/?region={factories.DISTRICT}&suggest=1&k=1")
    page.wait_for_selector("[data-circle-map] .leaflet-tile-loaded")
    # two density hexagons, the facility's ring and dot, the suggested site's ring; and the site's marker
    assert page.locator("[data-circle-map] path.leaflet-interactive").count() == 5
    assert page.locator("[data-circle-map] .leaflet-marker-icon").count() == 1
    assert "远处老人" in page.locator("main").inner_text()
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
