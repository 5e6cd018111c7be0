"""The elder page's form for the account cash allowances are paid to: checked (a bank card's Luhn digit),
saved masked, audited, never filled with the stored number, and closed to other communities."""

import pytest

from shouwang.core.models import AuditLog
from shouwang.elders.models import Elder

pytestmark = pytest.mark.django_db
GOOD = "6217 0000 1111 2220"  # Luhn check digit 0
URL = "/elders/{}/payment-account/"


def account_of(elder) -> str:
    return Elder.objects.get(pk=elder.pk).payment_account


def test_a_worker_sets_the_account_and_the_page_shows_it_masked(client, worker_a, elder_a):
    client.force_login(worker_a)

    answer = client.post(URL.format(elder_a.pk), {"payment_account": GOOD})

    assert answer.status_code == 302 and account_of(elder_a) == "6217000011112220"
    page = client.get(f"/elders/{elder_a.pk}/").content.decode()
    assert "6217********2220" in page and "6217000011112220" not in page
    logged = AuditLog.objects.get(action="elders.payment_account")
    assert "6217000011112220" not in str(logged.after)


def test_a_wrong_check_digit_is_refused_in_chinese_and_nothing_is_saved(client, worker_a, elder_a):
    client.force_login(worker_a)

    answer = client.post(URL.format(elder_a.pk), {"payment_account": "6217000011112222"})

    assert answer.status_code == 422
    assert "校验位" in answer.content.decode()
    assert account_of(elder_a) == "" and not AuditLog.objects.filter(action="elders.payment_account").exists()


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"payment_account": "12ab!"}, "8"),  # not a card number: names the shape
        ({"payment_account": ""}, "卡号"),  # nothing typed, nothing ticked
        ({"payment_account": GOOD, "remove": "on"}, "不能同时"),
    ],
)
def test_other_bad_input_is_refused_with_a_message(client, worker_a, elder_a, data, words):
    client.force_login(worker_a)
    answer = client.post(URL.format(elder_a.pk), data)
    assert answer.status_code == 422 and words in answer.content.decode()
    assert account_of(elder_a) == ""


def test_the_account_is_removed_only_when_asked(client, worker_a, elder_a):
    Elder.objects.filter(pk=elder_a.pk).update(payment_account="6217000011112220")
    client.force_login(worker_a)
    form = client.get(f"/elders/{elder_a.pk}/").content.decode()
    assert 'name="payment_account"' in form and 'value="6217' not in form  # never filled in

    assert client.post(URL.format(elder_a.pk), {"remove": "on"}).status_code == 302
    assert account_of(elder_a) == ""


def test_a_worker_of_another_community_gets_404_and_changes_nothing(client, worker_b, elder_a):
    client.force_login(worker_b)
    assert client.post(URL.format(elder_a.pk), {"payment_account": GOOD}).status_code == 404
    assert account_of(elder_a) == ""
