import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def english():
    """These tests read English messages; the console's default language is Chinese."""
    with translation.override("en"):
        yield
