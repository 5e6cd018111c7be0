"""Which console pages each role reaches from the navigation."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from shouwang.accounts.models import Role
from shouwang.benefits.permissions import (
    BUDGET_KEEPERS,
    CASE_REVIEWERS,
    LEDGER_READERS,
    RUN_READERS,
    STATEMENT_ISSUERS,
    STATEMENT_READERS,
)

EVERY_ROLE = frozenset(Role)
SUPERVISORS = frozenset({Role.ADMIN, Role.OFFICIAL})
REGISTRY_ROLES = frozenset({Role.ADMIN, Role.OFFICIAL, Role.COMMUNITY_WORKER, Role.OPERATOR})
ASSESSMENT_ROLES = frozenset({Role.ADMIN, Role.OFFICIAL, Role.COMMUNITY_WORKER, Role.ASSESSOR})
USER_MANAGERS = frozenset({Role.ADMIN, Role.OFFICIAL, Role.PROVIDER_ADMIN})
ORDER_DESK_ROLES = frozenset({Role.ADMIN, Role.OFFICIAL, Role.OPERATOR, Role.COMMUNITY_WORKER})
ALARM_ROLES = frozenset({Role.ADMIN, Role.OFFICIAL, Role.OPERATOR, Role.COMMUNITY_WORKER})


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    roles: frozenset


NAVIGATION = (
    NavItem(_("Home"), "web:home", EVERY_ROLE),
    NavItem(_("Elders"), "elders:list", REGISTRY_ROLES),
    NavItem(_("Ability assessment"), "assessments:list", ASSESSMENT_ROLES),
    NavItem(_("Service catalogue"), "catalog:list", REGISTRY_ROLES | {Role.PROVIDER_ADMIN}),
    NavItem(_("Providers"), "providers:list", SUPERVISORS | {Role.PROVIDER_ADMIN}),
    NavItem(_("Phone desk"), "orders:desk", ORDER_DESK_ROLES | {Role.PROVIDER_ADMIN}),
    NavItem(_("Orders"), "orders:board", ORDER_DESK_ROLES),
    NavItem(_("Incoming orders"), "orders:provider_board", {Role.PROVIDER_ADMIN}),
    NavItem(_("Today's visits"), "orders:my_visits", {Role.CAREGIVER}),
    NavItem(_("Visit exceptions"), "orders:exceptions", SUPERVISORS | {Role.PROVIDER_ADMIN}),
    NavItem(
        _("Correction requests"), "orders:corrections", SUPERVISORS | {Role.PROVIDER_ADMIN, Role.CAREGIVER}
    ),
    NavItem(_("Complaints"), "orders:complaints", ORDER_DESK_ROLES | {Role.PROVIDER_ADMIN, Role.ELDER}),
    NavItem(_("Alarm console"), "alarms:console", ALARM_ROLES),
    NavItem(_("Devices"), "alarms:devices", ALARM_ROLES),
    NavItem(_("Answer times"), "alarms:report", SUPERVISORS | {Role.OPERATOR}),
    NavItem(_("Benefit runs"), "benefits:runs", RUN_READERS),
    NavItem(_("Benefit policies"), "benefits:policies", RUN_READERS),
    NavItem(_("Ledger"), "benefits:ledger", LEDGER_READERS),
    NavItem(_("Anomaly cases"), "benefits:cases", CASE_REVIEWERS),
    NavItem(_("Provider statements"), "benefits:statements", STATEMENT_READERS),
    NavItem(_("Reconciliation"), "benefits:reconciliation", STATEMENT_ISSUERS),
    NavItem(_("Budgets"), "benefits:budgets", BUDGET_KEEPERS),
    NavItem(_("Users"), "accounts:user_list", USER_MANAGERS),
    NavItem(_("Regions"), "regions:browse", SUPERVISORS | {Role.OPERATOR, Role.COMMUNITY_WORKER}),
    NavItem(_("Audit log"), "core:audit", SUPERVISORS),
    NavItem(_("Unsent messages"), "core:failed_messages", {Role.ADMIN}),
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
