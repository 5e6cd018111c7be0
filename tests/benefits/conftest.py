import datetime as dt

import pytest

from shouwang.benefits import services
from shouwang.core.actors import SYSTEM
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


# Payments (tests/benefits/test_payments.py, test_cash_reconciliation.py): March approved, its batch.
# 高龄 80–89 ¥100 (+ 护理 level 3 ¥400 for A); 90–99 ¥500 for B; C is 80–89 without an account.
PAYMENT_ACCOUNTS = ("6222020200001111", "6217000011112222")


@pytest.fixture
def people(policies):
    return {
        "a": bf.elder(born=dt.date(1940, 1, 1), level=3, name="张三丰", payment_account=PAYMENT_ACCOUNTS[0]),
        "b": bf.elder(
            born=dt.date(1930, 1, 1),
            community=factories.COMMUNITY_B,
            name="李四光",
            payment_account=PAYMENT_ACCOUNTS[1],
        ),
        "c": bf.elder(born=dt.date(1944, 1, 1), name="王五"),
        "young": bf.elder(born=dt.date(1960, 1, 1), name="赵六", payment_account="6222000000009999"),
    }


@pytest.fixture
def run(people, worker_a, street_official, official):
    made = services.start_run(actor=SYSTEM, month="2026-03", region_code=factories.DISTRICT)
    return approved(made, worker=worker_a, street=street_official, district=official)


@pytest.fixture
def batch(run, official):
    from shouwang.benefits import payments

    return payments.create_batch(actor=official, run_id=run.pk)
