import pytest
from django.utils import translation


@pytest.fixture
def english():
    """For tests that read English messages; the console's default language is Chinese."""
    with translation.override("en"):
        yield
