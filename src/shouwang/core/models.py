from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .actors import SYSTEM_USERNAME


class TimeStampedModel(models.Model):
    """Base of every domain model: when a row was made and last changed."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class AuditLog(models.Model):
    """One audited action: a service write or a reveal of masked personal data.

    ``region_code`` and ``provider_id`` say whose data it was, so the audit viewer can apply the same
    scope as every other list. Rows are only ever inserted.
    """

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_username = models.CharField(_("actor"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=80, db_index=True)
    object_type = models.CharField(_("object type"), max_length=60, blank=True, db_index=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    region_code = models.CharField(_("region code"), max_length=12, blank=True, db_index=True)
    provider_id = models.BigIntegerField(_("provider"), null=True, blank=True, db_index=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    ip = models.CharField(_("IP address"), max_length=45, blank=True)
    request_id = models.CharField(_("request id"), max_length=32, blank=True)
    channel = models.CharField(_("channel"), max_length=8, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]
        verbose_name = _("audit record")
        verbose_name_plural = _("audit records")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_username} {self.action} {self.object_repr}"

    @property
    def actor_label(self) -> str:
        """Who acted, for people: the username, or 系统 when the platform acted by itself (the name
        ``system`` is reserved, so no account's record reads as the platform's)."""
        if self.actor_id is None and self.actor_username == SYSTEM_USERNAME:
            return gettext("system")
        return self.actor_username


class ScheduledRun(models.Model):
    """Last time each periodic job was enqueued, shared by every scheduler process."""

    name = models.CharField(max_length=100, unique=True)
    last_run_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name


class MessageChannel(models.TextChoices):
    SMS = "sms", _("SMS (短信)")
    CONSOLE = "console", _("console alert (系统提醒)")


class MessageState(models.TextChoices):
    QUEUED = "queued", _("queued")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")


class OutboundMessage(models.Model):
    """A message the platform sends (an SMS code, an escalation alert). Written in the caller's
    transaction, so a message exists exactly when the action that caused it happened; the configured
    sender delivers it (see ``core.outbox``)."""

    channel = models.CharField(_("channel"), max_length=8, choices=MessageChannel.choices)
    to = models.CharField(_("to"), max_length=150)
    body = models.CharField(_("text"), max_length=500)
    purpose = models.CharField(_("purpose"), max_length=40, db_index=True)
    related_type = models.CharField(max_length=60, blank=True)
    related_id = models.CharField(max_length=64, blank=True)
    state = models.CharField(
        _("state"), max_length=8, choices=MessageState.choices, default=MessageState.QUEUED, db_index=True
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    # Delivery attempts so far, and when a queued message may be tried (again): a failed attempt moves it
    # later by a growing delay, and a claim moves it one lease ahead, so a sender that dies mid-send is
    # replaced by the next retry run (see core.outbox).
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["related_type", "related_id"]),
            models.Index(fields=["state", "next_attempt_at"]),
        ]
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outgoing messages")

    def __str__(self) -> str:
        return f"{self.channel} → {self.to}: {self.purpose}"


class LiveEvent(models.Model):
    """One server-push message (see ``core.live``). The id is the Server-Sent Events id: a console that
    reconnects with ``Last-Event-ID`` gets every row after it, so it misses nothing. Pruned after a day."""

    id = models.BigAutoField(primary_key=True)
    channel = models.CharField(_("channel"), max_length=40)
    payload = models.JSONField(_("payload"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["channel", "id"])]
        verbose_name = _("live event")
        verbose_name_plural = _("live events")

    def __str__(self) -> str:
        return f"{self.channel} #{self.pk}"
