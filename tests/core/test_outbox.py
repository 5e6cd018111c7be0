"""The outbox delivers at least once and never silently abandons a message (escalation SMS among them):
a failed attempt is retried with a growing delay, a message whose on-commit attempt never ran is taken up
by the retry run, and a message given up is shown to the admin, who can queue it again."""

import datetime as dt
import logging

import pytest
from django.db import transaction
from django.utils import timezone

from shouwang.core import outbox
from shouwang.core.errors import Forbidden, NotFound
from shouwang.core.models import AuditLog, MessageState, OutboundMessage

PHONE = "13800001111"
sent: list[int] = []


class FlakyGateway:
    """A sender whose gateway is down while ``down`` is set."""

    down = True

    def send(self, message):
        if FlakyGateway.down:
            raise ConnectionError("gateway unreachable")
        sent.append(message.pk)


@pytest.fixture(autouse=True)
def gateway(settings):
    settings.SHOUWANG_MESSAGE_SENDER = f"{__name__}.FlakyGateway"
    settings.SHOUWANG_MESSAGE_MAX_ATTEMPTS = 3
    FlakyGateway.down = True
    sent.clear()


def queue(django_capture_on_commit_callbacks) -> OutboundMessage:
    with django_capture_on_commit_callbacks(execute=True):
        message = outbox.queue_message(to=PHONE, body="王大爷 按下了呼叫按钮", purpose="alarm_escalation")
    message.refresh_from_db()
    return message


@pytest.mark.django_db
def test_a_failed_first_attempt_is_kept_queued_with_a_delay(django_capture_on_commit_callbacks):
    before = timezone.now()
    message = queue(django_capture_on_commit_callbacks)
    assert message.state == MessageState.QUEUED
    assert message.attempts == 1
    assert "gateway unreachable" in message.error
    assert message.next_attempt_at >= before + dt.timedelta(seconds=30)


@pytest.mark.django_db
def test_the_retry_run_waits_for_the_delay_then_delivers(django_capture_on_commit_callbacks):
    message = queue(django_capture_on_commit_callbacks)
    FlakyGateway.down = False
    assert outbox.retry_due(now=timezone.now()) == 0  # the delay is not over
    assert outbox.retry_due(now=timezone.now() + dt.timedelta(seconds=31)) == 1
    message.refresh_from_db()
    assert message.state == MessageState.SENT and sent == [message.pk]
    assert message.attempts == 2


@pytest.mark.django_db
def test_the_delays_grow_and_the_message_is_given_up_with_an_error_logged(
    django_capture_on_commit_callbacks, caplog
):
    message = queue(django_capture_on_commit_callbacks)
    later = timezone.now()
    with caplog.at_level(logging.ERROR, logger="shouwang.core.outbox"):
        for _attempt in range(2):
            later += dt.timedelta(hours=2)
            outbox.retry_due(now=later)
    message.refresh_from_db()
    assert message.state == MessageState.FAILED and message.attempts == 3
    assert message.next_attempt_at is None
    assert "gave up sending message" in caplog.text
    assert [m.pk for m in outbox.failed_messages_for(None)] == []  # nobody but the admin sees them
    assert outbox.retry_due(now=later + dt.timedelta(days=1)) == 0  # given up: no more attempts
    assert outbox.retry_delay(1) == dt.timedelta(seconds=30)
    assert outbox.retry_delay(3) == dt.timedelta(minutes=2)
    assert outbox.retry_delay(20) == dt.timedelta(hours=1)


@pytest.mark.django_db
def test_a_message_whose_on_commit_attempt_never_ran_is_taken_up_by_the_retry_run():
    FlakyGateway.down = False
    with transaction.atomic():  # the process "dies" before its on-commit hook: no capture, no attempt
        message = outbox.queue_message(to=PHONE, body="x", purpose="alarm_escalation")
    assert OutboundMessage.objects.get(pk=message.pk).attempts == 0
    assert outbox.retry_due() == 1
    assert OutboundMessage.objects.get(pk=message.pk).state == MessageState.SENT


@pytest.mark.django_db
def test_a_claimed_message_is_not_sent_twice_at_once():
    FlakyGateway.down = False
    message = outbox.queue_message(to=PHONE, body="x", purpose="alarm_escalation")
    now = timezone.now()
    # The first claim moves the message a lease ahead; a second attempt at the same moment finds it taken.
    OutboundMessage.objects.filter(pk=message.pk).update(next_attempt_at=now)
    claimed = OutboundMessage.objects.filter(pk=message.pk, next_attempt_at__lte=now).update(
        next_attempt_at=now + outbox.CLAIM_LEASE
    )
    assert claimed == 1
    assert outbox.deliver_queued(message.pk, now=now) is None
    assert sent == []
    # A sender that died holding the claim is replaced once the lease is over.
    assert outbox.deliver_queued(message.pk, now=now + outbox.CLAIM_LEASE).state == MessageState.SENT


@pytest.fixture
def given_up(db):
    return OutboundMessage.objects.create(
        channel="sms", to=PHONE, body="x", purpose="alarm_escalation", state=MessageState.FAILED, attempts=8
    )


def test_the_admin_queues_a_failed_message_again_audited(
    admin_user, given_up, django_capture_on_commit_callbacks
):
    FlakyGateway.down = False
    with django_capture_on_commit_callbacks(execute=True):
        outbox.requeue(actor=admin_user, message_id=given_up.pk)
    given_up.refresh_from_db()
    assert given_up.state == MessageState.SENT and given_up.attempts == 1
    entry = AuditLog.objects.get(action="core.message.requeue")
    assert PHONE not in entry.object_repr


def test_only_the_admin_may_requeue_and_a_sent_message_cannot_be(official, admin_user, given_up):
    with pytest.raises(Forbidden):
        outbox.requeue(actor=official, message_id=given_up.pk)
    given_up.state = MessageState.SENT
    given_up.save()
    with pytest.raises(NotFound):
        outbox.requeue(actor=admin_user, message_id=given_up.pk)


def test_the_admin_console_shows_unsent_messages_masked(client, admin_user, official, given_up):
    client.force_login(admin_user)
    home = client.get("/").content.decode()
    assert "1 条消息（短信或提醒）未能发出" in home
    page = client.get("/audit/messages/").content.decode()
    assert "138****1111" in page and PHONE not in page
    response = client.post(f"/audit/messages/{given_up.pk}/requeue/")
    assert response.status_code == 302
    given_up.refresh_from_db()
    assert given_up.state in (MessageState.QUEUED, MessageState.SENT)
    client.force_login(official)
    assert client.get("/audit/messages/").status_code == 403
    assert "未能发出" not in client.get("/").content.decode()


def test_healthz_counts_given_up_and_stalled_messages(client, given_up):
    OutboundMessage.objects.create(
        channel="sms",
        to=PHONE,
        body="x",
        purpose="alarm_escalation",
        next_attempt_at=timezone.now() - dt.timedelta(hours=1),
    )
    assert client.get("/healthz").json()["messages"] == {"failed": 1, "stalled": 1}
