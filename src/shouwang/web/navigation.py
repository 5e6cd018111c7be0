"""Which console pages each role reaches from the navigation."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from shouwang.accounts.models import Role

EVERY_ROLE = frozenset(Role)
SUPERVISORS = frozenset({Role.ADMIN, Role.OFFICIAL})
REGISTRY_ROLES = frozenset({Role.ADMIN, Role.OFFICIAL, Role.COMMUNITY_WORKER, Role.OPERATOR})
ASSESSMENT_ROLES = frozenset({Role.ADMIN, Role.OFFICIAL, Role.COMMUNITY_WORKER, Role.ASSESSOR})
USER_MANAGERS = frozenset({Role.ADMIN, Role.OFFICIAL, Role.PROVIDER_ADMIN})


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
    NavItem(_("Users"), "accounts:user_list", USER_MANAGERS),
    NavItem(_("Regions"), "regions:browse", SUPERVISORS | {Role.OPERATOR, Role.COMMUNITY_WORKER}),
    NavItem(_("Audit log"), "core:audit", SUPERVISORS),
)


def items_for(user, current_path: str) -> list[dict]:
    role = user.effective_role
    items = []
    for item in NAVIGATION:
        if role not in item.roles:
            continue
        url = reverse(item.url_name)
        is_current = current_path == url if url == "/" else current_path.startswith(url)
        items.append({"label": item.label, "url": url, "current": is_current})
    return items


def role_may_open(user, url_name: str) -> bool:
    """Whether a page in the navigation is meant for this user's role (views check it too)."""
    role = user.effective_role
    return any(item.url_name == url_name and role in item.roles for item in NAVIGATION)
