"""The demo providers go through admission like real ones: licence, review, admission, a designated
contract for the district's communities, and their own prices (a little above or below the guide price).
Each has staff with certificates (a few expired, so eligibility has something to refuse), skills and
weekly shifts, living near the district."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from shouwang.accounts.models import User
from shouwang.assessments.careplans import CARE_SERVICES
from shouwang.catalog.models import ServiceItem
from shouwang.core.idnumbers import make_resident_id
from shouwang.providers import admission, staff
from shouwang.providers.models import ProviderKind
from shouwang.providers.prices import set_price
from shouwang.providers.services import create_provider

from .data import names
from .generator import SURNAMES

# Names of the generated providers: a place word, a trade word and the legal form that fits the type.
PLACE_WORDS = (
    "江城",
    "松花",
    "北山",
    "龙潭",
    "昌邑",
    "雾凇",
    "吉顺",
    "康乐",
    "福寿",
    "安康",
    "惠民",
    "夕阳红",
)
KIND_FORMS = {
    ProviderKind.COMPANY: "居家养老服务有限公司",
    ProviderKind.SOCIAL_ORGANISATION: "养老服务中心",
    ProviderKind.CARE_HOME: "颐养院",
    ProviderKind.MEDICAL: "社区卫生服务站",
    ProviderKind.HOUSEKEEPING: "家政服务有限公司",
    ProviderKind.PROPERTY: "物业服务有限公司",
}
CREDIT_PREFIX = {ProviderKind.SOCIAL_ORGANISATION: "52", ProviderKind.MEDICAL: "52"}
SHIFT_PATTERNS = (
    {day: [["08:00", "12:00"], ["13:30", "17:30"]] for day in ("mon", "tue", "wed", "thu", "fri")},
    {day: [["07:00", "15:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat")},
    {day: [["12:00", "20:00"]] for day in ("wed", "thu", "fri", "sat", "sun")},
)
CAREGIVER_LEVELS = ("初级", "初级", "中级", "中级", "高级", "技师")


# Staff who give care in the home, and so are trained in the care plans' services.
HANDS_ON_JOBS = frozenset({"caregiver", "nurse"})


def admit_demo_providers(*, provider_ids: list[int], community_codes: list[str], seed: int) -> None:
    rng = random.Random(f"{seed}-providers")
    official = User.objects.get(username="official")
    today = timezone.localdate()
    items = list(ServiceItem.objects.filter(active=True).order_by("position", "code"))
    for number, provider_id in enumerate(provider_ids, start=1):
        admission.add_licence(
            actor=official,
            provider_id=provider_id,
            kind="business",
            number=f"JL{seed % 10_000:04d}{number:06d}",
            issued_on=today - dt.timedelta(days=900),
        )
        admission.add_licence(
            actor=official,
            provider_id=provider_id,
            kind="food",
            number=f"JY2220202{number:07d}",
            expires_on=today + dt.timedelta(days=rng.choice((25, 200, 500))),  # one runs out soon: a warning
        )
        admission.start_review(actor=official, provider_id=provider_id)
        admission.decide_admission(actor=official, provider_id=provider_id, admit=True)
        # Every provider offers the home services care plans order (a working district's providers do),
        # and most of the rest of the catalogue.
        offered = [item for item in items if item.code in CARE_SERVICES or rng.random() < 0.7]
        admission.sign_contract(
            actor=official,
            provider_id=provider_id,
            number=f"CYMZ-{today.year}-{number:03d}",
            starts_on=today.replace(month=1, day=1),
            ends_on=today.replace(month=12, day=31),
            area_codes=community_codes,
            services=[item.code for item in offered],
        )
        for item in offered:
            price = round(item.guide_price_fen * rng.uniform(0.9, 1.15) / 50) * 50  # to the nearest 5 jiao
            set_price(actor=official, provider_id=provider_id, item_code=item.code, price=int(price))


def add_demo_network(
    *, communities, providers: int, staff_per_provider: int, seed: int, credit_code
) -> list[int]:
    """``providers`` more providers of mixed types, admitted and contracted, each with its staff."""
    rng = random.Random(f"{seed}-network")
    official = User.objects.get(username="official")
    ids, used_names = [], set()
    while len(ids) < providers:
        kind = rng.choice(list(KIND_FORMS))
        name = f"吉林市{rng.choice(PLACE_WORDS)}{KIND_FORMS[kind]}"
        if name in used_names:
            continue
        used_names.add(name)
        provider = create_provider(
            actor=official,
            name=name,
            credit_code=credit_code(rng, CREDIT_PREFIX.get(kind, "91")),
            kind=kind,
            region_code="220202000000",
            contact_phone=f"0432-6{rng.randrange(10**6):06d}",
        )
        ids.append(provider.pk)
    admit_demo_providers(provider_ids=ids, community_codes=[c.code for c in communities], seed=seed + 1)
    for provider_id in ids:
        add_demo_staff(provider_id=provider_id, count=staff_per_provider, communities=communities, rng=rng)
    return ids


def add_demo_staff(*, provider_id: int, count: int, communities, rng: random.Random) -> None:
    official = User.objects.get(username="official")
    today = timezone.localdate()
    offered = admission_services(provider_id)
    # Hands-on staff are trained in the home services care plans order (居家基础照护 and the like), so that
    # the plans' orders find a caregiver; each also has a few of the provider's other services.
    planned = [code for code in offered if code in CARE_SERVICES]
    others = [code for code in offered if code not in CARE_SERVICES]
    for _ in range(count):
        sex = "F" if rng.random() < 0.8 else "M"  # most caregivers are women
        surname = SURNAMES.pick(rng)
        pool = names.GIVEN_NAME_CHARS_FEMALE if sex == "F" else names.GIVEN_NAME_CHARS_MALE
        name = surname + "".join(rng.choice(pool) for _ in range(rng.choice((1, 2))))
        birth = today - dt.timedelta(days=rng.randrange(25 * 365, 58 * 365))
        home = rng.choice(communities)
        job = rng.choice(("caregiver",) * 8 + ("nurse", "cleaner", "cook", "social_worker"))
        extra = rng.sample(others, k=min(len(others), rng.randrange(3, 9)))
        member = staff.add_staff(
            actor=official,
            provider_id=provider_id,
            name=name,
            id_number=_unused_id(rng, birth, sex),
            phone=rng.choice(names.MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}",
            job=job,
            home_lat=round(home.lat + rng.uniform(-0.01, 0.01), 6),
            home_lon=round(home.lon + rng.uniform(-0.01, 0.01), 6),
            skills=(planned if job in HANDS_ON_JOBS else []) + extra,
            weekly_shifts=rng.choice(SHIFT_PATTERNS),
        )
        expired = rng.random() < 0.05  # a few let their health certificate run out
        staff.add_certificate(
            actor=official,
            staff_id=member.pk,
            kind="health_certificate",
            number=f"JK{rng.randrange(10**8):08d}",
            issued_on=today - dt.timedelta(days=400 if expired else rng.randrange(10, 300)),
            expires_on=today - dt.timedelta(days=35)
            if expired
            else today + dt.timedelta(days=rng.randrange(60, 360)),
        )
        if member.job == "caregiver":
            staff.add_certificate(
                actor=official,
                staff_id=member.pk,
                kind="elder_caregiver",
                number=f"YL{rng.randrange(10**10):010d}",
                level=rng.choice(CAREGIVER_LEVELS),
                issued_on=today - dt.timedelta(days=rng.randrange(100, 2000)),
            )


def admission_services(provider_id: int) -> list[str]:
    from shouwang.providers.models import Contract

    contract = Contract.objects.filter(provider_id=provider_id).first()
    return list(contract.services) if contract else []


_used_ids: set[str] = set()


def _unused_id(rng: random.Random, birth: dt.date, sex: str) -> str:
    while True:
        sequence = rng.randrange(500) * 2 + (1 if sex == "M" else 0)
        number = make_resident_id(rng.choice(("220202", "220203", "220204", "220211")), birth, sequence)
        if number not in _used_ids:
            _used_ids.add(number)
            return number
