"""Loads the demo district through the services: regions, providers, one account per role, elders."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from itertools import islice

from django.db import transaction
from stdnum.cn import uscc

from shouwang.accounts.services import create_user
from shouwang.core.actors import SYSTEM
from shouwang.core.roles import Role
from shouwang.elders.services import bulk_register_elders
from shouwang.providers.models import ProviderKind
from shouwang.providers.services import create_provider
from shouwang.regions.models import Level, Region
from shouwang.regions.services import load_regions_csv, set_centres

from .alarms import load_alarms
from .anomalies import load_anomalies
from .assessments import load_assessments
from .benefits import link_family, load_benefits
from .childcare import load_childcare
from .facilities import load_facilities
from .generator import DEFAULT_SEED, community_centres, generate_people
from .health import load_health
from .homecare import load_homecare
from .hotline import load_hotline
from .orders import load_orders
from .payments import load_payments
from .providers import add_demo_network, add_demo_staff, admit_demo_providers
from .routes import load_routes
from .statements import load_statements
from .supervision import load_inspection_round, load_pilots
from .visits import load_visits

DEMO_PASSWORD = "Shouwang@2026"
DISTRICT = "220202000000"  # 吉林市昌邑区
BATCH_SIZE = 5000
ASSESSED_PER_COMMUNITY = 30
# With the three named providers: about 40 providers and 400 staff, as in a real district.
DEMO_NETWORK_PROVIDERS = 37
STAFF_PER_PROVIDER = 10

DEMO_PROVIDERS = (
    ("吉林市昌邑区颐康居家养老服务中心", ProviderKind.SOCIAL_ORGANISATION, "52"),
    ("吉林市福満家政服务有限公司", ProviderKind.HOUSEKEEPING, "91"),
    ("吉林市江城医养结合护理院", ProviderKind.MEDICAL, "52"),
)


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    full_name: str
    region: str = ""  # a region code, or "community:N" for the N-th community, or "provider:N"


DEMO_ACCOUNTS = (
    DemoAccount("admin", Role.ADMIN, "平台管理员"),
    DemoAccount("official", Role.OFFICIAL, "王建国（昌邑区民政局）", DISTRICT),
    DemoAccount("street", Role.OFFICIAL, "孙晓燕（街道民政办）", "street:0"),
    DemoAccount("worker", Role.COMMUNITY_WORKER, "李秀兰（社区工作人员）", "community:0"),
    DemoAccount("worker2", Role.COMMUNITY_WORKER, "赵丽华（社区工作人员）", "community:5"),
    DemoAccount("operator", Role.OPERATOR, "陈静（呼叫中心坐席）", DISTRICT),
    DemoAccount("assessor", Role.ASSESSOR, "刘明（评估员）", DISTRICT),
    DemoAccount("assessor2", Role.ASSESSOR, "何丽（评估员）", DISTRICT),
    DemoAccount("provider", Role.PROVIDER_ADMIN, "孙伟（服务商管理员）", "provider:0"),
    DemoAccount("provider2", Role.PROVIDER_ADMIN, "周敏（服务商管理员）", "provider:1"),
    DemoAccount("caregiver", Role.CAREGIVER, "吴桂芳（护理员）", "provider:0"),
    DemoAccount("volunteer", Role.VOLUNTEER, "郑志强（志愿者）", "community:0"),
    DemoAccount("family", Role.ELDER, "张淑珍（老人家属）", "community:0"),
)


@dataclass
class DemoSummary:
    regions: int
    providers: int
    accounts: list[DemoAccount]
    elders: int


def is_loaded() -> bool:
    return Region.objects.exists()


def _credit_code(rng: random.Random, prefix: str) -> str:
    """A well-formed unified social credit code in the district (check character from python-stdnum)."""
    body = f"{prefix}220202" + "".join(rng.choice("0123456789") for _ in range(9))
    return body + uscc.calc_check_digit(body + "0")


def _load_regions() -> list[Region]:
    source = resources.files("shouwang.demo.data").joinpath("regions_jilin.csv")
    with source.open(encoding="utf-8") as handle:
        load_regions_csv(actor=SYSTEM, source=handle)
    return list(Region.objects.filter(level=Level.COMMUNITY, code__startswith=DISTRICT[:6]).order_by("code"))


def _create_accounts(communities: list[Region], provider_ids: list[int]) -> None:
    for account in DEMO_ACCOUNTS:
        regions, provider_id = [], None
        if account.region.startswith("community:"):
            regions = [communities[int(account.region.split(":")[1])].code]
        elif account.region.startswith("street:"):
            regions = [communities[int(account.region.split(":")[1])].parent_id]
        elif account.region.startswith("provider:"):
            provider_id = provider_ids[int(account.region.split(":")[1])]
        elif account.region:
            regions = [account.region]
        create_user(
            actor=SYSTEM,
            username=account.username,
            password=DEMO_PASSWORD,
            role=account.role,
            full_name=account.full_name,
            region_codes=regions,
            provider_id=provider_id,
        )


def load_demo_district(
    *, elders: int = 5000, seed: int = DEFAULT_SEED, progress: Callable[[int, int], None] | None = None
) -> DemoSummary:
    """Load everything into an empty database, all or nothing: a load that fails half-way leaves the
    database empty, so the next try starts afresh. Deterministic for a given seed."""
    with transaction.atomic():
        return _load(elders=elders, seed=seed, progress=progress)


def _load(*, elders: int, seed: int, progress: Callable[[int, int], None] | None) -> DemoSummary:
    rng = random.Random(seed)
    communities = _load_regions()
    placed = community_centres([(c.code, c.name, c.urban_rural_type) for c in communities], seed)
    set_centres(actor=SYSTEM, centres={c.code: (c.lat, c.lon) for c in placed})
    provider_ids = [
        create_provider(
            actor=SYSTEM,
            name=name,
            credit_code=_credit_code(rng, prefix),
            kind=kind,
            region_code=DISTRICT,
            contact_phone=f"0432-6{rng.randrange(10**6):06d}",
        ).pk
        for name, kind, prefix in DEMO_PROVIDERS
    ]
    _create_accounts(communities, provider_ids)
    admit_demo_providers(provider_ids=provider_ids, community_codes=[c.code for c in communities], seed=seed)
    network = add_demo_network(
        communities=placed,
        providers=DEMO_NETWORK_PROVIDERS,
        staff_per_provider=STAFF_PER_PROVIDER,
        seed=seed,
        credit_code=_credit_code,
    )
    for provider_id in provider_ids:
        add_demo_staff(provider_id=provider_id, count=STAFF_PER_PROVIDER, communities=placed, rng=rng)
    people = generate_people(elders, placed, seed=seed)
    written = 0
    while batch := list(islice(people, BATCH_SIZE)):
        written += bulk_register_elders(
            actor=SYSTEM, people=batch, batch_label=f"demo elders {written + 1}–{written + len(batch)}"
        )
        if progress:
            progress(written, elders)
    # The worker's community and a few others get assessments, so every demo role has work to see.
    assessed = [communities[index].code for index in (0, 1, 2, 5) if index < len(communities)]
    load_assessments(community_codes=assessed, per_community=ASSESSED_PER_COMMUNITY, seed=seed)
    # Benefits before orders: the settled demo orders are paid partly from the vouchers credited here.
    load_payments(load_benefits(city=DISTRICT[:4].ljust(12, "0"), district=DISTRICT))
    load_orders(community_codes=assessed, provider_id=provider_ids[0], seed=seed)
    load_routes(provider_id=provider_ids[0])
    link_family()
    load_alarms(community_codes=assessed, seed=seed)
    # statements next: they settle the rest of the order history into the ledger, which the checks read
    load_statements(community_codes=assessed, district=DISTRICT, seed=seed)
    load_anomalies(community_codes=assessed)
    load_hotline(community_codes=assessed, seed=seed)
    # Regular visits where the demo has community workers (communities 0 and 5).
    visited = [communities[index].code for index in (0, 5) if index < len(communities)]
    load_visits(community_codes=visited, seed=seed)
    # Health records where the visits are: the worker sees the care tasks their readings opened.
    load_health(community_codes=visited, seed=seed)
    # last: its planted death must not change what the anomaly checks above found
    load_facilities(communities=placed, provider_ids=provider_ids + network, seed=seed, quiet=assessed)
    # after the facilities: its month closing and claims read the finished order history
    load_homecare(community_codes=assessed, provider_id=provider_ids[0], seed=seed)
    # 一老一小: childcare institutions and the region's figures, then (on them) pilots and inspections
    load_childcare(communities=placed, credit_code=_credit_code, password=DEMO_PASSWORD, seed=seed)
    load_pilots(district=DISTRICT)
    load_inspection_round(district=DISTRICT)
    return DemoSummary(
        regions=Region.objects.count(),
        providers=len(provider_ids) + len(network),
        accounts=list(DEMO_ACCOUNTS),
        elders=written,
    )
