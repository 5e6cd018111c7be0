"""Outgoing messages (SMS codes, escalation alerts) through an outbox and a pluggable sender.

``queue_message`` writes an ``OutboundMessage`` in the caller's transaction, so a message exists exactly
when the action that caused it happened, and tries to deliver it as soon as that transaction commits. The
sender is the class named by ``SHOUWANG_MESSAGE_SENDER``; it returns normally when the message is
delivered and raises when it is not. ``KeepInOutbox`` (the default) delivers nothing and counts as sent:
the demo and the tests read the outbox itself.

Delivery is at least once and never silently abandoned. Every attempt first claims the message with a
conditional UPDATE that moves its ``next_attempt_at`` one lease ahead, so the on-commit attempt and the
periodic ``retry_due`` never send the same message at once, and a process that dies mid-send (or before its
on-commit ran) leaves a message that the next retry run takes up. A failed attempt is tried again after a
growing delay; after ``MESSAGE_MAX_ATTEMPTS`` the message is marked failed, logged as an error, and shown
to the platform admin on the console (``failed_messages_for``), where it can be queued again.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from . import audit
from .errors import Forbidden, NotFound
from .models import MessageChannel, MessageState, OutboundMessage
from .permissions import may_manage_outbox

logger = logging.getLogger(__name__)
# How long a claimed message is left to its sender before a retry run may take it up again.
CLAIM_LEASE = dt.timedelta(minutes=2)
FIRST_RETRY_DELAY = dt.timedelta(seconds=30)
LONGEST_RETRY_DELAY = dt.timedelta(hours=1)
RETRY_BATCH = 200
STALLED_AFTER = dt.timedelta(minutes=10)


class KeepInOutbox:
    """The demo sender: the outbox row is the message."""

    def send(self, message: OutboundMessage) -> None:
        return None


def sender():
    return import_string(settings.SHOUWANG_MESSAGE_SENDER)()


def queue_message(
    *,
    to: str,
    body: str,
    purpose: str,
    channel: str = MessageChannel.SMS,
    related: models.Model | None = None,
) -> OutboundMessage:
    """Queue a message; it is delivered after the current transaction commits (or retried later)."""
    message = OutboundMessage.objects.create(
        channel=channel,
        to=to,
        body=body[:500],
        purpose=purpose,
        related_type=related._meta.label_lower if related is not None else "",
        related_id=str(related.pk) if related is not None else "",
        next_attempt_at=timezone.now(),
    )
    transaction.on_commit(lambda: deliver_queued(message.pk))
    return message


def deliver_queued(message_id: int, *, now: dt.datetime | None = None) -> OutboundMessage | None:
    """Claim one queued message that is due and hand it to the sender; None when it is not due or another
    attempt holds it."""
    now = now or timezone.now()
    claimed = OutboundMessage.objects.filter(
        pk=message_id, state=MessageState.QUEUED, next_attempt_at__lte=now
    ).update(next_attempt_at=now + CLAIM_LEASE, attempts=F("attempts") + 1)
    if not claimed:
        return None
    message = OutboundMessage.objects.get(pk=message_id)
    try:
        sender().send(message)
    except Exception as error:  # a gateway failure must not undo the action that caused the message
        _attempt_failed(message, error, now)
    else:
        message.state, message.sent_at, message.next_attempt_at = MessageState.SENT, timezone.now(), None
        message.save(update_fields=["state", "sent_at", "next_attempt_at"])
    return message


def _attempt_failed(message: OutboundMessage, error: Exception, now: dt.datetime) -> None:
    message.error = f"{type(error).__name__}: {error}"[:300]
    if message.attempts >= settings.SHOUWANG_MESSAGE_MAX_ATTEMPTS:
        message.state, message.next_attempt_at = MessageState.FAILED, None
        logger.error(
            "gave up sending message %s (%s to %s) after %d attempts: %s",
            message.pk,
            message.purpose,
            message.channel,
            message.attempts,
            message.error,
        )
    else:
        message.next_attempt_at = now + retry_delay(message.attempts)
    message.save(update_fields=["state", "next_attempt_at", "error"])


def retry_delay(attempts: int) -> dt.timedelta:
    """30 s after the first failed attempt, doubling each time, at most an hour."""
    return min(FIRST_RETRY_DELAY * 2 ** (attempts - 1), LONGEST_RETRY_DELAY)


def retry_due(*, now: dt.datetime | None = None) -> int:
    """Attempt every queued message that is due (a failed attempt's delay is over, or its sender
    vanished); one claim and send per message. Returns how many were sent."""
    now = now or timezone.now()
    due = OutboundMessage.objects.filter(state=MessageState.QUEUED, next_attempt_at__lte=now)
    sent = 0
    for message_id in due.order_by("next_attempt_at").values_list("pk", flat=True)[:RETRY_BATCH]:
        message = deliver_queued(message_id, now=now)
        sent += message is not None and message.state == MessageState.SENT
    return sent


def failed_messages_for(user):
    """Messages the platform gave up sending, newest first, for a user who may see them (else none)."""
    if not may_manage_outbox(user):
        return OutboundMessage.objects.none()
    return OutboundMessage.objects.filter(state=MessageState.FAILED).order_by("-created_at", "-id")


def unsent_message_counts(*, now: dt.datetime | None = None) -> dict[str, int]:
    """How many messages were given up, and how many queued ones are overdue by more than STALLED_AFTER
    (a sign that no worker runs the retries)."""
    now = now or timezone.now()
    queued = OutboundMessage.objects.filter(state=MessageState.QUEUED)
    return {
        "failed": OutboundMessage.objects.filter(state=MessageState.FAILED).count(),
        "stalled": queued.filter(next_attempt_at__lt=now - STALLED_AFTER).count(),
    }


def requeue(*, actor, message_id: int) -> OutboundMessage:
    """Queue a failed message again (after the gateway is mended), from the first attempt; audited."""
    if not may_manage_outbox(actor):
        raise Forbidden(_("Only the platform admin may send failed messages again."))
    with transaction.atomic():
        message = OutboundMessage.objects.select_for_update().filter(pk=message_id).first()
        if message is None or message.state != MessageState.FAILED:
            raise NotFound(_("There is no failed message with this number."))
        message.state, message.attempts, message.next_attempt_at = MessageState.QUEUED, 0, timezone.now()
        message.save(update_fields=["state", "attempts", "next_attempt_at"])
        audit.record(
            actor=actor,
            action="core.message.requeue",
            object_type="core.outboundmessage",
            object_id=str(message.pk),
            object_repr=message.purpose,  # not str(message): that names the phone number
            before={"error": message.error},
        )
        transaction.on_commit(lambda: deliver_queued(message.pk))
    return message


def messages_about(obj: models.Model):
    return OutboundMessage.objects.filter(related_type=obj._meta.label_lower, related_id=str(obj.pk))
