"""The demo's "today's visits" fall on today's local date (Asia/Shanghai), even when started at night."""

import datetime as dt
from zoneinfo import ZoneInfo

from shouwang.demo.orders import DAY_ENDS, VISIT_LENGTH, _slots

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_a_demo_started_in_the_evening_has_visits_today():
    now = dt.datetime(2026, 12, 7, 20, 5, tzinfo=SHANGHAI)

    slots = _slots(now, 16, VISIT_LENGTH)

    today = [start for start in slots if start.date() == now.date()]
    assert len(today) >= 6
    assert all(start >= now and (start + VISIT_LENGTH).hour <= DAY_ENDS for start in today)
    gaps = [later - earlier for earlier, later in zip(slots, slots[1:], strict=False)]
    assert min(gaps) >= dt.timedelta(minutes=20)


def test_a_demo_started_in_the_morning_has_all_its_visits_today():
    now = dt.datetime(2026, 12, 7, 9, 40, tzinfo=SHANGHAI)

    slots = _slots(now, 16, VISIT_LENGTH)

    assert len(slots) == 16 and {start.date() for start in slots} == {now.date()}
