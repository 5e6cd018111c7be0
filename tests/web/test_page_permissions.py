"""Which role reaches which page of the navigation (web/permissions.py), written out role by role: the
table the console's navigation and ``console_page`` share."""

import pytest

from shouwang.web.navigation import NAVIGATION, role_may_open
from tests.roles import as_role, roles

STAFF = "admin official operator community_worker"
PAGES = {
    "web:home": (
        "admin official operator community_worker assessor provider_admin caregiver volunteer elder "
        "childcare_admin"
    ),
    "elders:list": STAFF,
    "assessments:list": "admin official community_worker assessor",
    "catalog:list": f"{STAFF} provider_admin",
    "providers:list": "admin official provider_admin",
    "hotline:desk": STAFF,
    "facilities:list": f"{STAFF} provider_admin",
    "facilities:circle": "admin official community_worker",
    "homecare:beds": f"{STAFF} provider_admin",
    "homecare:ltc": f"{STAFF} provider_admin",
    "orders:desk": f"{STAFF} provider_admin",
    "orders:board": STAFF,
    "orders:provider_board": "provider_admin",
    "orders:my_visits": "caregiver",
    "orders:exceptions": "admin official provider_admin",
    "orders:corrections": "admin official provider_admin caregiver",
    "orders:complaints": f"{STAFF} provider_admin elder",
    "alarms:console": STAFF,
    "alarms:devices": STAFF,
    "alarms:report": "admin official operator",
    "hotline:knowledge": STAFF,
    "hotline:stats": STAFF,
    "visits:list": f"{STAFF} volunteer",
    "visits:rules": "admin official community_worker",
    "visits:coverage": "admin official community_worker",
    "visits:volunteers": "admin official community_worker volunteer",
    "visits:activities": "admin official community_worker volunteer",
    "visits:help": "admin official community_worker volunteer",
    "visits:referrals": "admin official community_worker",
    "routes:day": "provider_admin",
    "childcare:list": "admin official community_worker childcare_admin",
    "childcare:indicators": "admin official community_worker",
    "pilots:list": "admin official",
    "inspections:list": "admin official provider_admin childcare_admin",
    "benefits:runs": "admin official community_worker",
    "benefits:policies": "admin official community_worker",
    "benefits:ledger": "admin official",
    "benefits:cases": "admin official",
    "benefits:statements": "admin official provider_admin",
    "benefits:reconciliation": "admin official",
    "benefits:budgets": "admin official",
    "accounts:user_list": "admin official provider_admin",
    "regions:browse": STAFF,
    "core:audit": "admin official",
    "core:failed_messages": "admin",
    "health:tasks": "admin official community_worker",
    "health:clients": "admin official",
}


def test_every_page_of_the_navigation_is_in_the_table():
    assert {item.url_name for item in NAVIGATION} == set(PAGES)


@pytest.mark.parametrize(("url_name", "allowed"), PAGES.items())
def test_who_opens_each_page(url_name, allowed):
    everyone = [*roles(PAGES["web:home"])]
    assert {role for role in everyone if role_may_open(as_role(role), url_name)} == roles(allowed)
