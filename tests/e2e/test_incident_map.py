"""The incident page's map in a real browser: it passes axe with its Leaflet controls drawn, and when the
tiles cannot be loaded (a closed network) the page shows the address and coordinates instead of a grey
box. Tiles come from a path on the test server, never from the internet."""

import struct
import time
import zlib

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.test import override_settings

from shouwang.alarms.bridge import wait_for
from shouwang.core import live
from tests import factories
from tests.alarms.factories import DeviceFactory, IncidentFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TILES = "/map-tiles/{z}/{x}/{y}.png"


def _png() -> bytes:
    """A 1×1 grey PNG, what a tile server answers."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\x80"))


@pytest.fixture
def incident_page(live_server, page, monkeypatch):
    """An operator logged in, and the path of an urgent incident of an elder with a known home."""
    monkeypatch.setattr(live, "HEARTBEAT_SECONDS", 1.0)
    factories.load_tree()
    operator = factories.user("operator", regions=(factories.DISTRICT,), username="operator")
    elder = factories.ElderFactory(
        community_id=factories.COMMUNITY_A,
        name="王秀英",
        address="幸福路 8 号 3 单元 201",
        lat=43.8378,
        lon=126.5496,
    )
    incident = IncidentFactory(device=DeviceFactory(elder=elder))
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", operator.username)
    page.fill("#id_password", factories.PASSWORD)
    page.press("#id_password", "Enter")
    page.wait_for_url(f"{live_server.url}/")
    yield f"{live_server.url}/alarms/console/{incident.pk}/"
    page.close()
    wait_for(lambda: live.wakeup.open_streams == 0, 10)
    live.stop_watcher()
    time.sleep(0.5)


@override_settings(SHOUWANG_MAP_TILES_URL=TILES)
def test_the_map_with_its_controls_passes_axe(page, incident_page):
    page.route("**/map-tiles/**", lambda route: route.fulfill(body=_png(), content_type="image/png"))
    page.goto(incident_page)
    page.wait_for_selector("[data-map] .leaflet-tile-loaded")
    page.wait_for_selector("[data-map] .leaflet-control-zoom-in")
    assert page.locator("[data-map-fallback]").is_hidden()
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


@override_settings(SHOUWANG_MAP_TILES_URL=TILES)
def test_without_tiles_the_address_and_coordinates_are_shown(page, incident_page):
    page.goto(incident_page)  # the test server answers every tile with 404
    fallback = page.locator("[data-map-fallback]")
    fallback.wait_for(state="visible", timeout=10_000)
    text = fallback.inner_text()
    assert "幸福路 8 号 3 单元 201" in text and "43.837800, 126.549600" in text
    assert "无法显示地图" in text
    assert page.locator("[data-map]").is_hidden()
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
