"""Reads for the family portal, always through the caller: a family login sees the elders linked to it
(``elders.FamilyLink``, through ``elders.selectors.elders_for``) and nothing else; any other elder is the
same NotFound as a missing one. Personal numbers leave here masked."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.assessments.careplans import active_plan_for, frequency_text
from shouwang.benefits import ledger
from shouwang.catalog.models import ServiceItem
from shouwang.core.errors import Forbidden, NotFound
from shouwang.core.masking import mask_id_number, mask_phone
from shouwang.elders.models import Elder, FamilyLink
from shouwang.elders.selectors import elders_for, get_elder_for
from shouwang.orders.models import Order, OrderState
from shouwang.orders.selectors import orders_for
from shouwang.orders.states import OPEN_STATES

from .permissions import may_link_families, may_use_portal

UPCOMING_STATES = OPEN_STATES | {OrderState.IN_SERVICE}


def my_elders(user) -> QuerySet[Elder]:
    """The elders linked to a family login, by name; nothing for any other role."""
    if not may_use_portal(user):
        return Elder.objects.none()
    return elders_for(user).order_by("name", "pk")


def get_my_elder(user, elder_id: int) -> Elder:
    """One elder linked to the caller; NotFound when missing or not linked."""
    elder = my_elders(user).prefetch_related("contacts").filter(pk=elder_id).first()
    if elder is None:
        raise NotFound(_("This elder does not exist or is not linked to you."))
    return elder


def masked_elder(elder: Elder, link: FamilyLink | None = None) -> dict:
    """What the portal and ``GET /me/elders`` show of an elder: the name, masked numbers, the community."""
    return {
        "id": elder.pk,
        "name": elder.name,
        "id_number": mask_id_number(elder.id_number),
        "phone": mask_phone(elder.phone),
        "community": elder.community.name if elder.community_id else "",
        "status": elder.status,
        "relation": link.relation if link else "",
        "linked_at": link.consent_at if link else None,
    }


def links_of(user) -> dict[int, FamilyLink]:
    """The caller's own family links by elder id."""
    return {link.elder_id: link for link in FamilyLink.objects.filter(user=user)}


def elder_orders(user, elder: Elder) -> QuerySet[Order]:
    """The elder's orders the caller may see, with the caregiver and the visit's verified times."""
    return (
        orders_for(user)
        .filter(elder=elder)
        .select_related("visit", "caregiver", "provider")
        .prefetch_related("lines__item")
    )


def upcoming_and_past(user, elder: Elder, *, limit: int = 30) -> tuple[list[Order], list[Order]]:
    """The elder's open orders (soonest first) and served ones (latest first)."""
    orders = elder_orders(user, elder)
    upcoming = list(orders.filter(state__in=UPCOMING_STATES).order_by("window_start", "pk")[:limit])
    past = list(orders.exclude(state__in=UPCOMING_STATES).order_by("-window_start", "-pk")[:limit])
    return upcoming, past


def get_elder_order(user, elder: Elder, order_id: int) -> Order:
    order = elder_orders(user, elder).filter(pk=order_id).first()
    if order is None:
        raise NotFound(_("This order does not exist or is outside your area."))
    return order


@dataclass
class PlanLine:
    code: str
    name: str
    frequency: str
    price_text: str


def care_plan(elder: Elder) -> list[PlanLine]:
    """The elder's approved care plan as lines in words (the caller has already reached the elder)."""
    plan = active_plan_for(elder.pk)
    if plan is None:
        return []
    items = plan.items.all()
    catalogue = {item.code: item for item in ServiceItem.objects.filter(code__in=[i.service for i in items])}
    lines = []
    for line in items:
        item = catalogue.get(line.service)
        lines.append(
            PlanLine(
                code=line.service,
                name=item.name if item else line.service,
                frequency=frequency_text(line.times, line.per),
                price_text=item.price_text if item else "",
            )
        )
    return lines


@dataclass
class Quote:
    """What an order would cost before it is placed: the guide price (the provider's own price is fixed
    when the order is dispatched), the part the elder's vouchers would pay and the self-pay."""

    item: ServiceItem
    quantity: int
    amount_fen: int
    voucher_fen: int
    self_pay_fen: int
    balance_fen: int


def quote(elder: Elder, item: ServiceItem, quantity: int, day: dt.date | None = None) -> Quote:
    """The price, voucher part and self-pay of ``quantity`` × ``item`` for the elder, by the rule that
    settlement applies (``benefits.ledger.quote_split``)."""
    amount = item.guide_price_fen * quantity
    voucher, self_pay = ledger.quote_split(elder, amount, day or timezone.localdate())
    return Quote(item, quantity, amount, voucher, self_pay, ledger.voucher_balance(elder.pk))


def family_links_of(user, elder_id: int) -> tuple[Elder, QuerySet[FamilyLink]]:
    """An elder of the user's area and the families linked to it, with who recorded the consent; for those
    who link families (``may_link_families``; others: Forbidden). NotFound outside the user's area."""
    if not may_link_families(user):
        raise Forbidden(_("Only community workers link families to elders."))
    elder = get_elder_for(user, elder_id)
    links = FamilyLink.objects.filter(elder=elder).select_related("user", "consent_by").order_by("consent_at")
    return elder, links
