import pytest

from tests.alarms.factories import DeviceFactory


@pytest.fixture
def device(elder_a):
    return DeviceFactory(elder=elder_a)


@pytest.fixture
def device_b(elder_b):
    return DeviceFactory(elder=elder_b)
