"""A volunteer on a phone gives an arranged companionship: their list, the task's page with the elder masked,
the button that records it done; then the worker confirms it on the console and the hours are credited."""

import datetime as dt

import pytest
from django.utils import timezone

from shouwang.core.idnumbers import make_resident_id
from shouwang.visits import help, timebank, volunteers
from shouwang.visits.models import HelpTask
from tests import factories
from tests.e2e.test_caregiver_visit import PHONE, log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_volunteer_gives_companionship_on_a_phone_and_the_worker_confirms(
    live_server, browser, csp_violations
):
    factories.load_tree()
    worker = factories.user("community_worker", regions=(factories.COMMUNITY_A,))
    user = factories.user("volunteer", regions=(factories.COMMUNITY_A,), username="e2e_companion")
    companion = volunteers.register_volunteer(
        actor=worker, user_id=user.pk, community=factories.COMMUNITY_A, skills=["companionship"],
        available_days=[], id_number=make_resident_id("220202", dt.date(1980, 1, 1), 611),
    )  # fmt: skip
    elder = factories.ElderFactory(
        name="李桂兰", phone="13800001111", address="和平街5号", living_arrangement="alone"
    )
    later = timezone.now() + dt.timedelta(hours=2)
    task = help.create_help(
        actor=worker, elder_id=elder.pk, kind="companionship", starts_at=later, need="陪老人聊聊天"
    )
    context = csp_violations.watch(browser.new_context(**PHONE))
    page = context.new_page()
    try:
        log_in(page, live_server.url, user.username)
        page.goto(f"{live_server.url}/visits/help/")
        with page.expect_navigation():
            page.locator(f"[data-help='{task.pk}'] a").tap()
        assert page.locator("[data-elder-name]").inner_text().strip() == "李*兰"
        assert "13800001111" not in page.content() and "陪老人聊聊天" in page.content()
        page.fill("#h-note", "聊了一下午")
        with page.expect_navigation():
            page.locator("form[data-complete-help] button[type=submit]").tap()
        page.wait_for_selector("[data-state=done]")
    finally:
        context.close()
    context = csp_violations.watch(browser.new_context(locale="zh-CN"))
    page = context.new_page()
    try:
        log_in(page, live_server.url, worker.username)
        page.goto(f"{live_server.url}/visits/help/{task.pk}/")
        with page.expect_navigation():
            page.locator("form[data-confirm-help] button[type=submit]").click()
        page.wait_for_selector("[data-confirmed]")
    finally:
        context.close()
    assert HelpTask.objects.get(pk=task.pk).state == "confirmed"
    assert timebank.balance_minutes(companion) == 60
