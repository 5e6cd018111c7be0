"""Computing a monthly eligibility run: every elder of the region against every policy version in force.

Set-based, so that a district of a million elders fits in a minute: the elders are read in batches of
``BATCH`` by primary key (one query for the elders, one for their categories and one for last month's
results per batch, whatever the batch holds), each policy version is compiled once into plain tests
(``policies.compile_version``), and the results of a batch are written with one ``bulk_create``. Nothing
here queries per elder.

Running a month again first deletes the run's results, so it always gives one row per elder and the same
rows for the same facts. Against the previous month's run of the region each outcome is marked new,
stopped or changed, with the facts that changed (turned 80, level 2 → 3, died, moved out).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator

from django.db.models import Q
from django.utils import timezone

from shouwang.elders.models import Elder, ElderCategory, Status
from shouwang.regions.models import prefix_of

from .models import EligibilityResult, EligibilityRun, PolicyKind, PolicyVersion
from .policies import CompiledVersion, Facts, compile_version, split_by_shares

BATCH = 5_000
ELDER_FIELDS = (
    "pk",
    "community_id",
    "birth_date",
    "status",
    "status_date",
    "ability_level",
    "living_arrangement",
    "hukou_region_code",
)
FACT_FIELDS = ("age", "status", "ability_level", "categories", "living_arrangement", "hukou_region_code")


def in_region(code: str, field: str) -> Q:
    """Rows whose 12-digit code ``field`` lies in the region's subtree, as a range an index serves."""
    prefix = prefix_of(code)
    if len(prefix) == 12:
        return Q(**{field: prefix})
    return Q(**{f"{field}__gte": prefix.ljust(12, "0"), f"{field}__lte": prefix.ljust(12, "9")})


def previous_month(month: dt.date) -> dt.date:
    return (month - dt.timedelta(days=1)).replace(day=1)


def versions_in_force(region_code: str, month: dt.date) -> list[PolicyVersion]:
    """The version of each policy in force in ``month`` whose region overlaps ``region_code``'s."""
    prefix = prefix_of(region_code)
    versions = (
        PolicyVersion.objects.select_related("policy")
        .filter(effective_from__lte=month)
        .filter(Q(effective_until__isnull=True) | Q(effective_until__gte=month))
        .order_by("policy__code")
    )
    return [
        version
        for version in versions
        if prefix.startswith(prefix_of(version.policy.region_id))
        or prefix_of(version.policy.region_id).startswith(prefix)
    ]


def age_on(birth_date: dt.date, day: dt.date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def status_on(status: str, status_date: dt.date | None, day: dt.date) -> str:
    """The status on ``day``: a death or move dated after it had not happened yet."""
    if status != Status.ACTIVE and status_date is not None and status_date > day:
        return Status.ACTIVE
    return status


def compute(run: EligibilityRun) -> None:
    """Fill ``run`` with its results and totals (the caller holds the run's row lock and audits)."""
    month = run.month
    versions = versions_in_force(run.region_id, month)
    compiled = [compile_version(version) for version in versions]
    names = {version.policy.code: (version.policy.name, version.policy.kind) for version in versions}
    previous = EligibilityRun.objects.filter(region_id=run.region_id, month=previous_month(month)).first()
    EligibilityResult.objects.filter(run=run).delete()
    totals = _Totals(compiled, names)
    elders = 0
    for batch in _batches(run.region_id):
        low, high = batch[0][0], batch[-1][0]
        categories = _categories(run.region_id, low, high)
        before = _previous_results(previous, low, high)
        results = []
        for row in batch:
            facts = facts_from_row(row, categories.get(row[0], frozenset()), month)
            result = evaluate(run, row[0], facts, compiled, before.get(row[0]))
            totals.add(result)
            results.append(result)
        EligibilityResult.objects.bulk_create(results, batch_size=BATCH)
        elders += len(batch)
    if previous is not None:
        totals.count_stopped_without_row(previous, run)
    run.elder_count = elders
    run.eligible_count = totals.eligible_elders
    run.totals = totals.as_json()
    run.computed_at = timezone.now()


def _batches(region_code: str) -> Iterator[list[tuple]]:
    """The region's elders in primary-key order, ``BATCH`` at a time (keyset pagination, no OFFSET)."""
    elders = Elder.objects.filter(in_region(region_code, "community_id")).order_by("pk")
    last = 0
    while batch := list(elders.filter(pk__gt=last).values_list(*ELDER_FIELDS)[:BATCH]):
        yield batch
        last = batch[-1][0]


def _categories(region_code: str, low: int, high: int) -> dict[int, frozenset[str]]:
    found: dict[int, set[str]] = defaultdict(set)
    rows = ElderCategory.objects.filter(
        in_region(region_code, "community_code"), elder_id__gte=low, elder_id__lte=high
    )
    for elder_id, code in rows.values_list("elder_id", "code"):
        found[elder_id].add(code)
    return {elder_id: frozenset(codes) for elder_id, codes in found.items()}


def _previous_results(previous: EligibilityRun | None, low: int, high: int) -> dict[int, tuple]:
    if previous is None:
        return {}
    rows = EligibilityResult.objects.filter(run=previous, elder_id__gte=low, elder_id__lte=high)
    return {row[0]: row[1:] for row in rows.values_list("elder_id", "outcomes", *FACT_FIELDS)}


def facts_from_row(row: tuple, categories: frozenset[str], month: dt.date) -> Facts:
    _pk, community, birth_date, status, status_date, level, living, hukou = row
    return Facts(
        community_code=community,
        age=age_on(birth_date, month),
        status=status_on(status, status_date, month),
        ability_level=level,
        categories=categories,
        living_arrangement=living or "",
        hukou_region_code=hukou or "",
    )


def evaluate(
    run: EligibilityRun, elder_id: int, facts: Facts, compiled: list[CompiledVersion], before: tuple | None
) -> EligibilityResult:
    outcomes = {}
    cash = voucher = 0
    for version in compiled:
        eligible, amount, tier, failed = version.evaluate(facts)
        outcome = {"version": version.version_id, "eligible": eligible, "amount_fen": amount, "tier": tier}
        if failed:
            outcome["failed"] = failed
        if change := _change(version.policy_code, eligible, amount, facts, before):
            outcome.update(change)
        outcomes[version.policy_code] = outcome
        if eligible:
            if version.kind == PolicyKind.SERVICE_SUBSIDY:
                voucher += amount
            else:
                cash += amount
    return EligibilityResult(
        run=run,
        elder_id=elder_id,
        community_code=facts.community_code,
        age=facts.age,
        status=facts.status,
        ability_level=facts.ability_level,
        categories=",".join(sorted(facts.categories)),
        living_arrangement=facts.living_arrangement,
        hukou_region_code=facts.hukou_region_code,
        outcomes=outcomes,
        cash_fen=cash,
        voucher_fen=voucher,
    )


def _change(code: str, eligible: bool, amount: int, facts: Facts, before: tuple | None) -> dict:
    """Against last month: ``{"change": new|stopped|changed, "change_reason": [fact changes]}`` or {}."""
    if before is None:
        return {"change": "new", "change_reason": [{"fact": "first_run"}]} if eligible else {}
    old = before[0].get(code) or {}
    was, was_amount = bool(old.get("eligible")), old.get("amount_fen", 0)
    if was == eligible and (not eligible or was_amount == amount):
        return {}
    change = "changed" if was and eligible else ("new" if eligible else "stopped")
    amounts = (was_amount, amount) if change == "changed" else None
    return {"change": change, "change_reason": fact_changes(before[1:], facts, amounts)}


def fact_changes(old_facts: tuple, facts: Facts, amounts: tuple[int, int] | None) -> list[dict]:
    """What changed between last month's facts and this month's, as plain data for the explanation."""
    old = dict(zip(FACT_FIELDS, old_facts, strict=True))
    new = {
        "age": facts.age,
        "status": facts.status,
        "ability_level": facts.ability_level,
        "categories": ",".join(sorted(facts.categories)),
        "living_arrangement": facts.living_arrangement,
        "hukou_region_code": facts.hukou_region_code,
    }
    changes = [
        {"fact": name, "from": old[name], "to": new[name]} for name in FACT_FIELDS if old[name] != new[name]
    ]
    if amounts is not None:
        changes.append({"fact": "amount", "from": amounts[0], "to": amounts[1]})
    return changes or [{"fact": "rules"}]


class _Totals:
    """The sums shown on a run, gathered while its results are made."""

    def __init__(self, compiled: list[CompiledVersion], names: dict[str, tuple[str, str]]):
        self.versions = {version.policy_code: version for version in compiled}
        self.policies = {
            code: {
                "name": names[code][0],
                "kind": names[code][1],
                "version": version.version_id,
                "eligible": 0,
                "amount_fen": 0,
                "new": 0,
                "stopped": 0,
                "changed": 0,
            }
            for code, version in self.versions.items()
        }
        self.eligible_elders = 0

    def add(self, result: EligibilityResult) -> None:
        any_eligible = False
        for code, outcome in result.outcomes.items():
            policy = self.policies[code]
            if outcome["eligible"]:
                any_eligible = True
                policy["eligible"] += 1
                policy["amount_fen"] += outcome["amount_fen"]
            if change := outcome.get("change"):
                policy[change] += 1
        self.eligible_elders += any_eligible

    def count_stopped_without_row(self, previous: EligibilityRun, run: EligibilityRun) -> None:
        """Elders paid last month who have no row now (they left the region's registry) also stopped."""
        gone = EligibilityResult.objects.filter(run=previous).exclude(
            elder_id__in=EligibilityResult.objects.filter(run=run).values("elder_id")
        )
        for outcomes in gone.values_list("outcomes", flat=True).iterator(chunk_size=BATCH):
            for code, outcome in outcomes.items():
                if outcome.get("eligible") and code in self.policies:
                    self.policies[code]["stopped"] += 1

    def as_json(self) -> dict:
        funds: dict[str, int] = defaultdict(int)
        for code, policy in self.policies.items():
            policy["funds"] = split_by_shares(policy["amount_fen"], self.versions[code].fund_shares)
            for source, fen in policy["funds"].items():
                funds[source] += fen
        return {
            "policies": self.policies,
            "funds": dict(sorted(funds.items())),
            "amount_fen": sum(policy["amount_fen"] for policy in self.policies.values()),
        }
