from shouwang.routes.engine.day import (
    NO_QUALIFIED,
    NO_SHIFT,
    Caregiver,
    Day,
    DayPlan,
    Stop,
    Visit,
    check_day_plan,
    generate_district_day,
    plan_day,
    replan_day,
)

H = 3600
CARE = frozenset({"care"})
BATH = frozenset({"care", "bath"})
NURSE = frozenset({"care", "nurse"})


def small_day() -> Day:
    caregivers = [
        Caregiver(1, 43.850, 126.550, ((8 * H, 12 * H), (13 * H, 17 * H)), BATH | {"lift"}),
        Caregiver(2, 43.855, 126.560, ((8 * H, 16 * H),), BATH),
        Caregiver(3, 43.845, 126.540, ((8 * H, 12 * H),), NURSE),
    ]
    visits = [
        Visit(10, 43.851, 126.552, 9 * H, 10 * H, 1800, CARE),
        Visit(11, 43.853, 126.556, 9 * H, 11 * H, 1800, NURSE),
        Visit(12, 43.849, 126.548, 10 * H, 10 * H, 3600, BATH, double=True),
        Visit(13, 43.852, 126.545, 13 * H, 15 * H, 1800, CARE),
        Visit(14, 43.852, 126.545, 9 * H, 12 * H, 1800, frozenset({"dialysis"})),
        Visit(15, 43.852, 126.545, 20 * H, 21 * H, 1800, CARE),
        Visit(16, 43.852, 126.546, 12 * H, 12 * H + 1200, 1800, frozenset({"lift"})),
    ]
    return Day(caregivers, visits)


def test_a_small_day_meets_windows_skills_and_the_double_visit():
    day = small_day()
    plan = plan_day(day, seconds=1)
    assert check_day_plan(day, plan) == []
    where = {stop.visit: (key, stop.start) for key, stops in plan.routes.items() for stop in stops}
    doubles = [(key, stop.start) for key, stops in plan.routes.items() for stop in stops if stop.visit == 12]
    assert sorted(k for k, _ in doubles) == [1, 2] and doubles[0][1] == doubles[1][1] == 10 * H
    assert where[11][0] == 3  # only the nurse may do the nursing visit
    assert {10, 13} <= set(where)
    assert plan.unassigned == {14: NO_QUALIFIED, 15: NO_SHIFT, 16: NO_SHIFT}  # 16 falls in lunch


def test_the_day_checker_catches_a_double_visit_done_by_one_caregiver_and_a_late_start():
    day = small_day()
    plan = DayPlan(
        routes={1: [Stop(12, 10 * H, 11 * H), Stop(10, 11 * H, 11 * H + 1800)], 2: [], 3: []},
        unassigned={11: "x", 13: "x", 14: "x", 15: "x", 16: "x"},
    )
    problems = check_day_plan(day, plan)
    assert any("visit 12 served 1 times" in p for p in problems)
    assert any("visit 10 starts outside its window" in p for p in problems)


def test_a_generated_district_plan_is_feasible():
    day = generate_district_day(caregivers=8, visits=60, seed=3)
    plan = plan_day(day, seconds=1)
    assert check_day_plan(day, plan) == []
    planned = sum(len(stops) for stops in plan.routes.values())
    assert planned >= 40


def test_a_sick_call_moves_only_that_caregivers_visits_and_keeps_other_routes():
    day = generate_district_day(caregivers=6, visits=40, seed=5)
    before = plan_day(day, seconds=1)
    sick = max(before.routes, key=lambda k: len(before.routes[k]))
    moved = {s.visit for s in before.routes[sick]}
    after = replan_day(day, before, absent={sick})
    assert check_day_plan(day, after) == []
    assert sick not in after.routes
    receivers = {k for k, stops in after.routes.items() if {s.visit for s in stops} & moved}
    for key, stops in after.routes.items():
        if key not in receivers:
            assert stops == before.routes[key]
    for visit in moved:
        assert visit in after.unassigned or any(
            s.visit == visit for stops in after.routes.values() for s in stops
        )


def test_a_cancelled_visit_leaves_its_route_and_an_added_one_is_placed():
    day = small_day()
    before = plan_day(day, seconds=1)
    added = Visit(20, 43.851, 126.553, 14 * H, 15 * H, 1800, CARE)
    day.visits = [v for v in day.visits if v.key != 13] + [added]
    after = replan_day(day, before, dropped={13})
    assert check_day_plan(day, after) == []
    placed = {s.visit for stops in after.routes.values() for s in stops}
    assert 13 not in placed and 20 in placed
    untouched = [k for k, stops in before.routes.items() if 13 not in {s.visit for s in stops}]
    for key in untouched:
        if 20 not in {s.visit for s in after.routes[key]}:
            assert after.routes[key] == before.routes[key]


def test_retiming_repairs_a_route_that_arrives_too_early_and_drops_what_cannot_fit():
    from shouwang.routes.engine.day import NO_ROOM, _retime

    day = small_day()
    routes = {
        3: [Stop(11, 9 * H, 9 * H + 1800), Stop(10, 9 * H, 9 * H + 1800)],  # both at 9:00: impossible
        1: [Stop(13, 13 * H, 13 * H + 1800), Stop(16, 13 * H, 13 * H + 1800)],  # 16 closes at 12:20
    }
    unassigned: dict[int, str] = {}
    _retime(day, routes, unassigned, fixed={})
    first, second = routes[3]
    assert (first.visit, first.start) == (11, 9 * H)
    assert second.visit == 10 and second.start > first.end
    assert [s.visit for s in routes[1]] == [13] and unassigned == {16: NO_ROOM}
