"""Meal help (助餐): a meal point records the meals it served, per elder per day, and each meal carries
the subsidy the bureau's rates give that elder (``MealSubsidyRate``: by category or from an age on, the
highest that applies). A meal served to an elder the registry says had died or moved out by that day is
recorded with a flag and no subsidy, so that it shows up for review instead of being paid.

The subsidy is kept per meal as data here; paying it out through the benefits ledger as voucher
redemptions is left for when the ledger takes meal points as redeemers.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.core import audit
from shouwang.core.actors import as_user, is_system, require_actor
from shouwang.core.errors import Forbidden, ValidationFailed
from shouwang.core.idnumbers import InvalidIdNumber, parse_resident_id
from shouwang.elders.models import Elder, ElderCategory, Status

from .models import MEAL_SERVICE, FacilityKind, Meal, MealFlag, MealRecord, MealSubsidyRate
from .permissions import may_keep_facilities, may_record_meals
from .selectors import get_facility_for

# The most people one list may carry: a large canteen serves a few hundred at one sitting.
MAX_LIST = 2000


def set_meal_rate(
    *, actor, fen_per_meal: int, category: str = "", min_age: int | None = None
) -> MealSubsidyRate:
    """Add a subsidy rate: for a category (``tekun`` …) or from an age on, never both nor neither."""
    require_actor(actor)
    if not (is_system(actor) or may_keep_facilities(actor)):
        raise Forbidden(_("Only the civil-affairs bureau sets meal subsidies."))
    from shouwang.elders.models import Category

    if bool(category) == (min_age is not None):
        raise ValidationFailed(_("A rate is for one category or from one age on."), code="rate_target")
    if category and category not in Category.values:
        raise ValidationFailed(_("Unknown category."), errors={"category": _("Unknown category.")})
    if not 0 <= fen_per_meal <= 100_00:
        raise ValidationFailed(
            _("A meal subsidy is between 0 and 100 yuan."),
            errors={"fen_per_meal": _("A meal subsidy is between 0 and 100 yuan.")},
        )
    with transaction.atomic():
        rate = MealSubsidyRate.objects.create(category=category, min_age=min_age, fen_per_meal=fen_per_meal)
        audit.record(
            actor=actor,
            action="facilities.meal_rate_set",
            obj=rate,
            after={"category": category, "min_age": min_age, "fen_per_meal": fen_per_meal},
        )
    return rate


def subsidies_for(elders: list[Elder], day: dt.date) -> dict[int, int]:
    """The subsidy per meal of each elder on ``day``: the highest rate of their categories and age."""
    rates = list(MealSubsidyRate.objects.all())
    categories: dict[int, set[str]] = {}
    for elder_id, code in ElderCategory.objects.filter(elder__in=[e.pk for e in elders]).values_list(
        "elder_id", "code"
    ):
        categories.setdefault(elder_id, set()).add(code)
    result = {}
    for elder in elders:
        age, held = elder.age_on(day), categories.get(elder.pk, set())
        applying = [
            r.fen_per_meal
            for r in rates
            if (r.category and r.category in held) or (r.min_age is not None and age >= r.min_age)
        ]
        result[elder.pk] = max(applying, default=0)
    return result


def flag_for(elder: Elder, day: dt.date) -> str:
    """Why a meal on ``day`` is suspect: the elder had died or moved out by then ("" when not)."""
    if elder.status == Status.ACTIVE or elder.status_date is None or elder.status_date > day:
        return ""
    return MealFlag.DECEASED if elder.status == Status.DECEASED else MealFlag.MOVED_OUT


def _numbers(people: list[str]) -> tuple[list[str], dict[str, str]]:
    numbers, errors = [], {}
    for raw in people:
        raw = str(raw).strip()
        if not raw:
            continue
        try:
            numbers.append(parse_resident_id(raw).number)
        except InvalidIdNumber as error:
            errors[raw] = error.message
    return list(dict.fromkeys(numbers)), errors


def record_meals(*, actor, facility_id: int, day: dt.date, people: list[str], meal: str = Meal.LUNCH) -> dict:
    """Record one sitting of a meal point: ``people`` are the diners' ID numbers. Every number must be a
    registered elder, or nothing is saved. A diner already recorded for that sitting is counted once.
    Returns ``recorded``, ``already`` and ``flagged`` counts and the subsidy in fen."""
    require_actor(actor)
    if not (is_system(actor) or may_record_meals(actor)):
        raise Forbidden(_("Your role may not record meals."))
    facility = get_facility_for(actor, facility_id)
    if facility.kind != FacilityKind.MEAL_POINT and MEAL_SERVICE not in facility.services:
        raise ValidationFailed(_("This facility does not serve meals."), code="not_meal_point")
    if meal not in Meal.values:
        raise ValidationFailed(
            _("Choose breakfast, lunch or dinner."), errors={"meal": _("Choose breakfast, lunch or dinner.")}
        )
    if day > timezone.localdate():
        raise ValidationFailed(
            _("Meals are recorded once served, not in advance."),
            errors={"day": _("Meals are recorded once served, not in advance.")},
        )
    if len(people) > MAX_LIST:
        raise ValidationFailed(
            _("One list holds at most %(n)d people.") % {"n": MAX_LIST}, code="list_too_long"
        )
    numbers, errors = _numbers(people)
    elders = {e.id_number: e for e in Elder.objects.filter(id_number__in=numbers)}
    for number in numbers:
        if number not in elders:
            errors[number] = _("No elder with this ID number is registered.")
    if errors:
        # The masked numbers only: whoever records meals at a provider never sees ID numbers in full.
        from shouwang.core.masking import mask_id_number

        shown = {mask_id_number(k) if len(k) == 18 else k: v for k, v in errors.items()}
        raise ValidationFailed(
            _("%(n)d of the ID numbers could not be used; nothing was recorded.") % {"n": len(errors)},
            errors=shown,
            code="unknown_diners",
        )
    if not numbers:
        raise ValidationFailed(
            _("Give at least one ID number."), errors={"people": _("Give at least one ID number.")}
        )
    diners = list(elders.values())
    subsidy = subsidies_for(diners, day)
    with transaction.atomic():
        already = set(
            MealRecord.objects.filter(elder__in=diners, day=day, meal=meal).values_list("elder_id", flat=True)
        )
        records = []
        for elder in diners:
            if elder.pk in already:
                continue
            flag = flag_for(elder, day)
            records.append(
                MealRecord(
                    facility=facility,
                    elder=elder,
                    day=day,
                    meal=meal,
                    flag=flag,
                    subsidy_fen=0 if flag else subsidy[elder.pk],
                    recorded_by=as_user(actor),
                )
            )
        MealRecord.objects.bulk_create(records)
        summary = {
            "recorded": len(records),
            "already": len(already),
            "flagged": sum(1 for r in records if r.flag),
            "subsidy_fen": sum(r.subsidy_fen for r in records),
        }
        audit.record(
            actor=actor,
            action="facilities.meals_recorded",
            obj=facility,
            after={"day": day, "meal": meal, **summary},
            region_code=facility.community_id,
            provider_id=facility.provider_id,
        )
    return summary
