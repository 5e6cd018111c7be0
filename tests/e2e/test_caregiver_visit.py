"""A caregiver on a phone: today's visits, check-in and check-out by the phone's location, and the elder
signs on the screen with a rating. Also: a clear message when location access is refused."""

import datetime as dt

import pytest

from shouwang.orders.models import OrderState, Visit, VisitException
from tests import factories
from tests.orders import factories as of

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

HOME = (43.8512, 126.5523)
# About 30 m from the door: inside the 200 m tolerance.
NEAR_HOME = {"latitude": HOME[0] + 0.00027, "longitude": HOME[1], "accuracy": 15}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "locale": "zh-CN"}


@pytest.fixture
def visit_today():
    factories.load_tree()
    official = factories.user("official", regions=(factories.DISTRICT,))
    provider = of.admitted_provider(official, factories.provider("甲服务商"))
    carer = of.caregiver(provider, name="王护理")
    elder = factories.ElderFactory(name="张三丰", lat=HOME[0], lon=HOME[1])
    start = of.minutes_ago_today(10)
    order = of.OrderFactory(
        elder=elder, state=OrderState.ASSIGNED, provider=provider, caregiver=carer,
        window_start=start, window_end=start + dt.timedelta(hours=1),
    )  # fmt: skip
    return order, carer


def log_in(page, base_url, username):
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", factories.PASSWORD)
    page.press("#id_password", "Enter")
    # Wherever the role lands (a family login on the portal): the login page is left once it succeeded.
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def test_caregiver_checks_in_and_out_and_the_elder_signs(live_server, browser, visit_today, csp_violations):
    order, carer = visit_today
    context = csp_violations.watch(
        browser.new_context(**PHONE, geolocation=NEAR_HOME, permissions=["geolocation"])
    )
    page = context.new_page()
    try:
        log_in(page, live_server.url, carer.user.username)
        page.goto(f"{live_server.url}/orders/visits/")
        card = page.locator(".visit-card")
        assert card.count() == 1
        assert "张三丰" in card.inner_text()
        assert card.locator("a.visit-map").get_attribute("href").startswith("https://uri.amap.com/marker?")

        with page.expect_navigation():
            card.locator(".visit-card-main").tap()
        with page.expect_navigation():
            page.locator("form.geo-form button[type=submit]").tap()
        page.wait_for_selector("form.geo-form input[type=file][name=photo]")
        assert page.locator(".visit-state").get_attribute("data-state") == "in_service"

        with page.expect_navigation():
            page.locator("form.geo-form button[type=submit]").tap()
        canvas = page.locator("canvas.signature-pad")
        canvas.scroll_into_view_if_needed()
        box = canvas.bounding_box()
        page.mouse.move(box["x"] + 30, box["y"] + 120)
        page.mouse.down()
        for step in range(1, 12):
            page.mouse.move(box["x"] + 30 + step * 22, box["y"] + 120 - (step % 4) * 20, steps=3)
        page.mouse.up()
        page.locator("label[for=sign-star-4]").tap()
        with page.expect_navigation():
            page.locator("form.sign-form button[type=submit]").tap()
        assert page.locator(".visit-state").get_attribute("data-state") == "confirmed"
    finally:
        context.close()

    order.refresh_from_db()
    visit = Visit.objects.get(order=order)
    assert (order.state, order.confirmed_via, order.rating) == ("confirmed", "signature", 4)
    assert visit.caregiver_id == carer.pk and visit.checkout_at > visit.checkin_at
    assert visit.checkin_distance_m == pytest.approx(30, abs=2)
    assert visit.checkout_distance_m == pytest.approx(30, abs=2)
    assert visit.signature.startswith("data:image/png;base64,")
    # Checked out within seconds of a one-hour cleaning: the visit is flagged as too short, nothing else.
    assert set(VisitException.objects.filter(order=order).values_list("kind", flat=True)) == {"too_short"}


def test_refused_location_is_explained(live_server, browser, visit_today, csp_violations):
    order, carer = visit_today
    context = csp_violations.watch(browser.new_context(**PHONE))
    context.clear_permissions()
    page = context.new_page()
    try:
        log_in(page, live_server.url, carer.user.username)
        page.goto(f"{live_server.url}/orders/visits/{order.pk}/")
        page.locator("form.geo-form button[type=submit]").tap()
        error = page.locator(".geo-error")
        error.wait_for(state="visible")
        assert error.inner_text() == error.get_attribute("data-denied")
    finally:
        context.close()
    order.refresh_from_db()
    assert order.state == OrderState.ASSIGNED
