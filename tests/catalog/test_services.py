"""The catalogue's writes and reads: the seeded catalogue, exact prices, refusals naming the field,
versions and audit records on every change, who may edit and who may read."""

from decimal import Decimal

import pytest

from shouwang.assessments.careplans import CARE_SERVICES
from shouwang.catalog.models import Category, ServiceItem, ServiceItemVersion
from shouwang.catalog.prices import PriceError, fen_to_yuan, yuan_to_fen
from shouwang.catalog.selectors import (
    categories_for,
    get_item_for,
    grouped_by_category,
    item_history,
    items_for,
    parse_active,
)
from shouwang.catalog.services import (
    DuplicateCode,
    create_item,
    reactivate_item,
    retire_item,
    update_item,
)
from shouwang.core.actors import SYSTEM
from shouwang.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from shouwang.core.models import AuditLog

pytestmark = pytest.mark.django_db

NEW_ITEM = {
    "code": "meal_festival",
    "name": "助餐·节日加餐",
    "category": "daily_living",
    "unit": "meal",
    "standard_minutes": 30,
    "guide_price": "25.50",
    "required_certificate": "health_certificate",
    "required_skill": "节日餐食",
}


# The seeded catalogue


def test_seeded_catalogue_holds_every_care_plan_service_code():
    codes = set(ServiceItem.objects.values_list("code", flat=True))
    assert set(CARE_SERVICES) <= codes
    assert ServiceItem.objects.filter(code__in=CARE_SERVICES, active=True).count() == len(CARE_SERVICES)


def test_seeded_catalogue_covers_the_seven_categories_with_about_35_items():
    assert set(ServiceItem.objects.values_list("category", flat=True)) == set(Category.values)
    assert len(Category.values) == 7
    assert 30 <= ServiceItem.objects.count() <= 45
    names = set(ServiceItem.objects.values_list("name", flat=True))
    for core in ("助餐", "助洁", "助浴", "助急", "助行", "助医", "助乐"):
        assert any(name.startswith(core) for name in names), core


def test_seeded_prices_and_units_are_realistic():
    meal = ServiceItem.objects.get(code="meal")
    assert (meal.name, meal.unit, meal.guide_price_fen, meal.price_text) == (
        "助餐·送餐上门",
        "meal",
        1500,
        "15.00元/餐",
    )
    assert ServiceItem.objects.get(code="cleaning").price_text == "40.00元/小时"
    assert ServiceItem.objects.get(code="bathing").price_text == "80.00元/次"
    assert ServiceItem.objects.get(code="meal_dine_in").category == Category.DAILY_LIVING
    assert ServiceItem.objects.get(code="basic_care_rehab").required_certificate == "therapist"


def test_each_seeded_item_starts_with_version_one():
    assert ServiceItemVersion.objects.count() == ServiceItem.objects.count()
    meal = ServiceItem.objects.get(code="meal")
    (first,) = meal.versions.all()
    assert (first.version, first.action, first.values["guide_price_fen"]) == (1, "created", 1500)
    assert meal.version == 1


# Prices


@pytest.mark.parametrize(
    ("typed", "fen"),
    [
        ("15.50", 1550),
        ("15.5", 1550),
        ("15", 1500),
        ("0.1", 10),
        ("0.2", 20),
        ("0.3", 30),
        ("0.30", 30),
        (".5", 50),
        ("0", 0),
        ("１５.５０", 1550),
        ("¥1,200.00", 120000),
        ("80元", 8000),
        (15, 1500),
        (15.5, 1550),
        (Decimal("19.99"), 1999),
        ("99999.99", 9999999),
    ],
)
def test_yuan_to_fen_is_exact(typed, fen):
    assert yuan_to_fen(typed) == fen


def test_tenths_add_up_exactly_in_fen():
    assert yuan_to_fen("0.1") + yuan_to_fen("0.2") == yuan_to_fen("0.3") == 30
    assert sum(yuan_to_fen("0.10") for _ in range(10)) == yuan_to_fen("1") == 100


@pytest.mark.parametrize(
    "typed", ["15.555", "-1", "abc", "", "1e3", "NaN", "Infinity", 0.1 + 0.2, True, "100000.01", None]
)
def test_yuan_to_fen_refuses_what_is_not_a_price(typed):
    with pytest.raises(PriceError):
        yuan_to_fen(typed)


def test_fen_to_yuan():
    assert [fen_to_yuan(fen) for fen in (0, 5, 1550, 300000)] == ["0.00", "0.05", "15.50", "3000.00"]


# Create


def test_create_converts_the_price_and_writes_version_and_audit(official):
    item = create_item(actor=official, data=NEW_ITEM, reason="节日需求")
    assert item.guide_price_fen == 2550 and item.active and item.version == 1
    assert item.position > ServiceItem.objects.exclude(pk=item.pk).order_by("-position")[0].position
    (version,) = item.versions.all()
    assert version.changed_by == official and version.reason == "节日需求"
    assert version.values["guide_price_fen"] == 2550 and version.values["code"] == "meal_festival"
    log = AuditLog.objects.get(action="catalog.item.create", object_id=str(item.pk))
    assert log.actor == official and log.after["guide_price_fen"] == 2550


def test_create_accepts_chinese_names_for_choices(admin_user):
    data = {**NEW_ITEM, "category": "生活照料", "unit": "餐", "required_certificate": "健康证"}
    item = create_item(actor=admin_user, data=data)
    assert (item.category, item.unit, item.required_certificate) == (
        "daily_living",
        "meal",
        "health_certificate",
    )


def test_create_takes_a_price_in_fen(official):
    data = {key: value for key, value in NEW_ITEM.items() if key != "guide_price"}
    item = create_item(actor=official, data={**data, "guide_price_fen": 1234})
    assert item.guide_price_fen == 1234 and item.guide_price_yuan == "12.34"


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("guide_price", "15.555", "guide price"),
        ("guide_price", "abc", "guide price"),
        ("guide_price", "-3", "guide price"),
        ("category", "cooking", "categor"),
        ("unit", "bowl", "unit"),
        ("standard_minutes", "0", "standard duration"),
        ("standard_minutes", "2 hours", "standard duration"),
        ("code", "Meal Festival", "code"),
        ("required_certificate", "driving licence", "certificate"),
    ],
)
def test_create_refuses_bad_values_naming_the_field(official, field, value, words):
    with pytest.raises(ValidationFailed) as caught:
        create_item(actor=official, data={**NEW_ITEM, field: value})
    assert list(caught.value.errors) == [field]
    assert words in caught.value.message.lower()
    assert not ServiceItem.objects.filter(code="meal_festival").exists()


def test_create_reports_every_missing_field_at_once(official):
    with pytest.raises(ValidationFailed) as caught:
        create_item(actor=official, data={"code": "x_new", "name": ""})
    assert set(caught.value.errors) == {"name", "category", "unit", "standard_minutes", "guide_price"}
    assert "guide price" in caught.value.errors["guide_price"].lower()


def test_duplicate_code_is_refused_even_against_a_retired_item(official):
    with pytest.raises(DuplicateCode) as caught:
        create_item(actor=official, data={**NEW_ITEM, "code": "meal"})
    assert caught.value.status == 409 and "code" in caught.value.errors and "meal" in caught.value.message
    item = create_item(actor=official, data=NEW_ITEM)
    retire_item(actor=official, item_id=item.pk, reason="停办")
    with pytest.raises(DuplicateCode):
        create_item(actor=official, data=NEW_ITEM)


# Update, retire, reactivate


def test_update_changes_only_given_fields_and_records_before_and_after(official):
    meal = ServiceItem.objects.get(code="meal")
    update_item(actor=official, item_id=meal.pk, data={"guide_price": "16.50"}, reason="物价调整")
    meal.refresh_from_db()
    assert (meal.guide_price_fen, meal.name, meal.unit, meal.version) == (1650, "助餐·送餐上门", "meal", 2)
    log = AuditLog.objects.get(action="catalog.item.update", object_id=str(meal.pk))
    assert log.before == {"guide_price_fen": 1500} and log.after == {"guide_price_fen": 1650}
    latest = meal.versions.get(version=2)
    assert (
        latest.action == "updated"
        and latest.reason == "物价调整"
        and latest.values["guide_price_fen"] == 1650
    )
    assert latest.values["name"] == "助餐·送餐上门"


def test_update_with_nothing_changed_writes_nothing(official):
    meal = ServiceItem.objects.get(code="meal")
    update_item(actor=official, item_id=meal.pk, data={"guide_price": "15.00", "name": "助餐·送餐上门"})
    assert meal.versions.count() == 1 and not AuditLog.objects.filter(action="catalog.item.update").exists()


def test_update_refuses_a_new_code_and_bad_values_and_keeps_the_item(official):
    meal = ServiceItem.objects.get(code="meal")
    with pytest.raises(ValidationFailed) as caught:
        update_item(actor=official, item_id=meal.pk, data={"code": "meal2"})
    assert "code" in caught.value.errors
    with pytest.raises(ValidationFailed) as caught:
        update_item(actor=official, item_id=meal.pk, data={"guide_price": "1.234", "category": "x"})
    assert set(caught.value.errors) == {"guide_price", "category"}
    meal.refresh_from_db()
    assert meal.guide_price_fen == 1500 and meal.versions.count() == 1


def test_update_can_clear_the_required_skill(official):
    meal = ServiceItem.objects.get(code="meal")
    update_item(actor=official, item_id=meal.pk, data={"required_skill": ""})
    meal.refresh_from_db()
    assert meal.required_skill == ""


def test_retire_needs_a_reason_and_reactivate_brings_it_back(official):
    visit = ServiceItem.objects.get(code="visit_phone")
    with pytest.raises(ValidationFailed) as caught:
        retire_item(actor=official, item_id=visit.pk, reason=" ")
    assert "reason" in caught.value.errors
    retire_item(actor=official, item_id=visit.pk, reason="并入上门探访")
    assert not ServiceItem.objects.get(pk=visit.pk).active
    with pytest.raises(Conflict):
        retire_item(actor=official, item_id=visit.pk, reason="again")
    reactivate_item(actor=official, item_id=visit.pk)
    assert ServiceItem.objects.get(pk=visit.pk).active
    actions = list(
        AuditLog.objects.filter(object_id=str(visit.pk), object_type="catalog.serviceitem")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["catalog.item.retire", "catalog.item.reactivate"]


def test_history_lists_every_change_in_order(official, admin_user):
    item = create_item(actor=official, data=NEW_ITEM)
    update_item(actor=official, item_id=item.pk, data={"guide_price": "26"}, reason="调价")
    update_item(actor=admin_user, item_id=item.pk, data={"standard_minutes": "40", "subsidy_payable": False})
    retire_item(actor=official, item_id=item.pk, reason="停办")
    reactivate_item(actor=admin_user, item_id=item.pk, reason="恢复")
    history = item_history(official, item.pk)
    assert [(v.version, v.action) for v in history] == [
        (1, "created"),
        (2, "updated"),
        (3, "updated"),
        (4, "retired"),
        (5, "reactivated"),
    ]
    assert history[1].changes == {"guide_price_fen": [2550, 2600]}
    assert history[2].changes == {"standard_minutes": [30, 40], "subsidy_payable": [True, False]}
    assert history[3].changes == {"active": [True, False]} and history[3].reason == "停办"
    assert [v.changed_by for v in history] == [official, official, admin_user, official, admin_user]
    assert AuditLog.objects.filter(object_type="catalog.serviceitem", object_id=str(item.pk)).count() == 5


def test_system_jobs_may_write_with_actor_none(db):
    item = create_item(actor=SYSTEM, data=NEW_ITEM)
    assert item.versions.get().changed_by is None
    assert AuditLog.objects.get(action="catalog.item.create").actor_username == "system"


# Permissions


@pytest.mark.parametrize("who", ["worker_a", "provider_admin_a"])
def test_only_admins_and_officials_edit(request, who):
    user = request.getfixturevalue(who)
    meal = ServiceItem.objects.get(code="meal")
    with pytest.raises(Forbidden):
        create_item(actor=user, data=NEW_ITEM)
    with pytest.raises(Forbidden):
        update_item(actor=user, item_id=meal.pk, data={"guide_price": "1"})
    with pytest.raises(Forbidden):
        retire_item(actor=user, item_id=meal.pk, reason="x")
    with pytest.raises(Forbidden):
        reactivate_item(actor=user, item_id=meal.pk)
    assert ServiceItem.objects.get(pk=meal.pk).guide_price_fen == 1500 and meal.versions.count() == 1


def test_everybody_logged_in_reads_the_whole_catalogue(worker_a, worker_b, provider_admin_a):
    total = ServiceItem.objects.filter(active=True).count()
    for user in (worker_a, worker_b, provider_admin_a):
        assert items_for(user).count() == total
        assert get_item_for(user, ServiceItem.objects.get(code="meal").pk).code == "meal"


def test_anonymous_and_inactive_users_read_nothing(worker_a):
    from django.contrib.auth.models import AnonymousUser

    meal = ServiceItem.objects.get(code="meal")
    assert not items_for(AnonymousUser()).exists() and not items_for(None).exists()
    worker_a.is_active = False
    assert not items_for(worker_a).exists()
    with pytest.raises(NotFound):
        get_item_for(AnonymousUser(), meal.pk)


# Reads


def test_retired_items_leave_the_default_list(official, worker_a):
    visit = ServiceItem.objects.get(code="visit_phone")
    retire_item(actor=official, item_id=visit.pk, reason="并入上门探访")
    assert not items_for(worker_a).filter(code="visit_phone").exists()
    assert list(items_for(worker_a, active=False).values_list("code", flat=True)) == ["visit_phone"]
    assert items_for(worker_a, active=None).filter(code="visit_phone").exists()
    assert get_item_for(worker_a, visit.pk).active is False


def test_search_and_category_filters(worker_a):
    assert set(items_for(worker_a, q="助餐").values_list("code", flat=True)) == {
        "meal",
        "meal_dine_in",
        "meal_home_cooking",
    }
    assert items_for(worker_a, q="meal_dine").get().code == "meal_dine_in"
    errands = set(items_for(worker_a, category="errands").values_list("code", flat=True))
    assert errands == {"errands", "errands_paperwork", "errands_bills"}
    assert not items_for(worker_a, category="nonsense").exists()


def test_categories_and_grouping_follow_the_standard_order(worker_a):
    categories = categories_for(worker_a)
    assert [c["code"] for c in categories] == list(Category.values)
    assert categories[0]["name"] == "生活照料" and categories[0]["active_items"] == 13
    groups = grouped_by_category(items_for(worker_a))
    assert [g["code"] for g in groups] == list(Category.values)
    assert groups[0]["items"][0].code == "meal"


def test_parse_active():
    assert [parse_active(v) for v in ("true", "1", "false", "no", "all", "", None, True)] == [
        True,
        True,
        False,
        False,
        None,
        None,
        None,
        True,
    ]
