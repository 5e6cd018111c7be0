"""In a browser: a click on the registry form's map fills in the elder's longitude and latitude, with the
Leaflet files served from our own static files under the Content-Security-Policy."""

import pytest

from shouwang.regions.models import Region
from tests import factories

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_click_on_the_map_fills_the_coordinates(live_server, browser, csp_violations, settings):
    settings.SHOUWANG_MAP_TILES_URL = f"{live_server.url}/tiles/{{z}}/{{x}}/{{y}}.png"  # none: grey, offline
    factories.load_tree()
    Region.objects.filter(code=factories.COMMUNITY_A).update(centre_lat=43.88, centre_lon=125.35)
    factories.user("community_worker", regions=(factories.COMMUNITY_A,), username="worker")
    context = csp_violations.watch(
        browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "worker")
    page.fill("#id_password", factories.PASSWORD)
    page.press("#id_password", "Enter")
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/elders/new/")
    page.locator("[data-map-picker].leaflet-container").wait_for()
    page.click("[data-map-picker]")

    lat, lon = float(page.input_value("#id_lat")), float(page.input_value("#id_lon"))
    assert abs(lat - 43.88) < 0.05 and abs(lon - 125.35) < 0.05
    context.close()
