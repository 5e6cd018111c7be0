"""Service orders (服务工单): a need becomes a verified, confirmed and settled visit (供需对接和服务派送).

One order is one visit to one elder in a time window, with one or more catalogue items. Its life is a
strict state machine (``orders.states``); every move is kept as an ``OrderTransition``. The visit itself
is verified by EVV (``Visit``, six facts: service, person served, date, location, caregiver, start and end)
and checked for exceptions; the elder confirms it; a complaint can follow.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shouwang.core.models import TimeStampedModel


class OrderState(models.TextChoices):
    CREATED = "created", _("created (待派单)")
    DISPATCHED = "dispatched", _("dispatched (已派单)")
    ACCEPTED = "accepted", _("accepted (已接单)")
    REJECTED = "rejected", _("rejected (已拒单)")
    ASSIGNED = "assigned", _("assigned (已指派)")
    IN_SERVICE = "in_service", _("in service (服务中)")
    COMPLETED = "completed", _("completed (已完成)")
    CONFIRMED = "confirmed", _("confirmed (已确认)")
    SETTLED = "settled", _("settled (已结算)")
    CANCELLED = "cancelled", _("cancelled (已取消)")
    DISPUTED = "disputed", _("disputed (有争议)")


class OrderSource(models.TextChoices):
    PHONE = "phone", _("phone desk (电话)")
    COMMUNITY = "community", _("community worker (社区)")
    PROVIDER = "provider", _("provider (服务商)")
    CARE_PLAN = "care_plan", _("care plan (照护计划)")
    FAMILY = "family", _("elder / family (老人/家属)")


class ConfirmationMethod(models.TextChoices):
    SIGNATURE = "signature", _("signature on the caregiver's screen (签字)")
    SMS_CODE = "sms_code", _("one-time code by SMS (短信验证码)")
    CALLBACK = "callback", _("call-back by an operator (电话回访)")
    PORTAL = "portal", _("by the elder or family in the portal (家属端确认)")


class Order(TimeStampedModel):
    """One visit to one elder in a time window. ``community`` is copied from the elder at creation so
    region scope is one indexed column; ``provider`` and ``caregiver`` are set by dispatch and assignment."""

    elder = models.ForeignKey("elders.Elder", on_delete=models.PROTECT, related_name="orders")
    community = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    source = models.CharField(_("source"), max_length=12, choices=OrderSource.choices)
    state = models.CharField(
        _("state"), max_length=12, choices=OrderState.choices, default=OrderState.CREATED, db_index=True
    )
    window_start = models.DateTimeField(_("from"), db_index=True)
    window_end = models.DateTimeField(_("until"))
    address = models.CharField(_("address"), max_length=200, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Orders generated from a care plan carry the plan and a key (elder, service, day, n) so the daily
    # job never creates the same visit twice, also across an edited (re-approved) plan; see generation.
    care_plan = models.ForeignKey(
        "assessments.CarePlan", null=True, blank=True, on_delete=models.SET_NULL, related_name="orders"
    )
    plan_key = models.CharField(max_length=80, null=True, blank=True, unique=True)

    provider = models.ForeignKey(
        "providers.Provider", null=True, blank=True, on_delete=models.PROTECT, related_name="orders"
    )
    caregiver = models.ForeignKey(
        "providers.StaffMember", null=True, blank=True, on_delete=models.PROTECT, related_name="orders"
    )
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)
    respond_by = models.DateTimeField(_("answer due by"), null=True, blank=True, db_index=True)
    # Providers that already had this order and did not take it: re-dispatch skips them.
    declined_provider_ids = models.JSONField(default=list, blank=True)

    # Settlement record: prices from the provider's list on the day of the service.
    amount_fen = models.PositiveIntegerField(_("amount (fen)"), null=True, blank=True)
    subsidy_fen = models.PositiveIntegerField(_("paid by subsidy (fen)"), default=0)
    self_pay_fen = models.PositiveIntegerField(_("paid by the elder (fen)"), default=0)

    confirmed_via = models.CharField(
        _("confirmed by"), max_length=10, choices=ConfirmationMethod.choices, blank=True
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    rating_comment = models.CharField(_("comment"), max_length=300, blank=True)

    class Meta:
        ordering = ["-window_start", "-id"]
        indexes = [
            models.Index(fields=["provider", "state"]),
            models.Index(fields=["caregiver", "window_start"]),
            models.Index(fields=["community", "window_start"]),
            models.Index(fields=["elder", "window_start"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(window_end__gt=models.F("window_start")), name="order_window_ordered"
            ),
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5),
                name="order_rating_1_to_5",
            ),
        ]
        verbose_name = _("service order")
        verbose_name_plural = _("service orders")

    def __str__(self) -> str:
        return f"#{self.pk} {self.window_start:%Y-%m-%d %H:%M}"


class OrderLine(models.Model):
    """One catalogue item of an order; the unit price is fixed when the order is dispatched to a
    provider, from that provider's price list on the day of the service."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey("catalog.ServiceItem", on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveSmallIntegerField(_("quantity"), default=1)
    unit_price_fen = models.PositiveIntegerField(_("unit price (fen)"), null=True, blank=True)

    class Meta:
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["order", "item"], name="order_line_item_once")]

    def __str__(self) -> str:
        return f"{self.item_id} × {self.quantity}"


class OrderTransition(models.Model):
    """One move of an order's state: who, when, why. Only ever inserted."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="transitions")
    from_state = models.CharField(_("from"), max_length=12, choices=OrderState.choices, blank=True)
    to_state = models.CharField(_("to"), max_length=12, choices=OrderState.choices)
    at = models.DateTimeField(_("time"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(_("by"), max_length=150, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["order", "at", "id"]

    def __str__(self) -> str:
        return f"{self.from_state}→{self.to_state}"


class CheckMethod(models.TextChoices):
    GPS = "gps", _("phone location (定位)")
    CORRECTED = "corrected", _("corrected by a supervisor (已更正)")


class Visit(models.Model):
    """The EVV record of an order's visit: the six facts (service = the order's lines, person served =
    the elder, date and start/end = check-in/out times, location = check-in/out coordinates, caregiver)."""

    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="visit")
    caregiver = models.ForeignKey("providers.StaffMember", on_delete=models.PROTECT, related_name="visits")
    checkin_at = models.DateTimeField(_("checked in at"), db_index=True)
    checkin_lat = models.FloatField(_("check-in latitude"), null=True, blank=True)
    checkin_lon = models.FloatField(_("check-in longitude"), null=True, blank=True)
    checkin_accuracy_m = models.FloatField(null=True, blank=True)
    checkin_distance_m = models.FloatField(_("distance from the home at check-in (m)"), null=True, blank=True)
    checkin_method = models.CharField(max_length=10, choices=CheckMethod.choices, default=CheckMethod.GPS)
    checkout_at = models.DateTimeField(_("checked out at"), null=True, blank=True)
    checkout_lat = models.FloatField(_("check-out latitude"), null=True, blank=True)
    checkout_lon = models.FloatField(_("check-out longitude"), null=True, blank=True)
    checkout_accuracy_m = models.FloatField(null=True, blank=True)
    checkout_distance_m = models.FloatField(
        _("distance from the home at check-out (m)"), null=True, blank=True
    )
    checkout_method = models.CharField(max_length=10, choices=CheckMethod.choices, blank=True)
    photo = models.FileField(_("photo"), upload_to="visits/%Y/%m/", blank=True)
    photo_sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    signature = models.TextField(_("signature"), blank=True)  # a data: URL of the signed canvas

    class Meta:
        ordering = ["-checkin_at"]
        indexes = [models.Index(fields=["caregiver", "checkin_at"])]
        verbose_name = _("visit")
        verbose_name_plural = _("visits")

    def __str__(self) -> str:
        return f"{self.order_id} {self.checkin_at:%Y-%m-%d %H:%M}"


class ExceptionKind(models.TextChoices):
    OUTSIDE_RADIUS = "outside_radius", _("checked in or out away from the home (超出范围)")
    LATE = "late", _("late arrival (迟到)")
    EARLY = "early", _("early arrival (早到)")
    TOO_SHORT = "too_short", _("visit too short (服务时长不足)")
    MISSING_CHECKOUT = "missing_checkout", _("no check-out (未签出)")
    OVERLAP = "overlap", _("overlapping visits of one caregiver (时间重叠)")
    IMPOSSIBLE_TRAVEL = "impossible_travel", _("impossible travel between visits (行程不可能)")
    PHOTO_REUSED = "photo_reused", _("photo seen before (照片重复)")


class ExceptionState(models.TextChoices):
    OPEN = "open", _("open (待处理)")
    ACCEPTED = "accepted", _("explained and accepted (已说明)")
    CORRECTED = "corrected", _("corrected (已更正)")
    UPHELD = "upheld", _("upheld (确认异常)")


class VisitException(TimeStampedModel):
    """A rule the visit broke, queued for the provider and officials."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="exceptions")
    kind = models.CharField(_("exception"), max_length=20, choices=ExceptionKind.choices)
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=ExceptionState.choices, default=ExceptionState.OPEN, db_index=True
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.CharField(_("resolution"), max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["order", "kind"], name="visit_exception_once")]
        verbose_name = _("visit exception")
        verbose_name_plural = _("visit exceptions")

    def __str__(self) -> str:
        return f"{self.order_id} {self.kind}"


class CorrectionState(models.TextChoices):
    PENDING = "pending", _("waiting for a supervisor (待审批)")
    APPROVED = "approved", _("approved (已批准)")
    REFUSED = "refused", _("refused (已驳回)")


class CorrectionRequest(TimeStampedModel):
    """A caregiver's or provider's request to correct a visit's times (e.g. a forgotten check-out);
    ``changes`` maps Visit field names (``checkin_at``, ``checkout_at``) to ISO times."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="corrections")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    changes = models.JSONField(_("changes"))
    reason = models.CharField(_("reason"), max_length=300)
    state = models.CharField(
        _("state"), max_length=10, choices=CorrectionState.choices, default=CorrectionState.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.order_id} {self.state}"


class ConfirmationCode(models.Model):
    """A one-time code sent to the elder's phone; only its hash is kept."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="confirmation_codes")
    code_hash = models.CharField(max_length=128)
    sent_to = models.CharField(max_length=20)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.order_id} → {self.sent_to}"


class ComplaintSource(models.TextChoices):
    ELDER = "elder", _("elder (老人)")
    FAMILY = "family", _("family (家属)")
    OPERATOR = "operator", _("operator (坐席)")


class ComplaintState(models.TextChoices):
    RECEIVED = "received", _("received (已受理)")
    ASSIGNED = "assigned", _("assigned (处理中)")
    RESOLVED = "resolved", _("resolved (已处理)")
    CLOSED = "closed", _("closed (已办结)")


class ComplaintOutcome(models.TextChoices):
    UPHELD = "upheld", _("upheld (属实)")
    PARTLY = "partly", _("partly upheld (部分属实)")
    NOT_UPHELD = "not_upheld", _("not upheld (不属实)")


class Complaint(TimeStampedModel):
    """A complaint (投诉) about a provider's service; upheld ones lower its evaluation."""

    provider = models.ForeignKey("providers.Provider", on_delete=models.PROTECT, related_name="complaints")
    order = models.ForeignKey(
        Order, null=True, blank=True, on_delete=models.PROTECT, related_name="complaints"
    )
    elder = models.ForeignKey(
        "elders.Elder", null=True, blank=True, on_delete=models.PROTECT, related_name="complaints"
    )
    community = models.ForeignKey(
        "regions.Region", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField(_("from"), max_length=10, choices=ComplaintSource.choices)
    description = models.TextField(_("what happened"))
    state = models.CharField(
        _("state"), max_length=10, choices=ComplaintState.choices, default=ComplaintState.RECEIVED
    )
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolution = models.TextField(_("what was done"), blank=True)
    outcome = models.CharField(_("outcome"), max_length=12, choices=ComplaintOutcome.choices, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")

    def __str__(self) -> str:
        return f"#{self.pk}"
