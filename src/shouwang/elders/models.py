"""An older resident, their categories, emergency contacts and status history; registry spreadsheet jobs."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shouwang.core.models import TimeStampedModel

# 高龄: the age from which an elder counts as very old (DOMAIN.md §4: 高龄津贴 starts at 80).
VERY_OLD_AGE = 80


class Sex(models.TextChoices):
    MALE = "M", _("male")
    FEMALE = "F", _("female")


class LivingArrangement(models.TextChoices):
    ALONE = "alone", _("living alone (独居)")
    EMPTY_NEST = "empty_nest", _("empty nest (空巢)")
    LEFT_BEHIND = "left_behind", _("left behind (留守)")
    WITH_FAMILY = "with_family", _("with family")
    INSTITUTION = "institution", _("in an institution")


class Category(models.TextChoices):
    """Eligibility categories (DOMAIN.md §4); an elder may be in several."""

    EXTREME_POVERTY = "tekun", _("extreme poverty (特困)")
    SUBSISTENCE = "dibao", _("minimum subsistence (低保)")
    LOW_INCOME = "low_income", _("low income (低保边缘/低收入)")
    ENTITLED_GROUP = "youfu", _("entitled group (重点优抚)")
    FAMILY_PLANNING = "family_planning", _("family-planning special family (计划生育特殊家庭)")
    LOST_ONLY_CHILD = "shidu", _("lost only child (失独)")
    SEVERE_DISABILITY = "severe_disability", _("severe disability (重度残疾)")


class Status(models.TextChoices):
    ACTIVE = "active", _("active")
    MOVED_OUT = "moved_out", _("moved out")
    DECEASED = "deceased", _("deceased")


class Elder(TimeStampedModel):
    name = models.CharField(_("name"), max_length=40, db_index=True)
    # Pinyin initials of the name (张三丰 → zsf), so a few keystrokes find a person.
    name_initials = models.CharField(_("pinyin initials"), max_length=20, db_index=True, blank=True)
    id_number = models.CharField(_("ID number"), max_length=18, unique=True)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("birth date"), db_index=True)
    ethnicity = models.CharField(_("ethnicity"), max_length=20, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True, db_index=True)
    second_phone = models.CharField(_("second phone"), max_length=20, blank=True)
    # Where cash allowances are paid (代发): a bank card or social-security card number. Masked like the
    # ID number everywhere but the audited reveal and the payment batch file the bank imports.
    # db_default: the registry's bulk import writes rows with its own column list (core.bulk).
    payment_account = models.CharField(
        _("bank or social-security card number"), max_length=32, blank=True, default="", db_default=""
    )
    hukou_region_code = models.CharField(_("household registration region"), max_length=12, blank=True)
    # No index of its own: the (community, status) and (community, name, id) indexes start with it.
    community = models.ForeignKey(
        "regions.Region",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("residence community"),
        db_index=False,
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    living_arrangement = models.CharField(
        _("living arrangement"), max_length=20, choices=LivingArrangement.choices, blank=True
    )
    disability_grade = models.PositiveSmallIntegerField(_("disability grade"), null=True, blank=True)
    chronic_conditions = models.JSONField(_("chronic conditions"), default=list, blank=True)
    family_doctor_contract = models.BooleanField(_("family-doctor contract"), default=False)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.ACTIVE)
    status_date = models.DateField(_("status date"), null=True, blank=True)
    consent_data_sharing = models.BooleanField(_("consents to data sharing"), default=False)
    # The current ability level (GB/T 42195-2022: 0 intact … 4 fully lost), set only by an approved
    # assessment (or a legacy result with its standard); 失能 is derived from it at approval.
    ability_level = models.PositiveSmallIntegerField(_("ability level"), null=True, blank=True)
    ability_standard = models.CharField(_("assessment standard"), max_length=20, blank=True)
    ability_assessed_on = models.DateField(_("assessed on"), null=True, blank=True)
    ability_valid_until = models.DateField(_("assessment valid until"), null=True, blank=True, db_index=True)
    is_disabled = models.BooleanField(_("disabled (失能)"), default=False, db_index=True)

    class Meta:
        ordering = ["community_id", "name"]
        # (community, name, id) is the order of every list: the first page of a community needs no sort.
        indexes = [
            models.Index(fields=["community", "status"]),
            models.Index(fields=["community", "name", "id"]),
        ]
        verbose_name = _("elder")
        verbose_name_plural = _("elders")

    def __str__(self) -> str:
        return self.name

    def age_on(self, day: dt.date) -> int:
        """Completed years on ``day``."""
        before_birthday = (day.month, day.day) < (self.birth_date.month, self.birth_date.day)
        return day.year - self.birth_date.year - before_birthday

    @property
    def age(self) -> int:
        return self.age_on(timezone.localdate())

    @property
    def is_very_old(self) -> bool:
        """高龄: 80 or older."""
        return self.age >= VERY_OLD_AGE


class ElderCategory(models.Model):
    # No index of its own: the unique (elder, code) constraint starts with it.
    elder = models.ForeignKey(Elder, on_delete=models.CASCADE, related_name="categories", db_index=False)
    code = models.CharField(_("category"), max_length=20, choices=Category.choices)
    # The elder's community and name, copied so that a category's elders are read from one index in the
    # list's order (community, name, id), instead of all fetched and sorted for a page (selectors.
    # search_elders). Whatever writes an elder's name or community writes them here too: see
    # services.replace_categories and copy_list_order; tests/elders/test_category_order.py goes through
    # every such path.
    community_code = models.CharField(max_length=12)
    name = models.CharField(max_length=40)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["elder", "code"], name="unique_elder_category")]
        indexes = [
            models.Index(fields=["code", "community_code", "name", "elder"], name="elder_category_list_order")
        ]

    def __str__(self) -> str:
        return self.get_code_display()

    @classmethod
    def for_elder(cls, elder: Elder, code: str) -> ElderCategory:
        return cls(elder=elder, code=code, community_code=elder.community_id, name=elder.name)


class EmergencyContact(models.Model):
    elder = models.ForeignKey(Elder, on_delete=models.CASCADE, related_name="contacts")
    priority = models.PositiveSmallIntegerField(_("priority"), default=1)
    name = models.CharField(_("name"), max_length=40)
    relation = models.CharField(_("relation"), max_length=20, blank=True)
    phone = models.CharField(_("phone"), max_length=20)
    is_keyholder = models.BooleanField(_("holds a key"), default=False)

    class Meta:
        ordering = ["elder", "priority"]

    def __str__(self) -> str:
        return f"{self.name} ({self.relation})"


class AssignmentKind(models.TextChoices):
    ASSESSOR = "assessor", _("assessor")
    CAREGIVER = "caregiver", _("caregiver")
    VOLUNTEER = "volunteer", _("volunteer")


class Assignment(models.Model):
    """A person assigned to an elder (an assessor, later caregivers and volunteers): their "own" scope."""

    elder = models.ForeignKey(Elder, on_delete=models.CASCADE, related_name="assignments")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="elder_assignments"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=AssignmentKind.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        # One row per elder and user, so scope lookups through it never repeat an elder.
        constraints = [models.UniqueConstraint(fields=["elder", "user"], name="unique_elder_assignment")]
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")

    def __str__(self) -> str:
        return f"{self.user_id} → {self.elder_id} ({self.kind})"


class ConsentWay(models.TextChoices):
    """How the elder's consent to a family link was given."""

    SMS_CODE = "sms_code", _("code sent to the elder's phone (短信验证码)")
    IN_PERSON = "in_person", _("in person to a community worker (当面确认)")
    PHONE_CALL = "phone_call", _("by phone to a community worker (电话确认)")
    MIGRATED = "migrated", _("carried over from an earlier link")


class FamilyLink(models.Model):
    """A family login (role ``elder``, 老人/家属) linked to an elder, with the elder's consent: the ONE
    definition of "a family's elders" (``FAMILY_USER`` below is how every selector reaches them). Made and
    ended only by ``shouwang.portal.services``; ending a link deletes the row, the audit log keeps it."""

    elder = models.ForeignKey(Elder, on_delete=models.CASCADE, related_name="family_links")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="family_links")
    relation = models.CharField(_("relation"), max_length=20, blank=True)
    consent_way = models.CharField(_("consent given"), max_length=12, choices=ConsentWay.choices)
    # Who recorded the consent (the family member for a code, the community worker otherwise).
    consent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    consent_at = models.DateTimeField(_("consent given at"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["elder", "user"], name="unique_family_link")]
        verbose_name = _("family link")
        verbose_name_plural = _("family links")

    def __str__(self) -> str:
        return f"{self.user_id} ⇄ {self.elder_id}"


# The lookup from an elder to the ids of the family logins linked to it; prefix it with the path to the
# elder (``"elder__" + FAMILY_USER``) from another model.
FAMILY_USER = "family_links__user_id"


class LifeEvent(models.TextChoices):
    """What happened to an elder; each one moves the status (see ``services.record_life_event``)."""

    DECEASED = "deceased", _("deceased")
    MOVED_OUT = "moved_out", _("moved out")
    RETURNED = "returned", _("returned (active again)")


class StatusChange(models.Model):
    """One entry of an elder's status history: rows are only ever inserted."""

    elder = models.ForeignKey(Elder, on_delete=models.CASCADE, related_name="status_changes")
    event = models.CharField(_("event"), max_length=12, choices=LifeEvent.choices)
    status_before = models.CharField(_("status before"), max_length=12, choices=Status.choices)
    status_after = models.CharField(_("status after"), max_length=12, choices=Status.choices)
    date = models.DateField(_("date"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["elder", "-date", "-id"]
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")

    def __str__(self) -> str:
        return f"{self.elder_id} {self.event} {self.date}"


class JobKind(models.TextChoices):
    IMPORT = "import", _("import")
    EXPORT = "export", _("export")


class JobState(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class SpreadsheetJob(TimeStampedModel):
    """A registry import or export running in the background, with its progress and its result files.

    The worker updates the counters after every committed batch, so the console's progress bar shows what
    is really saved.
    """

    kind = models.CharField(_("kind"), max_length=8, choices=JobKind.choices)
    state = models.CharField(_("state"), max_length=8, choices=JobState.choices, default=JobState.QUEUED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    # Paths relative to MEDIA_ROOT: the uploaded source, and the error report or the export.
    source_path = models.CharField(max_length=300, blank=True)
    result_path = models.CharField(max_length=300, blank=True)
    dry_run = models.BooleanField(_("dry run"), default=False)
    # Export only: the list filters and whether full ID numbers and phones are included.
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    unmasked = models.BooleanField(_("unmasked"), default=False)
    total_rows = models.PositiveIntegerField(_("rows expected"), null=True, blank=True)
    processed_rows = models.PositiveIntegerField(_("rows processed"), default=0)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    updated_count = models.PositiveIntegerField(_("updated"), default=0)
    unchanged_count = models.PositiveIntegerField(_("unchanged"), default=0)
    rejected_count = models.PositiveIntegerField(_("rejected"), default=0)
    ignored_columns = models.JSONField(_("ignored columns"), default=list, blank=True)
    # Import only, what the reading met besides elders and rejected rows: each sheet of the workbook (where
    # its header was found, or why it was not read), footer rows skipped (合计, 制表人…), and rows saved
    # with a warning. The lists keep the first few hundred; the counts go on.
    sheets = models.JSONField(_("sheets"), default=list, blank=True)
    skipped_count = models.PositiveIntegerField(_("skipped"), default=0)
    skipped_rows = models.JSONField(_("skipped rows"), default=list, blank=True)
    warning_count = models.PositiveIntegerField(_("with warnings"), default=0)
    warnings = models.JSONField(_("warnings"), default=list, blank=True)
    message = models.TextField(_("message"), blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("spreadsheet job")
        verbose_name_plural = _("spreadsheet jobs")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.file_name or self.pk}"

    @property
    def is_finished(self) -> bool:
        return self.state in (JobState.DONE, JobState.FAILED)

    @property
    def percent(self) -> int | None:
        if self.state == JobState.DONE:
            return 100
        if not self.total_rows:
            return None
        return min(99, self.processed_rows * 100 // self.total_rows)
