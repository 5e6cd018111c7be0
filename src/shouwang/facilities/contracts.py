"""公建民营 (publicly built, privately run): the contract between a facility's public owner and its selected
operator, and the operator's reports under it — periodic operating reports, one per period, and reports
of serious incidents whenever one happens. A periodic report is overdue once its period has ended and
``REPORT_GRACE_DAYS`` more have passed without it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.core import audit
from shouwang.core.actors import as_user, is_system, require_actor
from shouwang.core.errors import Forbidden, NotFound, ValidationFailed
from shouwang.core.text import within_limit

from .models import OperatingContract, OperatingReport, Ownership, ReportKind
from .permissions import may_keep_facilities, may_report_figures
from .selectors import facilities_for, get_facility_for

REPORT_GRACE_DAYS = 15
PERIOD_MONTHS = (1, 3, 6, 12)


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def contracts_for(user) -> QuerySet[OperatingContract]:
    return OperatingContract.objects.filter(facility__in=facilities_for(user).values("pk")).select_related(
        "facility", "facility__provider"
    )


def get_contract_for(user, contract_id: int) -> OperatingContract:
    try:
        return contracts_for(user).get(pk=contract_id)
    except OperatingContract.DoesNotExist:
        raise NotFound(_("This contract does not exist or is outside your area.")) from None


def sign_contract(
    *,
    actor,
    facility_id: int,
    public_owner: str,
    number: str,
    starts_on: dt.date,
    ends_on: dt.date,
    reserved_beds: int = 0,
    report_every_months: int = 3,
) -> OperatingContract:
    """The bureau records the contract of a 公建民营 facility with its operator (the facility's provider)."""
    require_actor(actor)
    if not (is_system(actor) or may_keep_facilities(actor)):
        raise Forbidden(_("Only the civil-affairs bureau records operating contracts."))
    facility = get_facility_for(actor, facility_id)
    errors = {}
    if facility.ownership != Ownership.PUBLIC_PRIVATE:
        errors["facility"] = _("Only a publicly built, privately run facility has an operating contract.")
    if ends_on < starts_on:
        errors["ends_on"] = _("The contract cannot end before it starts.")
    if not 0 <= reserved_beds <= facility.beds_total:
        errors["reserved_beds"] = _("More beds are reserved than the facility has.")
    if report_every_months not in PERIOD_MONTHS:
        errors["report_every_months"] = _("Reports are due every 1, 3, 6 or 12 months.")
    try:
        owner = within_limit(public_owner, 120, field="public_owner", label=_("The public owner"))
        number = within_limit(number, 40, field="number", label=_("The contract number"))
    except ValidationFailed as error:
        errors.update(error.errors)
        owner = ""
    if not errors and not (owner and number):
        errors["public_owner" if not owner else "number"] = _("This field is required.")
    if errors:
        message = next(iter(errors.values())) if len(errors) == 1 else _("Please correct the marked fields.")
        raise ValidationFailed(message, errors=errors)
    with transaction.atomic():
        contract = OperatingContract.objects.create(
            facility=facility,
            public_owner=owner,
            number=number,
            starts_on=starts_on,
            ends_on=ends_on,
            reserved_beds=reserved_beds,
            report_every_months=report_every_months,
        )
        audit.record(
            actor=actor,
            action="facilities.contract_signed",
            obj=facility,
            after={"contract": contract.pk, "number": number, "starts_on": starts_on, "ends_on": ends_on},
            region_code=facility.community_id,
            provider_id=facility.provider_id,
        )
    return contract


def submit_report(*, actor, contract_id: int, kind: str, period: dt.date, summary: str) -> OperatingReport:
    """The operator reports under its contract: a periodic report for the period that starts on or
    contains ``period`` (a second one for the same period is refused), or a serious incident of that day."""
    require_actor(actor)
    if not (is_system(actor) or may_report_figures(actor)):
        raise Forbidden(_("Your role may not report a facility's figures."))
    contract = get_contract_for(actor, contract_id)
    if kind not in ReportKind.values:
        raise ValidationFailed(_("Unknown kind of report."), errors={"kind": _("Unknown kind of report.")})
    summary = within_limit(summary, 2000, field="summary", label=_("The summary"))
    if not summary:
        raise ValidationFailed(
            _("Write what the report says."), errors={"summary": _("Write what the report says.")}
        )
    if not contract.starts_on <= period <= min(contract.ends_on, timezone.localdate()):
        message = _("The date lies outside the contract or in the future.")
        raise ValidationFailed(message, errors={"period": message})
    if kind == ReportKind.PERIODIC:
        period = _period_of(contract, period)
    with transaction.atomic():
        if kind == ReportKind.PERIODIC and contract.reports.filter(kind=kind, period=period).exists():
            message = _("The report of this period was already submitted.")
            raise ValidationFailed(message, errors={"period": message}, code="already_reported")
        report = OperatingReport.objects.create(
            contract=contract, kind=kind, period=period, summary=summary, submitted_by=as_user(actor)
        )
        facility = contract.facility
        audit.record(
            actor=actor,
            action="facilities.report_submitted",
            obj=facility,
            after={"contract": contract.pk, "kind": kind, "period": period},
            region_code=facility.community_id,
            provider_id=facility.provider_id,
        )
    return report


def _periods(contract: OperatingContract):
    """The periods of the contract as (start, due date), the first starting the month it starts."""
    start = contract.starts_on.replace(day=1)
    while start <= contract.ends_on:
        end = _add_months(start, contract.report_every_months)
        yield start, end + dt.timedelta(days=REPORT_GRACE_DAYS - 1)
        start = end


def _period_of(contract: OperatingContract, day: dt.date) -> dt.date:
    for start, _due in _periods(contract):
        if start <= day < _add_months(start, contract.report_every_months):
            return start
    return day.replace(day=1)


@dataclass(frozen=True)
class Overdue:
    contract: OperatingContract
    period: dt.date
    due: dt.date


def overdue_reports(user, *, today: dt.date | None = None) -> list[Overdue]:
    """Periodic reports whose due date has passed without them, on the contracts ``user`` may see."""
    today = today or timezone.localdate()
    contracts = list(contracts_for(user).filter(starts_on__lte=today))
    done = set(
        OperatingReport.objects.filter(contract__in=contracts, kind=ReportKind.PERIODIC).values_list(
            "contract_id", "period"
        )
    )
    late = []
    for contract in contracts:
        for start, due in _periods(contract):
            if due >= today:
                break
            if (contract.pk, start) not in done:
                late.append(Overdue(contract, start, due))
    return sorted(late, key=lambda item: (item.due, item.contract.pk))
