import pytest

from tests.alarms.factories import DeviceFactory


@pytest.fixture
def device(elder_a):
    return DeviceFactory(elder=elder_a)


@pytest.fixture
def device_b(elder_b):
    return DeviceFactory(elder=elder_b)


@pytest.fixture(autouse=True)
def fresh_cache():
    """The device-event rate limit and the bridges' storage alerts live in the cache: each test starts
    without another's counts."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
