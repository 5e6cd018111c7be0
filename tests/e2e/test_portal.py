"""The family portal in a real browser: axe-core finds no violation of any impact on any portal page, nor on
the public pages (the login, the public provider list and its application form), on a 360 px phone and on a
1280 px screen; and a family member confirms and rates a finished service on the phone."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from shouwang.orders.models import Order
from shouwang.portal.models import LinkCode
from tests import factories
from tests.orders import factories as of

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
PUBLIC = ("/accounts/login/", "/public/providers/", "/public/providers/apply/")


def _family_and_service():
    factories.load_tree()
    elder = factories.ElderFactory(community_id=factories.COMMUNITY_A, name="王秀英")
    factories.contact(elder)
    official = factories.user("official", regions=(factories.DISTRICT,))
    provider = of.admitted_provider(official, factories.provider("门户服务商"))
    carer = of.caregiver(provider, name="吴桂芳")
    done = of.served_by(provider, elder, days_ago=1)
    Order.objects.filter(pk=done.pk).update(caregiver=carer)
    family = of.family(elder, username="family")
    return elder, done, family


def _log_in(page, url: str, username: str) -> None:
    page.goto(f"{url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", factories.PASSWORD)
    page.press("#id_password", "Enter")
    page.wait_for_url(f"{url}/portal/")


def _no_violations(page, where: str) -> None:
    results = Axe().run(page)
    assert results.violations_count == 0, f"{where}\n{results.generate_report()}"


def test_every_portal_page_and_the_public_pages_pass_axe_on_a_phone_and_a_desktop(live_server, page):
    elder, done, _family = _family_and_service()
    url = live_server.url
    base = f"/portal/elders/{elder.pk}"
    pages = (
        "/portal/",
        "/portal/link/",
        f"{base}/",
        f"{base}/plan/",
        f"{base}/services/",
        f"{base}/services/{done.pk}/",
        f"{base}/services/{done.pk}/complain/",
        f"{base}/order/",
        f"{base}/money/",
        f"{base}/alarms/",
        f"{base}/contacts/",
        f"{base}/unlink/",
    )
    for size in (PHONE, DESKTOP):
        page.set_viewport_size(size)
        page.context.clear_cookies()
        for path in PUBLIC:
            page.goto(url + path)
            _no_violations(page, f"{path} at {size['width']} px")
        _log_in(page, url, "family")
        for path in pages:
            page.goto(url + path)
            _no_violations(page, f"{path} at {size['width']} px")
        # the pages reached by a form: the price check of an order, the code step of linking, larger text
        page.goto(f"{url}{base}/order/")
        page.locator("input[name=code]").first.check()
        page.click("main form button[type=submit]")
        page.wait_for_selector("#quote-price")
        _no_violations(page, f"the price check at {size['width']} px")
        LinkCode.objects.all().delete()  # no waiting between the two sizes' requests for a code
        page.goto(f"{url}/portal/link/")
        page.fill("#id_number", factories.ElderFactory.build().id_number)
        page.click("main form button[type=submit] >> nth=0")
        page.wait_for_selector("#code")
        _no_violations(page, f"the code step at {size['width']} px")
        page.click("button[aria-pressed]")
        page.wait_for_selector("html.large-text")
        _no_violations(page, f"larger text at {size['width']} px")
        assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]
        page.click("button[aria-pressed]")
        page.wait_for_selector("html:not(.large-text)")


def test_a_family_member_confirms_and_rates_a_service_on_a_phone(live_server, page):
    elder, done, _family = _family_and_service()
    page.set_viewport_size(PHONE)
    _log_in(page, live_server.url, "family")

    page.click(f"a[href='/portal/elders/{elder.pk}/']")
    page.click(f"a[href='/portal/elders/{elder.pk}/services/']")
    page.click(f"a[href='/portal/elders/{elder.pk}/services/{done.pk}/']")
    assert "吴桂芳" in page.locator("main").inner_text()
    page.check("input[name=rating][value='4']")
    page.fill("#comment", "打扫得很干净")
    box = page.locator("form.confirm-form button[type=submit]").bounding_box()
    assert box["height"] >= 44 and box["x"] + box["width"] <= 360
    page.click("form.confirm-form button[type=submit]")
    page.wait_for_selector(".note-ok")

    done.refresh_from_db()
    assert (done.state, done.confirmed_via, done.rating, done.rating_comment) == (
        "confirmed",
        "portal",
        4,
        "打扫得很干净",
    )
    assert page.locator("form.confirm-form").count() == 0
