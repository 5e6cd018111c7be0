import pytest

from shouwang.core.idnumbers import parse_resident_id
from shouwang.demo.generator import REFERENCE_DATE, community_centres, generate_people

COMMUNITIES = community_centres([("220202001001", "甲社区", "111"), ("220202100201", "丙村", "220")])


def test_every_generated_id_passes_the_check_and_matches_sex_and_birth():
    people = list(generate_people(3000, COMMUNITIES, seed=7))
    assert len({person.id_number for person in people}) == 3000
    for person in people:
        parsed = parse_resident_id(person.id_number, today=REFERENCE_DATE)
        assert (parsed.birth_date, parsed.sex) == (person.birth_date, person.sex)
        assert (REFERENCE_DATE - person.birth_date).days >= 60 * 365


def test_same_seed_same_district_other_seed_other_district():
    first = list(generate_people(200, COMMUNITIES, seed=11))
    assert first == list(generate_people(200, COMMUNITIES, seed=11))
    assert first != list(generate_people(200, COMMUNITIES, seed=12))


def test_proportions_are_plausible():
    people = list(generate_people(5000, COMMUNITIES, seed=3))
    alone = sum(person.living_arrangement == "alone" for person in people) / len(people)
    women = sum(person.sex == "F" for person in people) / len(people)
    assert 0.08 < alone < 0.18 and 0.48 < women < 0.58
    assert all(person.contacts and person.contacts[0].priority == 1 for person in people)
    assert all(person.name_initials and person.name_initials.isascii() for person in people)


@pytest.mark.django_db
def test_loader_creates_a_login_for_every_role(client):
    from django.core.management import call_command

    from shouwang.accounts.models import Role, User
    from shouwang.demo.loader import DEMO_PASSWORD
    from shouwang.elders.models import Elder

    call_command("seed_demo", elders=300)
    assert Elder.objects.count() == 300
    assert set(User.objects.values_list("role", flat=True)) == set(Role.values)
    response = client.post("/accounts/login/", {"username": "official", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert client.get("/").context["elder_count"] > 250
