import pytest

from shouwang.accounts.models import Role, User
from shouwang.accounts.services import create_user, set_password, update_user
from shouwang.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from tests.factories import COMMUNITY_A, COMMUNITY_B, DISTRICT, PASSWORD, STREET_A, user

pytestmark = pytest.mark.django_db


def make(actor, **overrides):
    values = {
        "username": "newbie",
        "password": PASSWORD,
        "role": Role.COMMUNITY_WORKER,
        "region_codes": [COMMUNITY_A],
    }
    values.update(overrides)
    return create_user(actor=actor, **values)


def test_official_creates_user_in_own_region(official):
    created = make(official)
    assert created.check_password(PASSWORD)
    assert created.password.startswith("argon2")
    assert created.scope.region_prefixes == (COMMUNITY_A,)


def test_street_official_cannot_create_user_in_other_street(tree):
    street_official = user("official", regions=(STREET_A,))
    with pytest.raises(Forbidden):
        make(street_official, region_codes=[COMMUNITY_B])
    assert not User.objects.filter(username="newbie").exists()


def test_official_cannot_create_admin(official):
    with pytest.raises(Forbidden):
        make(official, role=Role.ADMIN, region_codes=[])


def test_community_worker_cannot_manage_users(worker_a):
    with pytest.raises(Forbidden):
        make(worker_a)


def test_community_worker_must_be_given_communities(official):
    with pytest.raises(ValidationFailed) as error:
        make(official, region_codes=[DISTRICT])
    assert "regions" in error.value.errors


def test_provider_roles_need_a_provider(official):
    with pytest.raises(ValidationFailed):
        make(official, role=Role.CAREGIVER, region_codes=[])


def test_provider_admin_creates_caregiver_for_own_provider_only(provider_admin_a, provider_b):
    caregiver = make(
        provider_admin_a, role=Role.CAREGIVER, region_codes=[], provider_id=provider_admin_a.provider_id
    )
    assert caregiver.provider_id == provider_admin_a.provider_id
    with pytest.raises(Forbidden):
        make(
            provider_admin_a,
            username="other",
            role=Role.CAREGIVER,
            region_codes=[],
            provider_id=provider_b.pk,
        )


def test_duplicate_username_is_refused_case_insensitively(official):
    make(official)
    with pytest.raises(Conflict):
        make(official, username="NEWBIE")


def test_weak_password_is_refused_and_nothing_saved(official):
    with pytest.raises(ValidationFailed) as error:
        make(official, password="12345678")
    assert "password" in error.value.errors
    assert not User.objects.filter(username="newbie").exists()


def test_unknown_region_is_named(official):
    with pytest.raises(ValidationFailed) as error:
        make(official, region_codes=["220202009009"])
    assert "220202009009" in error.value.message


def test_update_moves_worker_to_other_community(official, worker_a):
    updated = update_user(actor=official, user_id=worker_a.pk, region_codes=[COMMUNITY_B])
    assert list(updated.regions.values_list("code", flat=True)) == [COMMUNITY_B]


def test_cannot_change_own_role(official):
    with pytest.raises(Forbidden):
        update_user(actor=official, user_id=official.pk, role=Role.ADMIN)


def test_official_cannot_touch_user_outside_region(tree):
    street_official = user("official", regions=(STREET_A,))
    other = user("community_worker", regions=(COMMUNITY_B,))
    with pytest.raises(NotFound):
        update_user(actor=street_official, user_id=other.pk, full_name="改名")
    with pytest.raises(NotFound):
        set_password(actor=street_official, user_id=other.pk, password="Another-Pass-99")


def test_deactivated_user_has_empty_scope(official, worker_a, elder_a):
    from shouwang.elders.selectors import elders_for

    update_user(actor=official, user_id=worker_a.pk, is_active=False)
    worker_a.refresh_from_db()
    assert elders_for(worker_a).count() == 0
