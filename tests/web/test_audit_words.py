"""Audit action codes in words: every code the source writes has a phrase, and home pages show it."""

import pytest
from django.utils import translation

from shouwang.core import audit
from shouwang.web.audit_words import action_words, has_words
from tests import factories
from tests.web.audit_codes import written_codes


def test_every_audit_action_code_in_the_source_has_words():
    codes, families = written_codes()

    assert len(codes) > 50 and "order.create" in codes and "order.{}" in families  # the reader reads
    assert sorted(code for code in codes | families if not has_words(code)) == []


def test_a_family_code_takes_its_choices_label_and_an_unknown_code_shows_as_it_is():
    with translation.override("en"):
        assert action_words("order.dispatched") == "moved an order to dispatched (已派单)"
    assert action_words("nothing.we_write") == "nothing.we_write"


@pytest.mark.django_db
def test_the_home_page_shows_audit_actions_in_words(client, official):
    for action in ("order.dispatched", "elders.reveal"):
        audit.record(actor=official, action=action, object_repr="张三丰", region_code=factories.COMMUNITY_A)
    client.force_login(official)

    page = client.get("/").content.decode()

    assert "将订单改为" in page and "查看了老人完整证件号和电话" in page
    assert ">order.dispatched<" not in page and ">elders.reveal<" not in page
