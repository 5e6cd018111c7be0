import pytest

from shouwang.orders.models import OrderState
from tests.orders import factories as of

MORNING = {
    day: [["08:00", "12:00"], ["13:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
}


@pytest.fixture
def admitted_a(official, provider_a):
    return of.admitted_provider(official, provider_a)


@pytest.fixture
def admitted_b(official, provider_b):
    return of.admitted_provider(official, provider_b, lat=43.9, lon=126.6)


@pytest.fixture
def carers_a(admitted_a):
    """Three caregivers of 甲: two may bathe (the double visit needs both), one only cleans."""
    return [
        of.caregiver(admitted_a, name="王护理", shifts=MORNING, home=(43.850, 126.550)),
        of.caregiver(admitted_a, name="李护理", shifts=MORNING, home=(43.856, 126.560)),
        of.caregiver(admitted_a, name="周护理", shifts=MORNING, skills=("cleaning",), home=(43.846, 126.545)),
    ]


@pytest.fixture
def carer_b(admitted_b):
    return of.caregiver(admitted_b, name="赵护理", shifts=MORNING)


def accepted(provider, elder, hhmm: str, items=("cleaning",), hours: int = 2, where=(43.852, 126.552)):
    start = of.local(of.tomorrow(), hhmm)
    return of.OrderFactory(
        elder=elder,
        provider=provider,
        state=OrderState.ACCEPTED,
        items=list(items),
        window_start=start,
        window_end=start + of.dt.timedelta(hours=hours),
        lat=where[0],
        lon=where[1],
    )


@pytest.fixture
def day_a(admitted_a, carers_a, elder_a):
    """甲's tomorrow: four cleanings, one bath for two, and one order without coordinates."""
    orders = [
        accepted(admitted_a, elder_a, "09:00", where=(43.851, 126.551)),
        accepted(admitted_a, elder_a, "09:00", where=(43.853, 126.556)),
        accepted(admitted_a, elder_a, "10:00", where=(43.849, 126.548)),
        accepted(admitted_a, elder_a, "14:00", where=(43.855, 126.553)),
        accepted(admitted_a, elder_a, "10:00", items=("bathing",), where=(43.850, 126.549)),
    ]
    lost = accepted(admitted_a, elder_a, "11:00")
    lost.lat = lost.lon = None
    lost.save(update_fields=["lat", "lon"])
    elder_a.lat = elder_a.lon = None
    elder_a.save(update_fields=["lat", "lon"])
    return orders, lost


@pytest.fixture
def day_b(admitted_b, carer_b, elder_a):
    return [accepted(admitted_b, elder_a, "09:00")]
