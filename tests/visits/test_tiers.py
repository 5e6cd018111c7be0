"""Risk tiers from the default rules (DOMAIN.md §6, seeded by the migration) and from recent alarms."""

import datetime as dt

import pytest
from django.utils import timezone

from shouwang.alarms.incidents import open_incident
from shouwang.elders.models import ElderCategory
from shouwang.visits.tiers import born_by, risk_of
from tests import factories

pytestmark = pytest.mark.django_db


def elder(arrangement="alone", *, age=70, level=None, categories=()):
    today = timezone.localdate()
    person = factories.ElderFactory(
        living_arrangement=arrangement,
        birth_date=born_by(today, age) - dt.timedelta(days=1),
        ability_level=level,
    )
    for code in categories:
        ElderCategory.for_elder(person, code).save()
    return person


def plan(risk):
    return {kind: planned.interval_days for kind, planned in risk.plan.items()}


def test_tier_per_default_rule(tree):
    disabled_alone = risk_of(elder("alone", level=2))
    assert disabled_alone.tier == "high"
    # the weekly home visit makes the fortnightly call of the "others" rule needless
    assert plan(disabled_alone) == {"home": 7}
    assert any("每周上门" in reason for reason in disabled_alone.reasons)

    very_old_alone = risk_of(elder("alone", age=82))
    assert (very_old_alone.tier, plan(very_old_alone)) == ("medium", {"phone": 7, "home": 30})

    empty_nest = risk_of(elder("empty_nest"))
    assert (empty_nest.tier, plan(empty_nest)) == ("low", {"phone": 14, "home": 91})

    poor_with_family = risk_of(elder("with_family", categories=["dibao"]))
    assert (poor_with_family.tier, plan(poor_with_family)) == ("medium", {"home": 30})
    assert poor_with_family.deciding_rule.categories

    with_family = risk_of(elder("with_family"))
    assert (with_family.tier, plan(with_family)) == ("none", {})
    # an ability level below 2 does not count as 失能 for the weekly rule
    assert risk_of(elder("empty_nest", level=1)).tier == "low"


def test_recent_alarms_and_missed_check_ins_raise_the_tier(tree, english):
    person = elder("empty_nest")
    open_incident(elder=person, device=None, kind="missed_checkin", priority="welfare")
    raised = risk_of(person)
    assert raised.tier == "medium"
    assert "1 missed daily check-in in the last 30 days: one tier higher" in raised.reasons
    open_incident(
        elder=person, device=None, kind="fall", priority="urgent", at=timezone.now() - dt.timedelta(days=45)
    )
    assert risk_of(person).tier == "medium"  # a fall six weeks ago is past the window
    quiet = elder("with_family")
    open_incident(elder=quiet, device=None, kind="fall", priority="urgent")
    assert risk_of(quiet).tier == "low"
