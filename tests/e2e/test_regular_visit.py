"""A community worker on a phone records a home visit: the list of their visits, the form that takes the
phone's position on saving, the findings ticked, and a follow-up order for the elder from the record; then
the coverage page with its map."""

import pytest
from django.utils import timezone

from shouwang.regions.models import Region
from shouwang.visits.generation import generate_visits
from shouwang.visits.models import VisitTask
from tests import factories
from tests.e2e.test_caregiver_visit import NEAR_HOME, PHONE, log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_worker_records_a_home_visit_with_position_and_orders_a_meal(live_server, browser, csp_violations):
    factories.load_tree()
    worker = factories.user("community_worker", regions=(factories.COMMUNITY_A,))
    elder = factories.ElderFactory(
        name="张三丰",
        living_arrangement="alone",
        ability_level=3,
        lat=NEAR_HOME["latitude"],
        lon=NEAR_HOME["longitude"],
    )
    generate_visits(today=timezone.localdate())
    context = csp_violations.watch(
        browser.new_context(**PHONE, geolocation=NEAR_HOME, permissions=["geolocation"])
    )
    page = context.new_page()
    try:
        log_in(page, live_server.url, worker.username)
        page.goto(f"{live_server.url}/visits/")
        with page.expect_navigation():
            page.locator(".visit-card-main").first.tap()
        page.locator("input[name=findings][value=food]").check()
        page.fill("#f-notes", "冰箱是空的")
        with page.expect_navigation():
            page.locator("form.geo-form button[type=submit]").tap()
        page.wait_for_selector("[data-visit-record]")
        page.locator("form[data-follow-up=order] input[value=meal]").check()
        with page.expect_navigation():
            page.locator("form[data-follow-up=order] button[type=submit]").tap()
        task = VisitTask.objects.get(elder=elder)
        assert (task.state, task.findings, task.notes) == ("done", ["food"], "冰箱是空的")
        assert task.distance_m is not None and task.distance_m < 5
        assert task.order is not None and task.order.lines.get().item.code == "meal"
    finally:
        context.close()
    # the official's coverage page with its map loads Leaflet and the points without a CSP violation
    Region.objects.filter(code=factories.COMMUNITY_A).update(centre_lat=43.85, centre_lon=126.55)
    official = factories.user("official", regions=(factories.DISTRICT,))
    context = csp_violations.watch(browser.new_context(locale="zh-CN"))
    page = context.new_page()
    try:
        log_in(page, live_server.url, official.username)
        page.goto(f"{live_server.url}/visits/coverage/")
        assert page.locator("[data-tier=high] [data-share]").inner_text().strip() == "100 %"
        page.wait_for_function(
            "document.querySelector('[data-coverage-map]').classList.contains('leaflet-container')"
        )
    finally:
        context.close()
