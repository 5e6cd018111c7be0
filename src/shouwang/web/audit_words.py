"""Audit action codes in words: home pages and the audit log say "placed an order", not ``order.create``.

Every code the source writes has its phrase here (``tests/web/test_audit_words.py`` reads the source and
fails on a code without one). A family of codes over a state or an event (``order.{state}``) takes that
choice's label; a code that is neither shows as it is, so a record is never hidden.
"""

from __future__ import annotations

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from shouwang.benefits.case_models import CaseState
from shouwang.benefits.models import RunState, StatementState
from shouwang.childcare.models import RegistrationState
from shouwang.elders.models import LifeEvent
from shouwang.orders.models import CorrectionState, OrderState
from shouwang.pilots.models import PilotState
from shouwang.providers.models import ListKind

WORDS = {
    "accounts.login": _("signed in"),
    "accounts.login_failed": _("failed to sign in"),
    "accounts.logout": _("signed out"),
    "accounts.token.create": _("created an API key"),
    "accounts.token.revoke": _("revoked an API key"),
    "accounts.user.create": _("created a user"),
    "accounts.user.set_password": _("set a password"),
    "accounts.user.update": _("changed a user"),
    "alarms.checkin": _("recorded the elder's daily “I am fine”"),
    "alarms.device_bound": _("bound a device to an elder"),
    "alarms.device_registered": _("registered a device"),
    "alarms.device_retired": _("retired a device"),
    "alarms.device_unbound": _("unbound a device"),
    "alarms.incident_acknowledged": _("took an alarm"),
    "alarms.incident_calling_elder": _("called the elder about an alarm"),
    "alarms.incident_closed": _("closed an alarm"),
    "alarms.incident_contact": _("called a contact about an alarm"),
    "alarms.incident_escalated": _("escalated an alarm"),
    "alarms.incident_on_site": _("recorded help on site"),
    "alarms.incident_opened": _("opened an alarm"),
    "alarms.incident_responder_sent": _("sent a responder"),
    "assessments.approve": _("approved an assessment"),
    "assessments.assign": _("assigned an assessment"),
    "assessments.care_plan.approve": _("approved a care plan"),
    "assessments.care_plan.draft": _("drafted a care plan"),
    "assessments.care_plan.items": _("changed a care plan's services"),
    "assessments.care_plan.supersede": _("replaced a care plan"),
    "assessments.discard": _("discarded an assessment draft"),
    "assessments.legacy_import": _("imported past assessments"),
    "assessments.return": _("returned an assessment for correction"),
    "assessments.save": _("saved an assessment draft"),
    "assessments.start": _("started an assessment"),
    "assessments.submit": _("submitted an assessment"),
    "benefits.budget.set": _("set a budget"),
    "hotline.article_created": _("wrote a knowledge article"),
    "hotline.article_retired": _("retired a knowledge article"),
    "hotline.article_updated": _("changed a knowledge article"),
    "hotline.call_back_done": _("made a promised call-back"),
    "hotline.call_back_promised": _("promised a call-back"),
    "hotline.call_recorded": _("recorded a hotline call"),
    "hotline.care_call_done": _("made an active-care call"),
    "hotline.care_list_generated": _("made the day's active-care list"),
    "hotline.on_behalf": _("acted on an elder's behalf (代办)"),
    "benefits.case.open": _("opened an anomaly case"),
    "benefits.checks.run": _("ran the anomaly checks"),
    "benefits.ledger.reverse": _("reversed a ledger entry"),
    "benefits.payment.batch": _("made a payment batch"),
    "benefits.payment.file": _("downloaded a bank payment file"),
    "benefits.payment.return": _("imported a bank return file"),
    "benefits.payment.withhold": _("withheld a payment of an elder who died or moved out"),
    "benefits.run.export": _("exported an eligibility run"),
    "benefits.vouchers.year_end": _("closed the voucher year"),
    "benefits.policy.create": _("created a benefit policy"),
    "benefits.policy.version": _("issued a policy version"),
    "benefits.run.computed": _("computed an eligibility run"),
    "benefits.statement.correction": _("corrected an order on a provider statement"),
    "benefits.statement.issued": _("issued a provider statement"),
    "benefits.voucher.redeem": _("redeemed a voucher"),
    "catalog.item.create": _("added a service item"),
    "catalog.item.reactivate": _("brought back a service item"),
    "catalog.item.retire": _("retired a service item"),
    "catalog.item.update": _("changed a service item"),
    "facilities.register": _("registered a facility"),
    "facilities.update": _("changed a facility"),
    "facilities.change_proposed": _("proposed a change to a facility"),
    "facilities.change_approved": _("approved a change to a facility"),
    "facilities.change_refused": _("refused a change to a facility"),
    "facilities.figures_reported": _("reported a facility's monthly figures"),
    "facilities.move_in": _("recorded an elder moving into a facility"),
    "facilities.move_out": _("recorded an elder moving out of a facility"),
    "facilities.meal_rate_set": _("set a meal subsidy rate"),
    "facilities.meals_recorded": _("recorded meals served"),
    "facilities.contract_signed": _("recorded an operating contract"),
    "facilities.report_submitted": _("submitted an operating report"),
    "childcare.filed": _("filed a childcare institution"),
    "childcare.updated": _("changed a childcare institution's record"),
    "childcare.staff_added": _("added a childcare staff member"),
    "childcare.staff_removed": _("removed a childcare staff member"),
    "childcare.population": _("recorded a region's population"),
    "childcare.target": _("set a childcare plan target"),
    "pilot.objection": _("recorded an objection to a pilot programme"),
    "pilot.milestone": _("recorded a pilot programme's milestone"),
    "pilot.report": _("reported a pilot programme's indicator"),
    "pilot.document": _("added a pilot programme's document"),
    "inspections.plan_drawn": _("drew an inspection round"),
    "inspections.inspected": _("recorded an inspection's findings"),
    "inspections.published": _("published an inspection round's results"),
    "inspections.finding_responded": _("reported a finding's rectification"),
    "inspections.finding_closed": _("closed a finding after re-inspection"),
    "inspections.finding_reopened": _("reopened a finding with a new deadline"),
    "inspections.finding_escalated": _("escalated a finding"),
    "core.message.requeue": _("sent a message again"),
    "elders.payment_account": _("set an elder's payment account"),
    "elders.ability": _("recorded an elder's ability level"),
    "elders.assign": _("assigned a worker to an elder"),
    "elders.contacts": _("changed the emergency contacts"),
    "elders.bulk_register": _("registered elders in bulk"),
    "elders.create": _("registered an elder"),
    "elders.export": _("exported the registry"),
    "elders.import": _("imported the registry"),
    "elders.import.create": _("registered an elder by import"),
    "elders.import.start": _("started an import"),
    "elders.import.update": _("updated an elder by import"),
    "elders.reveal": _("viewed an elder's full ID and phone"),
    "elders.update": _("corrected an elder's record"),
    "order.complaint.assign": _("assigned a complaint"),
    "order.complaint.close": _("closed a complaint"),
    "order.complaint.file": _("filed a complaint"),
    "order.complaint.resolve": _("resolved a complaint"),
    "order.create": _("placed an order"),
    "order.no_candidate": _("found no provider for an order"),
    "orders.check_in": _("checked in for a visit"),
    "orders.check_out": _("checked out of a visit"),
    "orders.confirmation_code_refused": _("entered a wrong confirmation code"),
    "orders.confirmation_code_sent": _("sent a confirmation code"),
    "orders.correction_requested": _("asked to correct a visit"),
    "orders.exception_resolved": _("resolved a visit exception"),
    "orders.visit_exception": _("a visit exception was raised"),
    "providers.admit": _("admitted a provider"),
    "providers.apply": _("applied as a provider"),
    "providers.apply_online": _("applied online as a provider"),
    "providers.contract": _("signed a contract"),
    "providers.create": _("added a provider"),
    "providers.exit": _("recorded a provider's exit"),
    "providers.inspection": _("recorded an inspection"),
    "providers.licence": _("added a licence"),
    "providers.price": _("set a price"),
    "providers.reject": _("refused a provider's admission"),
    "providers.review": _("started a provider review"),
    "providers.staff.add": _("added a staff member"),
    "providers.staff.certificate": _("added a certificate"),
    "providers.staff.deactivate": _("deactivated a staff member"),
    "providers.staff.reactivate": _("reactivated a staff member"),
    "providers.staff.shifts": _("set working hours"),
    "providers.staff.skills": _("set skills"),
    "providers.staff.training": _("recorded a training"),
    "providers.staff.update": _("changed a staff member"),
    "regions.load": _("loaded the divisions"),
    "regions.set_centres": _("set the divisions' centres"),
    "portal.link": _("linked a family login to an elder"),
    "portal.link_code_refused": _("typed a wrong family-link code"),
    "portal.link_code_sent": _("sent a family-link code to the elder's phone"),
    "portal.link_code_unmatched": _("asked for a family-link code for an unregistered ID number"),
    "portal.unlink": _("ended a family link"),
    "visits.completed": _("recorded a regular visit"),
    "visits.escalated": _("escalated an overdue visit"),
    "visits.follow_up.incident": _("alerted the call centre after a visit"),
    "visits.activity.attendance": _("recorded who came to a group activity"),
    "visits.activity.create": _("created a group activity"),
    "visits.activity.sign_up": _("signed up for a group activity"),
    "visits.follow_up.order": _("ordered services after a visit"),
    "visits.follow_up.review": _("asked for a re-assessment after a visit"),
    "visits.generated": _("made the due visits"),
    "visits.rule.create": _("created a visit rule"),
    "visits.rule.update": _("changed a visit rule"),
    "visits.volunteer.confirm": _("confirmed a volunteer's visit"),
    "visits.volunteer.donate": _("gave a volunteer's hours to another volunteer"),
    "visits.volunteer.redeem": _("redeemed a volunteer's hours"),
    "visits.volunteer.register": _("registered a volunteer"),
}
# (prefix, suffix) of a family → the choices its variable part comes from, and the phrase around the label.
FAMILIES = {
    ("order.", ""): (OrderState, _("moved an order to %(state)s")),
    ("benefits.run.", ""): (RunState, _("moved an eligibility run to %(state)s")),
    ("benefits.case.", ""): (CaseState, _("moved an anomaly case to %(state)s")),
    ("benefits.statement.", ""): (StatementState, _("moved a provider statement to %(state)s")),
    ("elders.", ""): (LifeEvent, _("recorded a life event: %(state)s")),
    ("orders.correction_", ""): (CorrectionState, _("decided a visit correction: %(state)s")),
    ("providers.", "_list"): (ListKind, _("put a provider on the %(state)s")),
    ("childcare.", ""): (RegistrationState, _("decided a childcare filing: %(state)s")),
    ("pilot.", ""): (PilotState, _("moved a pilot programme to %(state)s")),
}


def action_words(code: str) -> str:
    """The phrase for an audit action code, in the active language."""
    if code in WORDS:
        return str(WORDS[code])
    for (prefix, suffix), (choices, phrase) in FAMILIES.items():
        middle = code[len(prefix) : len(code) - len(suffix)] if code.endswith(suffix) else None
        if code.startswith(prefix) and middle in choices.values:
            return gettext(str(phrase)) % {"state": choices(middle).label}
    return code


def has_words(code: str) -> bool:
    """Whether ``code`` has its own phrase (for the test); a family is given as ``prefix{}suffix``."""
    if "{}" in code:
        return tuple(code.split("{}", 1)) in FAMILIES
    return action_words(code) != code
