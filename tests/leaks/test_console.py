"""Every console page, as each user of side A, against side B's objects (see ``world.py``):

- a page of one of B's objects, opened or posted to, answers exactly what it answers for an object that
  does not exist (the 404 page, the role's 403, or the same message after the same redirect), shows
  nothing of B and changes nothing;
- a page without an object (lists, search boxes, forms), plain and searched for B's elder, shows nothing
  of B; a form that creates something, filled in with B's objects, is refused and changes nothing;
- no page shows an elder's unmasked ID number or phone, except after the audited reveal.

The controls prove each probe could fail: someone (the platform admin or B's own user of the role) opens
every probed page, and the admin's form with the same fields does create something.
"""

from __future__ import annotations

import pytest

from .probe import changed, messages_of, text_of
from .routes import body_of, console_routes, exempt, missing, uncovered, url, values_for
from .world import KINDS, ROLES

ROUTES = [route for route in console_routes() if not exempt(route)]
OBJECT_ROUTES = [route for route in ROUTES if route.object_params]
PAGES = [route for route in ROUTES if not route.object_params]
REVEALS = {"elders:reveal", "benefits:batch_file"}


def _elder_b(world):
    return world.theirs["elder_id"][0]


# Console forms that create something, and the fields that name the other side's objects.
CREATES = {
    "orders:desk": {
        "elder_id": _elder_b,
        "items": "cleaning",
        "day": lambda w: w.fields["window_start"][:10],
        "start": "09:00",
        "end": "10:00",
    },
    "hotline:record": {
        "elder_id": _elder_b,
        "reason": "emergency",
        "outcome": "referred",
        "duration_seconds": "30",
    },
    "elders:create": {
        "name": "探针",
        "id_number": lambda w: w.fields["id_number"],
        "community": lambda w: w.fields["community"],
        "living_arrangement": "alone",
    },
    "alarms:device_register": {
        "serial": "SN-PROBE-2",
        "type": "sos_pendant",
        "vendor": "探针",
        "model": "P1",
        "elder_id": _elder_b,
    },
    "accounts:user_create": {
        "username": "probe_user",
        "role": "community_worker",
        "region": lambda w: w.fields["community"],
        "password": lambda w: w.fields["password"],
        "is_active": "on",
    },
}
# What a page's search box is given: the other side's elder by name, community and id.
SEARCHES = (
    lambda w: {"q": w.search},
    lambda w: {"community": w.fields["community"]},
    lambda w: {"elder": _elder_b(w)},
)
REFUSED = {403, 404, 405}
# Pages that apply to some of the other side's objects only, with the reason.
SOME_VALUES = {
    "elders:job_file": "an import job has no file to fetch",
    **{
        f"orders:{name}": "only an order assigned to a caregiver is a visit"
        for name in ("visit", "visit_sign", "visit_send_code", "visit_code", "visit_correction")
    },
}


def _cases(routes):
    return [pytest.param(role, route, id=f"{role}-{route}") for route in routes for role in ROLES]


def _form(world) -> dict:
    """A button's or form's fields, naming the other side's objects where a field names one."""
    return {key: value for key, value in world.fields.items() if not isinstance(value, float)}


def _same_answer(answer, absent, route, values) -> bool:
    """The same status, and after a button the same messages and the same page to go to (but for the id)."""
    if answer.status_code != absent.status_code:
        return False
    if answer.status_code != 302:
        return True
    location = absent["Location"]
    for name, value in missing(route, values).items():
        if name in route.object_params:
            location = location.replace(str(value), str(values[name]))
    return messages_of(answer) == messages_of(absent) and answer["Location"] == location


def test_every_console_page_has_a_case():
    assert uncovered(console_routes(), KINDS, CREATES) == []


@pytest.mark.parametrize(("role", "route"), _cases(OBJECT_ROUTES))
def test_the_other_sides_page_is_not_found(probe, world, role, route):
    probe.login(world.users[role])
    for values in values_for(route, world.theirs):
        page, absent_page = url(route, values), url(route, missing(route, values))
        absent = probe.client.get(absent_page)
        answer = probe.client.get(page)
        assert answer.status_code in REFUSED, f"GET {page}: {answer.status_code} {text_of(answer)[:300]}"
        assert answer.status_code == absent.status_code, (
            f"GET {page}: {answer.status_code}/{absent.status_code}"
        )
        assert probe.leaks(answer) == [], f"GET {page}"

        probe.login(world.users[role])  # a new session: no message left from the last answer
        absent = probe.client.post(absent_page, _form(world))
        probe.login(world.users[role])
        before = probe.state()
        answer = probe.client.post(page, _form(world))
        assert answer.status_code in REFUSED | {302}, f"POST {page}: {answer.status_code}"
        assert _same_answer(answer, absent, route, values), (
            f"POST {page} answers otherwise than for a missing object: {answer.status_code} "
            f"{messages_of(answer)} / {absent.status_code} {messages_of(absent)}"
        )
        assert probe.leaks(answer) == [], f"POST {page}"
        assert changed(before, probe.state()) == [], f"POST {page}"


@pytest.mark.parametrize(("role", "route"), _cases(PAGES))
def test_pages_show_nothing_of_the_other_side(probe, world, role, route):
    probe.login(world.users[role])
    for query in [{}] + [search(world) for search in SEARCHES]:
        answer = probe.client.get(route.template, query)
        assert answer.status_code in {200, 302, 403, 405}, f"{route} {query}: {answer.status_code}"
        if route.key == "admin/":  # Django's admin: staff accounts only, and no probing role is one
            assert answer["Location"].startswith("/admin/login/"), query
        assert probe.leaks(answer) == [], f"{route} {query}"


@pytest.mark.parametrize(("role", "route"), _cases([r for r in PAGES if r.key in CREATES]))
def test_forms_naming_the_other_side_are_refused(probe, world, role, route):
    probe.login(world.users[role])
    before = probe.state()
    answer = probe.client.post(route.template, body_of(CREATES[route.key], world))
    assert probe.leaks(answer) == [], route
    assert changed(before, probe.state()) == [], route


@pytest.mark.parametrize("route", [r for r in PAGES if r.key in CREATES], ids=str)
def test_control_the_admin_may_create_with_the_same_form(probe, world, route):
    probe.login(world.admin)
    with probe.rolled_back():
        before = probe.state()
        answer = probe.client.post(route.template, body_of(CREATES[route.key], world))
        assert changed(before, probe.state()) != [], f"{route}: {answer.status_code} {text_of(answer)[:500]}"


@pytest.mark.parametrize("route", OBJECT_ROUTES, ids=str)
def test_control_every_probed_page_exists(probe, world, route):
    """Someone opens each probed page of the other side's objects (a page taking only a form: reaches the
    object, whatever the form then says; undone afterwards), so the 404s above are scope, not a wrong id;
    what they see is masked too."""
    found = []
    for values in values_for(route, world.theirs):
        page = url(route, values)

        def send(page=page):
            answer = probe.client.get(page)
            return probe.client.post(page, _form(world)) if answer.status_code == 405 else answer

        reached = lambda status: status not in (403, 404)  # noqa: E731
        statuses = probe.as_controls(send, reached, reveal=route.key in REVEALS)
        found.append(reached(statuses[-1]))
        assert found[-1] or route.key in SOME_VALUES, f"{route} {values}: nobody may open it ({statuses})"
    assert any(found), route
