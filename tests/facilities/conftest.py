"""One small world per test module (built once, rolled back after the module): two operators with a
facility each in communities A and B, officials of the district and of street B only, elders with homes
on the map. Each test runs in a savepoint of it (the ``db`` fixture)."""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from django.db import transaction

from shouwang.core.actors import SYSTEM
from shouwang.facilities.services import register_facility
from tests import factories

STREET_B = "220202002000"
# Community A's homes lie around (43.85, 126.55); community B's 5 km east.
A_LAT, A_LON = 43.85, 126.55
B_LAT, B_LON = 43.85, 126.612


def facility(provider, community: str, **data):
    values = {
        "name": "甲日间照料中心",
        "kind": "day_care",
        "address": "解放北路1号",
        "provider": provider.pk,
        "community": community,
        "services": ["daily_living", "meal"],
        **data,
    }
    return register_facility(actor=SYSTEM, data=values)


def build() -> SimpleNamespace:
    factories.load_tree()
    provider_a, provider_b = factories.provider("甲服务商"), factories.provider("乙服务商")
    w = SimpleNamespace(provider_a=provider_a, provider_b=provider_b)
    w.admin = factories.user("admin")
    w.official = factories.user("official", regions=(factories.DISTRICT,))
    w.official_b = factories.user("official", regions=(STREET_B,))
    w.worker_a = factories.user("community_worker", regions=(factories.COMMUNITY_A,))
    w.padmin_a = factories.user("provider_admin", provider_id=provider_a.pk)
    w.padmin_b = factories.user("provider_admin", provider_id=provider_b.pk)
    w.caregiver_a = factories.user("caregiver", provider_id=provider_a.pk)
    w.day_care = facility(provider_a, factories.COMMUNITY_A, lat=A_LAT, lon=A_LON, beds_total=10)
    w.meal_point = facility(
        provider_b,
        factories.COMMUNITY_B,
        name="乙老年食堂",
        kind="meal_point",
        lat=B_LAT,
        lon=B_LON,
        services=["meal"],
    )
    w.home = facility(
        provider_a,
        factories.COMMUNITY_A,
        name="甲养老院",
        kind="institution",
        ownership="public_private",
        beds_total=100,
        beds_reserved=20,
        services=["basic_care", "health"],
        lat=A_LAT + 0.05,
        lon=A_LON,
    )
    return w


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        factories.ensure_seeded_rows()
        yield build()
        transaction.set_rollback(True)


@pytest.fixture
def w(world, db):
    return world


@dataclass
class Json:
    client: object

    def get(self, url, **params):
        return self.client.get(url, params)

    def post(self, url, body):
        import json

        return self.client.post(url, data=json.dumps(body, default=str), content_type="application/json")

    def patch(self, url, body):
        import json

        return self.client.patch(url, data=json.dumps(body, default=str), content_type="application/json")


@pytest.fixture
def api(client, english):
    def login(user) -> Json:
        client.force_login(user)
        return Json(client)

    return login
