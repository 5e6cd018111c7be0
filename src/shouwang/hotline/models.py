"""The elderly-care hotline (养老服务热线, e.g. 12349): calls and their reasons, promised call-backs, the
small knowledge base the desk answers from, the daily active-care calls (主动关怀) to elders who live
alone, and what the desk did on an elder's behalf (代办) during a call.

Every call, call-back and care call carries ``region_code``, the 12-digit code of the elder's community
(or, for a caller nobody knows, the operator's own area), so region scope reads one indexed column.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shouwang.core.models import TimeStampedModel


class CallReason(models.TextChoices):
    INFORMATION = "information", _("information and policy (信息咨询)")
    ORDER = "order", _("service order")
    COMPLAINT = "complaint", _("complaint")
    EMOTIONAL = "emotional", _("emotional support (精神慰藉)")
    EMERGENCY = "emergency", _("emergency")
    OTHER = "other", _("other")


class CallDirection(models.TextChoices):
    INBOUND = "in", _("incoming")
    OUTBOUND = "out", _("outgoing")


class CallOutcome(models.TextChoices):
    RESOLVED = "resolved", _("resolved on the call")
    REFERRED = "referred", _("passed on to others")
    CALL_BACK = "call_back", _("call-back promised")
    NO_ANSWER = "no_answer", _("no answer")
    OTHER = "other", _("other")


class CallerKind(models.TextChoices):
    ELDER = "elder", _("the elder")
    FAMILY = "family", _("family member")
    CONTACT = "contact", _("emergency contact")
    PROVIDER = "provider", _("service provider")
    UNKNOWN = "unknown", _("unknown caller")


class CallRecord(models.Model):
    """One call taken or made by the desk."""

    started_at = models.DateTimeField(_("started at"), db_index=True)
    direction = models.CharField(
        _("direction"), max_length=3, choices=CallDirection.choices, default=CallDirection.INBOUND
    )
    caller_number = models.CharField(_("caller number"), max_length=20, blank=True, db_index=True)
    caller_kind = models.CharField(
        _("caller"), max_length=10, choices=CallerKind.choices, default=CallerKind.UNKNOWN
    )
    elder = models.ForeignKey(
        "elders.Elder", null=True, blank=True, on_delete=models.PROTECT, related_name="calls"
    )
    reason = models.CharField(_("reason"), max_length=12, choices=CallReason.choices, db_index=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=CallOutcome.choices)
    duration_seconds = models.PositiveIntegerField(_("duration (s)"), default=0)
    summary = models.CharField(_("summary"), max_length=500, blank=True)
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    region_code = models.CharField(_("region"), max_length=12, db_index=True)
    incident = models.ForeignKey(
        "alarms.Incident", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["region_code", "started_at"])]
        verbose_name = _("call")
        verbose_name_plural = _("calls")

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_reason_display()}"


class CallBack(models.Model):
    """A call-back promised during a call: who calls back by when, and when it was done."""

    call = models.ForeignKey(CallRecord, on_delete=models.CASCADE, related_name="call_backs")
    due_at = models.DateTimeField(_("due"), db_index=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("assignee")
    )
    note = models.CharField(_("what was promised"), max_length=300, blank=True)
    region_code = models.CharField(max_length=12, db_index=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    done_note = models.CharField(_("result"), max_length=300, blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("call-back")
        verbose_name_plural = _("call-backs")

    def __str__(self) -> str:
        return f"call-back {self.pk} of call {self.call_id}"

    @property
    def is_open(self) -> bool:
        return self.done_at is None


class OnBehalfKind(models.TextChoices):
    ORDER = "order", _("placed an order")
    COMPLAINT = "complaint", _("filed a complaint")
    CONFIRMATION = "confirmation", _("confirmed a service")
    CHECKIN = "checkin", _("checked in (报平安)")


class OnBehalf(models.Model):
    """Something the desk did for the elder during a call (代办): the call record links it."""

    call = models.ForeignKey(CallRecord, on_delete=models.CASCADE, related_name="on_behalf")
    kind = models.CharField(_("kind"), max_length=12, choices=OnBehalfKind.choices)
    order = models.ForeignKey(
        "orders.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    complaint = models.ForeignKey(
        "orders.Complaint", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    checkin = models.ForeignKey(
        "alarms.CheckIn", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("time"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["call", "at", "id"]
        verbose_name = _("done on the elder's behalf")
        verbose_name_plural = _("done on the elder's behalf")

    def __str__(self) -> str:
        return f"{self.call_id} {self.kind}"


class ArticleState(models.TextChoices):
    ACTIVE = "active", _("in use")
    RETIRED = "retired", _("retired")


class Article(TimeStampedModel):
    """A short question and its answer that officials keep for the desk."""

    question = models.CharField(_("question"), max_length=200)
    answer = models.TextField(_("answer"))
    keywords = models.CharField(_("keywords"), max_length=200, blank=True)
    # Pinyin initials of the question and the keywords, so "gl" finds 高龄津贴.
    initials = models.CharField(max_length=400, blank=True)
    state = models.CharField(
        _("state"), max_length=8, choices=ArticleState.choices, default=ArticleState.ACTIVE, db_index=True
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["question", "id"]
        verbose_name = _("knowledge article")
        verbose_name_plural = _("knowledge articles")

    def __str__(self) -> str:
        return self.question


class CareCall(models.Model):
    """One active-care call (主动关怀) due to an elder who lives alone on one day; ``call`` once made."""

    elder = models.ForeignKey("elders.Elder", on_delete=models.CASCADE, related_name="care_calls")
    day = models.DateField(_("day"), db_index=True)
    region_code = models.CharField(max_length=12, db_index=True)
    call = models.OneToOneField(
        CallRecord, null=True, blank=True, on_delete=models.SET_NULL, related_name="care_call"
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    class Meta:
        ordering = ["day", "region_code", "elder_id"]
        constraints = [models.UniqueConstraint(fields=["elder", "day"], name="one_care_call_per_elder_day")]
        verbose_name = _("active-care call")
        verbose_name_plural = _("active-care calls")

    def __str__(self) -> str:
        return f"care call {self.elder_id} {self.day}"
