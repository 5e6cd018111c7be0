import pytest
from django.utils import translation

from tests import factories
from tests.alarms.factories import DeviceFactory


@pytest.fixture
def english():
    """For tests that read English messages; the console's default language is Chinese."""
    with translation.override("en"):
        yield


@pytest.fixture
def operator(tree):
    return factories.user("operator", regions=(factories.DISTRICT,), username="operator")


@pytest.fixture
def device(elder_a):
    return DeviceFactory(elder=elder_a)


@pytest.fixture
def device_b(elder_b):
    return DeviceFactory(elder=elder_b)
