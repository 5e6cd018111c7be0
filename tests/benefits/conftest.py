import pytest

from shouwang.benefits import services
from tests import factories
from tests.benefits import factories as bf


@pytest.fixture
def policies(tree):
    return bf.standard_policies()


@pytest.fixture
def street_official(tree):
    return factories.user("official", regions=(factories.STREET_A,), username="street_official")


def approved(run, *, worker, street, district):
    """Take ``run`` through the three review steps."""
    for actor in (worker, street, district):
        services.review_run(actor=actor, run_id=run.pk)
    run.refresh_from_db()
    return run
