"""Deterministic generation of the demo district's residents: the same seed gives the same people.

Pure functions over a ``random.Random``: no database, no clock (ages are counted from a fixed reference
date), so a test can generate twice and compare. ``demo.loader`` writes what this produces through the
services.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from itertools import accumulate

from shouwang.core.geo import offset_km
from shouwang.core.idnumbers import make_resident_id
from shouwang.core.pinyin import initials

from .data import names

REFERENCE_DATE = dt.date(2026, 1, 1)
DEFAULT_SEED = 20261123
HOME_COUNTY = "220202"
# Address codes where elders of the district first registered: mostly here, some elsewhere in 吉林市,
# a few from other provinces (people who moved in). Weights are rough shares.
BIRTH_ADDRESS_CODES = (
    ("220202", 70), ("220203", 8), ("220204", 8), ("220211", 4), ("220221", 3),
    ("220281", 2), ("220183", 1), ("230103", 2), ("210102", 1), ("370102", 1),
)  # fmt: skip
LIVING = (("alone", 12), ("empty_nest", 35), ("left_behind", 3), ("with_family", 47), ("institution", 3))
CATEGORY_SHARES = (
    ("tekun", 0.01), ("dibao", 0.05), ("low_income", 0.04), ("youfu", 0.02), ("family_planning", 0.015),
    ("severe_disability", 0.03),
)  # fmt: skip


@dataclass(frozen=True)
class Community:
    code: str
    name: str
    lat: float
    lon: float
    rural: bool


@dataclass
class Contact:
    priority: int
    name: str
    relation: str
    phone: str
    is_keyholder: bool


@dataclass
class Person:
    name: str
    name_initials: str
    id_number: str
    sex: str
    birth_date: dt.date
    ethnicity: str
    phone: str
    second_phone: str
    hukou_region_code: str
    community_code: str
    address: str
    lat: float
    lon: float
    living_arrangement: str
    categories: list[str]
    disability_grade: int | None
    chronic_conditions: list[str]
    family_doctor_contract: bool
    status: str
    status_date: dt.date | None
    consent_data_sharing: bool = True
    contacts: list[Contact] = field(default_factory=list)


class Weighted:
    """Fast repeated weighted choice from a fixed table."""

    def __init__(self, table: Sequence[tuple[object, float]]):
        self.values = [value for value, _ in table]
        self.cumulative = list(accumulate(weight for _, weight in table))

    def pick(self, rng: random.Random):
        return rng.choices(self.values, cum_weights=self.cumulative)[0]


SURNAMES = Weighted(names.SURNAMES)
ETHNICITIES = Weighted(names.ETHNICITIES)
RELATIONS = Weighted(names.RELATIONS)
BIRTH_PLACES = Weighted(BIRTH_ADDRESS_CODES)
LIVING_ARRANGEMENTS = Weighted(LIVING)


def community_centres(
    codes_and_names: Sequence[tuple[str, str, str]], seed: int = DEFAULT_SEED
) -> list[Community]:
    """Place communities around the district centre: urban ones within a few km, villages further out."""
    rng = random.Random(f"{seed}-centres")
    centre_lat, centre_lon = names.DISTRICT_CENTRE
    communities = []
    for code, name, urban_rural_type in codes_and_names:
        rural = urban_rural_type.startswith("2")
        distance_km = rng.uniform(8, 16) if rural else rng.uniform(0.3, names.DISTRICT_RADIUS_KM)
        bearing = rng.uniform(0, 2 * math.pi)
        lat, lon = offset_km(centre_lat, centre_lon, distance_km, bearing)
        communities.append(Community(code, name, round(lat, 6), round(lon, 6), rural))
    return communities


def _given_name(rng: random.Random, sex: str) -> str:
    pool = names.GIVEN_NAME_CHARS_MALE if sex == "M" else names.GIVEN_NAME_CHARS_FEMALE
    return "".join(rng.choice(pool) for _ in range(1 if rng.random() < 0.3 else 2))


def _age(rng: random.Random) -> int:
    """60–105, most people in their sixties and seventies like a real ageing population."""
    return min(105, 60 + int(rng.expovariate(1 / 11)))


def _mobile(rng: random.Random) -> str:
    return rng.choice(names.MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def _phone(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.65:
        return _mobile(rng)
    if roll < 0.9:
        return f"0432-6{rng.randrange(10**6):06d}"  # 吉林市 landlines
    return ""


def _contacts(rng: random.Random, surname: str) -> list[Contact]:
    contacts = []
    for priority in range(1, rng.choice((1, 2, 2, 3)) + 1):
        relation = RELATIONS.pick(rng)
        same_family = relation in ("儿子", "女儿", "孙子", "孙女", "侄子")
        contact_surname = surname if same_family else SURNAMES.pick(rng)
        sex = "F" if relation in ("女儿", "儿媳", "孙女") else rng.choice("MF")
        contacts.append(
            Contact(priority, contact_surname + _given_name(rng, sex), relation, _mobile(rng), priority == 1)
        )
    return contacts


def _categories(rng: random.Random) -> tuple[list[str], int | None]:
    categories = [code for code, share in CATEGORY_SHARES if rng.random() < share]
    if "family_planning" in categories and rng.random() < 0.4:
        categories.append("shidu")
    grade = rng.choice((1, 2)) if "severe_disability" in categories else None
    return categories, grade


def _status(rng: random.Random) -> tuple[str, dt.date | None]:
    roll = rng.random()
    if roll < 0.02:
        return "deceased", REFERENCE_DATE - dt.timedelta(days=rng.randrange(1, 700))
    if roll < 0.03:
        return "moved_out", REFERENCE_DATE - dt.timedelta(days=rng.randrange(1, 700))
    return "active", None


def generate_people(
    count: int, communities: Sequence[Community], *, seed: int = DEFAULT_SEED
) -> Iterator[Person]:
    """``count`` plausible elders spread over ``communities``, each with a valid, unique ID number."""
    rng = random.Random(seed)
    used_ids: set[str] = set()
    for _ in range(count):
        sex = "F" if rng.random() < 0.53 else "M"  # women outlive men
        birth_date = REFERENCE_DATE - dt.timedelta(days=_age(rng) * 365 + rng.randrange(365))
        id_number = ""
        while not id_number or id_number in used_ids:
            sequence = rng.randrange(500) * 2 + (1 if sex == "M" else 0)
            id_number = make_resident_id(BIRTH_PLACES.pick(rng), birth_date, sequence)
        used_ids.add(id_number)
        surname = SURNAMES.pick(rng)
        name = surname + _given_name(rng, sex)
        community = rng.choice(communities)
        living = "left_behind" if community.rural and rng.random() < 0.15 else LIVING_ARRANGEMENTS.pick(rng)
        categories, grade = _categories(rng)
        status, status_date = _status(rng)
        conditions = rng.sample(names.CHRONIC_CONDITIONS, k=rng.choice((0, 1, 1, 2, 2, 3)))
        yield Person(
            name=name,
            name_initials=initials(name),
            id_number=id_number,
            sex=sex,
            birth_date=birth_date,
            ethnicity=ETHNICITIES.pick(rng),
            phone=(phone := _phone(rng)),
            second_phone=f"0432-6{rng.randrange(10**6):06d}"
            if phone.startswith("1") and rng.random() < 0.3
            else "",
            hukou_region_code=community.code if rng.random() < 0.9 else id_number[:6].ljust(12, "0"),
            community_code=community.code,
            address=_address(rng, community),
            lat=round(community.lat + rng.uniform(-0.004, 0.004), 6),
            lon=round(community.lon + rng.uniform(-0.005, 0.005), 6),
            living_arrangement=living,
            categories=categories,
            disability_grade=grade,
            chronic_conditions=conditions,
            family_doctor_contract=rng.random() < 0.45,
            status=status,
            status_date=status_date,
            consent_data_sharing=rng.random() < 0.8,
            contacts=_contacts(rng, surname),
        )


def _address(rng: random.Random, community: Community) -> str:
    if community.rural:
        return f"吉林市昌邑区{community.name}{rng.randrange(1, 12)}组{rng.randrange(1, 80)}号"
    road = rng.choice(names.STREET_NAME_PARTS)
    return (
        f"吉林市昌邑区{road}{rng.randrange(1, 400)}号{rng.randrange(1, 30)}栋"
        f"{rng.randrange(1, 7)}单元{rng.randrange(1, 8)}0{rng.randrange(1, 5)}室"
    )
