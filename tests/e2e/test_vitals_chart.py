"""The vitals chart on the elder's page in a real browser: the server-drawn SVG is laid out with a line
per measure and a dot per reading, the urgent reading in its own colour, the tooltip holding its value;
a reading recorded on the health page appears on the chart; no CSP violation."""

import datetime as dt

import pytest
from django.utils import timezone

from shouwang.health import services
from tests import factories
from tests.e2e.test_caregiver_visit import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_elders_page_draws_the_vitals_chart(live_server, browser, csp_violations):
    factories.load_tree()
    worker = factories.user("community_worker", regions=(factories.COMMUNITY_A,))
    elder = factories.ElderFactory(name="张三丰")
    now = timezone.now()
    for days, systolic in ((14, 128), (7, 150), (2, 185)):
        services.record_vital(
            actor=worker,
            elder_id=elder.pk,
            kind="blood_pressure",
            values={"systolic": systolic, "diastolic": 88},
            measured_at=now - dt.timedelta(days=days),
        )
    context = csp_violations.watch(browser.new_context(locale="zh-CN"))
    page = context.new_page()
    try:
        log_in(page, live_server.url, worker.username)
        page.goto(f"{live_server.url}/elders/{elder.pk}/")
        chart = page.locator('[data-vital-chart="blood_pressure"] svg')
        chart.wait_for()
        box = chart.bounding_box()
        assert box is not None and box["width"] > 200 and box["height"] > 50  # laid out, not collapsed
        systolic = page.locator('[data-series="systolic"] circle')
        assert systolic.count() == 3 and page.locator('[data-series="diastolic"] circle').count() == 3
        heights = [systolic.nth(n).bounding_box()["y"] for n in range(3)]
        assert heights[2] < heights[1] < heights[0]  # 185 drawn above 150 above 128
        urgent = page.locator('[data-series="systolic"] circle.dot-urgent')
        assert urgent.count() == 1 and "185" in urgent.locator("title").text_content()
        fill = urgent.evaluate("dot => getComputedStyle(dot).fill")
        assert fill == "rgb(192, 39, 45)"  # the stylesheet coloured it: health.css loaded under the CSP
        # a reading typed on the health page shows on the chart
        page.goto(f"{live_server.url}/health/elders/{elder.pk}/")
        page.select_option("#v-kind", "heart_rate")
        page.fill("#v-value", "72")
        with page.expect_navigation():
            page.locator("form[data-vital-form] button[type=submit]").click()
        page.wait_for_selector('[data-vital-chart="heart_rate"] circle')
        assert page.locator('[data-vital-chart="heart_rate"] circle').count() == 1
    finally:
        context.close()
