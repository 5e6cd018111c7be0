"""Childcare test helpers: institutions filed and registered through the services."""

from __future__ import annotations

import pytest

from shouwang.childcare.services import decide_registration, file_institution
from shouwang.core.actors import SYSTEM
from tests import factories

_numbers = iter(range(1, 10_000))


def institution(
    community: str = factories.COMMUNITY_A, *, register: bool = True, username: str = "", **values
):
    n = next(_numbers)
    filing = {
        "name": f"托育园{n}",
        "kind": "full_day",
        "licence_number": f"托备{n:04d}",
        "operator_name": f"托育公司{n}",
        "operator_credit_code": factories.credit_code(9000 + n),
        "community": community,
        "address": f"解放路{n}号",
        **values,
    }
    made = file_institution(actor=SYSTEM, values=filing, username=username, password=factories.PASSWORD)
    if register:
        made = decide_registration(actor=SYSTEM, institution_id=made.pk, state="registered")
    return made


@pytest.fixture
def nursery_a(tree):
    return institution(
        name="甲托育园", places_0_1=10, places_1_2=20, places_2_3=30, enrolled_0_1=5, enrolled_1_2=10,
        enrolled_2_3=15, affordable=True, subsidy_per_place_fen=100_000, lat=43.85, lon=126.55,
        username="nursery_a",
    )  # fmt: skip


@pytest.fixture
def nursery_b(tree):
    return institution(
        factories.COMMUNITY_B, name="乙托育园", places_1_2=15, places_2_3=25, enrolled_1_2=15,
        enrolled_2_3=20, username="nursery_b",
    )  # fmt: skip
