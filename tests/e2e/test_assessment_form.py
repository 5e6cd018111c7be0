"""An assessor fills in an assessment on a tablet-sized screen with the keyboard alone, and sees the level
before submitting."""

import pytest

from shouwang.assessments.models import Assessment, State
from shouwang.assessments.scoring import DIMENSIONS, ITEMS
from shouwang.assessments.services import assign_assessor, start_assessment
from tests import factories

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_assessor_scores_with_the_keyboard_on_a_tablet(live_server, browser, csp_violations):
    factories.load_tree()
    worker = factories.user("community_worker", regions=(factories.COMMUNITY_A,), username="worker")
    first = factories.user("assessor", regions=(factories.DISTRICT,), username="assessor1")
    second = factories.user("assessor", regions=(factories.DISTRICT,), username="assessor2")
    elder = factories.ElderFactory(community_id=factories.COMMUNITY_A, name="张三丰")
    assign_assessor(actor=worker, elder_id=elder.pk, assessor_id=first.pk)
    assessment = start_assessment(actor=first, elder_id=elder.pk)

    context = csp_violations.watch(
        browser.new_context(locale="zh-CN", viewport={"width": 800, "height": 1200}, has_touch=True)
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "assessor1")
    page.fill("#id_password", factories.PASSWORD)
    page.press("#id_password", "Enter")
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/assessments/{assessment.pk}/step/0/")
    page.select_option("#assessor_2", str(second.pk))
    page.fill("#informant_name", "张小明")
    with page.expect_navigation():
        page.press("#informant_name", "Enter")
    for number, dimension in enumerate(DIMENSIONS, start=1):
        page.wait_for_url(f"{live_server.url}/assessments/{assessment.pk}/step/{number}/")
        for choice in page.locator("label.anchor").all():  # a finger on a tablet needs 44 px
            box = choice.bounding_box()
            assert box is not None and box["height"] >= 44 and box["width"] >= 44
        for item in (i for i in ITEMS if i.dimension == dimension.key):
            # Focus the item's first choice (its best score), then choose with the keyboard.
            page.focus(f"input[name={item.key}][value='{item.max}']")
            page.keyboard.press("Space")
        page.keyboard.press("Tab")  # from the last item to "save and continue"
        with page.expect_navigation():
            page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/assessments/{assessment.pk}/step/5/")
    assert "能力完好" in page.locator(".result").inner_text()  # the level, before submission
    with page.expect_navigation():
        page.click("button.btn-primary")
    assessment.refresh_from_db()
    assert (assessment.state, assessment.total, assessment.final_level) == (State.SUBMITTED, 90, 0)
    assert Assessment.objects.count() == 1
    context.close()
