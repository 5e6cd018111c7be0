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


# Statements and reconciliation (tests/benefits/statement_data.py): March approved, a provider, a carer.
@pytest.fixture
def march_people(policies, worker_a, street_official, official):
    from tests.benefits import statement_data

    return statement_data.credit_march(worker=worker_a, street=street_official, district=official)


@pytest.fixture
def provider(official, provider_a):
    from tests.orders import factories as of

    return of.admitted_provider(official, provider_a)


@pytest.fixture
def carer(provider):
    from tests.orders import factories as of

    return of.caregiver(provider)
