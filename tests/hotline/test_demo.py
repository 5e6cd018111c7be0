"""The demo's hotline desk, checked on the seeded demo district (tests/demo/test_demo_district.py)."""


def check_the_demo_desk_has_calls_an_overdue_call_back_articles_and_todays_care_list(client):
    """The operator's desk shows an overdue call-back, the knowledge base answers by pinyin initials, a
    demo call's number pops up its elder, and today's active-care list is there with its first calls made.
    Pages are read in English."""
    from django.utils import timezone

    from shouwang.accounts.models import User
    from shouwang.core.masking import mask_phone
    from shouwang.hotline import selectors

    operator = User.objects.get(username="operator")
    assert selectors.calls_for(operator).count() >= 6
    overdue = list(selectors.overdue_call_backs(operator))
    assert len(overdue) == 1 and selectors.open_call_backs(operator).count() == 2
    assert [a.question for a in selectors.search_articles(operator, "gl")] == ["高龄津贴怎么申请？"]
    care = selectors.care_calls_for(operator)
    assert care.count() > 3 and care.filter(done_at__isnull=False).count() == 3
    assert {c.day for c in care} == {timezone.localdate()}

    called = selectors.calls_for(operator).exclude(elder=None).exclude(caller_number="").first()
    client.force_login(operator)
    page = client.get("/hotline/", {"number": called.caller_number}).content.decode()
    assert called.elder.name in page and "Overdue call-backs" in page
    assert 'id="elder-card"' in page and mask_phone(called.elder.phone) in page  # the card masks it
