"""The public childcare list in a real browser: a parent with no login chooses their street and reads the
registered institutions near them in large type; a filing still under review is not shown; axe-core
finds no violation on a phone."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests import factories
from tests.childcare.conftest import institution

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_parent_finds_registered_childcare_in_their_street(live_server, browser, csp_violations):
    factories.load_tree()
    institution(name="甲托育园", places_2_3=30, enrolled_2_3=20, affordable=True, monthly_fee_fen=120_000,
                phone="0432-6000001")  # fmt: skip
    institution(factories.COMMUNITY_B, name="乙托育园", places_2_3=10)
    institution(name="待审托育园", register=False)
    context = csp_violations.watch(
        browser.new_context(locale="zh-CN", viewport={"width": 360, "height": 740})
    )
    page = context.new_page()
    try:
        response = page.goto(f"{live_server.url}/public/childcare/")
        assert response.ok and "/accounts/login/" not in page.url
        page.select_option("#area", factories.STREET_A)
        page.click("button[type=submit]")
        page.wait_for_url("**area=220202001000")
        cards = page.locator(".public-provider h3")
        assert cards.count() == 1 and cards.first.inner_text().startswith("甲托育园")
        text = page.inner_text("main")
        assert "30" in text and "10" in text and "1200" in text and "0432-6000001" in text
        assert "乙托育园" not in text and "待审托育园" not in text
        size = page.eval_on_selector("main", "node => parseFloat(getComputedStyle(node).fontSize)")
        assert size >= 20  # large type: 1.25rem
        results = Axe().run(page)
        assert results.violations_count == 0, results.generate_report()
    finally:
        context.close()
