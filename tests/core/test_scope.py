import pytest

from shouwang.core.scope import Scope
from shouwang.regions.models import Region


def test_scope_properties():
    scope = Scope(user_id=1, region_prefixes=("220202001",))
    assert scope.covers_region("220202001001")
    assert not scope.covers_region("220202002001")
    assert Scope.nothing().is_empty
    assert Scope(everything=True).covers_region("110101001001")


@pytest.mark.django_db
def test_empty_scope_filters_to_nothing(tree):
    assert Scope.nothing().filter(Region.objects.all(), region="code").count() == 0
    assert (
        Scope(everything=True).filter(Region.objects.all(), region="code").count() == Region.objects.count()
    )


@pytest.mark.django_db
def test_region_prefix_selects_subtree(tree):
    codes = set(
        Scope(region_prefixes=("220202001",))
        .filter(Region.objects.all(), region="code")
        .values_list("code", flat=True)
    )
    assert codes == {"220202001000", "220202001001"}


@pytest.mark.django_db
def test_scope_without_matching_lookup_sees_nothing(tree):
    # A provider grant means nothing for a model that has no provider field.
    assert Scope(provider_id=3).filter(Region.objects.all(), region="code").count() == 0
