"""Meal help (助餐): a meal point records the meals it served, per elder per day, and each meal carries
the subsidy the bureau's rates give that elder (``MealSubsidyRate``: by category or from an age on, the
highest that applies). A meal served to an elder the registry says had died or moved out by that day is
recorded with a flag and no subsidy, so that it shows up for review instead of being paid.

The subsidy is paid as it is recorded: the sitting's subsidies are redeemed from the diners' voucher
accounts to the meal point's provider through the benefits ledger, one balanced transaction per sitting
that every paid meal points to (``MealRecord.redemption``); see ``_pay_from_vouchers``.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.benefits import ledger
from shouwang.benefits.models import Account, LedgerEntry, TransactionKind
from shouwang.core import audit
from shouwang.core.actors import as_user, is_system, require_actor
from shouwang.core.errors import Forbidden, ValidationFailed
from shouwang.core.idnumbers import InvalidIdNumber, parse_resident_id
from shouwang.elders.models import Elder, ElderCategory, Status
from shouwang.regions.models import PREFIX_LENGTH, Level

from .models import MEAL_SERVICE, FacilityKind, Meal, MealFlag, MealRecord, MealSubsidyRate, MealUnpaid
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


def meal_area(facility) -> str:
    """The region prefix of the elders a meal point serves: its county (区/县), whose budget pays the meal
    subsidies. An elder from elsewhere eats at a point of their own district."""
    return facility.community_id[: PREFIX_LENGTH[Level.COUNTY]]


def _diners_in_area(facility, numbers: list[str]) -> dict[str, Elder]:
    """The elders of ``numbers`` registered in the meal point's area, by ID number. A number registered
    elsewhere is left out exactly as an unknown one is, so the counter cannot learn from the answer whether
    a number belongs to an elder anywhere in the registry."""
    found = Elder.objects.filter(id_number__in=numbers, community__code__startswith=meal_area(facility))
    return {elder.id_number: elder for elder in found}


def _audit_refused_lookup(actor, facility, *, looked_up: int, refused: list[str]) -> None:
    """Leave a trace of a list refused for numbers that are not diners of this point: the audit keeps them
    masked with a fingerprint (decision 0012), so a number tried again and again shows as the same one.
    Written on its own, as the refusal saves nothing else."""
    audit.record(
        actor=actor,
        action="facilities.meal_lookup_refused",
        obj=facility,
        after={"looked_up": looked_up, "refused_id_number": refused},
        region_code=facility.community_id,
        provider_id=facility.provider_id,
    )


def record_meals(*, actor, facility_id: int, day: dt.date, people: list[str], meal: str = Meal.LUNCH) -> dict:
    """Record one sitting of a meal point: ``people`` are the diners' ID numbers. Every number must be an
    elder registered in the point's district (``meal_area``), or nothing is saved and the refusal is
    audited; a number unknown and one registered elsewhere get the same answer. A diner already recorded
    for that sitting is counted once (and paid once). Returns ``recorded``, ``already``, ``flagged`` and
    ``unpaid`` counts and the subsidy paid from vouchers in fen."""
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
    elders = _diners_in_area(facility, numbers)
    for number in numbers:
        if number not in elders:
            errors[number] = _("No elder with this ID number is registered in this meal point's district.")
    if errors:
        _audit_refused_lookup(actor, facility, looked_up=len(numbers), refused=list(errors))
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
        _pay_from_vouchers(records, facility=facility, actor=actor, day=day, meal=meal)
        MealRecord.objects.bulk_create(records)
        summary = {
            "recorded": len(records),
            "already": len(already),
            "flagged": sum(1 for r in records if r.flag),
            "unpaid": sum(1 for r in records if r.unpaid),
            "subsidy_fen": sum(r.subsidy_fen for r in records),
        }
        audit.record(
            actor=actor,
            action="facilities.meals_recorded",
            obj=facility,
            after={"day": day, "meal": meal, "looked_up": len(numbers), **summary},
            region_code=facility.community_id,
            provider_id=facility.provider_id,
        )
    return summary


def _pay_from_vouchers(records: list[MealRecord], *, facility, actor, day: dt.date, meal: str) -> None:
    """Redeem each new meal's subsidy from the diner's voucher account to the meal point's provider, as one
    ledger transaction for the sitting, in the caller's transaction (so a meal list that fails saves no
    posting, and a diner recorded again is skipped before this and never paid twice).

    A diner whose voucher balance does not cover the subsidy (or who has no voucher account) still has the
    meal recorded, with subsidy 0 and ``unpaid = no_vouchers``: the meal has already been eaten when it is
    recorded, the meal point needs its count of meals served to stay true, and refusing the list would
    hold up every other diner of the sitting over one account. The point sees the unpaid count at once
    and charges that elder the full price. The voucher accounts are locked in id order before their
    balances are read, as ``ledger.post`` does, so two sittings never overdraw one account."""
    owed = {ledger.voucher_key(r.elder_id): r for r in records if r.subsidy_fen}
    if not owed:
        return
    accounts = dict(
        Account.objects.select_for_update().filter(key__in=list(owed)).order_by("pk").values_list("key", "pk")
    )
    balances = dict(
        LedgerEntry.objects.filter(account_id__in=list(accounts.values()))
        .values("account_id")
        .annotate(total=Sum("amount_fen"))
        .values_list("account_id", "total")
    )
    lines = []
    for key, record in owed.items():
        account_id = accounts.get(key)
        if account_id is None or (balances.get(account_id) or 0) < record.subsidy_fen:
            record.subsidy_fen, record.unpaid = 0, MealUnpaid.NO_VOUCHERS
        else:
            lines.append((account_id, -record.subsidy_fen))
    if not lines:
        return
    lines.append((ledger.provider_account(facility.provider).pk, -sum(fen for _account, fen in lines)))
    posted = ledger.post(
        actor=actor,
        kind=TransactionKind.REDEMPTION,
        memo=_("Meal subsidies, %(facility)s, %(day)s %(meal)s")
        % {"facility": facility.name, "day": day.isoformat(), "meal": Meal(meal).label},
        lines=lines,
    )
    for record in owed.values():
        if record.subsidy_fen:
            record.redemption = posted
