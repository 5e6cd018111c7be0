"""In a browser: a community worker reveals an elder's full numbers only with a reason; a reason that will
not do is shown under the reason box and the page keeps the masked numbers."""

import pytest

from shouwang.core.models import AuditLog
from tests import factories

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_reveal_asks_for_a_reason_then_shows_the_numbers(live_server, browser):
    factories.load_tree()
    factories.user("community_worker", regions=(factories.COMMUNITY_A,), username="worker")
    elder = factories.ElderFactory(community_id=factories.COMMUNITY_A, name="张三丰")
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "worker")
    page.fill("#id_password", factories.PASSWORD)
    page.press("#id_password", "Enter")
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/elders/{elder.pk}/")
    page.fill("#reveal-reason", " x")  # two characters for the browser, one once stripped
    page.click("form:has(#reveal-reason) button[type=submit]")
    page.locator("#reveal-error:not([hidden])").wait_for()

    assert "2 至 200 个字" in page.inner_text("#reveal-error")
    assert elder.id_number not in page.content()
    assert not AuditLog.objects.filter(action="elders.reveal").exists()

    page.fill("#reveal-reason", "电话回访")
    page.click("form:has(#reveal-reason) button[type=submit]")
    page.locator(f"#personal-data >> text={elder.id_number}").wait_for()

    assert AuditLog.objects.get(action="elders.reveal").after["reason"] == "电话回访"
    context.close()
