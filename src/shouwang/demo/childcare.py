"""Demo childcare (托育): 25 institutions across the district's communities, of every kind, most registered,
some affordable (普惠), three filings waiting for review and one refused; the resident population of each
street and the city's plan target, so the indicators and the service circle's 托育 rows have figures. The
first institution has a login, ``nursery``. Everything goes through the services. Deterministic."""

from __future__ import annotations

import random

from shouwang.childcare.models import Institution, InstitutionKind
from shouwang.childcare.services import (
    add_staff,
    decide_registration,
    file_institution,
    set_population,
    set_target,
)
from shouwang.core.actors import SYSTEM
from shouwang.core.geo import offset_km
from shouwang.regions.models import Region

TOTAL = 25
PENDING = 3
KIND_WORDS = {
    InstitutionKind.FULL_DAY: "托育中心",
    InstitutionKind.PART_TIME: "半日托育园",
    InstitutionKind.COMMUNITY: "社区托育点",
    InstitutionKind.WORKPLACE: "职工托育室",
    InstitutionKind.FAMILY: "家庭托育点",
}
NAME_WORDS = ("小太阳", "春芽", "贝贝", "童心", "小橡树", "彩虹", "雏鹰", "萌宝", "乐育", "禾苗")
STAFF = (("保育师", "保育师（四级）"), ("育婴员", "育婴员（五级）"), ("卫生保健员", "卫生保健人员培训合格"))
DEMO_ACCOUNT = "nursery"


def _places(rng: random.Random, kind: str) -> dict:
    small = kind in (InstitutionKind.FAMILY, InstitutionKind.WORKPLACE)
    places = {
        "places_0_1": 0 if small else rng.choice((0, 5, 10)),
        "places_1_2": rng.randint(3, 8) if small else rng.randint(10, 30),
        "places_2_3": rng.randint(4, 10) if small else rng.randint(20, 60),
    }
    share = rng.uniform(0.4, 0.95)
    enrolled = {f"enrolled_{key[7:]}": int(value * share) for key, value in places.items()}
    return places | enrolled


def load_childcare(*, communities, credit_code, password: str, seed: int) -> list[Institution]:
    """``communities`` are the demo's placed communities (code, name, lat, lon)."""
    rng = random.Random(seed + 22)
    kinds = list(InstitutionKind)
    made = []
    for n in range(TOTAL):
        community = communities[(n * 7) % len(communities)]
        kind = kinds[n % len(kinds)]
        lat, lon = offset_km(community.lat, community.lon, rng.uniform(0.05, 0.4), rng.uniform(0, 360))
        affordable = n % 5 in (0, 2)
        institution = file_institution(
            actor=SYSTEM,
            values={
                "name": f"{community.name[:4]}{NAME_WORDS[n % len(NAME_WORDS)]}{KIND_WORDS[kind]}",
                "kind": kind,
                "licence_number": f"吉托备{2024_0000 + n + 1}",
                "operator_name": f"吉林市{NAME_WORDS[n % len(NAME_WORDS)]}托育服务有限公司",
                "operator_credit_code": credit_code(rng, "91"),
                "community": community.code,
                "address": f"{community.name}{rng.randint(1, 200)}号",
                "lat": round(lat, 6),
                "lon": round(lon, 6),
                "phone": f"0432-6{rng.randrange(10**6):06d}",
                "monthly_fee_fen": (1200 if affordable else rng.choice((1800, 2200, 2800, 3500))) * 100,
                "affordable": affordable,
                "subsidy_per_place_fen": 100_000 if affordable else 0,
                **_places(rng, kind),
            },
            username=DEMO_ACCOUNT if n == 0 else "",
            password=password,
        )
        for post, qualification in STAFF[: 1 + n % 3]:
            add_staff(
                actor=SYSTEM, institution_id=institution.pk, name=f"{'王李张刘陈'[n % 5]}{post[:1]}老师",
                post=post, qualification=qualification, certificate_number=f"ZS{seed % 1000:03d}{n:03d}",
            )  # fmt: skip
        if n < TOTAL - PENDING - 1:
            decide_registration(actor=SYSTEM, institution_id=institution.pk, state="registered")
        elif n == TOTAL - PENDING - 1:
            decide_registration(
                actor=SYSTEM, institution_id=institution.pk, state="refused", note="消防验收材料不全"
            )
        made.append(institution)
    _planning(communities, rng)
    return made


def _planning(communities, rng: random.Random) -> None:
    """Population per street (~10,000 residents a community: below the target) and the targets."""
    streets: dict[str, int] = {}
    for community in communities:
        parent = str(Region.objects.get(code=community.code).parent_id)
        streets[parent] = streets.get(parent, 0) + rng.randint(8_000, 12_000)
    for code, residents in sorted(streets.items()):
        set_population(
            actor=SYSTEM, region_code=code, year=2025, residents=residents, under_three=residents * 2 // 100,
            source="吉林市统计年鉴2025（演示）",
        )  # fmt: skip
    district = next(iter(streets))[:6].ljust(12, "0")
    city = district[:4].ljust(12, "0")
    set_target(actor=SYSTEM, region_code=city, year=2025, places_per_thousand="4.5", affordable_share="0.6")
    set_target(actor=SYSTEM, region_code=district, year=2025, places_per_thousand="4.0")
