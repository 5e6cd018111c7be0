"""Computing a monthly eligibility run: every elder of the region against every policy version in force.

Set-based, so that a district of a million elders fits in a minute: the elders are read in batches of
``BATCH`` by primary key (one query for the elders, one for their categories and one for last month's
fingerprints per batch, whatever the batch holds), each policy version is compiled once into plain tests
(``policies.compile_version``), and the results of a batch go in as plain rows (``core.bulk``: COPY on
PostgreSQL). Nothing here queries per elder. Elders with the same facts get the same outcomes, so the
outcomes are worked out once per distinct combination of facts (a few thousand in a district) and shared;
an elder whose outcomes' fingerprint equals last month's has not changed, and only the others are compared
policy by policy.

Running a month again first deletes the run's results, so it always gives one row per elder and the same
rows for the same facts. Against the previous month's run of the region each outcome is marked new,
stopped or changed, with the facts that changed (turned 80, level 2 → 3, died, moved out).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator

from django.db import connection
from django.db.models import CharField, Q
from django.db.models.functions import Cast
from django.utils import timezone

from shouwang.core.bulk import bulk_session, insert_rows
from shouwang.elders.models import Elder, ElderCategory, Status
from shouwang.regions.models import prefix_of

from .models import EligibilityResult, EligibilityRun, PolicyKind, PolicyVersion
from .policies import CompiledVersion, Facts, compile_version, split_by_shares

BATCH = 10_000
# How many distinct combinations of facts the evaluator remembers as given (tens of MB at most).
SEEN_LIMIT = 100_000
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


def last_month(today: dt.date | None = None) -> dt.date:
    """The first of the month before ``today``'s (the platform's local date by default): the month the
    monthly jobs and the pages' defaults work on."""
    return previous_month((today or timezone.localdate()).replace(day=1))


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
    evaluator = Evaluator([compile_version(version) for version in versions])
    previous = EligibilityRun.objects.filter(region_id=run.region_id, month=previous_month(month)).first()
    EligibilityResult.objects.filter(run=run).delete()
    changes: dict[str, Counter] = defaultdict(Counter)
    elders = 0
    last = 0  # the highest elder id computed so far
    with bulk_session():
        for batch in facts_batches(run.region_id, month):
            elders += _compute_batch(run, batch, evaluator, previous, changes, after=last)
            last = batch[-1][0]
    if previous is not None:
        # Last month's elders beyond the last one computed now: none of them has a row now.
        gone = EligibilityResult.objects.filter(run=previous, elder_id__gt=last)
        _count_stopped(gone.values_list("outcomes", flat=True).iterator(chunk_size=BATCH), changes)
    run.elder_count = elders
    run.eligible_count = evaluator.eligible_elders()
    run.totals = evaluator.totals(versions, changes)
    run.computed_at = timezone.now()


def _compute_batch(run: EligibilityRun, batch, evaluator: Evaluator, previous, changes, *, after: int) -> int:
    """Evaluate, compare with last month and insert one batch of elders; returns how many.

    Last month's fingerprints are read for every elder id after ``after`` (the previous batch's last) up
    to this batch's last, so that the batches together cover every id: an elder of last month's run met
    in no batch has left the region's registry, and whatever they were paid stopped."""
    before = _previous_fingerprints(previous, after, batch[-1][0])
    outcome_of, run_id = evaluator.outcome, run.pk
    rows, changed = [], []
    for elder_id, facts in batch:
        outcome = outcome_of(facts)
        if previous is not None and before.pop(elder_id, None) != outcome.fingerprint:
            changed.append((len(rows), elder_id, facts, outcome))
        rows.append([run_id, elder_id, *facts, *outcome.stored])
    if changed:
        _mark_changes(rows, changed, previous, changes)
    if before:  # those left in ``before`` have no row in this run
        _count_stopped(_outcomes_of(previous, list(before)), changes)
    insert_rows(EligibilityResult, RESULT_COLUMNS, rows)
    return len(batch)


RESULT_COLUMNS = (
    "run_id",
    "elder_id",
    "community_code",
    *FACT_FIELDS,
    "outcomes",
    "fingerprint",
    "changes",
    "cash_fen",
    "voucher_fen",
)


def facts_batches(region_code: str, month: dt.date) -> Iterator[list[tuple[int, tuple]]]:
    """(elder id, facts as stored) of the region's elders on the first of ``month``, a batch at a time:
    facts are (community, age, status, ability level, categories text, living arrangement, 户籍).

    Rows are read through a plain cursor, dates as ISO text (``Cast``), so that no model field converts a
    million values: the age and the status on the first of the month are worked out from the text."""
    year, first = month.year, month.strftime("%m-%d")
    day = month.isoformat()
    active = Status.ACTIVE
    for batch in _batches(region_code):
        categories = _categories(region_code, batch[0][0], batch[-1][0])
        yield [
            (
                elder_id,
                (
                    community,
                    # age_on(birth_date, month), on ISO text: a birthday after the 1st is still to come.
                    year - int(birth_date[:4]) - (birth_date[5:10] > first),
                    # status_on(): a death or move dated after the 1st had not happened yet.
                    active if status != active and (status_date or "")[:10] > day else status,
                    level,
                    categories.get(elder_id, ""),
                    living or "",
                    hukou or "",
                ),
            )
            for elder_id, community, birth_date, status, status_date, level, living, hukou in batch
        ]


def _plain_rows(queryset) -> list[tuple]:
    """A values_list queryset's rows as the database gives them, without Django's per-value converters."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _batches(region_code: str) -> Iterator[list[tuple]]:
    """The region's elders in primary-key order, ``BATCH`` at a time (keyset pagination, no OFFSET), dates
    as ISO text."""
    elders = (
        Elder.objects.filter(in_region(region_code, "community_id"))
        .annotate(birth_text=Cast("birth_date", CharField()), status_text=Cast("status_date", CharField()))
        .order_by("pk")
    )
    fields = [{"birth_date": "birth_text", "status_date": "status_text"}.get(f, f) for f in ELDER_FIELDS]
    last = 0
    while batch := _plain_rows(elders.filter(pk__gt=last).values_list(*fields)[:BATCH]):
        yield batch
        last = batch[-1][0]


def _categories(region_code: str, low: int, high: int) -> dict[int, str]:
    """Each elder's categories as sorted, comma-separated codes (how results store them)."""
    found: dict[int, list[str]] = defaultdict(list)
    rows = ElderCategory.objects.filter(
        in_region(region_code, "community_code"), elder_id__gte=low, elder_id__lte=high
    )
    for elder_id, code in _plain_rows(rows.values_list("elder_id", "code")):
        found[elder_id].append(code)
    return {elder_id: ",".join(sorted(codes)) for elder_id, codes in found.items()}


def _previous_fingerprints(previous: EligibilityRun | None, after: int, high: int) -> dict[int, str]:
    """Elder id → fingerprint of last month's results for the ids in (``after``, ``high``]."""
    if previous is None:
        return {}
    rows = EligibilityResult.objects.filter(run=previous, elder_id__gt=after, elder_id__lte=high)
    return dict(_plain_rows(rows.values_list("elder_id", "fingerprint")))


def _outcomes_of(previous: EligibilityRun, elder_ids: list[int]) -> Iterator[dict]:
    """Last month's outcomes of these elders (a chunk of ids per query: SQLite bounds the parameters)."""
    rows = EligibilityResult.objects.filter(run=previous)
    for start in range(0, len(elder_ids), 1000):
        chunk = elder_ids[start : start + 1000]
        yield from rows.filter(elder_id__in=chunk).values_list("outcomes", flat=True)


def _mark_changes(rows: list[list], changed: list[tuple], previous: EligibilityRun, counts) -> None:
    """Compare the outcomes of the elders whose fingerprint moved with last month's, policy by policy."""
    before = {
        row[0]: row[1:]
        for row in EligibilityResult.objects.filter(
            run=previous, elder_id__in=[elder_id for _i, elder_id, _f, _o in changed]
        ).values_list("elder_id", "outcomes", *FACT_FIELDS)
    }
    changes_at = RESULT_COLUMNS.index("changes")
    for index, elder_id, facts, outcome in changed:
        old = before.get(elder_id)
        found = {}
        for code, new in outcome.outcomes.items():
            if change := _change(new, old[0].get(code, {}) if old else None, facts, old):
                found[code] = change
                counts[code][change["change"]] += 1
        if found:
            rows[index][changes_at] = json.dumps(found, sort_keys=True, ensure_ascii=False)


def _change(new: dict, old: dict | None, facts: tuple, old_row: tuple | None) -> dict:
    """``{"change": new|stopped|changed, "reasons": [fact changes]}`` for one policy, or {}."""
    eligible, amount = new["eligible"], new["amount_fen"]
    if old is None:
        return {"change": "new", "reasons": [{"fact": "no_result"}]} if eligible else {}
    was, was_amount = bool(old.get("eligible")), old.get("amount_fen", 0)
    if was == eligible and (not eligible or was_amount == amount):
        return {}
    change = "changed" if was and eligible else ("new" if eligible else "stopped")
    reasons = [
        {"fact": name, "from": before, "to": now}
        for name, before, now in zip(FACT_FIELDS, old_row[1:], facts[1:], strict=True)
        if before != now
    ]
    if change == "changed":
        reasons.append({"fact": "amount", "from": was_amount, "to": amount})
    return {"change": change, "reasons": reasons or [{"fact": "rules"}]}


def _count_stopped(outcomes: Iterable[dict], counts) -> None:
    """Last month's outcomes of elders with no row now (they left the region's registry): whatever they
    were paid stopped."""
    for outcome_by_code in outcomes:
        for code, outcome in outcome_by_code.items():
            if outcome.get("eligible"):
                counts[code]["stopped"] += 1


class Outcome:
    """The outcomes of every policy for one combination of facts, ready to store."""

    __slots__ = ("outcomes", "text", "fingerprint", "cash", "voucher", "count", "stored")

    def __init__(self, outcomes: dict, kinds: dict[str, str]):
        self.outcomes = outcomes
        self.text = json.dumps(outcomes, sort_keys=True, separators=(",", ":"))
        self.fingerprint = hashlib.blake2b(self.text.encode(), digest_size=8).hexdigest()
        paid = [(code, o["amount_fen"]) for code, o in outcomes.items() if o["eligible"]]
        self.cash = sum(fen for code, fen in paid if kinds[code] != PolicyKind.SERVICE_SUBSIDY)
        self.voucher = sum(fen for code, fen in paid if kinds[code] == PolicyKind.SERVICE_SUBSIDY)
        self.count = 0
        # The result's columns after the facts (outcomes, fingerprint, changes, cash, vouchers).
        self.stored = (self.text, self.fingerprint, "{}", self.cash, self.voucher)


class Evaluator:
    """Applies the compiled versions to facts, once per distinct combination of what the tests read."""

    def __init__(self, compiled: list[CompiledVersion]):
        self.compiled = compiled
        self.kinds = {version.policy_code: version.kind for version in compiled}
        self.prefixes = sorted({version.region_prefix for version in compiled})
        self.places: dict[tuple[str, str], tuple[bool, ...]] = {}
        self.known: dict[tuple, Outcome] = {}
        # The same facts give the same outcome: one lookup per elder in the common case.
        self.seen: dict[tuple, Outcome] = {}

    def outcome(self, facts: tuple) -> Outcome:
        """``facts`` as stored: (community, age, status, level, categories text, living, 户籍)."""
        found = self.seen.get(facts)
        if found is None:
            if len(self.seen) >= SEEN_LIMIT:  # a cache only: bounded, so memory stays flat
                self.seen.clear()
            found = self.seen[facts] = self._shared(facts)
        found.count += 1
        return found

    def _shared(self, facts: tuple) -> Outcome:
        """The outcome of the facts, shared by every combination the policies cannot tell apart (they
        read the community and the 户籍 only as inside or outside each policy's region)."""
        community, age, status, level, kinds, living, hukou = facts
        place = self.places.get((community, hukou))
        if place is None:
            place = self.places[(community, hukou)] = tuple(
                (community.startswith(p), hukou.startswith(p)) for p in self.prefixes
            )
        key = (place, age, status, level, kinds, living)
        found = self.known.get(key)
        if found is None:
            found = self.known[key] = self._evaluate(facts)
        return found

    def eligible_elders(self) -> int:
        return sum(o.count for o in self.known.values() if o.cash > 0 or o.voucher > 0)

    def _evaluate(self, facts: tuple) -> Outcome:
        community, age, status, level, kinds, living, hukou = facts
        seen = Facts(community, age, status, level, frozenset(filter(None, kinds.split(","))), living, hukou)
        outcomes = {}
        for version in self.compiled:
            eligible, amount, tier, failed = version.evaluate(seen)
            outcome = {
                "version": version.version_id,
                "eligible": eligible,
                "amount_fen": amount,
                "tier": tier,
            }
            if failed:
                outcome["failed"] = failed
            outcomes[version.policy_code] = outcome
        return Outcome(outcomes, self.kinds)

    def totals(self, versions: list[PolicyVersion], changes: dict[str, Counter]) -> dict:
        """The sums shown on a run: per policy, per fund source, and the whole amount."""
        policies = {}
        for version in versions:
            code = version.policy.code
            paid = [
                (o.outcomes[code]["amount_fen"], o.count)
                for o in self.known.values()
                if o.outcomes[code]["eligible"]
            ]
            amount = sum(fen * count for fen, count in paid)
            policies[code] = {
                "name": version.policy.name,
                "kind": version.policy.kind,
                "version": version.pk,
                "eligible": sum(count for _fen, count in paid),
                "amount_fen": amount,
                "funds": split_by_shares(amount, version.fund_shares),
                **{change: changes[code][change] for change in ("new", "stopped", "changed")},
            }
        funds: dict[str, int] = defaultdict(int)
        for policy in policies.values():
            for source, fen in policy["funds"].items():
                funds[source] += fen
        return {
            "policies": policies,
            "funds": dict(sorted(funds.items())),
            "amount_fen": sum(policy["amount_fen"] for policy in policies.values()),
        }


def preview(elder, categories: list[str], month: dt.date) -> EligibilityResult:
    """An unsaved result for one elder on the registry as it stands (before the month has a run)."""
    versions = versions_in_force(elder.community_id, month)
    evaluator = Evaluator([compile_version(version) for version in versions])
    facts = (
        elder.community_id,
        age_on(elder.birth_date, month),
        status_on(elder.status, elder.status_date, month),
        elder.ability_level,
        ",".join(sorted(categories)),
        elder.living_arrangement or "",
        elder.hukou_region_code or "",
    )
    outcome = evaluator.outcome(facts)
    return EligibilityResult(
        elder=elder,
        **dict(zip(("community_code", *FACT_FIELDS), facts, strict=True)),
        outcomes=outcome.outcomes,
        cash_fen=outcome.cash,
        voucher_fen=outcome.voucher,
    )


def effect(draft: PolicyVersion, region_code: str, month: dt.date) -> dict:
    """What publishing ``draft`` (an unsaved version of its policy) would change for the region's elders
    in ``month`` against the version in force: elders added and removed, amounts changed, the cost."""
    code = draft.policy.code
    current = [v for v in versions_in_force(region_code, month) if v.policy_id == draft.policy_id]
    before, after = Evaluator([compile_version(v) for v in current]), Evaluator([compile_version(draft)])
    found = {"elders": 0, "adds": 0, "removes": 0, "changes": 0, "before_fen": 0, "after_fen": 0}
    for batch in facts_batches(region_code, month):
        for _elder_id, facts in batch:
            old = before.outcome(facts).outcomes.get(code, {"eligible": False, "amount_fen": 0})
            new = after.outcome(facts).outcomes[code]
            found["elders"] += 1
            found["adds"] += new["eligible"] and not old["eligible"]
            found["removes"] += old["eligible"] and not new["eligible"]
            found["changes"] += old["eligible"] and new["eligible"] and old["amount_fen"] != new["amount_fen"]
            found["before_fen"] += old["amount_fen"] if old["eligible"] else 0
            found["after_fen"] += new["amount_fen"] if new["eligible"] else 0
    return {**found, "cost_change_fen": found["after_fen"] - found["before_fen"]}
