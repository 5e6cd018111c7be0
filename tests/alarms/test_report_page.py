"""The answer-time report page: per team (district) and month, against the sector targets, in scope."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from shouwang.core.actors import SYSTEM
from shouwang.regions.services import load_regions
from tests import factories
from tests.alarms.factories import DeviceFactory, IncidentFactory

pytestmark = pytest.mark.django_db

OTHER_DISTRICT, OTHER_COMMUNITY = "220203000000", "220203001001"
OCTOBER = dt.datetime(2026, 10, 15, 2, 0, tzinfo=dt.UTC)


@pytest.fixture
def other_district(tree):
    load_regions(
        actor=SYSTEM,
        rows=[
            {"code": OTHER_DISTRICT, "name": "船营区", "urban_rural_type": ""},
            {"code": "220203001000", "name": "北京路街道", "urban_rural_type": ""},
            {"code": OTHER_COMMUNITY, "name": "丁社区", "urban_rural_type": "111"},
        ],
    )


@pytest.fixture
def operator_other(other_district):
    return factories.user("operator", regions=(OTHER_DISTRICT,), username="operator_other")


def _answered(elder, seconds: float, opened=OCTOBER, **fields):
    return IncidentFactory(
        device=DeviceFactory(elder=elder),
        opened_at=opened,
        acknowledged_at=opened + dt.timedelta(seconds=seconds),
        state="acknowledged",
        **fields,
    )


@pytest.fixture
def october(elder_a, elder_b, other_district):
    """Three alarms in 昌邑区 (answered after 30 s, 30 s and 120 s) and one in 船营区."""
    _answered(elder_a, 30)
    _answered(elder_a, 30)
    _answered(elder_b, 120)
    _answered(factories.ElderFactory(community_id=OTHER_COMMUNITY), 20)


def _rows(page: str) -> dict[str, str]:
    """Team code → the row's count cell."""
    return dict(re.findall(r'data-team="(\d+)">.*?data-field="count">(\d+)<', page, re.S))


def test_the_page_shows_a_row_per_team_with_counts_and_target_badges(client, operator, october):
    client.force_login(operator)
    response = client.get("/alarms/report/", {"month": "2026-10"})
    page = response.content.decode()

    assert response.status_code == 200
    assert _rows(page) == {factories.DISTRICT: "3"}
    assert "昌邑区" in page and "船营区" not in page
    assert "66.7 %" in page and "100.0 %" in page  # within 60 s and within 180 s
    assert page.index('data-meets="no"') < page.index('data-meets="yes"')  # 60 s missed, 180 s met
    assert 'value="2026-10"' in page


def test_an_operator_of_another_district_sees_only_their_own_team(client, operator_other, october):
    client.force_login(operator_other)
    page = client.get("/alarms/report/", {"month": "2026-10"}).content.decode()
    assert _rows(page) == {OTHER_DISTRICT: "1"}
    assert "昌邑区" not in page


def test_admin_sees_every_team(client, admin_user, october):
    client.force_login(admin_user)
    page = client.get("/alarms/report/", {"month": "2026-10"}).content.decode()
    assert _rows(page) == {factories.DISTRICT: "3", OTHER_DISTRICT: "1"}


def test_the_month_defaults_to_this_month(client, operator, elder_a):
    _answered(elder_a, 10, opened=timezone.now())
    client.force_login(operator)
    page = client.get("/alarms/report/").content.decode()
    assert f'value="{timezone.localdate():%Y-%m}"' in page
    assert _rows(page) == {factories.DISTRICT: "1"}


def test_another_month_is_empty(client, operator, october):
    client.force_login(operator)
    page = client.get("/alarms/report/", {"month": "2026-09"}).content.decode()
    assert _rows(page) == {}
    assert "data-empty" in page


def test_a_bad_month_shows_the_message(client, operator):
    client.force_login(operator)
    response = client.get("/alarms/report/", {"month": "October"})
    assert response.status_code == 200
    assert "data-error" in response.content.decode()


def test_community_workers_and_providers_may_not_open_it(client, worker_a, provider_admin_a):
    for user in (worker_a, provider_admin_a):
        client.force_login(user)
        assert client.get("/alarms/report/").status_code == 403


def test_the_navigation_offers_it_to_operators_only(client, operator, worker_a):
    client.force_login(operator)
    assert 'href="/alarms/report/"' in client.get("/alarms/console/").content.decode()
    client.force_login(worker_a)
    assert 'href="/alarms/report/"' not in client.get("/alarms/console/").content.decode()


def test_anonymous_is_sent_to_login(client):
    response = client.get("/alarms/report/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
