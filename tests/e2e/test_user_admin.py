"""An official creates a community worker in the browser, choosing the community with the region picker."""

import pytest

from shouwang.accounts.models import User
from tests import factories

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_official_creates_worker_with_region_picker(live_server, page):
    factories.load_tree()
    official = factories.user("official", regions=(factories.DISTRICT,), username="official")

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", official.username)
    page.fill("#id_password", factories.PASSWORD)
    page.press("#id_password", "Enter")
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/accounts/users/new/")
    page.fill("#id_username", "zhang_worker")
    page.fill("#id_full_name", "张社工")
    page.select_option("#id_role", "community_worker")
    # Each choice in the picker swaps in the levels below it (htmx); wait for each swap before the next.
    chain = ["220000000000", "220200000000", factories.DISTRICT, factories.STREET_A, factories.COMMUNITY_A]
    for level, code in enumerate(chain, start=1):
        with page.expect_response(lambda response: "/regions/picker/" in response.url):
            page.select_option(f"#region-level-{level}", code)
        page.wait_for_selector(f'#region-level-{level} option[value="{code}"][selected]', state="attached")
        page.wait_for_function(
            "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
        )
    page.wait_for_function(
        "code => document.querySelector('input[name=region]').value === code", arg=factories.COMMUNITY_A
    )
    page.fill("#id_password", factories.PASSWORD)
    page.click("form.form button[type=submit]")

    page.wait_for_url(f"{live_server.url}/accounts/users/")
    assert "已创建" in page.locator(".messages").inner_text()
    created = User.objects.get(username="zhang_worker")
    assert list(created.regions.values_list("code", flat=True)) == [factories.COMMUNITY_A]
