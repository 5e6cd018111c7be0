"""Test data made through the services, as the platform itself would make it."""

from __future__ import annotations

import datetime as dt
import importlib
import itertools

import factory
from stdnum.cn import uscc

from shouwang.accounts.services import create_user
from shouwang.core.actors import SYSTEM
from shouwang.core.idnumbers import make_resident_id
from shouwang.core.pinyin import initials
from shouwang.elders.models import Elder, EmergencyContact
from shouwang.providers.services import create_provider
from shouwang.regions.services import load_regions

PASSWORD = "Correct-Horse-42"

# A small tree: one county with two streets, each with one community (A and B), and one village.
TREE = [
    ("220000000000", "吉林省", ""),
    ("220200000000", "吉林市", ""),
    ("220202000000", "昌邑区", ""),
    ("220202001000", "兴华街道", ""),
    ("220202001001", "甲社区", "111"),
    ("220202002000", "文庙街道", ""),
    ("220202002001", "乙社区", "111"),
    ("220202100000", "孤店子镇", ""),
    ("220202100201", "丙村", "220"),
]
COMMUNITY_A, COMMUNITY_B, VILLAGE = "220202001001", "220202002001", "220202100201"
DISTRICT = "220202000000"
STREET_A = "220202001000"

_sequence = itertools.count(1)


def load_tree() -> None:
    load_regions(actor=SYSTEM, rows=[{"code": c, "name": n, "urban_rural_type": t} for c, n, t in TREE])


def credit_code(n: int | None = None) -> str:
    body = f"52220202{(n or next(_sequence)):09d}"
    return body + uscc.calc_check_digit(body + "0")


def provider(name: str = "", region_code: str = DISTRICT):
    n = next(_sequence)
    return create_provider(
        actor=SYSTEM,
        name=name or f"服务商{n}",
        credit_code=credit_code(n),
        kind="company",
        region_code=region_code,
    )


def user(role: str, *, regions: tuple[str, ...] = (), provider_id: int | None = None, username: str = ""):
    return create_user(
        actor=SYSTEM,
        username=username or f"{role}{next(_sequence)}",
        password=PASSWORD,
        role=role,
        full_name=f"测试{role}",
        region_codes=regions,
        provider_id=provider_id,
    )


class ElderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Elder

    name = factory.Sequence(lambda n: f"张三{n}")
    name_initials = factory.LazyAttribute(lambda elder: initials(elder.name))
    sex = "M"
    birth_date = dt.date(1945, 3, 1)
    id_number = factory.Sequence(
        lambda n: make_resident_id("220202", dt.date(1945, 3, 1), (n * 2 + 1) % 1000)
    )
    phone = factory.Sequence(lambda n: f"138{n:08d}")
    community_id = COMMUNITY_A
    address = "吉林市昌邑区解放北路1号"
    living_arrangement = "alone"


def contact(elder, phone: str = "13900001111") -> EmergencyContact:
    return EmergencyContact.objects.create(
        elder=elder, priority=1, name="张小明", relation="儿子", phone=phone
    )


def ensure_seeded_rows() -> None:
    """Put back the rows migrations seed (the service catalogue, the default visit rules) when a
    transactional test emptied the tables."""
    from django.apps import apps

    from shouwang.catalog.models import ServiceItem
    from shouwang.visits.models import VisitRule

    if not ServiceItem.objects.exists():
        importlib.import_module("shouwang.catalog.migrations.0002_seed_catalogue").load(apps, None)
    if not VisitRule.objects.exists():
        importlib.import_module("shouwang.visits.migrations.0002_default_rules").load(apps, None)


def error_fields(body: dict) -> dict[str, str]:
    """The fields a 422 names, with their messages, whichever check refused them: a service's ``errors``
    (field → message) or the schema's (a list of errors, each with its location and message)."""
    errors = body.get("errors") or {}
    if isinstance(errors, dict):
        return errors
    return {str(error["loc"][-1]): f"{error['msg']} ({body['message']})" for error in errors}
