"""Fraud and anomaly cases (异常核查): what the checks in ``anomalies.py`` found, and their review.

A ``Case`` is one finding about one set of facts (an order served after the elder's death, two visits of a
caregiver too far apart for the time between them, …). ``key`` names those facts, so running the checks
again finds the same case instead of making another (one case per kind and key, ever: a case closed as
dismissed is not raised again for the same facts). ``facts`` holds what the explanation is written from,
``evidence`` the rows it rests on (orders, elders, runs, visits, status changes) as ``[type, id]`` pairs.

A case is filed under the community of the elder (or order) it is about, and under a second region when
its facts span two (a caregiver's two visits, one ID number in two regions); an official sees it when
either lies in their area. Its review is one table of moves (``cases.MOVES``); every move is a
``CaseTransition``.

Imported by ``models.py`` so Django finds the models; kept apart because other work shares that module.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shouwang.core.models import TimeStampedModel

from .transitions import Transition


class CaseKind(models.TextChoices):
    AFTER_LIFE_EVENT = "after_life_event", _("payment or service after death or move-out (身后/迁出后)")
    DOUBLE_CLAIM = "double_claim", _("two claims for the same service and time (重复申报)")
    IMPOSSIBLE_TRAVEL = "impossible_travel", _("impossible travel between visits (行程不可能)")
    UNVERIFIED = "unverified", _("settled without verification (未核验即结算)")
    REUSED_PROOF = "reused_proof", _("same signature or photo on different visits (签字/照片重复)")
    TWO_REGIONS = "two_regions", _("one ID number drawing a benefit in two regions (跨区重复领取)")


class CaseState(models.TextChoices):
    OPEN = "open", _("open (待审查)")
    UNDER_REVIEW = "under_review", _("under review (审查中)")
    CONFIRMED = "confirmed", _("closed: confirmed (属实)")
    DISMISSED = "dismissed", _("closed: dismissed (排除)")


class Case(TimeStampedModel):
    """One finding of the anomaly checks, to be reviewed and closed with a note."""

    kind = models.CharField(_("kind"), max_length=20, choices=CaseKind.choices)
    key = models.CharField(max_length=120)
    state = models.CharField(
        _("state"), max_length=12, choices=CaseState.choices, default=CaseState.OPEN, db_index=True
    )
    region_code = models.CharField(_("community"), max_length=12)
    other_region_code = models.CharField(_("second region"), max_length=12, blank=True)
    month = models.DateField(_("month"))
    elder = models.ForeignKey(
        "elders.Elder", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    facts = models.JSONField(_("facts"), default=dict)
    evidence = models.JSONField(_("evidence"), default=list)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["kind", "key"], name="anomaly_case_once")]
        indexes = [
            models.Index(fields=["region_code", "state"], name="case_region_state"),
            models.Index(fields=["other_region_code"], name="case_other_region"),
        ]
        verbose_name = _("anomaly case")
        verbose_name_plural = _("anomaly cases")

    def __str__(self) -> str:
        return f"#{self.pk} {self.kind}"


class CaseTransition(Transition):
    """One move of a case's state: who, when, and the note. Only ever inserted."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="transitions")
    from_state = models.CharField(_("from"), max_length=12, choices=CaseState.choices, blank=True)
    to_state = models.CharField(_("to"), max_length=12, choices=CaseState.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        ordering = ["case", "at", "id"]


class CheckRun(models.Model):
    """One running of the checks over a month and a region (empty: everywhere), by an official on demand
    or by the monthly job (``actor`` empty), with how many findings it made and how many were new."""

    month = models.DateField(_("month"))
    region_code = models.CharField(_("region"), max_length=12, blank=True)
    at = models.DateTimeField(_("time"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    found = models.PositiveIntegerField(_("findings"), default=0)
    new = models.PositiveIntegerField(_("new cases"), default=0)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["month", "region_code"], name="check_run_month")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.region_code or '*'}"
