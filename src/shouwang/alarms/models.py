"""Emergency alarms (助急) and the 24-hour safety watch: devices, their events, incidents and their steps.

A device pushes signed JSON events (over MQTT through the bridge, or over HTTP from a vendor cloud); every
accepted event is stored once (``(device, event_id)`` is unique, so redelivery changes nothing), updates
the device's live state and may open or join an ``Incident``. Rejected messages are counted in
``IngestRejection`` (per hour, source, reason and device), never lost silently. An incident walks a
strict workflow (``incidents.py``), each step an ``IncidentStep`` row with its time and actor.
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shouwang.core.models import TimeStampedModel


class DeviceType(models.TextChoices):
    SOS_PENDANT = "sos_pendant", _("SOS pendant (一键呼叫挂件)")
    CALL_BOX = "call_box", _("one-key call box (一键呼叫器)")
    WATCH = "watch", _("watch with fall detection (定位手表)")
    SMOKE = "smoke", _("smoke detector (烟感)")
    GAS = "gas", _("gas detector (燃气报警器)")
    WATER = "water", _("water leak sensor (水浸传感器)")
    DOOR = "door", _("door contact (门磁)")
    MOTION = "motion", _("motion sensor (人体感应)")
    BED = "bed", _("bed sensor (床垫传感器)")


class DeviceState(models.TextChoices):
    ACTIVE = "active", _("active")
    RETIRED = "retired", _("retired")


class Device(TimeStampedModel):
    """An alarm or sensor device and its live state.

    ``secret`` is kept in clear because every event's HMAC must be verified with it; a one-way hash would
    not do. It is shown once, at registration, never in a list, detail, API answer or the admin, and a
    leaked database means re-registering the devices (see docs in ``services.register_device``).
    ``community`` is the community of the elder it was last bound to, so an unbound device and its
    alarms stay in the same region scope.
    """

    device_id = models.CharField(_("device id"), max_length=40, unique=True)
    serial = models.CharField(_("serial / IMEI"), max_length=64, unique=True)
    type = models.CharField(_("type"), max_length=12, choices=DeviceType.choices)
    vendor = models.CharField(_("vendor"), max_length=60)
    model = models.CharField(_("model"), max_length=60, blank=True)
    secret = models.CharField(max_length=80, editable=False)
    elder = models.ForeignKey(
        "elders.Elder",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="devices",
        verbose_name=_("elder"),
    )
    bound_at = models.DateTimeField(_("bound at"), null=True, blank=True)
    community = models.ForeignKey(
        "regions.Region",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("community"),
    )
    state = models.CharField(
        _("state"), max_length=8, choices=DeviceState.choices, default=DeviceState.ACTIVE, db_index=True
    )
    online = models.BooleanField(_("online"), default=False)
    last_seen_at = models.DateTimeField(_("last seen"), null=True, blank=True)
    battery = models.PositiveSmallIntegerField(_("battery %"), null=True, blank=True)
    last_lat = models.FloatField(_("last latitude"), null=True, blank=True)
    last_lon = models.FloatField(_("last longitude"), null=True, blank=True)
    heartbeat_interval_s = models.PositiveIntegerField(_("heartbeat interval (s)"), default=3600)
    # Heartbeats are not stored as events (ADR 0017): each one updates the live state above and these.
    # ``last_heartbeat_event`` recognises a redelivered copy of the latest one; ``heartbeats`` counts
    # every heartbeat received, so the platform can compare what arrived with what the intervals promise.
    last_heartbeat_at = models.DateTimeField(_("last heartbeat (device time)"), null=True, blank=True)
    last_heartbeat_event = models.CharField(max_length=64, blank=True, editable=False)
    heartbeats = models.PositiveBigIntegerField(_("heartbeats received"), default=0, editable=False)

    class Meta:
        ordering = ["device_id"]
        verbose_name = _("device")
        verbose_name_plural = _("devices")

    def __str__(self) -> str:
        return f"{self.device_id} ({self.get_type_display()})"


class EventType(models.TextChoices):
    SOS = "sos", _("SOS call")
    FALL = "fall", _("fall detected")
    SMOKE = "smoke", _("smoke")
    GAS = "gas", _("gas leak")
    WATER = "water", _("water leak")
    DOOR_OPEN = "door_open", _("door opened")
    MOTION = "motion", _("motion")
    HEARTBEAT = "heartbeat", _("heartbeat")
    LOW_BATTERY = "low_battery", _("low battery")
    CHECKIN = "checkin", _("daily check-in (报平安)")
    # Measurements (a blood-pressure monitor, a glucose meter, an oximeter, a thermometer, a scale): the
    # event carries its numbers (``MEASUREMENT_FIELDS``); the health app keeps them as vital signs.
    BLOOD_PRESSURE = "blood_pressure", _("blood pressure measured")
    HEART_RATE = "heart_rate", _("heart rate measured")
    BLOOD_GLUCOSE = "blood_glucose", _("blood glucose measured")
    SPO2 = "spo2", _("blood oxygen measured")
    TEMPERATURE = "temperature", _("temperature measured")
    WEIGHT = "weight", _("weight measured")


# The numbers each measurement event must carry, by name, as in the JSON body.
MEASUREMENT_FIELDS: dict[str, tuple[str, ...]] = {
    EventType.BLOOD_PRESSURE: ("systolic", "diastolic"),
    EventType.HEART_RATE: ("value",),
    EventType.BLOOD_GLUCOSE: ("value",),
    EventType.SPO2: ("value",),
    EventType.TEMPERATURE: ("value",),
    EventType.WEIGHT: ("value",),
}


class Via(models.TextChoices):
    MQTT = "mqtt", _("MQTT")
    HTTP = "http", _("HTTP")


class DeviceEvent(models.Model):
    """One accepted event, stored before it is acknowledged to the sender."""

    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="events")
    event_id = models.CharField(_("event id"), max_length=64)
    type = models.CharField(_("type"), max_length=16, choices=EventType.choices)
    ts = models.DateTimeField(_("device time"))
    # A measurement event's numbers ({"systolic": 150, "diastolic": 95}, {"value": 7.2}); null otherwise.
    values = models.JSONField(_("measured values"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"))
    battery = models.PositiveSmallIntegerField(_("battery %"), null=True, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    via = models.CharField(_("via"), max_length=4, choices=Via.choices)
    # Received longer than SHOUWANG_ALARM_LATE_MINUTES after its device time (迟报): a device that was
    # offline and sent what it had buffered, or a clock gone wrong.
    late = models.BooleanField(_("reported late"), default=False)
    incident = models.ForeignKey(
        "Incident", null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )

    class Meta:
        ordering = ["-ts", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["device", "event_id"], name="unique_device_event"),
        ]
        # The watch asks "the latest event of these types for this device"; the retention job (ADR 0017)
        # "the oldest events".
        indexes = [
            models.Index(fields=["device", "type", "ts"]),
            models.Index(fields=["received_at"], name="alarms_event_received"),
        ]
        verbose_name = _("device event")
        verbose_name_plural = _("device events")

    def __str__(self) -> str:
        return f"{self.device_id}/{self.event_id} {self.type}"


class RejectReason(models.TextChoices):
    UNKNOWN_DEVICE = "unknown_device", _("unknown device")
    RETIRED_DEVICE = "retired_device", _("retired device")
    BAD_SIGNATURE = "bad_signature", _("bad signature")
    BAD_JSON = "bad_json", _("not valid JSON")
    MISSING_FIELDS = "missing_fields", _("missing or malformed fields")
    UNKNOWN_TYPE = "unknown_type", _("unknown event type")
    BAD_TIMESTAMP = "bad_timestamp", _("timestamp without offset or unreadable")
    FUTURE_TIMESTAMP = "future_timestamp", _("timestamp in the future")
    STALE_TIMESTAMP = "stale_timestamp", _("timestamp too old")
    TOO_LARGE = "too_large", _("message too large")
    UNPROCESSABLE = "unprocessable", _("could not be processed")
    IMPLAUSIBLE = "implausible", _("measurement outside any plausible range")


class IngestRejection(models.Model):
    """Refused messages, counted: one row per hour, transport, source, reason and device, with how many
    and an excerpt of the latest, so a flood of junk adds to a count instead of a row per message.

    ``source`` is the client address over HTTP (empty over MQTT: the broker authenticates its clients).
    ``device_id`` is kept only for a device that exists (a bad signature, a retired device, a malformed
    event): the id an unknown sender claims is anyone's choice, and only its latest excerpt shows it."""

    hour = models.DateTimeField(_("hour"), db_index=True)
    reason = models.CharField(_("reason"), max_length=20, choices=RejectReason.choices, db_index=True)
    via = models.CharField(_("via"), max_length=4, choices=Via.choices)
    source = models.CharField(_("source"), max_length=64, blank=True)
    device_id = models.CharField(_("device id"), max_length=80, blank=True)
    count = models.PositiveIntegerField(_("count"), default=1)
    received_at = models.DateTimeField(_("last received at"), db_index=True)
    excerpt = models.CharField(_("excerpt of the latest"), max_length=300, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["hour", "via", "source", "reason", "device_id"], name="one_rejection_count_per_hour"
            ),
        ]
        verbose_name = _("rejected messages")
        verbose_name_plural = _("rejected messages")

    def __str__(self) -> str:
        return (
            f"{self.hour:%Y-%m-%d %H}h {self.reason} {self.source or self.via} {self.device_id} ×{self.count}"
        )


class IncidentKind(models.TextChoices):
    SOS = "sos", _("SOS call")
    FALL = "fall", _("fall")
    SMOKE = "smoke", _("smoke")
    GAS = "gas", _("gas leak")
    WATER = "water", _("water leak")
    LOW_BATTERY = "low_battery", _("low battery")
    OFFLINE = "offline", _("device offline")
    NO_MOTION = "no_motion", _("no motion")
    NO_DOOR = "no_door", _("door not opened")
    MISSED_CHECKIN = "missed_checkin", _("missed daily check-in")
    # Reported by a call to the hotline (an elder or a neighbour); no device involved.
    VOICE = "voice", _("emergency reported by phone (电话报警)")
    # Opened by a visitor from a regular visit's findings (visits.services.follow_up_incident).
    VISIT_FINDING = "visit_finding", _("concern found on a visit")
    # Opened by the health app when a vital sign reaches the elder's urgent threshold.
    VITAL_SIGN = "vital_sign", _("vital sign at an urgent level")


class Priority(models.TextChoices):
    URGENT = "urgent", _("urgent (紧急)")
    HIGH = "high", _("high")
    MAINTENANCE = "maintenance", _("maintenance (设备维护)")
    WELFARE = "welfare", _("welfare check (关怀探访)")


# Queue order: lower comes first.
PRIORITY_RANK = {Priority.URGENT: 0, Priority.HIGH: 1, Priority.WELFARE: 2, Priority.MAINTENANCE: 3}


class IncidentState(models.TextChoices):
    RECEIVED = "received", _("received (待接警)")
    ACKNOWLEDGED = "acknowledged", _("acknowledged (已接警)")
    CALLING_ELDER = "calling_elder", _("calling the elder (呼叫老人)")
    CALLING_CONTACTS = "calling_contacts", _("calling contacts (联系紧急联系人)")
    RESPONDER_SENT = "responder_sent", _("responder sent (已派人)")
    ON_SITE = "on_site", _("on site (已到场)")
    CLOSED = "closed", _("closed (已结案)")


OPEN_STATES = [state for state in IncidentState.values if state != IncidentState.CLOSED]


class ResponderKind(models.TextChoices):
    COMMUNITY_WORKER = "community_worker", _("community worker")
    VOLUNTEER = "volunteer", _("volunteer")
    PROVIDER = "provider", _("service provider")
    AMBULANCE = "120", _("ambulance (120)")
    FIRE = "119", _("fire brigade (119)")


class Outcome(models.TextChoices):
    FALSE_ALARM = "false_alarm", _("false alarm")
    RESOLVED_BY_PHONE = "resolved_by_phone", _("resolved by phone")
    RESOLVED_ON_SITE = "resolved_on_site", _("resolved on site")
    HOSPITAL = "hospital", _("taken to hospital")
    DECEASED = "deceased", _("deceased")
    OTHER = "other", _("other")


class Incident(models.Model):
    """An alarm or a watch finding that an operator must handle, from received to closed.

    ``community`` is copied from the elder (or the device) when it opens, so region scope and the
    per-district answer-time report read one indexed column.
    """

    elder = models.ForeignKey(
        "elders.Elder", null=True, blank=True, on_delete=models.PROTECT, related_name="incidents"
    )
    device = models.ForeignKey(
        Device, null=True, blank=True, on_delete=models.SET_NULL, related_name="incidents"
    )
    community = models.ForeignKey(
        "regions.Region",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("community"),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=IncidentKind.choices)
    priority = models.CharField(_("priority"), max_length=12, choices=Priority.choices)
    state = models.CharField(
        _("state"),
        max_length=16,
        choices=IncidentState.choices,
        default=IncidentState.RECEIVED,
        db_index=True,
    )
    opened_at = models.DateTimeField(_("opened at"), db_index=True)
    # The device's own time of the alarm that opened it; ``reported_late`` when that alarm reached us
    # more than SHOUWANG_ALARM_LATE_MINUTES after it (迟报): the console shows both.
    device_time = models.DateTimeField(_("device time"), null=True, blank=True)
    reported_late = models.BooleanField(_("reported late (迟报)"), default=False)
    last_event_at = models.DateTimeField(_("last event at"))
    event_count = models.PositiveIntegerField(_("events"), default=1)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    responder_kind = models.CharField(
        _("responder"), max_length=16, choices=ResponderKind.choices, blank=True
    )
    responder_note = models.CharField(_("responder note"), max_length=200, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        indexes = [
            # The burst join and the watch look up "the open incident of this device / elder and kind".
            models.Index(fields=["device", "state"]),
            models.Index(fields=["elder", "kind", "state"]),
            models.Index(fields=["community", "opened_at"]),
        ]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()} ({self.get_state_display()})"

    @property
    def is_open(self) -> bool:
        return self.state != IncidentState.CLOSED

    @property
    def answer_seconds(self) -> float | None:
        if self.acknowledged_at is None:
            return None
        return (self.acknowledged_at - self.opened_at).total_seconds()


class StepKind(models.TextChoices):
    RECEIVED = "received", _("received")
    JOINED = "joined", _("further event joined")
    ACKNOWLEDGED = "acknowledged", _("acknowledged")
    CALLING_ELDER = "calling_elder", _("calling the elder")
    CONTACT = "contact", _("contact attempt")
    RESPONDER_SENT = "responder_sent", _("responder sent")
    ON_SITE = "on_site", _("on site")
    ESCALATED = "escalated", _("escalated")
    CLOSED = "closed", _("closed")


class IncidentStep(models.Model):
    """One timestamped step of an incident's handling, with who did it (null: the system)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="steps")
    step = models.CharField(_("step"), max_length=16, choices=StepKind.choices)
    at = models.DateTimeField(_("time"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["incident", "at", "id"]
        verbose_name = _("incident step")
        verbose_name_plural = _("incident steps")

    def __str__(self) -> str:
        return f"{self.incident_id} {self.step} {self.at:%H:%M:%S}"


class ContactResult(models.TextChoices):
    CALLED = "called", _("called")
    ANSWERED = "answered", _("answered")
    NO_ANSWER = "no_answer", _("no answer")


class ContactAttempt(models.Model):
    """A call to one of the elder's contacts, or (``contact`` empty) to the elder's own phone."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="contact_attempts")
    contact = models.ForeignKey(
        "elders.EmergencyContact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    result = models.CharField(_("result"), max_length=10, choices=ContactResult.choices)
    at = models.DateTimeField(_("time"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["incident", "at", "id"]
        verbose_name = _("contact attempt")
        verbose_name_plural = _("contact attempts")

    def __str__(self) -> str:
        return f"{self.incident_id} {self.contact_id or 'elder'} {self.result}"


class WatchSettings(models.Model):
    """Per-elder thresholds of the passive watch (DOMAIN.md §5); an elder without a row gets the defaults."""

    elder = models.OneToOneField("elders.Elder", on_delete=models.CASCADE, related_name="watch_settings")
    enabled = models.BooleanField(_("watch enabled"), default=True)
    no_motion_hours = models.PositiveSmallIntegerField(_("alert after no motion for (hours)"), default=24)
    no_door_hours = models.PositiveSmallIntegerField(_("alert after door not opened for (hours)"), default=48)
    daily_checkin = models.BooleanField(_("expects a daily check-in (报平安)"), default=False)
    checkin_by = models.TimeField(_("check-in expected by"), default=dt.time(10, 0))

    class Meta:
        verbose_name = _("watch settings")
        verbose_name_plural = _("watch settings")

    def __str__(self) -> str:
        return f"watch {self.elder_id}"


class CheckInChannel(models.TextChoices):
    PORTAL = "portal", _("the family portal (家属端)")
    DESK = "desk", _("the hotline desk (热线)")


class CheckIn(models.Model):
    """A daily "I am fine" (我很好 / 报平安) not from a device: pressed in the portal by the elder or their
    family, or taken by the hotline desk on a call. The watch counts it like a device's ``checkin`` event,
    also for elders without any device (``watch._checkin``)."""

    elder = models.ForeignKey("elders.Elder", on_delete=models.CASCADE, related_name="checkins")
    at = models.DateTimeField(_("checked in at"), db_index=True)
    channel = models.CharField(_("channel"), max_length=8, choices=CheckInChannel.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["elder", "at"])]
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")

    def __str__(self) -> str:
        return f"{self.elder_id} {self.at:%Y-%m-%d %H:%M}"


class DeliveryCheck(models.Model):
    """One look at whether the devices' heartbeats arrive as their intervals promise (``delivery.py``):
    a broker that drops messages, or a queue cap reached, shows as heartbeats arriving at a fraction of
    what the devices send, across many devices at once, long before anyone misses an SOS."""

    at = models.DateTimeField(_("checked at"), db_index=True)
    total_heartbeats = models.PositiveBigIntegerField(_("heartbeats received in all"))
    devices = models.PositiveIntegerField(_("devices expected to send"), default=0)
    expected = models.FloatField(_("heartbeats expected"), default=0)
    received = models.PositiveBigIntegerField(_("heartbeats received"), default=0)
    # Raised when enough heartbeats were expected and too few came; carried over from the check before
    # while too few were expected to judge, so a quiet night neither raises nor clears it.
    alerting = models.BooleanField(_("alerting"), default=False)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("delivery check")
        verbose_name_plural = _("delivery checks")

    def __str__(self) -> str:
        return f"delivery {self.at:%Y-%m-%d %H:%M} {self.received}/{self.expected:.0f}"

    @property
    def ratio(self) -> float | None:
        return self.received / self.expected if self.expected else None
