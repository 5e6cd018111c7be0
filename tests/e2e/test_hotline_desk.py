"""In a browser: a call pops up its elder by number, the desk's timer counts the call, the knowledge base
answers by pinyin initials, and an emergency recorded at the desk opens an alarm."""

import pytest
from playwright.sync_api import expect

from shouwang.alarms.models import Incident
from shouwang.hotline import services
from shouwang.hotline.models import CallRecord
from tests import factories
from tests.e2e.test_content_security_policy import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_call_pops_up_its_elder_and_an_emergency_reaches_the_alarm_console(
    live_server, browser, csp_violations
):
    factories.load_tree()
    official = factories.user("official", regions=(factories.DISTRICT,), username="official")
    factories.user("operator", regions=(factories.DISTRICT,), username="operator")
    elder = factories.ElderFactory(community_id=factories.COMMUNITY_A, name="张三丰", phone="13800000001")
    factories.contact(elder, phone="13900001111")
    services.create_article(actor=official, question="高龄津贴怎么申请？", answer="年满80周岁可申请。")

    context = csp_violations.watch(
        browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    )
    page = context.new_page()
    log_in(page, live_server.url, "operator")

    # The telephony integration (or the operator) opens the desk with the calling number.
    page.goto(f"{live_server.url}/hotline/?number=13900001111")
    card = page.locator("#elder-card")
    assert "张三丰" in card.inner_text() and "138****0001" in card.inner_text()
    assert "13800000001" not in page.content()
    expect(page.locator("#id_duration_seconds")).not_to_have_value("0", timeout=5000)  # the call's timer runs

    page.fill("#kb-q", "gl")
    page.locator("#kb-results summary", has_text="高龄津贴").wait_for()

    page.select_option("#id_reason", "emergency")
    page.select_option("#id_outcome", "referred")
    page.fill("#id_summary", "邻居来电：老人摔倒在家")
    with page.expect_navigation():
        page.click("#call-form button[type=submit]")
    call = CallRecord.objects.get()
    assert page.url == f"{live_server.url}/hotline/calls/{call.pk}/"
    incident = Incident.objects.get()
    assert (call.incident_id, incident.kind, incident.elder_id, incident.state) == (
        incident.pk,
        "voice",
        elder.pk,
        "received",
    )
    assert call.duration_seconds >= 1
    page.click("#call-incident")
    page.wait_for_url(f"{live_server.url}/alarms/console/{incident.pk}/")
