"""Regular visits (定期巡访): the rules that say who is visited how often, and the visit tasks.

A rule (``VisitRule``) is data an official edits: which elders it catches (living arrangements, categories,
a minimum age, a minimum ability level) and what it asks for (a phone call or a home visit, every so many
days) at which risk tier. DOMAIN.md §6's defaults are seeded by a data migration. ``tiers`` derives an
elder's tier and visit plan from the rules and the alarms' recent incidents; ``generation`` makes the due
``VisitTask`` rows; the visitor completes one with its findings.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shouwang.core.models import TimeStampedModel


class VisitKind(models.TextChoices):
    PHONE = "phone", _("phone call (电话巡访)")
    HOME = "home", _("home visit (上门巡访)")


class Tier(models.TextChoices):
    """Risk tiers, highest first (``TIER_ORDER``)."""

    HIGH = "high", _("high risk")
    MEDIUM = "medium", _("medium risk")
    LOW = "low", _("low risk")
    NONE = "none", _("no regular visits")


TIER_ORDER = [Tier.HIGH, Tier.MEDIUM, Tier.LOW, Tier.NONE]


class VisitRule(TimeStampedModel):
    """Who → which visit how often. An elder caught by several rules gets, for each kind, the shortest
    interval among them, and the highest of their tiers. Empty conditions match everyone."""

    name = models.CharField(_("name"), max_length=80)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    active = models.BooleanField(_("active"), default=True)
    arrangements = models.JSONField(_("living arrangements"), default=list, blank=True)
    categories = models.JSONField(_("categories"), default=list, blank=True)
    min_age = models.PositiveSmallIntegerField(_("minimum age"), null=True, blank=True)
    min_ability_level = models.PositiveSmallIntegerField(_("minimum ability level"), null=True, blank=True)
    tier = models.CharField(_("risk tier"), max_length=8, choices=Tier.choices)
    kind = models.CharField(_("visit kind"), max_length=8, choices=VisitKind.choices)
    interval_days = models.PositiveSmallIntegerField(_("every (days)"))
    # Where the rule applies: elders of this region's subtree. Without one it is a platform default
    # (DOMAIN.md §6), kept by the platform admin; an official keeps the rules of the regions they cover.
    region = models.ForeignKey(
        "regions.Region",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("applies in"),
    )

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(interval_days__gte=1), name="visit_rule_interval_positive"),
        ]
        verbose_name = _("visit rule")
        verbose_name_plural = _("visit rules")

    def __str__(self) -> str:
        return self.name


class TaskState(models.TextChoices):
    OPEN = "open", _("to do (待巡访)")
    DONE = "done", _("done (已巡访)")
    CANCELLED = "cancelled", _("cancelled (已取消)")


class Outcome(models.TextChoices):
    MET = "met", _("spoke with the elder")
    NOT_REACHED = "not_reached", _("elder not reached")


class Finding(models.TextChoices):
    """The findings checklist of the visit form: each ticked one is a concern."""

    HEALTH = "health", _("health worse or unwell")
    MOOD = "mood", _("low mood or loneliness")
    HAZARD = "hazard", _("safety hazard at home")
    FOOD = "food", _("not enough food or cannot cook")
    HEATING = "heating", _("home too cold (heating)")
    NEEDS = "needs", _("needs help or a service")


class VisitTask(TimeStampedModel):
    """One due visit of an elder. ``community`` and ``tier`` are copied when it is made, so scope, the
    coverage report and the escalation read one row."""

    elder = models.ForeignKey("elders.Elder", on_delete=models.PROTECT, related_name="visit_tasks")
    community = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    rule = models.ForeignKey(
        VisitRule,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tasks",
        verbose_name=_("rule"),
    )
    kind = models.CharField(_("visit kind"), max_length=8, choices=VisitKind.choices)
    tier = models.CharField(_("risk tier"), max_length=8, choices=Tier.choices)
    due_on = models.DateField(_("due on"), db_index=True)
    state = models.CharField(_("state"), max_length=10, choices=TaskState.choices, default=TaskState.OPEN)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="visit_tasks",
        verbose_name=_("visitor"),
    )
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    escalated_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    done_at = models.DateTimeField(_("visited at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    distance_m = models.PositiveIntegerField(_("distance from the home (m)"), null=True, blank=True)
    findings = models.JSONField(_("findings"), default=list, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    order = models.ForeignKey(
        "orders.Order", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    incident = models.ForeignKey(
        "alarms.Incident", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    care_plan_review = models.ForeignKey(
        "assessments.Assessment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A volunteer's visit is confirmed by the coordinator (a community worker) before it earns hours.
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            # The last defence of idempotent generation: one open task per elder and kind, and never two
            # tasks of an elder, kind and day.
            models.UniqueConstraint(
                fields=["elder", "kind"], condition=Q(state="open"), name="one_open_visit_per_kind"
            ),
            models.UniqueConstraint(fields=["elder", "kind", "due_on"], name="unique_visit_due"),
        ]
        indexes = [
            models.Index(fields=["community", "due_on"]),
            models.Index(fields=["assignee", "state"]),
            models.Index(fields=["state", "due_on"]),
        ]
        verbose_name = _("visit task")
        verbose_name_plural = _("visit tasks")

    def __str__(self) -> str:
        return f"#{self.pk} {self.elder_id} {self.kind} {self.due_on}"


class Skill(models.TextChoices):
    """What a volunteer (志愿者) offers (PRODUCT.md §8)."""

    VISIT = "visit", _("visits (巡访)")
    ESCORT = "escort", _("escorts (助行)")
    COMPANIONSHIP = "companionship", _("companionship (精神慰藉)")


class Volunteer(TimeStampedModel):
    """A volunteer's registration: a user of the volunteer role, in one community, with a checked ID
    number (masked everywhere, like an elder's), skills and the weekdays they are free."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="volunteer")
    community = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    id_number = models.CharField(_("ID number"), max_length=18, unique=True)
    skills = models.JSONField(_("skills"), default=list, blank=True)
    # ISO weekdays (1 Monday … 7 Sunday) the volunteer is free; visits due on other days go to others.
    available_days = models.JSONField(_("available days"), default=list, blank=True)
    trained_on = models.DateField(_("trained on"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["community_id", "id"]
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")

    def __str__(self) -> str:
        return str(self.user)


class Activity(TimeStampedModel):
    """A group activity (助乐: a singing afternoon, a chess club, a birthday party) a community worker
    organises: volunteers and elders sign up, the worker records who came, volunteers who came earn the
    activity's minutes in the time bank, once."""

    community = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    title = models.CharField(_("title"), max_length=80)
    starts_at = models.DateTimeField(_("starts at"))
    place = models.CharField(_("place"), max_length=120)
    capacity = models.PositiveSmallIntegerField(_("places"))
    minutes = models.PositiveSmallIntegerField(_("minutes a volunteer earns"), default=60)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    attendance_at = models.DateTimeField(_("attendance recorded at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=200, blank=True)

    class Meta:
        ordering = ["-starts_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(capacity__gte=1), name="activity_capacity_positive"),
            models.CheckConstraint(condition=Q(minutes__gte=1), name="activity_minutes_positive"),
        ]
        verbose_name = _("group activity")
        verbose_name_plural = _("group activities")

    def __str__(self) -> str:
        return self.title


class ActivitySignup(models.Model):
    """One place taken: a volunteer (signing up themselves) or an elder (signed up by the worker)."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="signups")
    volunteer = models.ForeignKey(
        Volunteer, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    elder = models.ForeignKey(
        "elders.Elder", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    attended = models.BooleanField(_("attended"), null=True, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("signed up at"), auto_now_add=True)
    # A cancelled sign-up stays (who cancelled and when); it frees its place and may be taken again.
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["activity", "at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(volunteer__isnull=True, elder__isnull=False)
                | Q(volunteer__isnull=False, elder__isnull=True),
                name="signup_is_a_volunteer_or_an_elder",
            ),
            models.UniqueConstraint(
                fields=["activity", "volunteer"],
                condition=Q(cancelled_at__isnull=True),
                name="signup_volunteer_once",
            ),
            models.UniqueConstraint(
                fields=["activity", "elder"], condition=Q(cancelled_at__isnull=True), name="signup_elder_once"
            ),
        ]
        verbose_name = _("sign-up")
        verbose_name_plural = _("sign-ups")

    def __str__(self) -> str:
        return f"{self.activity_id} {self.volunteer_id or ''}{self.elder_id or ''}"


class HelpKind(models.TextChoices):
    """The one-off help a volunteer gives an elder besides visits (PRODUCT.md §8); the volunteer needs the
    skill of the same name."""

    ESCORT = "escort", _("escort (助行)")
    COMPANIONSHIP = "companionship", _("companionship (精神慰藉)")


class HelpState(models.TextChoices):
    OPEN = "open", _("to do (待服务)")
    DONE = "done", _("done, to be confirmed (待确认)")
    CONFIRMED = "confirmed", _("confirmed (已确认)")
    CANCELLED = "cancelled", _("cancelled (已取消)")


class HelpTask(TimeStampedModel):
    """An escort (to the clinic, the bank, the market) or a companionship hour for one elder, made by a
    community worker (or from a visit's finding) and assigned to a volunteer of the community with the
    skill. The volunteer records it done; the coordinator or the elder (their family) confirms it, which
    earns the volunteer the task's minutes in the time bank, once."""

    elder = models.ForeignKey("elders.Elder", on_delete=models.PROTECT, related_name="help_tasks")
    community = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=HelpKind.choices)
    state = models.CharField(_("state"), max_length=10, choices=HelpState.choices, default=HelpState.OPEN)
    starts_at = models.DateTimeField(_("starts at"))
    minutes = models.PositiveSmallIntegerField(_("minutes"))
    # What the volunteer needs to know, and nothing else: where to go (an escort) and what the help is for.
    destination = models.CharField(_("destination"), max_length=120, blank=True)
    need = models.CharField(_("what is needed"), max_length=300, blank=True)
    volunteer = models.ForeignKey(
        Volunteer,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="help_tasks",
        verbose_name=_("volunteer"),
    )
    visit = models.ForeignKey(
        VisitTask, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("visit")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_note = models.CharField(_("how it went"), max_length=300, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(minutes__gte=1), name="help_minutes_positive"),
        ]
        indexes = [models.Index(fields=["community", "state"]), models.Index(fields=["volunteer", "state"])]
        verbose_name = _("help task")
        verbose_name_plural = _("help tasks")

    def __str__(self) -> str:
        return f"#{self.pk} {self.kind} {self.elder_id}"


class HoursKind(models.TextChoices):
    EARNED = "earned", _("earned for confirmed service")
    REDEEMED = "redeemed", _("redeemed for help")
    DONATED = "donated", _("donated to another volunteer")
    # Only on a statement: the taker's side of a donation.
    RECEIVED = "received", _("received from another volunteer")
    REVERSED = "reversed", _("reversed")


class HoursPosting(models.Model):
    """What one time-bank transaction of the ledger (``core.ledger``, unit minute) was for: whose hours,
    for which visit, activity or help task, given to whom. The minutes themselves are the ledger's entries;
    this row is written in the same database transaction. A visit, a help task, and an activity per
    volunteer earn once (the constraints below, and the ledger's ``once_key``)."""

    transaction = models.OneToOneField(
        "benefits.LedgerTransaction", on_delete=models.PROTECT, related_name="hours_posting"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=HoursKind.choices)
    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="hours")
    # A donation's taker.
    peer = models.ForeignKey(
        Volunteer,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("other volunteer"),
    )
    task = models.ForeignKey(VisitTask, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    activity = models.ForeignKey(Activity, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    help = models.ForeignKey(HelpTask, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["transaction"]
        constraints = [
            models.UniqueConstraint(
                fields=["task"], condition=Q(kind="earned"), name="hours_visit_earns_once"
            ),
            models.UniqueConstraint(
                fields=["help"], condition=Q(kind="earned"), name="hours_help_earns_once"
            ),
            models.UniqueConstraint(
                fields=["activity", "volunteer"], condition=Q(kind="earned"), name="hours_activity_earns_once"
            ),
        ]
        verbose_name = _("time-bank posting")
        verbose_name_plural = _("time-bank postings")

    def __str__(self) -> str:
        return f"{self.volunteer_id} {self.kind} #{self.transaction_id}"


class ReferralState(models.TextChoices):
    OPEN = "open", _("to contact (待联系)")
    CONTACTED = "contacted", _("doctor contacted (已联系)")
    BOOKED = "booked", _("appointment booked (已预约)")
    DONE = "done", _("seen by the doctor (已就诊)")
    DECLINED = "declined", _("declined (未就诊)")


class Referral(TimeStampedModel):
    """A referral to a doctor (转介就医) a visit's finding asked for: the community worker contacts the
    family doctor or clinic, books the elder in, and closes it with the outcome (seen, or declined and
    why). ``due_on`` is the day it should be settled by (the appointment's day once booked); past it, an
    unsettled referral is overdue on the worker's list."""

    task = models.OneToOneField(VisitTask, on_delete=models.PROTECT, related_name="referral")
    elder = models.ForeignKey("elders.Elder", on_delete=models.PROTECT, related_name="referrals")
    community = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    state = models.CharField(
        _("state"), max_length=10, choices=ReferralState.choices, default=ReferralState.OPEN
    )
    reason = models.CharField(_("why a doctor"), max_length=300)
    due_on = models.DateField(_("settle by"), db_index=True)
    doctor = models.CharField(_("doctor or clinic"), max_length=120, blank=True)
    appointment_at = models.DateTimeField(_("appointment"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["community", "state", "due_on"])]
        verbose_name = _("doctor referral")
        verbose_name_plural = _("doctor referrals")

    def __str__(self) -> str:
        return f"#{self.pk} {self.elder_id} {self.state}"
