import datetime as dt
import random

import pytest

from shouwang.benefits import runs, services
from shouwang.benefits.models import EligibilityResult, RunState
from shouwang.benefits.policies import Facts, compile_version
from shouwang.core.actors import SYSTEM
from shouwang.core.errors import Conflict, Forbidden, ValidationFailed
from shouwang.elders.models import Elder, ElderCategory
from shouwang.elders.services import record_life_event, set_ability
from tests import factories
from tests.benefits import factories as bf
from tests.benefits.conftest import approved

pytestmark = pytest.mark.django_db
APRIL = dt.date(2026, 4, 1)


def _run(month=bf.MONTH, region=factories.DISTRICT):
    return services.start_run(actor=SYSTEM, month=month, region_code=region)


def _outcome(run, elder, code):
    return EligibilityResult.objects.get(run=run, elder=elder).outcomes[code]


def _change(run, elder, code):
    return EligibilityResult.objects.get(run=run, elder=elder).changes.get(code)


def test_every_elder_is_evaluated_against_every_policy_with_the_amount_of_their_tier(policies):
    eighty = bf.elder(born=dt.date(1946, 3, 1))  # 80 on 2026-03-01
    ninety = bf.elder(born=dt.date(1935, 2, 1), level=4, categories=("dibao",))
    young = bf.elder(born=dt.date(1950, 5, 1), categories=("low_income",), community=factories.COMMUNITY_B)

    run = _run()

    assert (run.elder_count, run.eligible_count, run.state) == (3, 3, RunState.COMPUTED)
    assert [_outcome(run, e, "gaoling")["amount_fen"] for e in (eighty, ninety, young)] == [10000, 50000, 0]
    assert _outcome(run, ninety, "huli")["amount_fen"] == 60000
    assert [_outcome(run, e, "fuwu")["amount_fen"] for e in (eighty, ninety, young)] == [0, 30000, 20000]
    totals = run.totals["policies"]
    assert (totals["gaoling"]["eligible"], totals["gaoling"]["amount_fen"]) == (2, 60000)
    assert totals["gaoling"]["funds"] == {"city": 30000, "district": 30000}
    assert run.totals["funds"] == {
        "city": 30000 + 20000,
        "district": 30000 + 42000 + 20000,
        "lottery": 18000,
        "street": 10000,
    }
    assert run.totals["amount_fen"] == 60000 + 60000 + 50000


def test_age_is_taken_on_the_first_of_the_month(policies):
    turns_80_on_the_second = bf.elder(born=dt.date(1946, 3, 2))
    run = _run()
    assert _outcome(run, turns_80_on_the_second, "gaoling")["eligible"] is False
    assert EligibilityResult.objects.get(run=run).age == 79


def test_running_a_month_again_gives_the_same_rows_and_no_duplicates(policies):
    for born in (dt.date(1940, 1, 1), dt.date(1930, 1, 1), dt.date(1955, 1, 1)):
        bf.elder(born=born, categories=("tekun",))
    first = _run()
    rows = sorted(
        EligibilityResult.objects.filter(run=first).values_list(
            "elder_id", "outcomes", "cash_fen", "voucher_fen"
        )
    )

    again = _run()

    assert again.pk == first.pk
    assert EligibilityResult.objects.count() == 3
    assert (
        sorted(EligibilityResult.objects.values_list("elder_id", "outcomes", "cash_fen", "voucher_fen"))
        == rows
    )
    assert again.totals == first.totals


def test_a_rerun_after_a_correction_shows_the_change_in_the_audit(policies):
    elder = bf.elder(born=dt.date(1950, 1, 1))
    run = _run()
    set_ability(
        actor=None,
        elder_id=elder.pk,
        level=3,
        standard="GB/T 42195-2022",
        assessed_on=dt.date(2026, 2, 1),
        valid_until=None,
    )

    _run()

    run.refresh_from_db()
    assert run.totals["policies"]["huli"]["amount_fen"] == 40000
    step = run.transitions.get()
    assert (step.from_state, step.to_state) == ("computed", "computed")


def test_each_result_explains_which_conditions_held(policies, english):
    outsider = bf.elder(born=dt.date(1940, 1, 1), hukou="110101000000")  # 户籍 in Beijing
    run = _run()
    outcome = _outcome(run, outsider, "gaoling")

    assert outcome["eligible"] is False
    assert outcome["failed"] == [2]  # the policy's own first condition, after the two standing ones
    from shouwang.benefits.selectors import elder_benefits

    benefits = elder_benefits(factories.user("admin"), outsider.pk, bf.MONTH)
    gaoling = next(p for p in benefits.policies if p.code == "gaoling")
    assert [(r["condition"], r["held"]) for r in gaoling.reasons] == [
        ("lives in the policy's region", True),
        ("alive and resident on the first of the month (active)", True),
        ("household registration (户籍) in the policy's region", False),
        ("80–89: age 80 to 89 (86)", True),
    ]
    huli = next(p for p in benefits.policies if p.code == "huli")
    assert huli.reasons[-1] == {"condition": "matches one of the amounts", "held": False}


def test_a_death_stops_payment_from_the_next_month_with_its_reason(policies, official, english):
    elder = bf.elder(born=dt.date(1940, 1, 1), categories=("dibao",))
    _run(month=dt.date(2026, 2, 1))
    record_life_event(actor=official, elder_id=elder.pk, event="deceased", date=dt.date(2026, 3, 15))

    march = _run()
    april = _run(month=APRIL)

    assert _outcome(march, elder, "gaoling")["eligible"] is True  # alive on 1 March
    assert _outcome(april, elder, "gaoling")["eligible"] is False
    stopped = _change(april, elder, "gaoling")
    assert stopped == {
        "change": "stopped",
        "reasons": [{"fact": "status", "from": "active", "to": "deceased"}],
    }
    assert april.totals["policies"]["gaoling"]["stopped"] == 1
    assert april.totals["policies"]["fuwu"]["stopped"] == 1
    assert april.totals["amount_fen"] == 0


def test_elders_who_left_the_region_count_as_stopped_wherever_their_ids_fall(policies, monkeypatch):
    monkeypatch.setattr(runs, "BATCH", 2)
    elders = [bf.elder(born=dt.date(1940, 1, 1)) for _ in range(7)]  # all past 80: 高龄津贴
    march = _run(region=factories.STREET_A)
    # Three move to another street: one between two batches of April, one inside a batch, the last after
    # every batch (April's batches are elders 0-1 and 3-5).
    moved = [elders[2].pk, elders[4].pk, elders[6].pk]
    Elder.objects.filter(pk__in=moved).update(community_id=factories.COMMUNITY_B)

    april = _run(month=APRIL, region=factories.STREET_A)

    assert (march.totals["policies"]["gaoling"]["eligible"], april.elder_count) == (7, 4)
    assert april.totals["policies"]["gaoling"]["stopped"] == 3
    assert april.totals["policies"]["gaoling"]["eligible"] == 4
    assert not EligibilityResult.objects.filter(run=april, elder_id__in=moved).exists()


def test_new_and_changed_against_last_month_say_why(policies, english):
    turning_80 = bf.elder(born=dt.date(1946, 3, 15))
    turning_90 = bf.elder(born=dt.date(1936, 3, 10))
    _run()

    april = _run(month=APRIL)

    new = _change(april, turning_80, "gaoling")
    assert new == {"change": "new", "reasons": [{"fact": "age", "from": 79, "to": 80}]}
    changed = _change(april, turning_90, "gaoling")
    assert changed["change"] == "changed"
    assert {"fact": "amount", "from": 10000, "to": 50000} in changed["reasons"]
    from shouwang.benefits.selectors import change_words

    assert [change_words(c) for c in changed["reasons"]] == ["turned 90", "amount ¥100.00 → ¥500.00"]
    assert (april.totals["policies"]["gaoling"]["new"], april.totals["policies"]["gaoling"]["changed"]) == (
        1,
        1,
    )


def test_an_approved_run_is_never_computed_again_nor_overtaken_by_a_new_version(
    policies, worker_a, street_official, official, english
):
    bf.elder(born=dt.date(1940, 1, 1))
    run = approved(_run(), worker=worker_a, street=street_official, district=official)

    with pytest.raises(Conflict, match="can no longer be computed"):
        _run()
    with pytest.raises(ValidationFailed, match="2026-03 is already approved"):
        services.publish_version(
            actor=SYSTEM,
            policy_id=policies["gaoling"].pk,
            effective_from="2026-03",
            tiers=bf.AGE_TIERS,
            fund_shares={"city": 100},
        )
    assert run.totals["policies"]["gaoling"]["amount_fen"] == 10000


def test_a_new_version_applies_from_its_month_and_the_past_run_keeps_its_own(policies):
    elder = bf.elder(born=dt.date(1940, 1, 1))
    march = _run()
    services.publish_version(
        actor=SYSTEM,
        policy_id=policies["gaoling"].pk,
        effective_from="2026-04",
        conditions=[{"fact": "hukou_in_region"}],
        tiers=[{"label": "80+", "amount_fen": 15000, "conditions": [{"fact": "age", "min": 80}]}],
        fund_shares={"city": 100},
    )

    april = _run(month=APRIL)

    assert _outcome(march, elder, "gaoling")["amount_fen"] == 10000
    assert _outcome(april, elder, "gaoling")["amount_fen"] == 15000
    assert _outcome(april, elder, "gaoling")["version"] != _outcome(march, elder, "gaoling")["version"]


def test_a_run_covers_only_the_region_asked_for(policies):
    bf.elder(community=factories.COMMUNITY_A)
    bf.elder(community=factories.COMMUNITY_B)
    run = _run(region=factories.STREET_A)
    assert run.elder_count == 1


def test_a_run_is_computed_only_by_officials_of_its_region(policies, worker_a, english):
    outside = factories.user("official", regions=(factories.STREET_A,))
    with pytest.raises(Forbidden):
        services.start_run(actor=worker_a, month="2026-03", region_code=factories.DISTRICT)
    with pytest.raises(Forbidden):
        services.start_run(actor=outside, month="2026-03", region_code=factories.DISTRICT)
    with pytest.raises(ValidationFailed, match="no region with the code 999"):
        services.start_run(actor=SYSTEM, month="2026-03", region_code="999")


# --- the set-based run gives the rows of a straightforward evaluation ---------------------------------------

BIRTHS = [dt.date(1946, 3, 1), dt.date(1946, 3, 2), dt.date(1946, 4, 1), dt.date(1936, 2, 28)]
BIRTHS += [dt.date(1936, 4, 2), dt.date(1926, 3, 1), dt.date(1955, 7, 7), dt.date(1940, 12, 31)]
CATEGORY_SETS = [(), ("dibao",), ("tekun", "low_income"), ("low_income",), ("youfu", "shidu")]
HUKOU = [factories.COMMUNITY_A, factories.COMMUNITY_B, "110101001001", ""]
STATUSES = [("active", None), ("deceased", dt.date(2026, 2, 10)), ("moved_out", dt.date(2026, 3, 20))]


def _varied_population(rng) -> list:
    """Elders whose facts fall on and beside every threshold of the policies, in two communities."""
    elders = []
    for number in range(90):
        status, status_date = STATUSES[number % 3] if number % 4 == 0 else STATUSES[0]
        elders.append(
            bf.elder(
                born=rng.choice(BIRTHS),
                categories=rng.choice(CATEGORY_SETS),
                level=rng.choice((None, 0, 1, 2, 3, 4)),
                community=rng.choice((factories.COMMUNITY_A, factories.COMMUNITY_B)),
                hukou=rng.choice(HUKOU),
                living_arrangement=rng.choice(("alone", "with_family", "empty_nest", "")),
                status=status,
                status_date=status_date,
            )
        )
    return elders


def _facts_by_hand(elder, month: dt.date) -> Facts:
    birthday_to_come = (month.month, month.day) < (elder.birth_date.month, elder.birth_date.day)
    happened = elder.status == "active" or elder.status_date is None or elder.status_date <= month
    return Facts(
        community_code=elder.community_id,
        age=month.year - elder.birth_date.year - birthday_to_come,
        status=elder.status if happened else "active",
        ability_level=elder.ability_level,
        categories=frozenset(ElderCategory.objects.filter(elder=elder).values_list("code", flat=True)),
        living_arrangement=elder.living_arrangement or "",
        hukou_region_code=elder.hukou_region_code or "",
    )


def _row_by_hand(elder, month: dt.date, previous: EligibilityResult | None) -> dict:
    """One elder's result worked out plainly: each version applied to the elder's own facts."""
    facts, outcomes, cash, voucher = _facts_by_hand(elder, month), {}, 0, 0
    for version in runs.versions_in_force(factories.DISTRICT, month):
        eligible, amount, tier, failed = compile_version(version).evaluate(facts)
        outcomes[version.policy.code] = {
            "version": version.pk,
            "eligible": eligible,
            "amount_fen": amount,
            "tier": tier,
            **({"failed": failed} if failed else {}),
        }
        paid = amount if eligible else 0
        cash += paid if version.policy.kind == "cash" else 0
        voucher += paid if version.policy.kind == "service" else 0
    changes = {}  # the first month's run has nothing to compare with
    for code, outcome in outcomes.items() if previous else ():
        was = previous.outcomes.get(code, {})
        was_eligible, was_amount = bool(was.get("eligible")), was.get("amount_fen", 0)
        if was_eligible == outcome["eligible"] and (not was_eligible or was_amount == outcome["amount_fen"]):
            continue
        kind = (
            "changed" if was_eligible and outcome["eligible"] else "new" if outcome["eligible"] else "stopped"
        )
        reasons = [
            {"fact": name, "from": getattr(previous, name), "to": now}
            for name, now in (
                ("age", facts.age),
                ("status", facts.status),
                ("ability_level", facts.ability_level),
                ("categories", ",".join(sorted(facts.categories))),
                ("living_arrangement", facts.living_arrangement),
                ("hukou_region_code", facts.hukou_region_code),
            )
            if getattr(previous, name) != now
        ]
        if kind == "changed":
            reasons.append({"fact": "amount", "from": was_amount, "to": outcome["amount_fen"]})
        changes[code] = {"change": kind, "reasons": reasons or [{"fact": "rules"}]}
    return {
        "age": facts.age,
        "status": facts.status,
        "categories": ",".join(sorted(facts.categories)),
        "outcomes": outcomes,
        "cash_fen": cash,
        "voucher_fen": voucher,
        "changes": changes,
    }


def _stored(run) -> dict:
    return {
        row.elder_id: {
            "age": row.age,
            "status": row.status,
            "categories": row.categories,
            "outcomes": row.outcomes,
            "cash_fen": row.cash_fen,
            "voucher_fen": row.voucher_fen,
            "changes": row.changes,
        }
        for row in EligibilityResult.objects.filter(run=run)
    }


def test_the_set_based_run_gives_the_rows_of_a_straightforward_evaluation(policies, official, monkeypatch):
    # Small batches and a small cache of seen facts, so that batch edges and cache clearing are crossed.
    monkeypatch.setattr(runs, "BATCH", 7)
    monkeypatch.setattr(runs, "SEEN_LIMIT", 5)
    bf.policy(
        "duju",
        "独居老人补贴",
        "cash",
        factories.DISTRICT,
        conditions=[{"fact": "living_arrangement", "any_of": ["alone", "empty_nest"]}],
        tiers=[{"label": "80+", "amount_fen": 5000, "conditions": [{"fact": "age", "min": 80}]}],
        fund_shares={"district": 100},
    )
    elders = _varied_population(random.Random(15))

    march = _run()
    assert _stored(march) == {e.pk: _row_by_hand(e, bf.MONTH, None) for e in elders}
    assert march.eligible_count == sum(
        1 for row in _stored(march).values() if row["cash_fen"] or row["voucher_fen"]
    )

    # A month later some facts moved: levels, categories, a death; April is compared with March.
    for elder in elders[::5]:
        Elder.objects.filter(pk=elder.pk).update(ability_level=((elder.ability_level or 0) + 1) % 5)
    for elder in elders[1::6]:
        ElderCategory.objects.bulk_create([ElderCategory.for_elder(elder, "dibao")], ignore_conflicts=True)
    record_life_event(actor=official, elder_id=elders[2].pk, event="deceased", date=dt.date(2026, 3, 15))
    before = {row.elder_id: row for row in EligibilityResult.objects.filter(run=march)}
    elders = [Elder.objects.get(pk=e.pk) for e in elders]

    april = _run(month=APRIL)
    assert _stored(april) == {e.pk: _row_by_hand(e, APRIL, before[e.pk]) for e in elders}


def test_an_elder_with_results_cannot_be_deleted(policies):
    from django.db.models import ProtectedError

    elder = bf.elder()
    run = _run()
    with pytest.raises(ProtectedError):
        elder.delete()
    run.delete()  # a run's results go with it
    assert not EligibilityResult.objects.filter(elder=elder).exists()
