"""The rules of a policy version: checking them, evaluating them against an elder's facts, explaining them.

A condition is a small dict naming one fact of the elder on the first of the month:

    {"fact": "age", "min": 80, "max": 89}             completed years (either bound may be left out)
    {"fact": "ability_level", "min": 3, "max": 4}     GB/T 42195 level from the latest approved assessment
    {"fact": "category", "any_of": ["dibao", "tekun"]}  at least one of the elder's categories
    {"fact": "living_arrangement", "any_of": ["alone"]}
    {"fact": "hukou_in_region"}                       户籍 registered inside the policy's region

Two conditions apply to every policy and come first in every explanation: the elder lives in the policy's
region, and was alive and resident (not deceased, not moved out) on the first of the month — a death or
move-out recorded in the registry therefore stops payment from the next month on.

Everything here is pure: no queries. The run (``runs.py``) compiles each version once and applies it to
batches of facts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from shouwang.core.errors import ValidationFailed
from shouwang.core.text import listed
from shouwang.elders.models import Category, LivingArrangement, Status
from shouwang.regions.models import prefix_of

from .models import FundSource, PolicyKind

FACTS = ("age", "ability_level", "category", "living_arrangement", "hukou_in_region")
RANGE_FACTS = frozenset({"age", "ability_level"})
CHOICE_FACTS = {"category": Category, "living_arrangement": LivingArrangement}
ABILITY_LEVELS = range(0, 5)
EVERYBODY_ELSE = "*"


@dataclass(frozen=True, slots=True)
class Facts:
    """What a run knows of an elder on the first of the month."""

    community_code: str
    age: int
    status: str
    ability_level: int | None
    categories: frozenset[str]
    living_arrangement: str
    hukou_region_code: str


# --- checking a version before it is saved ----------------------------------------------------------------


def check_version(
    *, kind: str, conditions, tiers, fund_shares, self_pay_percent
) -> tuple[list[dict], list[dict], dict[str, int], dict[str, int]]:
    """The version's parts in their stored form, or ValidationFailed naming the field at fault."""
    conditions = _checked_conditions(conditions, "conditions")
    if not isinstance(tiers, list) or not tiers:
        _refuse("tiers", _("Give at least one amount."))
    checked_tiers = []
    for index, tier in enumerate(tiers):
        field = f"tiers[{index}]"
        if not isinstance(tier, dict):
            _refuse(field, _("Each amount needs a label, an amount in fen and its conditions."))
        amount = tier.get("amount_fen")
        if isinstance(amount, bool) or not isinstance(amount, int):
            _refuse(f"{field}.amount_fen", _("The amount must be a whole number of fen."))
        if amount < 0:
            _refuse(f"{field}.amount_fen", _("The amount may not be negative."))
        checked_tiers.append(
            {
                "label": str(tier.get("label", "")).strip()[:80],
                "amount_fen": amount,
                "conditions": _checked_conditions(tier.get("conditions", []), f"{field}.conditions"),
            }
        )
    return conditions, checked_tiers, _checked_shares(fund_shares), _checked_self_pay(kind, self_pay_percent)


def _refuse(field: str, message: str):
    raise ValidationFailed(f"{field}: {message}", errors={field: message})


def _checked_conditions(conditions, field: str) -> list[dict]:
    if not isinstance(conditions, list):
        _refuse(field, _("Conditions must be a list."))
    return [_checked_condition(condition, f"{field}[{i}]") for i, condition in enumerate(conditions)]


def _checked_condition(condition, field: str) -> dict:
    if not isinstance(condition, dict):
        _refuse(field, _("A condition names a fact and its bounds or values."))
    fact = condition.get("fact")
    if fact not in FACTS:
        _refuse(
            f"{field}.fact",
            _("Unknown fact %(fact)s; a condition may use %(known)s.")
            % {"fact": repr(fact), "known": listed(FACTS)},
        )
    allowed = {"fact"} | ({"min", "max"} if fact in RANGE_FACTS else set())
    allowed |= {"any_of"} if fact in CHOICE_FACTS else set()
    if unknown := sorted(set(condition) - allowed):
        _refuse(
            field, _("A %(fact)s condition does not take %(keys)s.") % {"fact": fact, "keys": listed(unknown)}
        )
    if fact in RANGE_FACTS:
        low, high = condition.get("min"), condition.get("max")
        for key, bound in (("min", low), ("max", high)):
            if bound is not None and (isinstance(bound, bool) or not isinstance(bound, int) or bound < 0):
                _refuse(f"{field}.{key}", _("A bound must be a whole number, 0 or more."))
        if low is None and high is None:
            _refuse(field, _("Give a lowest value, a highest value or both."))
        if low is not None and high is not None and low > high:
            _refuse(field, _("The lowest value is above the highest."))
        if fact == "ability_level" and any(b is not None and b not in ABILITY_LEVELS for b in (low, high)):
            _refuse(field, _("Ability levels run from 0 to 4."))
        return {"fact": fact, **{k: v for k, v in (("min", low), ("max", high)) if v is not None}}
    if fact in CHOICE_FACTS:
        values = condition.get("any_of")
        known = CHOICE_FACTS[fact].values
        if not isinstance(values, list) or not values:
            _refuse(f"{field}.any_of", _("List at least one value."))
        if unknown := [value for value in values if value not in known]:
            _refuse(
                f"{field}.any_of",
                _("Unknown values %(values)s; known are %(known)s.")
                % {"values": listed(map(str, unknown)), "known": listed(known)},
            )
        return {"fact": fact, "any_of": sorted(set(values))}
    return {"fact": fact}


def _checked_shares(shares) -> dict[str, int]:
    if not isinstance(shares, dict) or not shares:
        _refuse("fund_shares", _("Say which fund sources pay and their shares."))
    if unknown := [source for source in shares if source not in FundSource.values]:
        _refuse(
            "fund_shares",
            _("Unknown fund sources %(sources)s; known are %(known)s.")
            % {"sources": listed(map(str, unknown)), "known": listed(FundSource.values)},
        )
    for source, percent in shares.items():
        if isinstance(percent, bool) or not isinstance(percent, int) or percent < 0:
            _refuse(f"fund_shares.{source}", _("A share must be a whole percentage, 0 or more."))
    if (total := sum(shares.values())) != 100:
        _refuse("fund_shares", _("The fund shares add up to %(total)s %%, not 100 %%.") % {"total": total})
    return {source: percent for source, percent in sorted(shares.items()) if percent}


def _checked_self_pay(kind: str, shares) -> dict[str, int]:
    shares = shares or {}
    if kind != PolicyKind.SERVICE_SUBSIDY:
        if shares:
            _refuse("self_pay_percent", _("Only a service subsidy has a self-pay share."))
        return {}
    if not isinstance(shares, dict) or EVERYBODY_ELSE not in shares:
        _refuse("self_pay_percent", _('Give the self-pay share of everybody else under "*".'))
    for key, percent in shares.items():
        if key != EVERYBODY_ELSE and key not in Category.values:
            _refuse("self_pay_percent", _("Unknown category %(category)s.") % {"category": repr(key)})
        if isinstance(percent, bool) or not isinstance(percent, int) or not 0 <= percent <= 100:
            _refuse(f"self_pay_percent.{key}", _("A self-pay share is a whole percentage from 0 to 100."))
    return dict(sorted(shares.items()))


# --- evaluating -----------------------------------------------------------------------------------------


Test = Callable[[Facts], bool]


def _test(condition: dict, region_prefix: str) -> Test:
    fact = condition["fact"]
    if fact in RANGE_FACTS:
        low, high = condition.get("min", 0), condition.get("max", 10_000)
        if fact == "age":
            return lambda facts: low <= facts.age <= high
        return lambda facts: facts.ability_level is not None and low <= facts.ability_level <= high
    if fact == "category":
        wanted = frozenset(condition["any_of"])
        return lambda facts: not wanted.isdisjoint(facts.categories)
    if fact == "living_arrangement":
        arrangements = frozenset(condition["any_of"])
        return lambda facts: facts.living_arrangement in arrangements
    return lambda facts: facts.hukou_region_code.startswith(region_prefix)


def standing_conditions() -> list[dict]:
    """The two conditions every policy has, first in every explanation."""
    return [{"fact": "lives_in_region"}, {"fact": "resident"}]


@dataclass(frozen=True)
class CompiledVersion:
    """A version ready to apply to many elders: its tests built once."""

    version_id: int
    policy_code: str
    kind: str
    region_prefix: str
    tests: tuple[Test, ...]
    tiers: tuple[tuple[tuple[Test, ...], int], ...]
    fund_shares: dict[str, int]

    def evaluate(self, facts: Facts) -> tuple[bool, int, int | None, list[int]]:
        """(eligible, amount in fen, the tier that gave it, indexes of the conditions that failed)."""
        failed = [index for index, test in enumerate(self.tests) if not test(facts)]
        tier = next(
            (index for index, (tests, _amount) in enumerate(self.tiers) if all(t(facts) for t in tests)), None
        )
        if failed or tier is None:
            return False, 0, tier, failed
        return True, self.tiers[tier][1], tier, failed


def compile_version(version) -> CompiledVersion:
    prefix = prefix_of(version.policy.region_id)
    standing: list[Test] = [
        lambda facts: facts.community_code.startswith(prefix),
        lambda facts: facts.status == Status.ACTIVE,
    ]
    return CompiledVersion(
        version_id=version.pk,
        policy_code=version.policy.code,
        kind=version.policy.kind,
        region_prefix=prefix,
        tests=tuple(standing + [_test(c, prefix) for c in version.conditions]),
        tiers=tuple(
            (tuple(_test(c, prefix) for c in tier["conditions"]), tier["amount_fen"])
            for tier in version.tiers
        ),
        fund_shares=dict(version.fund_shares),
    )


def split_by_shares(amount_fen: int, shares: dict[str, int]) -> dict[str, int]:
    """``amount_fen`` divided by the percentage shares, in whole fen summing exactly to the amount (the fen
    left over by rounding down go to the largest remainders, ties in the order of the sources)."""
    exact = {source: amount_fen * percent for source, percent in shares.items()}
    parts = {source: value // 100 for source, value in exact.items()}
    left = amount_fen - sum(parts.values())
    for source in sorted(exact, key=lambda s: -(exact[s] % 100))[:left]:
        parts[source] += 1
    return parts


# --- explaining -----------------------------------------------------------------------------------------


def describe(condition: dict, facts: Facts | None = None) -> str:
    """A condition in words, with the elder's value when ``facts`` are given."""
    fact = condition["fact"]
    if fact == "lives_in_region":
        return _("lives in the policy's region")
    if fact == "resident":
        text = _("alive and resident on the first of the month")
        return text if facts is None else f"{text} ({Status(facts.status).label})"
    if fact == "hukou_in_region":
        return _("household registration (户籍) in the policy's region")
    if fact in RANGE_FACTS:
        name = _("age") if fact == "age" else _("ability level")
        low, high = condition.get("min"), condition.get("max")
        if low is not None and high is not None:
            text = _("%(name)s %(low)s to %(high)s") % {"name": name, "low": low, "high": high}
        elif low is not None:
            text = _("%(name)s at least %(low)s") % {"name": name, "low": low}
        else:
            text = _("%(name)s at most %(high)s") % {"name": name, "high": high}
        if facts is not None:
            value = getattr(facts, fact)
            text += f" ({value if value is not None else _('not assessed')})"
        return text
    choices = CHOICE_FACTS[fact]
    names = listed(str(choices(value).label) for value in condition["any_of"])
    if fact == "category":
        return _("in one of the categories %(names)s") % {"names": names}
    return _("living arrangement one of %(names)s") % {"names": names}


def explain(version, facts: Facts, outcome: dict) -> list[dict]:
    """Each condition of ``version`` with whether it held for these facts, then the amount's tier."""
    failed = set(outcome.get("failed", []))
    conditions = standing_conditions() + list(version.conditions)
    reasons = [
        {"condition": describe(condition, facts), "held": index not in failed}
        for index, condition in enumerate(conditions)
    ]
    tier = outcome.get("tier")
    if tier is None:
        reasons.append({"condition": _("matches one of the amounts"), "held": False})
    else:
        chosen = version.tiers[tier]
        words = listed(describe(c, facts) for c in chosen["conditions"]) or _("everybody")
        reasons.append({"condition": f"{chosen['label'] or _('amount')}: {words}", "held": True})
    return reasons
