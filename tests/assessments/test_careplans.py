"""Care plans: recommendations from rules held as data, drafting, editing, approval, supersession, scope."""

import datetime as dt
from types import SimpleNamespace

import pytest

from shouwang.assessments.careplans import (
    CARE_SERVICES,
    MANUAL_WHY,
    active_plan_for,
    approve_care_plan,
    draft_care_plan,
    recommend,
    set_plan_items,
)
from shouwang.assessments.models import Assessment, CarePlan, CareRule, PlanState, State
from shouwang.assessments.selectors import get_care_plan_for
from shouwang.assessments.services import assign_assessor
from shouwang.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from shouwang.core.models import AuditLog
from shouwang.elders.models import ElderCategory
from shouwang.elders.services import set_ability
from tests import factories

_ids = iter(range(1, 10_000))


def rule(
    explanation="规则", *, min_level=0, max_level=4, living=(), categories=(), needs=(), items=(), active=True
):
    return SimpleNamespace(
        pk=next(_ids),
        name=explanation,
        min_level=min_level,
        max_level=max_level,
        living_arrangements=list(living),
        categories=list(categories),
        needs=list(needs),
        items=[{"service": s, "times": t, "per": p} for s, t, p in items],
        explanation=explanation,
        active=active,
    )


def lines(recommendations):
    return {(r.service, r.times, r.per) for r in recommendations}


ALONE_SEVERE = rule(
    "能力等级{level}（{level_name}）且独居",
    min_level=3,
    living=["alone"],
    items=[("meal", 1, "day"), ("cleaning", 1, "week"), ("visit", 1, "week")],
)


# recommend(): pure ---------------------------------------------------------------------------------------


def test_the_issues_example_level_3_living_alone():
    result = recommend(
        level=3, living_arrangement="alone", categories=set(), needs=set(), rules=[ALONE_SEVERE]
    )
    assert [(r.service, r.times, r.per) for r in result] == [
        ("meal", 1, "day"),
        ("cleaning", 1, "week"),
        ("visit", 1, "week"),
    ]
    meal = result[0]
    assert meal.why == "能力等级3（重度失能）且独居：每日助餐"
    assert meal.name == "助餐"
    assert meal.rule_id == ALONE_SEVERE.pk and meal.rule_ids == (ALONE_SEVERE.pk,)


def test_the_example_does_not_apply_to_family_or_lower_levels_or_inactive_rules():
    assert recommend(level=3, living_arrangement="with_family", categories=set(), needs=set(),
                     rules=[ALONE_SEVERE]) == []  # fmt: skip
    assert (
        recommend(level=2, living_arrangement="alone", categories=set(), needs=set(), rules=[ALONE_SEVERE])
        == []
    )
    off = rule(min_level=3, living=["alone"], items=[("meal", 1, "day")], active=False)
    assert recommend(level=4, living_arrangement="alone", categories=set(), needs=set(), rules=[off]) == []


def test_merging_keeps_the_higher_frequency_and_every_reason():
    weekly = rule("能力等级{level}（{level_name}）", min_level=3, items=[("basic_care", 3, "week")])
    daily = rule("能力等级{level}（{level_name}）", min_level=4, items=[("basic_care", 1, "day")])
    monthly = rule("{category}老年人", categories=["dibao", "tekun"], items=[("cleaning", 1, "month")])
    twice = rule("能力等级{level}", min_level=2, items=[("cleaning", 2, "month")])
    result = recommend(level=4, living_arrangement="alone", categories={"tekun", "dibao"}, needs=set(),
                       rules=[weekly, daily, monthly, twice])  # fmt: skip
    assert lines(result) == {("basic_care", 1, "day"), ("cleaning", 2, "month")}
    care = next(r for r in result if r.service == "basic_care")
    assert care.rule_id == daily.pk and set(care.rule_ids) == {weekly.pk, daily.pk}
    assert care.reasons == ("能力等级4（完全失能）：每日基础照护", "能力等级4（完全失能）：每周3次基础照护")
    cleaning = next(r for r in result if r.service == "cleaning")
    assert cleaning.why == "能力等级4：每月2次助洁；特困、低保老年人：每月助洁"


def test_a_week_outweighs_two_a_month_and_ties_keep_the_first_rule():
    first = rule("甲", items=[("visit", 2, "month")])
    second = rule("乙", items=[("visit", 1, "week")])
    third = rule("丙", items=[("visit", 1, "week")])
    (visit,) = recommend(
        level=1, living_arrangement="", categories=set(), needs=set(), rules=[first, second, third]
    )
    assert (visit.times, visit.per, visit.rule_id) == (1, "week", second.pk)
    assert visit.reasons == ("乙：每周探访", "甲：每月2次探访", "丙：每周探访")


def test_an_unassessed_elder_matches_only_rules_without_level_bounds():
    anyone = rule("任何人", items=[("recreation", 1, "week")])
    from_zero_to_two = rule("能力较好", max_level=2, items=[("walking", 1, "week")])
    severe = rule("重度", min_level=3, items=[("basic_care", 1, "day")])
    result = recommend(level=None, living_arrangement="alone", categories=set(), needs=set(),
                       rules=[anyone, from_zero_to_two, severe])  # fmt: skip
    assert lines(result) == {("recreation", 1, "week")}
    # The same rules for an assessed elder of level 0.
    assert lines(
        recommend(
            level=0,
            living_arrangement="alone",
            categories=set(),
            needs=set(),
            rules=[anyone, from_zero_to_two, severe],
        )
    ) == {  # fmt: skip
        ("recreation", 1, "week"),
        ("walking", 1, "week"),
    }


def test_a_needs_rule_applies_only_when_one_of_its_needs_was_stated():
    meal = rule("本人或家属提出{need}需求", needs=["meal"], items=[("meal", 1, "day")])
    either = rule("提出{need}需求", needs=["errands", "companionship"], items=[("errands", 1, "week")])
    assert (
        recommend(level=None, living_arrangement="", categories=set(), needs=set(), rules=[meal, either])
        == []
    )
    result = recommend(level=None, living_arrangement="", categories=set(), needs={"meal", "companionship"},
                       rules=[meal, either])  # fmt: skip
    assert [r.why for r in result] == ["本人或家属提出助餐需求：每日助餐", "提出精神慰藉需求：每周委托代办"]


def test_unusable_rule_items_are_skipped():
    broken = rule(
        "坏", items=[("massage", 1, "day"), ("meal", 0, "day"), ("meal", 1, "year"), ("visit", 1, "week")]
    )
    assert lines(
        recommend(level=1, living_arrangement="", categories=set(), needs=set(), rules=[broken])
    ) == {("visit", 1, "week")}


# Services -------------------------------------------------------------------------------------------------


@pytest.fixture
def severe_alone(elder_a):
    """elder_a (living alone) assessed at level 3 (重度失能)."""
    set_ability(actor=None, elder_id=elder_a.pk, level=3, standard="GB/T 42195-2022",
                assessed_on=dt.date(2025, 1, 10), valid_until=dt.date(2025, 7, 10))  # fmt: skip
    return elder_a


def _items(plan):
    return {(item.service, item.times, item.per) for item in plan.items.all()}


@pytest.mark.django_db
def test_default_rules_are_loaded_by_the_migration():
    names = set(CareRule.objects.values_list("name", flat=True))
    assert {"重度及以上失能且独居", "完全失能", "特困、低保老年人", "失独老年人", "提出助餐需求"} <= names
    for care_rule in CareRule.objects.all():
        assert care_rule.items and all(item["service"] in CARE_SERVICES for item in care_rule.items)


@pytest.mark.django_db
def test_draft_from_the_default_rules_for_level_3_living_alone(worker_a, severe_alone):
    plan = draft_care_plan(actor=worker_a, elder_id=severe_alone.pk, note="首次制定")
    assert plan.state == PlanState.DRAFT and plan.note == "首次制定"
    assert _items(plan) == {
        ("meal", 1, "day"),
        ("cleaning", 1, "week"),
        ("visit", 1, "week"),
        ("basic_care", 3, "week"),
        ("bathing", 1, "week"),
        ("emergency", 1, "month"),
    }
    meal = plan.items.get(service="meal")
    assert meal.why == "能力等级3（重度失能）且独居：每日助餐"
    assert meal.rule.name == "重度及以上失能且独居"
    record = AuditLog.objects.get(action="assessments.care_plan.draft", object_id=str(plan.pk))
    assert record.region_code == factories.COMMUNITY_A
    assert {"service": "meal", "times": 1, "per": "day", "why": meal.why} in record.after["items"]


@pytest.mark.django_db
def test_draft_uses_categories_and_stated_needs(worker_a, severe_alone):
    ElderCategory.for_elder(severe_alone, "dibao").save()
    ElderCategory.for_elder(severe_alone, "shidu").save()
    plan = draft_care_plan(
        actor=worker_a, elder_id=severe_alone.pk, needs=["medical_escort", "companionship"]
    )
    assert plan.needs == ["medical_escort", "companionship"]
    items = {item.service: item for item in plan.items.all()}
    assert (items["medical_escort"].times, items["medical_escort"].per) == (1, "month")
    # 失独 gives twice a month, the stated need once a week: the week wins and both reasons stay.
    assert (items["companionship"].times, items["companionship"].per) == (1, "week")
    assert "本人或家属提出精神慰藉需求：每周精神慰藉" in items["companionship"].why
    assert "失独老年人：每月2次精神慰藉" in items["companionship"].why
    # 低保 gives monthly cleaning, but living alone at level 3 gives weekly.
    assert (items["cleaning"].times, items["cleaning"].per) == (1, "week")
    assert "低保老年人：每月助洁" in items["cleaning"].why


@pytest.mark.django_db
def test_draft_links_the_latest_approved_assessment(worker_a, severe_alone):
    older = Assessment.objects.create(
        elder=severe_alone, assessed_on=dt.date(2024, 6, 1), state=State.APPROVED
    )
    latest = Assessment.objects.create(
        elder=severe_alone, assessed_on=dt.date(2025, 1, 10), state=State.APPROVED
    )
    Assessment.objects.create(elder=severe_alone, assessed_on=dt.date(2025, 2, 1), state=State.DRAFT)
    assert draft_care_plan(actor=worker_a, elder_id=severe_alone.pk).assessment == latest
    assert (
        draft_care_plan(actor=worker_a, elder_id=severe_alone.pk, assessment_id=older.pk).assessment == older
    )


@pytest.mark.django_db
def test_draft_refuses_unknown_needs_and_foreign_assessments(worker_a, severe_alone, elder_b):
    with pytest.raises(ValidationFailed) as error:
        draft_care_plan(actor=worker_a, elder_id=severe_alone.pk, needs=["meal", "massage"])
    assert "needs" in error.value.errors and "massage" in error.value.errors["needs"]
    other = Assessment.objects.create(elder=elder_b, assessed_on=dt.date(2025, 1, 10), state=State.APPROVED)
    with pytest.raises(ValidationFailed) as error:
        draft_care_plan(actor=worker_a, elder_id=severe_alone.pk, assessment_id=other.pk)
    assert "assessment" in error.value.errors
    assert not CarePlan.objects.exists()


@pytest.mark.django_db
def test_an_unassessed_elder_gets_only_unbounded_and_stated_need_rules(worker_a, elder_a):
    plan = draft_care_plan(actor=worker_a, elder_id=elder_a.pk, needs=["meal"])
    assert _items(plan) == {("meal", 1, "day")}


@pytest.mark.django_db
def test_edit_items_then_approve(worker_a, severe_alone):
    plan = draft_care_plan(actor=worker_a, elder_id=severe_alone.pk)
    old_visit_why = plan.items.get(service="visit").why
    set_plan_items(
        actor=worker_a,
        plan_id=plan.pk,
        items=[
            {"service": "meal", "times": 2, "per": "day"},  # changed
            {"service": "visit", "times": 1, "per": "week"},  # kept as recommended
            {"service": "recreation", "times": "1", "per": "week", "why": "老人喜欢下棋"},  # added
            {"service": "home_adaptation", "times": 1, "per": "month"},  # added without a reason
        ],
    )
    plan = get_care_plan_for(worker_a, plan.pk)
    items = {item.service: item for item in plan.items.all()}
    assert set(items) == {"meal", "visit", "recreation", "home_adaptation"}
    assert (items["meal"].times, items["meal"].why, items["meal"].rule) == (2, MANUAL_WHY, None)
    assert items["visit"].why == old_visit_why and items["visit"].rule is not None
    assert items["recreation"].why == "老人喜欢下棋"
    assert items["home_adaptation"].why == MANUAL_WHY
    record = AuditLog.objects.get(action="assessments.care_plan.items", object_id=str(plan.pk))
    assert len(record.before["items"]) == 6 and len(record.after["items"]) == 4

    approved = approve_care_plan(actor=worker_a, plan_id=plan.pk)
    assert approved.state == PlanState.APPROVED
    assert approved.approved_by == worker_a and approved.approved_at is not None
    assert AuditLog.objects.filter(action="assessments.care_plan.approve", object_id=str(plan.pk)).exists()
    # An approved plan is no longer edited.
    with pytest.raises(Conflict):
        set_plan_items(actor=worker_a, plan_id=plan.pk, items=[{"service": "meal", "times": 1, "per": "day"}])


@pytest.mark.django_db
def test_approving_a_second_plan_supersedes_the_first(worker_a, official, severe_alone):
    first = approve_care_plan(
        actor=worker_a, plan_id=draft_care_plan(actor=worker_a, elder_id=severe_alone.pk).pk
    )
    assert active_plan_for(severe_alone.pk) == first
    second = draft_care_plan(actor=worker_a, elder_id=severe_alone.pk)
    assert active_plan_for(severe_alone.pk) == first  # a draft changes nothing yet
    approve_care_plan(actor=official, plan_id=second.pk)
    first.refresh_from_db()
    assert first.state == PlanState.SUPERSEDED
    assert active_plan_for(severe_alone.pk) == second
    assert CarePlan.objects.filter(elder=severe_alone, state=PlanState.APPROVED).count() == 1
    assert AuditLog.objects.filter(action="assessments.care_plan.supersede", object_id=str(first.pk)).exists()
    # A superseded plan cannot be approved again.
    with pytest.raises(Conflict):
        approve_care_plan(actor=worker_a, plan_id=first.pk)


@pytest.mark.django_db
def test_an_empty_plan_cannot_be_approved(worker_a, severe_alone):
    plan = draft_care_plan(actor=worker_a, elder_id=severe_alone.pk)
    set_plan_items(actor=worker_a, plan_id=plan.pk, items=[])
    with pytest.raises(ValidationFailed) as error:
        approve_care_plan(actor=worker_a, plan_id=plan.pk)
    assert "items" in error.value.errors
    plan.refresh_from_db()
    assert plan.state == PlanState.DRAFT and active_plan_for(severe_alone.pk) is None


@pytest.mark.django_db
def test_approving_twice_is_a_conflict(worker_a, severe_alone):
    plan = draft_care_plan(actor=worker_a, elder_id=severe_alone.pk)
    approve_care_plan(actor=worker_a, plan_id=plan.pk)
    with pytest.raises(Conflict) as error:
        approve_care_plan(actor=worker_a, plan_id=plan.pk)
    assert error.value.status == 409 and error.value.code == "illegal_transition"
    assert AuditLog.objects.filter(action="assessments.care_plan.approve").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "line, field",
    [
        ({"service": "massage", "times": 1, "per": "week"}, "items.1.service"),
        ({"service": "meal", "times": 1, "per": "week"}, "items.1.service"),  # listed twice
        ({"service": "bathing", "times": 0, "per": "week"}, "items.1.times"),
        ({"service": "bathing", "times": 32, "per": "month"}, "items.1.times"),
        ({"service": "bathing", "times": "two", "per": "week"}, "items.1.times"),
        ({"service": "bathing", "times": 1, "per": "year"}, "items.1.per"),
    ],
)
def test_bad_lines_are_refused_naming_the_field(worker_a, severe_alone, line, field):
    plan = draft_care_plan(actor=worker_a, elder_id=severe_alone.pk)
    before = _items(plan)
    with pytest.raises(ValidationFailed) as error:
        set_plan_items(
            actor=worker_a, plan_id=plan.pk, items=[{"service": "meal", "times": 1, "per": "day"}, line]
        )
    assert list(error.value.errors) == [field]
    assert _items(plan) == before


@pytest.mark.django_db
def test_a_worker_of_another_community_cannot_draft_read_or_approve(worker_a, worker_b, severe_alone):
    with pytest.raises(NotFound):
        draft_care_plan(actor=worker_b, elder_id=severe_alone.pk)
    plan = draft_care_plan(actor=worker_a, elder_id=severe_alone.pk)
    with pytest.raises(NotFound):
        get_care_plan_for(worker_b, plan.pk)
    with pytest.raises(NotFound):
        set_plan_items(actor=worker_b, plan_id=plan.pk, items=[])
    with pytest.raises(NotFound):
        approve_care_plan(actor=worker_b, plan_id=plan.pk)
    plan.refresh_from_db()
    assert plan.state == PlanState.DRAFT and plan.items.count() == 6


@pytest.mark.django_db
def test_other_roles_may_not_manage_plans(worker_a, severe_alone):
    assessor = factories.user("assessor", regions=(factories.DISTRICT,))
    assign_assessor(actor=worker_a, elder_id=severe_alone.pk, assessor_id=assessor.pk)
    with pytest.raises(Forbidden):
        draft_care_plan(actor=assessor, elder_id=severe_alone.pk)
    plan = draft_care_plan(actor=worker_a, elder_id=severe_alone.pk)
    with pytest.raises(Forbidden):
        approve_care_plan(actor=assessor, plan_id=plan.pk)


@pytest.mark.django_db
def test_active_plan_for(worker_a, severe_alone, elder_b):
    assert active_plan_for(severe_alone.pk) is None
    plan = draft_care_plan(actor=worker_a, elder_id=severe_alone.pk)
    assert active_plan_for(severe_alone.pk) is None
    approve_care_plan(actor=worker_a, plan_id=plan.pk)
    active = active_plan_for(severe_alone.pk)
    assert active == plan
    assert {item.service for item in active.items.all()} >= {"meal", "cleaning", "visit"}
    assert active_plan_for(elder_b.pk) is None
