"""The fraud and anomaly checks (异常核查) over one month, and the service that files their findings as cases.

Six checks, each reading the registry, the orders' EVV records and the eligibility runs of the month:

- ``after_life_event``: a service served (checked in or later) after the day the registry says the elder
  died or moved out, or a run paying them for a month that began after it (a death reported late).
- ``double_claim``: two served orders for the same elder and catalogue item whose windows overlap.
- ``impossible_travel``: a caregiver's consecutive visits too far apart for the time between them (more
  than ``SHOUWANG_EVV_MAX_TRAVEL_KMH``, the speed EVV itself uses; places within the EVV radius count as
  one).
- ``unverified``: a settled order whose visit was never verified: no EVV record, no check-out, no check-in
  position, or an exception about where or whether the visit happened still open or upheld.
- ``reused_proof``: the same photo (its SHA-256, kept at check-out) or the same signature (the SHA-256 of
  the signed picture's bytes) on the visits of different orders.
- ``two_regions``: one ID number drawing the same policy in the same month in two runs (two regions),
  e.g. counted by the district it left and the one it moved to.

A check returns ``Finding`` objects; ``run_checks`` turns them into cases, one per kind and facts (``key``),
so running it again adds nothing. The monthly job (``tasks.py``) runs them for last month everywhere; an
official runs them on demand for their area.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.core import audit
from shouwang.core.actors import SYSTEM, as_user, is_system, require_actor
from shouwang.core.errors import ValidationFailed
from shouwang.core.geo import distance_m
from shouwang.core.masking import mask_id_number
from shouwang.elders.models import LifeEvent, StatusChange
from shouwang.orders.models import (
    ExceptionKind,
    ExceptionState,
    Order,
    OrderLine,
    OrderState,
    Visit,
    VisitException,
)
from shouwang.regions.models import Region, prefix_of

from .case_models import Case, CaseKind, CaseState, CaseTransition, CheckRun
from .models import EligibilityResult, Policy, RunState
from .permissions import may_run_checks, require
from .runs import last_month
from .services import _region, parse_month

S = OrderState
K = ExceptionKind
GONE_EVENTS = frozenset({LifeEvent.DECEASED, LifeEvent.MOVED_OUT})
# A caregiver checked in: the service is claimed to have happened.
SERVED_STATES = frozenset({S.IN_SERVICE, S.COMPLETED, S.CONFIRMED, S.DISPUTED, S.SETTLED})
# Finished and put forward for payment.
CLAIMED_STATES = frozenset({S.COMPLETED, S.CONFIRMED, S.DISPUTED, S.SETTLED})
# EVV exceptions that question where or whether a visit happened (not its punctuality or length).
PRESENCE_KINDS = frozenset(
    {K.OUTSIDE_RADIUS, K.MISSING_CHECKOUT, K.OVERLAP, K.IMPOSSIBLE_TRAVEL, K.PHOTO_REUSED}
)
STANDING = (ExceptionState.OPEN, ExceptionState.UPHELD)
# Signatures are compared with those of the months before, up to this far back.
SIGNATURE_LOOKBACK = dt.timedelta(days=92)


@dataclass
class Finding:
    kind: str
    key: str
    region_code: str
    facts: dict
    evidence: list[dict]
    elder_id: int | None = None
    other_region_code: str = ""


@dataclass
class Month:
    first: dt.date
    start: dt.datetime  # aware, the platform's midnight of the first
    end: dt.datetime  # the next month's

    @classmethod
    def of(cls, first: dt.date) -> Month:
        following = (first + dt.timedelta(days=32)).replace(day=1)
        midnight = lambda day: timezone.make_aware(dt.datetime.combine(day, dt.time.min))  # noqa: E731
        return cls(first, midnight(first), midnight(following))

    @property
    def label(self) -> str:
        return self.first.strftime("%Y-%m")


def _inside(prefix: str, lookup: str) -> Q:
    """Rows whose region code ``lookup`` lies under ``prefix`` (all when empty), as a range an index
    serves (a foreign key to a region takes no ``startswith``)."""
    if not prefix:
        return Q()
    return Q(**{f"{lookup}__gte": prefix.ljust(12, "0"), f"{lookup}__lte": prefix.ljust(12, "9")})


def _local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _order(order_id: int) -> dict:
    return {"type": "order", "id": order_id}


def _elder(elder_id: int, name: str) -> dict:
    return {"type": "elder", "id": elder_id, "text": name}


# --- payments or services after death or move-out --------------------------------------------------------


@dataclass
class Absence:
    event: str
    date: dt.date
    change_id: int
    until: dt.date | None = None  # the day they returned


def absences(prefix: str) -> dict[int, list[Absence]]:
    """Per elder of the region, the spans the registry says they were dead or gone (from the event's date
    until a return, if any)."""
    spans: dict[int, list[Absence]] = defaultdict(list)
    changes = StatusChange.objects.filter(_inside(prefix, "elder__community_id")).order_by(
        "elder_id", "date", "id"
    )
    for elder_id, event, date, change_id in changes.values_list("elder_id", "event", "date", "pk"):
        current = spans[elder_id][-1] if spans[elder_id] else None
        if current is not None and current.until is None:
            current.until = date
        if event in GONE_EVENTS:
            spans[elder_id].append(Absence(event, date, change_id))
    return {elder_id: found for elder_id, found in spans.items() if found}


def _absent_on(spans: list[Absence], day: dt.date) -> Absence | None:
    """The absence that had begun before ``day`` (the day of the event itself may still be served)."""
    for span in spans:
        if span.date < day and (span.until is None or day < span.until):
            return span
    return None


def check_after_life_event(month: Month, prefix: str) -> list[Finding]:
    gone = absences(prefix)
    if not gone:
        return []
    findings = []
    orders = Order.objects.filter(
        _inside(prefix, "community_id"),
        elder_id__in=list(gone),
        state__in=SERVED_STATES,
        window_start__gte=month.start,
        window_start__lt=month.end,
    ).values(
        "pk", "elder_id", "elder__name", "community_id", "window_start", "state", "amount_fen", "subsidy_fen"
    )
    for order in orders.order_by("pk"):
        day = timezone.localtime(order["window_start"]).date()
        span = _absent_on(gone[order["elder_id"]], day)
        if span is None:
            continue
        findings.append(
            Finding(
                kind=CaseKind.AFTER_LIFE_EVENT,
                key=f"order:{order['pk']}",
                region_code=order["community_id"],
                elder_id=order["elder_id"],
                facts={
                    "subject": "order",
                    "order": order["pk"],
                    "elder": order["elder__name"],
                    "event": span.event,
                    "event_date": span.date.isoformat(),
                    "day": day.isoformat(),
                    "state": order["state"],
                    "amount_fen": order["amount_fen"],
                    "subsidy_fen": order["subsidy_fen"],
                },
                evidence=[
                    _order(order["pk"]),
                    _elder(order["elder_id"], order["elder__name"]),
                    {"type": "life_event", "id": span.change_id, "elder": order["elder_id"]},
                ],
            )
        )
    results = (
        EligibilityResult.objects.filter(_inside(prefix, "community_code"), run__month=month.first)
        .filter(elder_id__in=list(gone))
        .filter(Q(cash_fen__gt=0) | Q(voucher_fen__gt=0))
        .exclude(run__state=RunState.RETURNED)
        .values(
            "run_id",
            "run__region_id",
            "run__region__name",
            "run__state",
            "elder_id",
            "elder__name",
            "community_code",
            "cash_fen",
            "voucher_fen",
            "outcomes",
        )  # fmt: skip
    )
    names = dict(Policy.objects.values_list("code", "name"))
    for result in results.order_by("run_id", "elder_id"):
        span = _absent_on(gone[result["elder_id"]], month.first)
        if span is None:
            continue
        paid = sorted(code for code, outcome in result["outcomes"].items() if outcome.get("amount_fen"))
        findings.append(
            Finding(
                kind=CaseKind.AFTER_LIFE_EVENT,
                key=f"result:{result['run_id']}:{result['elder_id']}",
                region_code=result["community_code"],
                other_region_code=result["run__region_id"],
                elder_id=result["elder_id"],
                facts={
                    "subject": "payment",
                    "run": result["run_id"],
                    "region": result["run__region__name"],
                    "run_state": result["run__state"],
                    "month": month.label,
                    "elder": result["elder__name"],
                    "event": span.event,
                    "event_date": span.date.isoformat(),
                    "amount_fen": result["cash_fen"] + result["voucher_fen"],
                    "policies": [names.get(code, code) for code in paid],
                },
                evidence=[
                    {
                        "type": "run",
                        "id": result["run_id"],
                        "text": f"{result['run__region__name']} {month.label}",
                    },
                    _elder(result["elder_id"], result["elder__name"]),
                    {"type": "life_event", "id": span.change_id, "elder": result["elder_id"]},
                ],
            )
        )
    return findings


# --- two claims for the same elder, item and time ---------------------------------------------------------


def check_double_claims(month: Month, prefix: str) -> list[Finding]:
    lines = (
        OrderLine.objects.filter(
            _inside(prefix, "order__community_id"),
            order__state__in=CLAIMED_STATES,
            order__window_start__gte=month.start,
            order__window_start__lt=month.end,
        )
        .values(
            "order_id",
            "order__elder_id",
            "order__elder__name",
            "order__community_id",
            "item_id",
            "item__name",
            "order__window_start",
            "order__window_end",
        )  # fmt: skip
        .order_by("order__elder_id", "item_id", "order__window_start", "order_id")
    )
    groups: dict[tuple[int, int], list[dict]] = defaultdict(list)
    for line in lines:
        groups[line["order__elder_id"], line["item_id"]].append(line)
    findings = []
    for claims in groups.values():
        for index, first in enumerate(claims):
            for second in claims[index + 1 :]:
                if second["order__window_start"] >= first["order__window_end"]:
                    break
                findings.append(_double_claim(first, second))
    return findings


def _double_claim(first: dict, second: dict) -> Finding:
    a, b = sorted((first, second), key=lambda line: line["order_id"])
    return Finding(
        kind=CaseKind.DOUBLE_CLAIM,
        key=f"{a['item_id']}:{a['order_id']}:{b['order_id']}",
        region_code=a["order__community_id"],
        elder_id=a["order__elder_id"],
        facts={
            "elder": a["order__elder__name"],
            "item": a["item__name"],
            "orders": [
                {
                    "id": line["order_id"],
                    "start": _local(line["order__window_start"]),
                    "end": _local(line["order__window_end"]),
                }
                for line in (a, b)
            ],
        },
        evidence=[
            _order(a["order_id"]),
            _order(b["order_id"]),
            _elder(a["order__elder_id"], a["order__elder__name"]),
        ],
    )


# --- impossible travel between a caregiver's consecutive visits -------------------------------------------


def check_impossible_travel(month: Month, prefix: str) -> list[Finding]:
    visits = Visit.objects.filter(checkin_at__gte=month.start, checkin_at__lt=month.end).exclude(
        order__state=S.CANCELLED
    )
    if prefix:
        local = visits.filter(_inside(prefix, "order__community_id")).values("caregiver_id")
        visits = visits.filter(caregiver_id__in=local)
    rows = visits.values(
        "pk", "order_id", "caregiver_id", "caregiver__name", "order__community_id", "checkin_at",
        "checkin_lat", "checkin_lon", "checkout_at", "checkout_lat", "checkout_lon",
    ).order_by("caregiver_id", "checkin_at", "pk")  # fmt: skip
    limit_kmh = settings.SHOUWANG_EVV_MAX_TRAVEL_KMH
    radius_m = settings.SHOUWANG_EVV_RADIUS_M
    findings, previous = [], None
    for visit in rows:
        if previous is not None and previous["caregiver_id"] == visit["caregiver_id"]:
            inside = not prefix or any(v["order__community_id"].startswith(prefix) for v in (previous, visit))
            found = _travel(previous, visit, limit_kmh, radius_m) if inside else None
            if found is not None:
                findings.append(found)
        previous = visit
    return findings


def _travel(previous: dict, visit: dict, limit_kmh: float, radius_m: float) -> Finding | None:
    left_at = previous["checkout_at"] or previous["checkin_at"]
    lat = previous["checkout_lat"] if previous["checkout_lat"] is not None else previous["checkin_lat"]
    lon = previous["checkout_lon"] if previous["checkout_lon"] is not None else previous["checkin_lon"]
    if None in (lat, lon, visit["checkin_lat"], visit["checkin_lon"]):
        return None
    metres = distance_m(lat, lon, visit["checkin_lat"], visit["checkin_lon"])
    hours = (visit["checkin_at"] - left_at).total_seconds() / 3600
    # Within the EVV radius two places count as one (two elders in one building).
    if metres <= radius_m or (hours > 0 and metres / 1000 / hours <= limit_kmh):
        return None
    return Finding(
        kind=CaseKind.IMPOSSIBLE_TRAVEL,
        key=f"visits:{previous['pk']}:{visit['pk']}",
        region_code=visit["order__community_id"],
        other_region_code=previous["order__community_id"],
        facts={
            "caregiver": visit["caregiver__name"],
            "from_order": previous["order_id"],
            "to_order": visit["order_id"],
            "left_at": _local(left_at),
            "arrived_at": _local(visit["checkin_at"]),
            "km": round(metres / 1000, 1),
            "minutes": round(hours * 60),
            "kmh": round(metres / 1000 / hours) if hours > 0 else None,
            "limit_kmh": limit_kmh,
        },
        evidence=[_order(previous["order_id"]), _order(visit["order_id"])],
    )


# --- settled visits that were never verified --------------------------------------------------------------


def check_unverified(month: Month, prefix: str) -> list[Finding]:
    orders = list(
        Order.objects.filter(
            _inside(prefix, "community_id"),
            state=S.SETTLED,
            window_start__gte=month.start,
            window_start__lt=month.end,
        )
        .values("pk", "elder_id", "elder__name", "community_id", "window_start", "amount_fen")
        .order_by("pk")
    )
    ids = [order["pk"] for order in orders]
    visits = {
        row["order_id"]: row
        for row in Visit.objects.filter(order_id__in=ids).values(
            "order_id", "checkout_at", "checkin_lat", "checkin_method"
        )
    }
    standing: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for order_id, kind, state in VisitException.objects.filter(
        order_id__in=ids, kind__in=PRESENCE_KINDS, state__in=STANDING
    ).values_list("order_id", "kind", "state"):
        standing[order_id].append((kind, state))
    findings = []
    for order in orders:
        reasons = _unverified_reasons(visits.get(order["pk"]), standing.get(order["pk"], []))
        if reasons:
            findings.append(
                Finding(
                    kind=CaseKind.UNVERIFIED,
                    key=f"order:{order['pk']}",
                    region_code=order["community_id"],
                    elder_id=order["elder_id"],
                    facts={
                        "order": order["pk"],
                        "elder": order["elder__name"],
                        "day": timezone.localtime(order["window_start"]).date().isoformat(),
                        "amount_fen": order["amount_fen"],
                        "reasons": reasons,
                    },
                    evidence=[_order(order["pk"]), _elder(order["elder_id"], order["elder__name"])],
                )
            )
    return findings


def _unverified_reasons(visit: dict | None, standing: list[tuple[str, str]]) -> list[dict]:
    """What is missing from the visit's verification, as codes the explanation words (``cases``)."""
    if visit is None:
        return [{"code": "no_visit"}]
    reasons = []
    if visit["checkin_lat"] is None and visit["checkin_method"] != "corrected":
        reasons.append({"code": "no_position"})
    if visit["checkout_at"] is None:
        reasons.append({"code": "no_checkout"})
    reasons += [{"code": "exception", "kind": kind, "state": state} for kind, state in sorted(standing)]
    return reasons


# --- the same signature or photo on different visits ------------------------------------------------------


def signature_digest(signature: str) -> str:
    """The SHA-256 of the signed picture's bytes (the data: URL's payload), so the same picture sent twice
    matches whatever its header says."""
    payload = signature.split(",", 1)[1] if signature.startswith("data:") else signature
    try:
        content = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        content = signature.encode()
    return hashlib.sha256(content).hexdigest()


def check_reused_proof(month: Month, prefix: str) -> list[Finding]:
    of_month = Visit.objects.filter(
        _inside(prefix, "order__community_id"), checkin_at__gte=month.start, checkin_at__lt=month.end
    )
    groups: dict[tuple[str, str], list[dict]] = {}
    photos = set(of_month.exclude(photo_sha256="").values_list("photo_sha256", flat=True))
    columns = ("pk", "order_id", "order__community_id", "order__elder_id", "checkin_at")
    if photos:
        for row in Visit.objects.filter(photo_sha256__in=photos).values("photo_sha256", *columns):
            groups.setdefault(("photo", row["photo_sha256"]), []).append(row)
    if of_month.exclude(signature="").exists():
        mine = {
            signature_digest(s) for s in of_month.exclude(signature="").values_list("signature", flat=True)
        }
        window = Visit.objects.filter(
            checkin_at__gte=month.start - SIGNATURE_LOOKBACK, checkin_at__lt=month.end
        ).exclude(signature="")
        for row in window.values("signature", *columns).iterator():
            digest = signature_digest(row.pop("signature"))
            if digest in mine:
                groups.setdefault(("signature", digest), []).append(row)
    findings = []
    for (proof, digest), visits in sorted(groups.items()):
        orders = sorted({visit["order_id"] for visit in visits})
        if len(orders) < 2:
            continue
        visits.sort(key=lambda visit: (visit["checkin_at"], visit["pk"]))
        communities = [visit["order__community_id"] for visit in visits]
        inside = [code for code in communities if code.startswith(prefix)]
        others = [code for code in communities if code != inside[0]]
        findings.append(
            Finding(
                kind=CaseKind.REUSED_PROOF,
                key=f"{proof}:{digest}",
                region_code=inside[0],
                other_region_code=others[0] if others else "",
                facts={
                    "proof": proof,
                    "digest": digest[:12],
                    "orders": [
                        {"id": visit["order_id"], "at": _local(visit["checkin_at"])} for visit in visits
                    ],
                },
                evidence=[_order(order_id) for order_id in orders],
            )
        )
    return findings


# --- one ID number drawing the same benefit in two regions ------------------------------------------------


def check_two_regions(month: Month, prefix: str) -> list[Finding]:
    paid = (
        EligibilityResult.objects.filter(run__month=month.first)
        .filter(Q(cash_fen__gt=0) | Q(voucher_fen__gt=0))
        .exclude(run__state=RunState.RETURNED)
    )
    twice = paid.values("elder_id").annotate(runs=Count("run_id", distinct=True)).filter(runs__gte=2)
    rows = paid.filter(elder_id__in=twice.values("elder_id")).values(
        "elder_id", "elder__name", "elder__id_number", "run_id", "run__region_id", "run__region__name",
        "run__state", "community_code", "outcomes",
    ).order_by("elder_id", "run__region_id")  # fmt: skip
    by_elder_policy: dict[tuple[int, str], list[dict]] = defaultdict(list)
    for row in rows:
        for code, outcome in row["outcomes"].items():
            if outcome.get("eligible") and outcome.get("amount_fen"):
                by_elder_policy[row["elder_id"], code].append({**row, "amount_fen": outcome["amount_fen"]})
    names = dict(Policy.objects.values_list("code", "name"))
    findings = []
    for (elder_id, code), draws in sorted(by_elder_policy.items()):
        places = [draw["run__region_id"] for draw in draws] + [draw["community_code"] for draw in draws]
        if len(draws) < 2 or (prefix and not any(place.startswith(prefix) for place in places)):
            continue
        first = draws[0]
        findings.append(
            Finding(
                kind=CaseKind.TWO_REGIONS,
                key=f"elder:{elder_id}:{code}:{month.label}",
                region_code=first["community_code"],
                other_region_code=next(
                    (d["community_code"] for d in draws if d["community_code"] != first["community_code"]),
                    draws[1]["run__region_id"],
                ),
                elder_id=elder_id,
                facts={
                    "elder": first["elder__name"],
                    "id_number": mask_id_number(first["elder__id_number"]),
                    "policy": names.get(code, code),
                    "month": month.label,
                    "draws": [
                        {
                            "run": draw["run_id"],
                            "region": draw["run__region__name"],
                            "state": draw["run__state"],
                            "amount_fen": draw["amount_fen"],
                        }
                        for draw in draws
                    ],
                },
                evidence=[
                    _elder(elder_id, first["elder__name"]),
                    *(
                        {
                            "type": "run",
                            "id": draw["run_id"],
                            "text": f"{draw['run__region__name']} {month.label}",
                        }
                        for draw in draws
                    ),
                ],
            )
        )
    return findings


CHECKS = (
    check_after_life_event,
    check_double_claims,
    check_impossible_travel,
    check_unverified,
    check_reused_proof,
    check_two_regions,
)


def find(month: dt.date, region_code: str = "") -> list[Finding]:
    """Every finding of the month in the region's subtree (everywhere when empty); writes nothing."""
    span = Month.of(month)
    prefix = prefix_of(region_code) if region_code else ""
    return [finding for check in CHECKS for finding in check(span, prefix)]


# --- filing the findings as cases -------------------------------------------------------------------------


def run_checks(*, actor, month, region_code: str = "") -> CheckRun:
    """Run every check over ``month`` (``YYYY-MM``) in a region's subtree and file each finding as a case.

    Idempotent: a finding whose case exists already (same kind and facts) adds nothing; an open case not
    yet taken up gets the finding's latest facts. ``actor`` SYSTEM is the monthly job (everywhere unless a
    region is given); an official must name a region inside their area."""
    first = parse_month(month)
    code = str(region_code or "").strip()
    require_actor(actor)
    if not is_system(actor):
        if not code and not actor.is_platform_admin:
            message = _("Choose the region to check.")
            raise ValidationFailed(message, errors={"region": message})
        require(
            may_run_checks(actor, code or "0"), _("Only officials of this region run its anomaly checks.")
        )
    region: Region | None = _region(code) if code else None
    findings = find(first, region.code if region else "")
    with transaction.atomic():
        new = sum(_file(finding, month=first) for finding in findings)
        run = CheckRun.objects.create(
            month=first,
            region_code=region.code if region else "",
            actor=as_user(actor),
            found=len(findings),
            new=new,
        )
        audit.record(
            actor=actor,
            action="benefits.checks.run",
            obj=run,
            after={
                "month": first.strftime("%Y-%m"),
                "region": run.region_code,
                "found": run.found,
                "new": new,
            },
            region_code=run.region_code,
        )
    return run


def _file(finding: Finding, *, month: dt.date) -> bool:
    """One finding as a case; True when the case is new."""
    case, created = Case.objects.get_or_create(
        kind=finding.kind,
        key=finding.key,
        defaults={
            "region_code": finding.region_code,
            "other_region_code": finding.other_region_code,
            "month": month,
            "elder_id": finding.elder_id,
            "facts": finding.facts,
            "evidence": finding.evidence,
        },
    )
    if created:
        CaseTransition.objects.create(case=case, to_state=CaseState.OPEN, actor_name=_("system"))
        audit.record(
            actor=SYSTEM,
            action="benefits.case.open",
            obj=case,
            after={"kind": case.kind, "key": case.key},
            region_code=case.region_code,
        )
        return True
    if case.state == CaseState.OPEN and (case.facts, case.evidence) != (finding.facts, finding.evidence):
        Case.objects.filter(pk=case.pk, state=CaseState.OPEN).update(
            facts=finding.facts, evidence=finding.evidence, updated_at=timezone.now()
        )
    return False


def monthly_checks(today: dt.date | None = None) -> CheckRun | None:
    """The scheduled run: last month, everywhere, once (None when it has been run already)."""
    month = last_month(today)
    if CheckRun.objects.filter(month=month, region_code="", actor__isnull=True).exists():
        return None
    return run_checks(actor=SYSTEM, month=month)
