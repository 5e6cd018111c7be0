"""Supervision from the draw to the end of rectification. Every write checks who may make it, locks the
row it changes and is audited; a finding moves only along ``FINDING_MOVES`` (anything else is a 409).

Escalation — by an official, or by the scheduled task when a finding is still unanswered after its
deadline — puts the operator of a provider or facility on the providers' black list, or suspends a
childcare institution's filing, when the finding is major or critical; a minor one is escalated without
a sanction, for the supervisor's follow-up.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.core import audit
from shouwang.core.actors import SYSTEM, as_user, is_system, require_actor
from shouwang.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from shouwang.core.scope import scope_of
from shouwang.core.text import within_limit
from shouwang.regions.models import Region

from .draw import draw, eligible_inspectors, eligible_targets, new_seed
from .models import (
    Finding,
    FindingState,
    Inspection,
    InspectionPlan,
    InspectionState,
    PlanState,
    Severity,
    TargetKind,
)
from .permissions import may_plan_inspections, may_respond_to_findings
from .selectors import get_finding_for, get_inspection_for, get_plan_for

log = logging.getLogger(__name__)
F = FindingState
FINDING_MOVES: dict[str, frozenset[str]] = {
    F.OPEN: frozenset({F.RESPONDED, F.ESCALATED}),
    # Re-inspection closes a finding, or sends it back open with a new deadline.
    F.RESPONDED: frozenset({F.CLOSED, F.OPEN, F.ESCALATED}),
    F.ESCALATED: frozenset({F.CLOSED}),
    F.CLOSED: frozenset(),
}
SANCTIONED = (Severity.MAJOR, Severity.CRITICAL)
BLACK_LIST_DAYS = 365
MAX_FINDINGS = 50


def _require_planner(actor) -> None:
    require_actor(actor)
    if not (is_system(actor) or may_plan_inspections(actor)):
        raise Forbidden(_("Only civil-affairs officials plan inspections and judge findings."))


def create_plan(
    *, actor, title: str, region_code: str, target_kind: str, sample_size: int, inspectors_per_target: int,
    due_on: dt.date, seed: int | None = None,
) -> InspectionPlan:  # fmt: skip
    """Draw a round: ``sample_size`` targets of ``target_kind`` in the region, and for each
    ``inspectors_per_target`` officials, from pools recorded with the seed."""
    _require_planner(actor)
    title = within_limit(title, 120, field="title", label=_("The title"))
    if not title:
        raise ValidationFailed(_("Give the round a title."), errors={"title": _("Required.")})
    if target_kind not in TargetKind.values:
        raise ValidationFailed(_("Choose what is inspected."), errors={"target_kind": _("Required.")})
    region = Region.objects.filter(code=region_code).first()
    if region is None or not scope_of(actor).covers_region(region.code):
        raise NotFound(_("This region does not exist or is outside your area."))
    if due_on < timezone.localdate():
        message = _("The round cannot be due in the past.")
        raise ValidationFailed(message, errors={"due_on": message})
    targets = eligible_targets(target_kind, region)
    inspectors = eligible_inspectors(region)
    if not 1 <= sample_size <= len(targets):
        message = _("Draw between 1 and %(count)d targets: that many are eligible.") % {"count": len(targets)}
        raise ValidationFailed(message, errors={"sample_size": message})
    if not 1 <= inspectors_per_target <= len(inspectors):
        message = _("Between 1 and %(count)d inspectors per target: that many officials work here.") % {
            "count": len(inspectors)
        }
        raise ValidationFailed(message, errors={"inspectors_per_target": message})
    seed = new_seed() if seed is None else seed
    with transaction.atomic():
        plan = InspectionPlan.objects.create(
            title=title, region=region, target_kind=target_kind, sample_size=sample_size,
            inspectors_per_target=inspectors_per_target, seed=seed, target_pool=sorted(targets),
            inspector_pool=inspectors, due_on=due_on, created_by=as_user(actor),
        )  # fmt: skip
        for target_id, drawn in draw(seed, plan.target_pool, inspectors, sample_size, inspectors_per_target):
            target = targets[target_id]
            inspection = Inspection.objects.create(
                plan=plan, target_kind=target_kind, target_id=target_id, target_name=target.name[:120],
                region_code=target.region_code, provider_id=target.provider_id,
            )  # fmt: skip
            inspection.inspectors.set(drawn)
        audit.record(
            actor=actor, action="inspections.plan_drawn", obj=plan, region_code=region.code,
            after={"seed": seed, "kind": target_kind, "pool": len(targets), "inspectors": len(inspectors),
                   "drawn": sample_size},
        )  # fmt: skip
    return plan


def redraw(plan: InspectionPlan) -> list[tuple[int, list[int]]]:
    """The draw repeated from the plan's recorded seed and pools (anyone may check it against the plan)."""
    return draw(
        plan.seed, plan.target_pool, plan.inspector_pool, plan.sample_size, plan.inspectors_per_target
    )


def draw_reproduced(plan: InspectionPlan) -> bool:
    recorded = [
        (inspection.target_id, sorted(user.pk for user in inspection.inspectors.all()))
        for inspection in plan.inspections.order_by("id").prefetch_related("inspectors")
    ]
    return recorded == redraw(plan)


def _check_findings(items: list[dict], inspected_on: dt.date) -> list[Finding]:
    if len(items) > MAX_FINDINGS:
        raise ValidationFailed(_("Too many findings in one inspection."), errors={"findings": _("Too many.")})
    findings = []
    for item in items:
        severity = item.get("severity")
        if severity not in Severity.values:
            raise ValidationFailed(
                _("Give each finding a severity."), errors={"findings": _("Unknown severity.")}
            )
        description = within_limit(item.get("description"), 300, field="findings", label=_("A finding"))
        rectify_by = item.get("rectify_by")
        if not description or not isinstance(rectify_by, dt.date) or rectify_by <= inspected_on:
            message = _("Each finding needs a description and a rectification deadline after the inspection.")
            raise ValidationFailed(message, errors={"findings": message})
        findings.append(Finding(severity=severity, description=description, rectify_by=rectify_by))
    return findings


def record_results(*, actor, inspection_id: int, inspected_on: dt.date, summary: str = "",
                   findings: Sequence[dict] = ()) -> Inspection:  # fmt: skip
    """A drawn inspector records the inspection and its findings (none: the target passed)."""
    _require_planner(actor)
    summary = within_limit(summary, 300, field="summary", label=_("The summary"))
    if inspected_on > timezone.localdate():
        message = _("An inspection cannot be in the future.")
        raise ValidationFailed(message, errors={"inspected_on": message})
    rows = _check_findings(list(findings), inspected_on)
    with transaction.atomic():
        get_inspection_for(actor, inspection_id)
        inspection = Inspection.objects.select_for_update().get(pk=inspection_id)
        drawn = set(inspection.inspectors.values_list("pk", flat=True))
        if not (is_system(actor) or actor.is_platform_admin or actor.pk in drawn):
            raise Forbidden(_("Only the inspectors drawn for this target record its inspection."))
        if inspection.state != InspectionState.PLANNED:
            raise Conflict(_("This inspection is already recorded."), code="illegal_transition")
        inspection.state, inspection.inspected_on, inspection.summary = (
            InspectionState.DONE,
            inspected_on,
            summary,
        )
        inspection.save()
        for row in rows:
            row.inspection = inspection
        Finding.objects.bulk_create(rows)
        audit.record(
            actor=actor, action="inspections.inspected", obj=inspection, region_code=inspection.region_code,
            provider_id=inspection.provider_id,
            after={"on": inspected_on, "findings": [f"{r.severity}: {r.description}" for r in rows]},
        )  # fmt: skip
    return inspection


def publish_plan(*, actor, plan_id: int) -> InspectionPlan:
    """一公开: publish a round's results once every drawn target is inspected. A provider's result also
    goes to ``providers.Inspection``, which its monthly score reads."""
    _require_planner(actor)
    with transaction.atomic():
        get_plan_for(actor, plan_id)
        plan = InspectionPlan.objects.select_for_update().get(pk=plan_id)
        if plan.state != PlanState.DRAWN:
            raise Conflict(_("This round's results are already published."), code="illegal_transition")
        if plan.inspections.filter(state=InspectionState.PLANNED).exists():
            raise Conflict(_("Some drawn targets are not inspected yet."), code="not_inspected")
        plan.state, plan.published_at = PlanState.PUBLISHED, timezone.now()
        plan.save()
        plan.inspections.update(state=InspectionState.PUBLISHED)
        if plan.target_kind == TargetKind.PROVIDER:
            _to_provider_scores(plan)
        audit.record(actor=actor, action="inspections.published", obj=plan, region_code=plan.region_id)
    return plan


def _to_provider_scores(plan: InspectionPlan) -> None:
    from shouwang.providers.models import Inspection as ProviderInspection
    from shouwang.providers.models import InspectionResult

    for inspection in plan.inspections.prefetch_related("findings", "inspectors"):
        findings = list(inspection.findings.all())
        severe = any(f.severity in SANCTIONED for f in findings)
        result = (
            InspectionResult.MAJOR
            if severe
            else InspectionResult.MINOR
            if findings
            else InspectionResult.PASSED
        )
        ProviderInspection.objects.create(
            provider_id=inspection.target_id, inspected_on=inspection.inspected_on or timezone.localdate(),
            result=result,
            findings="；".join(f.description for f in findings)[:2000],
            rectify_by=min((f.rectify_by for f in findings), default=None),
            inspector=inspection.inspectors.order_by("pk").first(),
        )  # fmt: skip


def _move(finding: Finding, to_state: str, *, actor, fields: dict, action: str) -> Finding:
    """The one place a finding changes state (its row locked by the caller): refuses a move outside
    ``FINDING_MOVES`` with 409, saves and audits."""
    if to_state not in FINDING_MOVES[finding.state]:
        raise Conflict(
            _("This finding is %(state)s and cannot become %(target)s.")
            % {"state": finding.get_state_display(), "target": FindingState(to_state).label},
            code="illegal_transition",
        )
    before = finding.state
    finding.state = to_state
    for name, value in fields.items():
        setattr(finding, name, value)
    finding.save()
    inspection = finding.inspection
    audit.record(
        actor=actor, action=f"inspections.finding_{action}", obj=finding, before={"state": before},
        after={"state": to_state, **{k: v for k, v in fields.items() if isinstance(v, str | list)}},
        region_code=inspection.region_code, provider_id=inspection.provider_id,
    )  # fmt: skip
    return finding


def _locked_finding(actor, finding_id: int) -> Finding:
    get_finding_for(actor, finding_id)
    return Finding.objects.select_for_update().select_related("inspection").get(pk=finding_id)


def respond(*, actor, finding_id: int, response: str, evidence: Sequence[str] = ()) -> Finding:
    """The operator reports what it put right, with its evidence (photos' numbers, documents...)."""
    require_actor(actor)
    if not (is_system(actor) or may_respond_to_findings(actor)):
        raise Forbidden(_("Only the inspected organisation answers its findings."))
    response = within_limit(response, 500, field="response", label=_("The response"))
    if not response:
        raise ValidationFailed(_("Say what was put right."), errors={"response": _("Required.")})
    evidence = [
        within_limit(item, 200, field="evidence", label=_("Evidence")) for item in evidence if item.strip()
    ]
    if len(evidence) > 20:
        raise ValidationFailed(_("At most 20 pieces of evidence."), errors={"evidence": _("Too many.")})
    with transaction.atomic():
        finding = _locked_finding(actor, finding_id)
        fields = {"response": response, "evidence": evidence, "responded_at": timezone.now()}
        return _move(finding, F.RESPONDED, actor=actor, fields=fields, action="responded")


def reinspect(*, actor, finding_id: int, passed: bool, note: str = "", on: dt.date | None = None,
              new_deadline: dt.date | None = None) -> Finding:  # fmt: skip
    """An official checks the rectification: closed, or open again with a new deadline."""
    _require_planner(actor)
    note = within_limit(note, 300, field="note", label=_("The note"))
    on = on or timezone.localdate()
    with transaction.atomic():
        finding = _locked_finding(actor, finding_id)
        fields: dict = {"reinspected_on": on, "reinspection_note": note}
        if passed:
            fields["closed_at"] = timezone.now()
            return _move(finding, F.CLOSED, actor=actor, fields=fields, action="closed")
        if new_deadline is None or new_deadline <= on:
            message = _("Give a new rectification deadline after the re-inspection.")
            raise ValidationFailed(message, errors={"new_deadline": message})
        fields["rectify_by"] = new_deadline
        return _move(finding, F.OPEN, actor=actor, fields=fields, action="reopened")


def escalate(*, actor, finding_id: int, note: str) -> Finding:
    _require_planner(actor)
    note = within_limit(note, 300, field="note", label=_("The reason"))
    if not note:
        raise ValidationFailed(_("Give the reason."), errors={"note": _("Required.")})
    with transaction.atomic():
        finding = _locked_finding(actor, finding_id)
        fields = {"escalated_at": timezone.now(), "escalation_note": note}
        _move(finding, F.ESCALATED, actor=actor, fields=fields, action="escalated")
        _sanction(finding, note)
    return finding


def _sanction(finding: Finding, note: str) -> None:
    """The consequence of an escalated major or critical finding (inside the caller's transaction)."""
    if finding.severity not in SANCTIONED:
        return
    inspection = finding.inspection
    reason = f"{inspection.target_name}：{finding.description}（{note}）"[:300]
    if inspection.target_kind == TargetKind.CHILDCARE:
        from shouwang.childcare.models import Institution, RegistrationState
        from shouwang.childcare.services import decide_registration

        if Institution.objects.filter(pk=inspection.target_id, state=RegistrationState.REGISTERED).exists():
            decide_registration(
                actor=SYSTEM, institution_id=inspection.target_id, state="suspended", note=reason
            )
        return
    if inspection.provider_id is None:
        return
    from shouwang.providers.evaluation import add_to_list
    from shouwang.providers.models import ListKind

    today = timezone.localdate()
    add_to_list(
        actor=SYSTEM, provider_id=inspection.provider_id, kind=ListKind.BLACK, reason=reason,
        starts_on=today, ends_on=today + dt.timedelta(days=BLACK_LIST_DAYS),
    )  # fmt: skip


def escalate_overdue(*, today: dt.date | None = None) -> int:
    """Escalate every finding still unanswered after its deadline (the day after ``rectify_by``). Each is
    claimed by a conditional UPDATE in its own transaction, so two workers never escalate one twice and
    one failure does not undo the others. Returns how many were escalated."""
    today = today or timezone.localdate()
    note = _("Not rectified by the deadline.")
    escalated = 0
    overdue = Finding.objects.filter(state=F.OPEN, rectify_by__lt=today).order_by("rectify_by", "pk")
    for finding_id in list(overdue.values_list("pk", flat=True)[:1000]):
        try:
            with transaction.atomic():
                claimed = Finding.objects.filter(pk=finding_id, state=F.OPEN, rectify_by__lt=today).update(
                    state=F.ESCALATED, escalated_at=timezone.now(), escalation_note=note
                )
                if not claimed:
                    continue
                finding = Finding.objects.select_related("inspection").get(pk=finding_id)
                audit.record(
                    actor=SYSTEM, action="inspections.finding_escalated", obj=finding,
                    before={"state": F.OPEN},
                    after={"state": F.ESCALATED, "overdue_since": finding.rectify_by},
                    region_code=finding.inspection.region_code, provider_id=finding.inspection.provider_id,
                )  # fmt: skip
                _sanction(finding, note)
                escalated += 1
        except Exception:  # one bad row must not stop the others; it is retried on the next run
            log.exception("inspections: escalating finding %s failed", finding_id)
    return escalated
