"""The pull from the regional health platform (区域人口健康信息平台), a FHIR R4 server configured by
``SHOUWANG_HEALTH_PLATFORM_URL`` (and its bearer token): for every elder linked to it (a health summary
with ``platform_patient_id``), the family-doctor contract and the active conditions, recording each
change (``HealthChange``, and an audit record per elder changed). Run by the scheduler
(``tasks.pull_platform``); without a URL it does nothing.

What is read, as the platform publishes it:

- the contract: ``EpisodeOfCare?patient=<id>&type=family-doctor-contract``, the latest by period start:
  status active → contracted, finished or cancelled → ended; ``period`` the dates, ``careManager`` the
  doctor, ``managingOrganization`` the team or clinic;
- the conditions: ``Condition?patient=<id>&clinical-status=active``, their ICD-10 codes (codes outside
  our table are left out: the table is what the console can show and choose). A condition the platform
  no longer lists is removed only when it came from the platform; the registry's and the console's stay.

Each elder is one transaction: a platform that fails for one elder (an HTTP error, an answer that is not
FHIR) is logged and counted, and the others go on.
"""

from __future__ import annotations

import datetime as dt
import logging
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle
from pydantic import ValidationError

from shouwang.core import audit
from shouwang.elders.models import Status

from .codes import ICD10_SYSTEM
from .fhir import FAMILY_DOCTOR_TYPE
from .models import (
    ConditionCode,
    ConditionSource,
    ContractStatus,
    ElderCondition,
    HealthChange,
    HealthSummary,
)

logger = logging.getLogger(__name__)

MAX_PAGES = 20  # of one search: a patient's conditions or contracts fit in one page; this bounds a loop
CONTRACT_FIELDS = ("contract_status", "contract_start", "contract_end", "family_doctor", "family_doctor_team")
EPISODE_STATUS = {
    "active": ContractStatus.ACTIVE,
    "finished": ContractStatus.ENDED,
    "cancelled": ContractStatus.ENDED,
}


class PlatformError(Exception):
    pass


@dataclass
class Contract:
    status: str
    start: dt.date | None
    end: dt.date | None
    doctor: str
    team: str


def pull_from_platform(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Pull every linked elder; returns counts (elders read, changed, failed, changes)."""
    base = settings.SHOUWANG_HEALTH_PLATFORM_URL
    counts = {"elders": 0, "changed": 0, "failed": 0, "changes": 0}
    if not base:
        return counts
    now = now or timezone.now()
    linked = (
        HealthSummary.objects.exclude(platform_patient_id="")
        .filter(elder__status=Status.ACTIVE)
        .values_list("pk", flat=True)
        .order_by("pk")
    )
    for summary_id in linked.iterator():
        counts["elders"] += 1
        try:
            changes = _pull_one(base, summary_id, now)
        except PlatformError as error:
            counts["failed"] += 1
            logger.warning("health platform pull failed for summary %s: %s", summary_id, error)
            continue
        counts["changes"] += changes
        counts["changed"] += bool(changes)
    logger.info("health platform pull: %s", counts)
    return counts


def _pull_one(base: str, summary_id: int, now: dt.datetime) -> int:
    """Read one elder's contract and conditions from the platform, then apply them in one transaction."""
    patient = HealthSummary.objects.values_list("platform_patient_id", flat=True).get(pk=summary_id)
    episodes = _search(base, "EpisodeOfCare", {"patient": patient, "type": FAMILY_DOCTOR_TYPE})
    conditions = _search(base, "Condition", {"patient": patient, "clinical-status": "active"})
    contract = _contract(episodes)
    codes = _codes(conditions)
    with transaction.atomic():
        summary = (
            HealthSummary.objects.select_for_update(of=("self",)).select_related("elder").get(pk=summary_id)
        )
        changes = _apply_contract(summary, contract, now) + _apply_conditions(summary, codes, now)
        summary.pulled_at = now
        summary.save(update_fields=["pulled_at", *CONTRACT_FIELDS, "updated_at"])
        if changes:
            audit.record(
                actor=None,
                action="health.pull",
                obj=summary,
                after={"changes": [f"{c.field}: {c.before} → {c.after}" for c in changes]},
                region_code=summary.elder.community_id,
            )
    return len(changes)


def _search(base: str, kind: str, params: dict) -> list:
    """Every resource a search gives, following ``next`` links."""
    url: str | None = f"{base}/{kind}?{urllib.parse.urlencode(params)}"
    resources = []
    for _page in range(MAX_PAGES):
        if url is None:
            break
        bundle = _get_bundle(url)
        resources += [entry.resource for entry in bundle.entry or [] if entry.resource is not None]
        url = next((link.url for link in bundle.link or [] if link.relation == "next"), None)
    return resources


def _get_bundle(url: str) -> Bundle:
    request = urllib.request.Request(url, headers={"Accept": "application/fhir+json"})  # noqa: S310 - configured URL
    if settings.SHOUWANG_HEALTH_PLATFORM_TOKEN:
        request.add_header("Authorization", f"Bearer {settings.SHOUWANG_HEALTH_PLATFORM_TOKEN}")
    try:
        with urllib.request.urlopen(request, timeout=settings.SHOUWANG_HEALTH_PLATFORM_TIMEOUT) as answer:  # noqa: S310
            body = answer.read()
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        raise PlatformError(f"{url}: {error}") from error
    try:
        return Bundle.model_validate_json(body)
    except ValidationError as error:
        raise PlatformError(f"{url}: not a FHIR Bundle ({error.error_count()} errors)") from error


def _contract(episodes: list) -> Contract | None:
    episodes = [e for e in episodes if e.get_resource_type() == "EpisodeOfCare"]
    if not episodes:
        return None
    # Newest contract first: by its start as ISO text (a date or an instant, both sort as text).
    latest = max(episodes, key=lambda e: str(e.period.start) if e.period and e.period.start else "")
    period = latest.period

    def day(value) -> dt.date | None:
        if value is None:
            return None
        return value.date() if isinstance(value, dt.datetime) else value

    return Contract(
        status=EPISODE_STATUS.get(latest.status, ContractStatus.NONE),
        start=day(period.start) if period else None,
        end=day(period.end) if period else None,
        doctor=(latest.careManager.display or "")[:40] if latest.careManager else "",
        team=(latest.managingOrganization.display or "")[:80] if latest.managingOrganization else "",
    )


def _codes(conditions: list) -> set[str]:
    found = set()
    for condition in conditions:
        if condition.get_resource_type() != "Condition" or condition.code is None:
            continue
        for coding in condition.code.coding or []:
            if coding.system == ICD10_SYSTEM and coding.code:
                found.add(coding.code.split(".")[0].upper())  # I10.x → the category we keep
    return found


def _change(summary: HealthSummary, field: str, before, after, now) -> HealthChange:
    return HealthChange.objects.create(
        elder_id=summary.elder_id,
        field=field,
        before="" if before is None else str(before)[:300],
        after="" if after is None else str(after)[:300],
        at=now,
    )


def _apply_contract(summary: HealthSummary, contract: Contract | None, now) -> list[HealthChange]:
    if contract is None:
        return []
    wanted = {
        "contract_status": contract.status,
        "contract_start": contract.start,
        "contract_end": contract.end,
        "family_doctor": contract.doctor,
        "family_doctor_team": contract.team,
    }
    if contract.start and contract.end and contract.end < contract.start:
        wanted["contract_end"] = None  # the platform's own mistake; keep what the constraint allows
    changes = []
    for field, value in wanted.items():
        if getattr(summary, field) != value:
            changes.append(_change(summary, field, getattr(summary, field), value, now))
            setattr(summary, field, value)
    return changes


def _apply_conditions(summary: HealthSummary, codes: set[str], now) -> list[HealthChange]:
    known = dict(ConditionCode.objects.filter(pk__in=codes).values_list("code", "name"))
    held: dict[str, ElderCondition] = {
        row.code_id: row
        for row in ElderCondition.objects.filter(elder_id=summary.elder_id, code__isnull=False)
        if row.code_id
    }
    changes = []
    for code in sorted(set(known) - set(held)):
        ElderCondition.objects.create(
            elder_id=summary.elder_id, code_id=code, name=known[code], source=ConditionSource.PLATFORM
        )
        changes.append(_change(summary, "condition", "", f"{code} {known[code]}", now))
    for code, row in sorted(held.items()):
        if code not in codes and row.source == ConditionSource.PLATFORM:
            changes.append(_change(summary, "condition", f"{code} {row.name}", "", now))
            row.delete()
    return changes
