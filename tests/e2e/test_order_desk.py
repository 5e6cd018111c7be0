"""In a browser: the operator takes a call at the phone desk (a few keystrokes find the elder), and the order
board shows a re-dispatch without being reloaded."""

import datetime as dt
import os

import pytest
from django.utils import timezone

from shouwang.orders.models import Order, OrderState
from tests import factories
from tests.orders import factories as of

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("ORDERS_SCREENSHOTS", "")


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def test_the_desk_places_an_order_and_the_board_follows_it(live_server, browser, csp_violations):
    factories.load_tree()
    official = factories.user("official", regions=(factories.DISTRICT,), username="official")
    factories.user("operator", regions=(factories.DISTRICT,), username="operator")
    elder = factories.ElderFactory(community_id=factories.COMMUNITY_A, name="张三丰")
    first = of.admitted_provider(official, factories.provider("甲服务商"))
    second = of.admitted_provider(official, factories.provider("乙服务商"))

    context = csp_violations.watch(
        browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "operator")
    page.fill("#id_password", factories.PASSWORD)
    page.press("#id_password", "Enter")
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/orders/desk/")
    page.fill("#desk-q", "zsf")
    page.locator("#desk-elders input[name=elder_id]").first.wait_for()
    assert elder.phone not in page.content()
    page.check("#desk-elders input[name=elder_id]")
    page.check("input[name=items][value=cleaning]")
    page.fill("#desk-day", (timezone.localdate() + dt.timedelta(days=1)).isoformat())
    shot(page, "desk")
    with page.expect_navigation():
        page.click("#desk-form button[type=submit]")
    order = Order.objects.get()
    assert page.url == f"{live_server.url}/orders/{order.pk}/"
    assert "张三丰" in page.inner_text("main")
    shot(page, "detail")

    # As if dispatch had sent it to the first provider (dispatch itself is tested with the matching).
    due = timezone.now() + dt.timedelta(minutes=30)
    Order.objects.filter(pk=order.pk).update(state=OrderState.DISPATCHED, provider=first, respond_by=due)
    page.goto(f"{live_server.url}/orders/")
    row = page.locator(f"#board-table tr[data-order='{order.pk}']")
    assert "甲服务商" in row.inner_text()
    shot(page, "board")

    Order.objects.filter(pk=order.pk).update(provider=second)
    # No reload: the table re-reads itself every 5 s.
    page.wait_for_function(
        "id => document.querySelector(`#board-table tr[data-order='${id}']`).innerText.includes('乙服务商')",
        arg=order.pk,
        timeout=12000,
    )
    context.close()
