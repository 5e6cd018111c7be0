"""Outgoing messages (SMS codes, escalation alerts) through an outbox and a pluggable sender.

``queue_message`` writes an ``OutboundMessage`` in the caller's transaction and hands it to the sender
once that transaction commits, so nothing is sent for an action that was rolled back. The sender is the
class named by ``SHOUWANG_MESSAGE_SENDER``; it gets the message and returns normally when delivered or
raises to mark it failed. ``KeepInOutbox`` (the default) delivers nothing and marks it sent: the demo and
the tests read the outbox itself.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from .models import MessageChannel, MessageState, OutboundMessage


class KeepInOutbox:
    """The demo sender: the outbox row is the message."""

    def send(self, message: OutboundMessage) -> None:
        return None


def sender():
    return import_string(settings.SHOUWANG_MESSAGE_SENDER)()


def deliver(message: OutboundMessage) -> OutboundMessage:
    """Hand one queued message to the sender and record the outcome."""
    try:
        sender().send(message)
    except Exception as error:  # a gateway failure must not undo the action that caused the message
        message.state, message.error = MessageState.FAILED, str(error)[:300]
    else:
        message.state, message.sent_at = MessageState.SENT, timezone.now()
    message.save(update_fields=["state", "sent_at", "error"])
    return message


def queue_message(
    *,
    to: str,
    body: str,
    purpose: str,
    channel: str = MessageChannel.SMS,
    related: models.Model | None = None,
) -> OutboundMessage:
    """Queue a message; it is delivered after the current transaction commits."""
    message = OutboundMessage.objects.create(
        channel=channel,
        to=to,
        body=body[:500],
        purpose=purpose,
        related_type=related._meta.label_lower if related is not None else "",
        related_id=str(related.pk) if related is not None else "",
    )
    transaction.on_commit(lambda: deliver(message))
    return message


def messages_about(obj: models.Model):
    return OutboundMessage.objects.filter(related_type=obj._meta.label_lower, related_id=str(obj.pk))
