"""A page of search results: exact counts for ordinary searches, the planner's estimate for very broad
ones on PostgreSQL (flagged, so the console can say "about N")."""

import pytest
from django.db import connection

from shouwang.elders import selectors
from shouwang.elders.models import ElderCategory
from shouwang.elders.selectors import search_elders, search_page
from tests import factories
from tests.factories import COMMUNITY_A, COMMUNITY_B


@pytest.fixture
def elders(tree):
    made = [factories.ElderFactory(community_id=COMMUNITY_A) for _ in range(5)]
    made += [factories.ElderFactory(community_id=COMMUNITY_B) for _ in range(2)]
    for elder in made[:3]:
        ElderCategory.for_elder(elder, "dibao").save()
    ElderCategory.for_elder(made[0], "tekun").save()
    ElderCategory.for_elder(made[5], "tekun").save()
    return made


def test_a_page_counts_exactly_and_lists_in_order(official, elders):
    page = search_page(search_elders(official), page=1, page_size=3)
    assert (page.count, page.count_is_estimate, page.pages) == (7, False, 3)
    assert [elder.pk for elder in page.items] == [elder.pk for elder in search_elders(official)[:3]]


def test_a_page_past_the_last_shows_the_last(official, elders):
    page = search_page(search_elders(official), page=9, page_size=3)
    assert page.page == 3 and len(page.items) == 1


def test_category_finds_each_elder_of_it_once(official, elders):
    found = search_elders(official, category="tekun")
    assert sorted(elder.pk for elder in found) == sorted([elders[0].pk, elders[5].pk])
    assert search_page(search_elders(official, category="dibao")).count == 3


def test_category_stays_within_the_users_scope(worker_a, elders):
    assert [elder.pk for elder in search_elders(worker_a, category="tekun")] == [elders[0].pk]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="estimates come from PostgreSQL's planner")
def test_a_broad_search_on_postgresql_reports_an_estimate(official, elders, monkeypatch):
    monkeypatch.setattr(selectors, "ESTIMATE_COUNT_FROM", 1)
    page = search_page(search_elders(official), page=1, page_size=3)
    assert page.count_is_estimate
    assert page.count >= 1
    assert len(page.items) == 3


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the other databases count exactly")
def test_other_databases_always_count_exactly(official, elders, monkeypatch):
    monkeypatch.setattr(selectors, "ESTIMATE_COUNT_FROM", 1)
    page = search_page(search_elders(official))
    assert (page.count, page.count_is_estimate) == (7, False)


def test_estimates_are_rounded_to_three_figures():
    assert selectors._three_figures(123_456) == 123_000
    assert selectors._three_figures(20_049) == 20_000
    assert selectors._three_figures(987) == 987


def test_a_typed_search_lists_in_the_same_order_as_the_list(official, elders):
    # Typed searches sort their few matches by an expression (see search_elders); the order is the same.
    found = [elder.pk for elder in search_elders(official, q="张三")]
    listed = [elder.pk for elder in search_elders(official) if "张三" in elder.name]
    assert found == listed and len(found) == 7


@pytest.mark.parametrize("how", ["q", "name"])
def test_a_name_part_within_one_community_finds_it_anywhere_in_the_name(official, worker_b, tree, how):
    """Within one community the name conditions are answered from its index (a subquery of ids); what they
    find is unchanged: the part at the start, the end or inside a name, in that community only."""
    wang = factories.ElderFactory(community_id=COMMUNITY_A, name="王大爷")
    li_wang = factories.ElderFactory(community_id=COMMUNITY_A, name="李王氏")
    inside = factories.ElderFactory(community_id=COMMUNITY_A, name="欧阳王芳")
    factories.ElderFactory(community_id=COMMUNITY_A, name="张三")
    factories.ElderFactory(community_id=COMMUNITY_B, name="王奶奶")

    found = search_elders(official, community=COMMUNITY_A, **{how: "王"})

    assert sorted(elder.pk for elder in found) == sorted([wang.pk, li_wang.pk, inside.pk])
    assert search_page(found).count == 3
    assert not search_elders(worker_b, community=COMMUNITY_A, **{how: "王"}).exists()


@pytest.fixture
def wangs(tree):
    """Names with 王 at the start, in the middle of three characters, inside four and at the end."""
    names = ["王大爷", "李王氏", "欧阳王芳", "老王", "张三"]
    made = {name: factories.ElderFactory(community_id=COMMUNITY_A, name=name) for name in names}
    made["王奶奶"] = factories.ElderFactory(community_id=COMMUNITY_B, name="王奶奶")
    return made


@pytest.mark.parametrize("how", ["q", "name"])
def test_one_character_across_the_district_is_found_anywhere_in_the_name(official, wangs, how):
    """A single character is looked up in the index of the names' characters on PostgreSQL (migration
    0009) and listed in the list's own order."""
    found = [elder.name for elder in search_elders(official, **{how: "王"})]
    listed = [elder.name for elder in search_elders(official) if "王" in elder.name]
    assert found == listed
    assert sorted(found) == sorted(["王大爷", "李王氏", "欧阳王芳", "老王", "王奶奶"])
    assert search_page(search_elders(official, **{how: "王"})).count == 5


def test_a_workers_own_community_is_searched_as_one_community(worker_a, worker_b, wangs):
    """A community worker's area is one community: their typed search takes that community's path without
    naming it, and finds the same."""
    found = [elder.name for elder in search_elders(worker_a, q="王")]
    assert found == [elder.name for elder in search_elders(worker_a, q="王", community=COMMUNITY_A)]
    assert sorted(found) == sorted(["王大爷", "李王氏", "欧阳王芳", "老王"])
    assert [elder.name for elder in search_elders(worker_b, q="王")] == ["王奶奶"]


def test_a_name_part_within_a_category_is_matched_on_the_category_too(official, worker_b, wangs):
    for name in ("李王氏", "张三", "王奶奶"):
        ElderCategory.for_elder(wangs[name], "dibao").save()
    found = [elder.name for elder in search_elders(official, category="dibao", q="王")]
    assert found == ["李王氏", "王奶奶"]  # community A's before community B's
    assert [elder.name for elder in search_elders(worker_b, category="dibao", q="王")] == ["王奶奶"]
    assert search_elders(worker_b, category="dibao", q="王", community=COMMUNITY_A).count() == 0
