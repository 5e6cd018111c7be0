"""The registry list and GET /api/v1/elders go through ``search_page``: exact counts for ordinary searches,
"about N" for very broad ones (estimated on PostgreSQL), per-status counts that never read a broad list."""

import pytest
from django.db import connection

from shouwang.elders import selectors
from shouwang.elders.models import Status
from shouwang.elders.selectors import count_by_status, search_elders
from tests import factories
from tests.factories import COMMUNITY_A, COMMUNITY_B

pytestmark = pytest.mark.django_db
postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="estimates come from PostgreSQL")


@pytest.fixture
def elders(tree, elder_a):
    made = [factories.ElderFactory(community_id=COMMUNITY_A) for _ in range(3)]
    made += [factories.ElderFactory(community_id=COMMUNITY_B) for _ in range(2)]
    made[0].status = Status.DECEASED
    made[0].save(update_fields=["status"])
    return [elder_a, *made]


@pytest.fixture
def estimated(monkeypatch):
    """Every count is "estimated" as PostgreSQL would for a million elders, on any database."""
    monkeypatch.setattr(selectors, "count_matches", lambda elders: (123_000, True))


def test_api_reports_an_exact_count_for_an_ordinary_search(client, official, elders):
    client.force_login(official)
    body = client.get("/api/v1/elders", {"page_size": 2}).json()
    assert (body["count"], body["count_is_estimate"], len(body["items"])) == (6, False, 2)


def test_api_reports_an_estimated_count_as_such(client, official, elders, estimated):
    client.force_login(official)
    body = client.get("/api/v1/elders").json()
    assert (body["count"], body["count_is_estimate"]) == (123_000, True)
    assert len(body["items"]) == 6


@postgres_only
def test_api_on_postgresql_estimates_a_broad_search(client, official, elders, monkeypatch):
    monkeypatch.setattr(selectors, "ESTIMATE_COUNT_FROM", 1)
    client.force_login(official)
    body = client.get("/api/v1/elders").json()
    assert body["count_is_estimate"] is True and len(body["items"]) == 6


def test_api_scope_is_unchanged(client, worker_b, elders):
    client.force_login(worker_b)
    body = client.get("/api/v1/elders").json()
    assert (body["count"], body["count_is_estimate"]) == (2, False)
    assert {item["community_code"] for item in body["items"]} == {COMMUNITY_B}


def test_list_page_shows_exact_counts_without_about(client, official, elders):
    client.force_login(official)
    page = client.get("/elders/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "6 records" in page and "data-count-estimate" not in page


def test_list_page_says_about_n_when_the_count_is_estimated(client, official, elders, estimated):
    client.force_login(official)
    page = client.get("/elders/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "about 123000 records" in page
    assert "<strong>about 123000</strong>" in page  # the per-status counts, estimated too


def test_status_counts_are_exact_when_the_list_count_is(official, elders):
    counts = count_by_status(search_elders(official), total_is_estimate=False)
    assert counts == {"active": (5, False), "moved_out": (0, False), "deceased": (1, False)}


def test_status_counts_keep_the_users_scope(worker_a, elders):
    counts = count_by_status(search_elders(worker_a), total_is_estimate=False)
    assert counts == {"active": (3, False), "moved_out": (0, False), "deceased": (1, False)}


def test_status_counts_of_a_broad_list_are_counted_per_status(official, elders, monkeypatch):
    seen = []

    def spy(queryset):
        seen.append(set(queryset.values_list("status", flat=True)))
        return 123_000, True

    monkeypatch.setattr(selectors, "count_matches", spy)
    counts = count_by_status(search_elders(official), total_is_estimate=True)
    assert counts == {status: (123_000, True) for status in Status.values}
    assert seen == [{"active"}, set(), {"deceased"}]


@postgres_only
def test_status_counts_on_postgresql_estimate_only_common_statuses(official, elders, monkeypatch):
    monkeypatch.setattr(selectors, "ESTIMATE_COUNT_FROM", 1)
    counts = count_by_status(search_elders(official), total_is_estimate=True)
    # The planner expects at least one row of every status; each is flagged as an estimate.
    assert all(estimate for _count, estimate in counts.values())
    monkeypatch.setattr(selectors, "ESTIMATE_COUNT_FROM", 10**9)
    counts = count_by_status(search_elders(official), total_is_estimate=True)
    assert counts == {"active": (5, False), "moved_out": (0, False), "deceased": (1, False)}
