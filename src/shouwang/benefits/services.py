"""Every write of benefits: policies and their versions, runs and their approval.

The ledger's own writes (posting, redemption, settlement) are in ``ledger.py``; the run's computation in
``runs.py``; the approval's table of moves in ``states.py``.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from shouwang.core import audit
from shouwang.core.actors import as_user, is_system, require_actor
from shouwang.core.errors import Conflict, NotFound, ValidationFailed
from shouwang.core.text import within_limit
from shouwang.elders.models import StatusChange
from shouwang.regions.models import Region, prefix_of

from . import ledger, runs
from .models import EligibilityRun, Policy, PolicyKind, PolicyVersion, RunState, YearEnd
from .permissions import may_compute_run, may_return, may_take_step, require, require_policy_keeper
from .policies import check_version
from .states import RECOMPUTABLE, advance

VERSION_FIELDS = (
    "number",
    "effective_from",
    "effective_until",
    "conditions",
    "tiers",
    "fund_shares",
    "year_end",
)


def parse_month(value) -> dt.date:
    """A month given as ``YYYY-MM`` (or a date on its first day) → the date of its first day."""
    if isinstance(value, dt.date):
        if value.day != 1:
            raise ValidationFailed(_("A month starts on its first day."), errors={"month": value.isoformat()})
        return value
    try:
        return dt.datetime.strptime(str(value).strip(), "%Y-%m").date()
    except ValueError:
        message = _("Give the month as YYYY-MM, e.g. 2026-03.")
        raise ValidationFailed(message, errors={"month": message}) from None


def _region(code: str) -> Region:
    region = Region.objects.filter(pk=str(code).strip()).first()
    if region is None:
        message = _("There is no region with the code %(code)s.") % {"code": code}
        raise ValidationFailed(message, errors={"region": message})
    return region


# --- policies -------------------------------------------------------------------------------------------


@transaction.atomic
def create_policy(
    *, actor, code: str, name: str, kind: str, region_code: str, description: str = ""
) -> Policy:
    """A new policy without rules yet; its first version says what it pays (``publish_version``)."""
    require_policy_keeper(actor)
    errors = {}
    if kind not in PolicyKind.values:
        errors["kind"] = _("Choose a cash allowance or a service subsidy.")
    if not name.strip():
        errors["name"] = _("Give the policy a name.")
    if Policy.objects.filter(code=code).exists():
        errors["code"] = _("A policy with this code exists already.")
    if errors:
        raise ValidationFailed(next(iter(errors.values())), errors=errors)
    policy = Policy.objects.create(
        code=code, name=name.strip(), kind=kind, region=_region(region_code), description=description
    )
    audit.record(
        actor=actor,
        action="benefits.policy.create",
        obj=policy,
        after={"code": code, "kind": kind},
        region_code=policy.region_id,
    )
    return policy


@transaction.atomic
def publish_version(
    *,
    actor,
    policy_id: int,
    effective_from,
    effective_until=None,
    conditions=None,
    tiers=None,
    fund_shares=None,
    self_pay_percent=None,
    year_end: str = YearEnd.EXPIRE,
    note: str = "",
) -> PolicyVersion:
    """A new version of a policy, in force from a month on (and until a month, inclusive, if given).

    It must start after every earlier version; an open-ended earlier version is closed the month before.
    Refused, nothing saved, when it would overlap a version that ends later, start in a month whose run
    is already approved, or when its rules are wrong (shares not 100 %, a negative amount, an unknown
    fact): the message names the field."""
    require_policy_keeper(actor)
    policy = Policy.objects.select_for_update().filter(pk=policy_id).first()
    if policy is None:
        raise NotFound(_("This policy does not exist."))
    start = parse_month(effective_from)
    end = parse_month(effective_until) if effective_until else None
    if end is not None and end < start:
        message = _("The last month in force is before the first.")
        raise ValidationFailed(message, errors={"effective_until": message})
    conditions, tiers, shares, self_pay = check_version(
        kind=policy.kind,
        conditions=conditions or [],
        tiers=tiers,
        fund_shares=fund_shares,
        self_pay_percent=self_pay_percent,
    )
    if year_end not in YearEnd.values:
        message = _("Choose whether the vouchers expire at the year end or carry over.")
        raise ValidationFailed(message, errors={"year_end": message})
    _refuse_overlap(policy, start)
    _refuse_approved_months(policy, start)
    latest = policy.versions.order_by("-number").first()
    if latest is not None and latest.effective_until is None:
        latest.effective_until = runs.previous_month(start)
        latest.save(update_fields=["effective_until", "updated_at"])
    version = PolicyVersion.objects.create(
        policy=policy,
        number=(latest.number + 1) if latest else 1,
        effective_from=start,
        effective_until=end,
        conditions=conditions,
        tiers=tiers,
        fund_shares=shares,
        self_pay_percent=self_pay,
        year_end=year_end,
        note=within_limit(note, 300, field="note", label=_("The note")),
        created_by=as_user(actor),
    )
    audit.record(
        actor=actor,
        action="benefits.policy.version",
        obj=version,
        after=audit.snapshot(version, VERSION_FIELDS),
        region_code=policy.region_id,
    )
    return version


def _refuse_overlap(policy: Policy, start: dt.date) -> None:
    for version in policy.versions.all():
        later_start = version.effective_from >= start
        ends_after = version.effective_until is not None and version.effective_until >= start
        if later_start or ends_after:
            until = version.effective_until.strftime("%Y-%m") if version.effective_until else _("open")
            message = _(
                "This version would overlap version %(number)s (%(start)s to %(end)s); a new version must "
                "start after every earlier one."
            ) % {"number": version.number, "start": version.effective_from.strftime("%Y-%m"), "end": until}
            raise ValidationFailed(message, errors={"effective_from": message})


def _refuse_approved_months(policy: Policy, start: dt.date) -> None:
    prefix = prefix_of(policy.region_id)
    for run in EligibilityRun.objects.filter(state=RunState.APPROVED, month__gte=start):
        run_prefix = prefix_of(run.region_id)
        if run_prefix.startswith(prefix) or prefix.startswith(run_prefix):
            message = _("The run of %(month)s is already approved; a new version may start after it.") % {
                "month": run.month.strftime("%Y-%m")
            }
            raise ValidationFailed(message, errors={"effective_from": message})


# --- runs -----------------------------------------------------------------------------------------------


def start_run(*, actor, month, region_code: str) -> EligibilityRun:
    """Compute (or compute again) the eligibility of every elder of a region in a month.

    Idempotent: the same month and region is always the same run, and computing it again replaces its
    results (while it is computed or returned; an approved run stays as it was)."""
    month = parse_month(month)
    region = _region(region_code)
    require_actor(actor)
    require(
        is_system(actor) or may_compute_run(actor, region.code),
        _("Only officials of this region compute its benefits."),
    )
    with transaction.atomic():
        run, created = EligibilityRun.objects.select_for_update().get_or_create(region=region, month=month)
        if not created and run.state not in RECOMPUTABLE:
            raise Conflict(
                _("The run of %(month)s is %(state)s and can no longer be computed again.")
                % {"month": month.strftime("%Y-%m"), "state": run.get_state_display()},
                code="illegal_transition",
            )
        before = {"amount_fen": run.totals.get("amount_fen"), "eligible": run.eligible_count}
        runs.compute(run)
        run.computed_by = as_user(actor)
        run.save()
        after = {
            "amount_fen": run.totals["amount_fen"],
            "eligible": run.eligible_count,
            "elders": run.elder_count,
        }
        if created:
            audit.record(
                actor=actor, action="benefits.run.computed", obj=run, after=after, region_code=region.code
            )
        else:
            advance(
                run,
                RunState.COMPUTED,
                actor=actor,
                reason=_("computed again"),
                details={"before": before, **after},
            )
        return run


def _locked_run(run_id: int) -> EligibilityRun:
    run = EligibilityRun.objects.select_for_update().select_related("region").filter(pk=run_id).first()
    if run is None:
        raise NotFound(_("This run does not exist or is outside your area."))
    return run


@transaction.atomic
def review_run(*, actor, run_id: int, note: str = "") -> EligibilityRun:
    """Take the run's next review step (community check → street check → district approval). The
    district's approval posts its money to the ledger in the same transaction."""
    run = _locked_run(run_id)
    step = {
        RunState.COMPUTED: RunState.COMMUNITY_CHECKED,
        RunState.COMMUNITY_CHECKED: RunState.STREET_CHECKED,
        RunState.STREET_CHECKED: RunState.APPROVED,
    }.get(run.state)
    if step is not None:
        require(may_take_step(actor, run, step), _("This step of the review is not yours to take."))
    if step == RunState.APPROVED and (events := _life_events_since(run)):
        raise Conflict(
            _(
                "%(count)s deaths or moves were recorded in the registry after this run was computed; "
                "return it for correction and compute it again before approving it."
            )
            % {"count": events},
            code="registry_changed",
        )
    advance(
        run,
        step or RunState.APPROVED,
        actor=actor,
        reason=within_limit(note, 300, field="note", label=_("The note")),
    )  # refuses a wrong state
    if step == RunState.APPROVED:
        ledger.post_run(run, actor=actor)
    return run


def _life_events_since(run: EligibilityRun) -> int:
    """Deaths, moves and returns recorded for the region's elders after the run was computed: approving
    it then would pay someone the registry already knows has died or left."""
    return StatusChange.objects.filter(
        runs.in_region(run.region_id, "elder__community_id"), recorded_at__gt=run.computed_at
    ).count()


@transaction.atomic
def return_run(*, actor, run_id: int, reason: str) -> EligibilityRun:
    """Send the run back for correction (退回), with the reason; it is computed again afterwards."""
    if not reason.strip():
        message = _("Say what must be corrected.")
        raise ValidationFailed(message, errors={"reason": message})
    run = _locked_run(run_id)
    if run.state in (RunState.COMPUTED, RunState.COMMUNITY_CHECKED, RunState.STREET_CHECKED):
        require(may_return(actor, run), _("This step of the review is not yours to take."))
    return advance(
        run,
        RunState.RETURNED,
        actor=actor,
        reason=within_limit(reason, 300, field="reason", label=_("The reason")),
    )
