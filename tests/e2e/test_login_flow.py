"""An official logs in, sees the home page in Chinese, switches to English and logs out."""

import pytest

from tests import factories

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_official_login_language_switch_logout(live_server, page):
    factories.load_tree()
    factories.user("official", regions=(factories.DISTRICT,), username="official")
    factories.ElderFactory(community_id=factories.COMMUNITY_A, name="张三丰")

    page.goto(f"{live_server.url}/")
    assert page.locator("h1").inner_text() == "登录"
    page.fill("#id_username", "official")
    page.fill("#id_password", factories.PASSWORD)
    page.click("button[type=submit] >> text=登录")

    page.wait_for_url(f"{live_server.url}/")
    assert "欢迎" in page.locator("h1").inner_text()
    assert page.locator(".app-nav a[aria-current=page]").inner_text() == "首页"
    assert page.locator(".stat-value").first.inner_text() == "1"

    page.select_option("#language-select", "en")
    with page.expect_navigation():
        page.click(".lang-switch button")
    assert page.locator("h1").inner_text().startswith("Welcome")
    assert page.locator("html").get_attribute("lang") == "en"

    page.click("text=Log out")
    page.wait_for_url(f"{live_server.url}/accounts/login/")
    assert page.locator("h1").inner_text() == "Log in"
