import pytest
from django.db import transaction

from tests import factories

from . import world as world_module


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The two sides, built once per test module inside a transaction that is rolled back after the
    module's last test; each test runs in a savepoint of it (the ``db`` fixture), so a probe that did
    change something cannot spoil the next one."""
    with django_db_blocker.unblock(), transaction.atomic():
        factories.ensure_seeded_rows()  # a transactional test before this module may have emptied it
        built = world_module.build()
        yield built
        transaction.set_rollback(True)


@pytest.fixture
def probe(world, db, client):
    from .probe import Probe

    return Probe(world, client)
