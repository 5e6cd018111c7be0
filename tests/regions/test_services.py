import io

import pytest

from shouwang.core.actors import SYSTEM
from shouwang.core.errors import ValidationFailed
from shouwang.regions.models import Level, Region, level_of, prefix_of
from shouwang.regions.services import load_regions_csv, parent_code_of

pytestmark = pytest.mark.django_db


def test_levels_and_prefixes_from_codes():
    assert level_of("220000000000") == Level.PROVINCE
    assert level_of("220202000000") == Level.COUNTY
    assert level_of("220202100000") == Level.STREET
    assert level_of("220202100201") == Level.COMMUNITY
    assert prefix_of("220202100000") == "220202100"
    assert parent_code_of("220202100201") == "220202100000"


def test_csv_with_bom_loads_tree_and_reload_is_unchanged(tree):
    csv_text = "\ufeffcode,name,urban_rural_type\n220202003000,通江街道,\n220202003001,通江社区,111\n"
    result = load_regions_csv(actor=SYSTEM, source=io.StringIO(csv_text))
    assert (result.created, result.updated) == (2, 0)
    community = Region.objects.get(code="220202003001")
    assert community.parent_id == "220202003000" and community.full_name.endswith("通江街道通江社区")
    again = load_regions_csv(actor=SYSTEM, source=io.StringIO(csv_text))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


def test_bad_rows_reject_the_whole_file(tree):
    csv_text = "code,name\n220202004000,好街道\n220202009001,孤儿社区\n2202,短码\n"
    with pytest.raises(ValidationFailed) as error:
        load_regions_csv(actor=SYSTEM, source=io.StringIO(csv_text))
    messages = list(error.value.errors.values())
    assert len(messages) == 2 and "220202009000" in messages[0]
    assert not Region.objects.filter(code="220202004000").exists()
