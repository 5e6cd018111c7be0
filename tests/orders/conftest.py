import pytest

from tests.orders import factories as of


@pytest.fixture
def admitted_a(official, provider_a):
    """甲服务商: admitted, designated for community A and ``of.ITEMS``, with ``of.PRICES``."""
    return of.admitted_provider(official, provider_a)


@pytest.fixture
def admitted_b(official, provider_b):
    """乙服务商: the same for community A, a second provider to re-dispatch to."""
    return of.admitted_provider(official, provider_b, lat=43.9, lon=126.6)


@pytest.fixture
def carer_a(admitted_a):
    """A caregiver of 甲服务商 with a login (``carer_a.user``), eligible for every ``of.ITEMS`` any time."""
    return of.caregiver(admitted_a, name="王护理")


@pytest.fixture
def carer_b(admitted_b):
    return of.caregiver(admitted_b, name="赵护理")
