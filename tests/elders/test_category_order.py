"""A category's list comes in the registry's order (community, name, id) from the category's own copy of
its elders' community and name (ElderCategory): every way an elder is written keeps that copy true."""

import pytest
from django.db.models import F, Q

from shouwang.core.actors import SYSTEM
from shouwang.demo.generator import community_centres, generate_people
from shouwang.elders.models import Elder, ElderCategory
from shouwang.elders.selectors import search_elders
from shouwang.elders.services import bulk_register_elders, register_elder, update_elder
from shouwang.regions.models import Level, Region
from tests import factories
from tests.elders.test_imports import MAN, OTHER, WOMAN, line, run, write_csv
from tests.factories import COMMUNITY_A, COMMUNITY_B


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def copies_out_of_step() -> list[tuple]:
    """Category rows whose copy differs from their elder; none of them should ever exist."""
    differ = ~Q(community_code=F("elder__community_id")) | ~Q(name=F("elder__name"))
    return list(
        ElderCategory.objects.filter(differ).values_list("elder__name", "code", "community_code", "name")
    )


def listed(user, **filters) -> list[str]:
    return [elder.name for elder in search_elders(user, **filters)]


def register(actor, name: str, id_number: str, community: str = COMMUNITY_A) -> Elder:
    data = {"name": name, "id_number": id_number, "community": community, "categories": ["低保"]}
    return register_elder(actor=actor, data=data)


def test_a_registered_elder_is_listed_under_the_category_by_name(official):
    register(official, "王五", MAN)
    register(official, "李四", WOMAN)
    register(official, "赵六", OTHER, community=COMMUNITY_B)
    assert copies_out_of_step() == []
    ordered = sorted(Elder.objects.values_list("community_id", "name", "pk"))
    assert listed(official, category="dibao") == [name for _community, name, _pk in ordered]


def test_a_renamed_elder_moves_in_the_category_list(official):
    first = register(official, "王五", MAN)
    register(official, "李四", WOMAN)
    update_elder(actor=official, elder_id=first.pk, data={"name": "艾五"})
    assert copies_out_of_step() == []
    assert listed(official, category="dibao") == sorted(["艾五", "李四"])


def test_an_elder_who_moves_community_moves_in_the_category_list(official, worker_a, worker_b):
    mover = register(official, "王五", MAN)
    update_elder(actor=official, elder_id=mover.pk, data={"community": COMMUNITY_B})
    assert copies_out_of_step() == []
    assert listed(worker_a, category="dibao") == []
    assert listed(worker_b, category="dibao") == ["王五"]
    assert listed(official, category="dibao", community=COMMUNITY_B) == ["王五"]


def test_categories_and_name_changed_together(official):
    elder = register(official, "王五", MAN)
    update_elder(actor=official, elder_id=elder.pk, data={"name": "王武", "categories": ["特困", "低保"]})
    assert copies_out_of_step() == []
    assert listed(official, category="tekun") == listed(official, category="dibao") == ["王武"]


def test_imported_elders_are_listed_under_their_categories(official, tmp_path):
    rows = [
        line("王五", MAN, categories="低保、特困"),
        line("李四", WOMAN, categories="低保", community=COMMUNITY_B),
    ]
    run(official, write_csv(tmp_path / "a.csv", rows))
    assert copies_out_of_step() == []
    assert listed(official, category="dibao") == ["王五", "李四"]  # community A's before community B's


def test_a_reimport_that_renames_or_moves_keeps_the_copies(official, worker_b, tmp_path):
    run(official, write_csv(tmp_path / "a.csv", [line("王五", MAN, categories="低保"), line("李四", WOMAN)]))
    renamed = [line("王武", MAN), line("李四", WOMAN, categories="特困", community=COMMUNITY_B)]
    job = run(official, write_csv(tmp_path / "b.csv", renamed))
    assert job.updated_count == 2
    assert copies_out_of_step() == []
    assert listed(official, category="dibao") == ["王武"]
    assert listed(worker_b, category="tekun") == ["李四"]


def test_bulk_registered_elders_carry_the_copies(tree, official):
    communities = community_centres(
        [
            (region.code, region.name, region.urban_rural_type)
            for region in Region.objects.filter(level=Level.COMMUNITY)
        ]
    )
    people = list(generate_people(60, communities))
    bulk_register_elders(actor=SYSTEM, people=people)
    assert ElderCategory.objects.exists()
    assert copies_out_of_step() == []
    dibao = Elder.objects.filter(categories__code="dibao").order_by("community_id", "name", "pk")
    assert listed(official, category="dibao") == [elder.name for elder in dibao]


def test_a_worker_of_another_community_finds_none_of_a_category(official, worker_b):
    elder = factories.ElderFactory(community_id=COMMUNITY_A)
    ElderCategory.for_elder(elder, "tekun").save()
    assert listed(official, category="tekun") == [elder.name]
    assert listed(worker_b, category="tekun") == []
    assert listed(worker_b, category="tekun", community=COMMUNITY_A) == []
