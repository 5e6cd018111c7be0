import datetime as dt
from dataclasses import dataclass

import pytest
from django.db import transaction
from django.utils import timezone

from shouwang.accounts.models import User
from shouwang.core.actors import SYSTEM
from shouwang.elders.models import Elder
from shouwang.regions.services import load_regions
from tests import factories
from tests.orders import factories as of

OTHER_DISTRICT = "220203000000"


@dataclass
class Desk:
    operator: User  # the district's call centre
    worker_a: User  # community A
    worker_b: User  # community B
    official: User
    other_operator: User  # another district's
    elder_a: Elder  # lives alone in A, phone 13800000001, a contact 13900001111
    elder_b: Elder  # lives with family in B, landline 0432-62345678
    family: User  # a family account of elder_a, phone 13700000003
    provider_phone: str


@pytest.fixture(scope="module")
def desk(django_db_setup, django_db_blocker):
    """The people of the hotline tests, built once per module in a transaction rolled back after its last
    test; each test runs in a savepoint of it (the ``db`` fixture)."""
    with django_db_blocker.unblock(), transaction.atomic():
        factories.ensure_seeded_rows()
        factories.load_tree()
        load_regions(actor=SYSTEM, rows=[{"code": OTHER_DISTRICT, "name": "龙潭区", "urban_rural_type": ""}])
        operator = factories.user("operator", regions=(factories.DISTRICT,))
        official = factories.user("official", regions=(factories.DISTRICT,))
        worker_a = factories.user("community_worker", regions=(factories.COMMUNITY_A,))
        worker_b = factories.user("community_worker", regions=(factories.COMMUNITY_B,))
        other_operator = factories.user("operator", regions=(OTHER_DISTRICT,))
        elder_a = factories.ElderFactory(
            community_id=factories.COMMUNITY_A, name="王大爷", phone="13800000001", living_arrangement="alone"
        )
        factories.contact(elder_a, phone="13900001111")
        elder_b = factories.ElderFactory(
            community_id=factories.COMMUNITY_B,
            name="赵奶奶",
            phone="0432-62345678",
            living_arrangement="with_family",
        )
        family = of.family(elder_a)
        User.objects.filter(pk=family.pk).update(phone="13700000003")
        provider = factories.provider("热线服务商")
        provider.contact_phone = "13600000004"
        provider.save(update_fields=["contact_phone"])
        yield Desk(
            operator=operator,
            worker_a=worker_a,
            worker_b=worker_b,
            official=official,
            other_operator=other_operator,
            elder_a=elder_a,
            elder_b=elder_b,
            family=family,
            provider_phone="13600000004",
        )
        transaction.set_rollback(True)


def minutes_ago(minutes: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(minutes=minutes)
