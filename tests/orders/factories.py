"""Order test data for every helper of the orders app: admitted providers with prices, caregivers with a
login, and orders in any state.

The providers and staff are made through the providers' own services where those accept a system actor,
and directly otherwise (past-dated prices, certificates) so tests can set up history. Orders are made
directly in the state asked for, with their lines, so a test of one step need not walk the whole machine;
``OrderFactory(state=..., provider=..., caregiver=...)`` is the usual entry point.

    from tests.orders import factories as of
    provider = of.admitted_provider(official)               # admitted, contract for COMMUNITY_A, prices
    carer = of.caregiver(provider)                          # skilled in ITEMS, certificates, shifts 00-24
    order = of.OrderFactory(elder=elder, state="assigned", provider=provider, caregiver=carer)
"""

from __future__ import annotations

import datetime as dt
import itertools

import factory
from django.conf import settings
from django.utils import timezone

from shouwang.catalog.models import ServiceItem
from shouwang.core.idnumbers import make_resident_id
from shouwang.orders.models import Order, OrderLine, OrderSource, OrderState, OrderTransition
from shouwang.providers import admission
from shouwang.providers.models import Price, StaffCertificate, StaffMember
from tests import factories

# Seeded catalogue items: cleaning needs no certificate, meal a health certificate, bathing an elderly-
# caregiver certificate.
ITEMS = ("cleaning", "meal", "bathing", "visit")
PRICES = {"cleaning": 4000, "meal": 1500, "bathing": 8000, "visit": 2000}
ALL_DAY = {day: [["00:00", "23:59"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
CERTIFICATES = ("elder_caregiver", "health_certificate")

_sequence = itertools.count(1)


def minutes_ago_today(minutes: int) -> dt.datetime:
    """``minutes`` ago, or the platform's midnight if that was yesterday: a moment of today, whatever the
    hour the tests run (just after midnight, "ten minutes ago" falls in another day, or another month)."""
    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return max(timezone.now() - dt.timedelta(minutes=minutes), midnight)


def local(day: dt.date, hhmm: str) -> dt.datetime:
    """An aware datetime at ``hhmm`` Asia/Shanghai on ``day``."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.fromisoformat(hhmm)))


def tomorrow() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=1)


def admitted_provider(
    official,
    provider=None,
    *,
    services=ITEMS,
    areas=(factories.COMMUNITY_A,),
    prices: dict[str, int] | None = None,
    lat: float | None = 43.85,
    lon: float | None = 126.55,
):
    """A provider admitted and under a contract in force for ``areas`` and ``services``, with prices from
    30 days ago (``PRICES`` by default). ``official`` must cover the areas (the district official does)."""
    provider = provider or factories.provider()
    admission.add_licence(actor=official, provider_id=provider.pk, kind="business", number=f"B-{provider.pk}")
    admission.start_review(actor=official, provider_id=provider.pk)
    admission.decide_admission(actor=official, provider_id=provider.pk, admit=True)
    today = timezone.localdate()
    admission.sign_contract(
        actor=official,
        provider_id=provider.pk,
        number=f"C-{provider.pk}",
        starts_on=today - dt.timedelta(days=30),
        ends_on=today + dt.timedelta(days=365),
        area_codes=list(areas),
        services=list(services),
    )
    provider.lat, provider.lon = lat, lon
    provider.save(update_fields=["lat", "lon"])
    set_prices(provider, PRICES if prices is None else prices)
    provider.refresh_from_db()
    return provider


def set_prices(provider, prices: dict[str, int], since: dt.date | None = None) -> None:
    """Price rows in force from ``since`` (default 30 days ago) with no end."""
    since = since or timezone.localdate() - dt.timedelta(days=30)
    for code, fen in prices.items():
        Price.objects.create(
            provider=provider, item=ServiceItem.objects.get(code=code), price_fen=fen, effective_from=since
        )


def caregiver(
    provider,
    *,
    name: str = "",
    skills=ITEMS,
    shifts: dict | None = None,
    certificates=CERTIFICATES,
    login: bool = True,
    home=(43.85, 126.55),
) -> StaffMember:
    """A caregiver of ``provider`` eligible for ``skills`` at any hour (unless ``shifts`` says otherwise),
    holding ``certificates`` valid for years; with a caregiver login account (``staff.user``) if ``login``."""
    n = next(_sequence)
    user = factories.user("caregiver", provider_id=provider.pk) if login else None
    staff = StaffMember.objects.create(
        provider=provider,
        user=user,
        name=name or f"护理员{n}",
        id_number=make_resident_id("220202", dt.date(1975, 6, 1), (n * 7 + 3) % 1000),
        phone=f"137{n:08d}",
        skills=list(skills),
        weekly_shifts=ALL_DAY if shifts is None else shifts,
        home_lat=home[0] if home else None,
        home_lon=home[1] if home else None,
    )
    today = timezone.localdate()
    for kind in certificates:
        StaffCertificate.objects.create(
            staff=staff,
            kind=kind,
            number=f"{kind[:3].upper()}-{n}",
            level="中级" if kind == "elder_caregiver" else "",
            issued_on=today - dt.timedelta(days=400),
            expires_on=today + dt.timedelta(days=400),
        )
    return staff


def _window_start(order) -> dt.datetime:
    return local(tomorrow(), "09:00")


class OrderFactory(factory.django.DjangoModelFactory):
    """An order in ``state`` (default created) for an elder, tomorrow 09:00–10:00 local, with lines for
    ``items`` (codes, quantity 1; default ``["cleaning"]``). Pass ``provider`` (and ``caregiver``) for
    dispatched and later states; lines of a dispatched order get the provider's price of that day (or the
    guide price when it has none) unless ``items__priced=False``. ``history=True`` also writes the transitions
    from created to ``state`` (actor None), as a timeline would show them."""

    class Meta:
        model = Order
        skip_postgeneration_save = True

    elder = factory.LazyFunction(lambda: factories.ElderFactory())
    community_id = factory.LazyAttribute(lambda o: o.elder.community_id)
    address = factory.LazyAttribute(lambda o: o.elder.address)
    lat = factory.LazyAttribute(lambda o: o.elder.lat)
    lon = factory.LazyAttribute(lambda o: o.elder.lon)
    source = OrderSource.PHONE
    state = OrderState.CREATED
    provider = None
    caregiver = None
    window_start = factory.LazyAttribute(_window_start)
    window_end = factory.LazyAttribute(lambda o: o.window_start + dt.timedelta(hours=1))
    dispatched_at = factory.LazyAttribute(
        lambda o: timezone.now() if o.provider is not None and o.state != OrderState.CREATED else None
    )
    respond_by = factory.LazyAttribute(
        lambda o: (
            o.dispatched_at + dt.timedelta(minutes=settings.SHOUWANG_ORDER_ACCEPT_MINUTES)
            if o.state == OrderState.DISPATCHED and o.dispatched_at
            else None
        )
    )

    @factory.post_generation
    def items(order, create, extracted, **kwargs):
        from shouwang.providers.prices import price_on

        codes = extracted if extracted is not None else ["cleaning"]
        day = timezone.localtime(order.window_start).date()
        for code in codes:
            code, quantity = (code, 1) if isinstance(code, str) else code
            item = ServiceItem.objects.get(code=code)
            price = None
            if order.provider_id and order.state != OrderState.CREATED and kwargs.get("priced", True):
                price = price_on(order.provider_id, code, day)
                price = item.guide_price_fen if price is None else price
            OrderLine.objects.create(order=order, item=item, quantity=quantity, unit_price_fen=price)

    @factory.post_generation
    def history(order, create, extracted, **kwargs):
        if not extracted:
            return
        for before, after in zip(PATHS[order.state], PATHS[order.state][1:], strict=False):
            OrderTransition.objects.create(
                order=order, from_state=before, to_state=after, at=timezone.now(), actor_name="system"
            )


S = OrderState
_HAPPY = [S.CREATED, S.DISPATCHED, S.ACCEPTED, S.ASSIGNED, S.IN_SERVICE, S.COMPLETED, S.CONFIRMED, S.SETTLED]
# The usual way to reach each state, for ``with_history``.
PATHS = {state: ["", *_HAPPY[: _HAPPY.index(state) + 1]] for state in _HAPPY}
PATHS[S.REJECTED] = ["", S.CREATED, S.DISPATCHED, S.REJECTED]
PATHS[S.CANCELLED] = ["", S.CREATED, S.CANCELLED]
PATHS[S.DISPUTED] = ["", *_HAPPY[:6], S.DISPUTED]


def order_for(elder, **kwargs) -> Order:
    """Shorthand: ``OrderFactory(elder=elder, ...)``."""
    return OrderFactory(elder=elder, **kwargs)


def served_by(provider, elder, *, state=OrderState.COMPLETED, days_ago: int = 7) -> Order:
    """An order of ``provider`` for ``elder`` in ``state``, its window ``days_ago`` days back: with the
    default, ``provider`` serves ``elder`` (``selectors.elders_served_by``)."""
    start = local(timezone.localdate() - dt.timedelta(days=days_ago), "09:00")
    return OrderFactory(elder=elder, provider=provider, state=state, window_start=start)


def family(elder, username: str = ""):
    """An elder/family login (role ``elder``) linked to ``elder`` (``FamilyLink``, consent given in person):
    it sees only that elder's orders."""
    from django.utils import timezone

    from shouwang.elders.models import ConsentWay, FamilyLink

    account = factories.user("elder", regions=(elder.community_id,), username=username)
    FamilyLink.objects.create(
        elder=elder, user=account, consent_way=ConsentWay.IN_PERSON, consent_at=timezone.now()
    )
    return account
