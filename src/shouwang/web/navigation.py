"""Which console pages each role reaches from the navigation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from . import permissions as pages

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class NavItem:
    label: StrOrPromise  # a lazy translation, read in the user's language when the menu is drawn
    url_name: str
    roles: frozenset


NAVIGATION = (
    NavItem(_("Home"), "web:home", pages.HOME_PAGE_ROLES),
    NavItem(_("Elders"), "elders:list", pages.REGISTRY_PAGE_ROLES),
    NavItem(_("Ability assessment"), "assessments:list", pages.ASSESSMENT_PAGE_ROLES),
    NavItem(_("Service catalogue"), "catalog:list", pages.CATALOG_PAGE_ROLES),
    NavItem(_("Providers"), "providers:list", pages.PROVIDER_PAGE_ROLES),
    NavItem(_("Hotline desk"), "hotline:desk", pages.HOTLINE_DESK_PAGE_ROLES),
    NavItem(_("Facilities"), "facilities:list", pages.FACILITY_PAGE_ROLES),
    NavItem(_("Service circle"), "facilities:circle", pages.SERVICE_CIRCLE_PAGE_ROLES),
    NavItem(_("Home care beds"), "homecare:beds", pages.HOME_CARE_PAGE_ROLES),
    NavItem(_("LTC insurance"), "homecare:ltc", pages.LTC_PAGE_ROLES),
    NavItem(_("Childcare"), "childcare:list", pages.CHILDCARE_PAGE_ROLES),
    NavItem(_("Childcare indicators"), "childcare:indicators", pages.CHILDCARE_INDICATOR_PAGE_ROLES),
    NavItem(_("Pilot programmes"), "pilots:list", pages.PILOT_PAGE_ROLES),
    NavItem(_("Inspections"), "inspections:list", pages.INSPECTION_PAGE_ROLES),
    NavItem(_("Phone desk"), "orders:desk", pages.PHONE_DESK_ROLES),
    NavItem(_("Orders"), "orders:board", pages.ORDER_BOARD_PAGE_ROLES),
    NavItem(_("Incoming orders"), "orders:provider_board", pages.INCOMING_ORDER_PAGE_ROLES),
    NavItem(_("Caregiver routes"), "routes:day", pages.CAREGIVER_ROUTE_PAGE_ROLES),
    NavItem(_("Today's visits"), "orders:my_visits", pages.VISIT_PAGE_ROLES),
    NavItem(_("Visit exceptions"), "orders:exceptions", pages.VISIT_EXCEPTION_PAGE_ROLES),
    NavItem(_("Correction requests"), "orders:corrections", pages.CORRECTION_PAGE_ROLES),
    NavItem(_("Complaints"), "orders:complaints", pages.COMPLAINT_PAGE_ROLES),
    NavItem(_("Alarm console"), "alarms:console", pages.ALARM_PAGE_ROLES),
    NavItem(_("Devices"), "alarms:devices", pages.ALARM_PAGE_ROLES),
    NavItem(_("Answer times"), "alarms:report", pages.ANSWER_TIME_PAGE_ROLES),
    NavItem(_("Knowledge base"), "hotline:knowledge", pages.KNOWLEDGE_PAGE_ROLES),
    NavItem(_("Call statistics"), "hotline:stats", pages.CALL_STATS_PAGE_ROLES),
    NavItem(_("Regular visits"), "visits:list", pages.REGULAR_VISIT_PAGE_ROLES),
    NavItem(_("Visit rules"), "visits:rules", pages.VISIT_RULE_PAGE_ROLES),
    NavItem(_("Visit coverage"), "visits:coverage", pages.VISIT_COVERAGE_PAGE_ROLES),
    NavItem(_("Volunteers"), "visits:volunteers", pages.VOLUNTEER_PAGE_ROLES),
    NavItem(_("Group activities"), "visits:activities", pages.ACTIVITY_PAGE_ROLES),
    NavItem(_("Escorts and companionship"), "visits:help", pages.HELP_PAGE_ROLES),
    NavItem(_("Doctor referrals"), "visits:referrals", pages.REFERRAL_PAGE_ROLES),
    NavItem(_("Care tasks"), "health:tasks", pages.CARE_TASK_PAGE_ROLES),
    NavItem(_("Health-system clients"), "health:clients", pages.HEALTH_CLIENT_PAGE_ROLES),
    NavItem(_("Benefit runs"), "benefits:runs", pages.BENEFIT_RUN_PAGE_ROLES),
    NavItem(_("Benefit policies"), "benefits:policies", pages.BENEFIT_RUN_PAGE_ROLES),
    NavItem(_("Ledger"), "benefits:ledger", pages.LEDGER_PAGE_ROLES),
    NavItem(_("Anomaly cases"), "benefits:cases", pages.ANOMALY_CASE_PAGE_ROLES),
    NavItem(_("Provider statements"), "benefits:statements", pages.STATEMENT_PAGE_ROLES),
    NavItem(_("Reconciliation"), "benefits:reconciliation", pages.RECONCILIATION_PAGE_ROLES),
    NavItem(_("Budgets"), "benefits:budgets", pages.BUDGET_PAGE_ROLES),
    NavItem(_("Users"), "accounts:user_list", pages.USER_PAGE_ROLES),
    NavItem(_("Regions"), "regions:browse", pages.REGION_PAGE_ROLES),
    NavItem(_("Audit log"), "core:audit", pages.AUDIT_PAGE_ROLES),
    NavItem(_("Unsent messages"), "core:failed_messages", pages.OUTBOX_PAGE_ROLES),
)


def items_for(user, current_path: str) -> list[dict]:
    """The user's entries; the current one is the longest URL the path lies under (``/orders/desk/`` is
    the phone desk, not also the order board at ``/orders/``)."""
    role = user.effective_role
    items = [
        {"label": item.label, "url": reverse(item.url_name), "current": False}
        for item in NAVIGATION
        if role in item.roles
    ]
    under = [
        i
        for i in items
        if current_path == i["url"] or (i["url"] != "/" and current_path.startswith(i["url"]))
    ]
    if under:
        max(under, key=lambda i: len(i["url"]))["current"] = True
    return items


def role_may_open(user, url_name: str) -> bool:
    """Whether a page in the navigation is meant for this user's role (views check it too)."""
    role = user.effective_role
    return any(item.url_name == url_name and role in item.roles for item in NAVIGATION)
