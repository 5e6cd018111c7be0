"""Every API operation, as each user of side A, against side B's objects (see ``world.py``):

- an operation on one of B's objects answers exactly what it answers for an object that does not exist
  (the one NotFound for missing and forbidden, or the role's 403 for both), leaks nothing, changes nothing;
- a list, plain and filtered to B's elder, community or provider, contains nothing of B;
- a create that names B's objects is refused and changes nothing;
- no answer contains an elder's unmasked ID number or phone, except the audited reveal.

The controls prove each probe could fail: the platform admin (or B's own user of the role) opens every
probed object, and the admin's create with the same body succeeds.
"""

from __future__ import annotations

import pytest
from python_calamine_plus import CalamineWorkbook

from shouwang.elders.exports import run_export

from .probe import changed, text_of
from .routes import CREATES, EXPORTS, Route, api_routes, body_of, exempt, missing, uncovered, url, values_for
from .world import KINDS, ROLES

ROUTES = [route for route in api_routes() if not exempt(route)]
OBJECT_ROUTES = [route for route in ROUTES if route.object_params]
LISTS = [route for route in ROUTES if route.is_list]
REVEALS = {
    "POST /api/v1/elders/{elder_id}/reveal",
    # The bank's file: full ID and account numbers for the officials who pay (audited).
    "GET /api/v1/benefits/runs/{run_id}/payments/{number}/file",
}
# A list's query parameters that can name the other side, and what the probe sets them to.
FILTERS = {
    "elder": lambda w: w.theirs["elder_id"][0],
    "provider": lambda w: w.theirs["provider_id"][0],
    "community": lambda w: w.fields["community"],
    "q": lambda w: w.search,
    "name": lambda w: w.search,
    "order": lambda w: w.theirs["order_id"][-1],
}
REFUSED = {403, 404}
# Routes that apply to some of the other side's objects only, with the reason.
SOME_VALUES = {
    "GET /api/v1/elders/jobs/{job_id}/file": "an import job has no file to fetch",
    "POST /api/v1/orders/{order_id}/check-in": "only an order assigned to a caregiver is a visit",
    "POST /api/v1/orders/{order_id}/check-out": "only an order assigned to a caregiver is a visit",
}


def _cases(routes):
    return [pytest.param(role, route, id=f"{role}-{route}") for route in routes for role in ROLES]


def test_every_api_operation_has_a_case():
    assert uncovered(api_routes(), KINDS, {*CREATES, EXPORTS}) == []


def test_an_operation_without_a_case_is_named():
    """The gate itself: a detail of a kind of object the table does not know, and a create without a case."""
    # A made-up kind (no app has gadgets), so the gate's own test does not change as apps are added.
    detail = Route(
        "GET /api/v1/gadgets/{gadget_id}", "GET", "/api/v1/gadgets/{gadget_id}", ("gadget_id",), True
    )
    create = Route("POST /api/v1/gadgets", "POST", "/api/v1/gadgets", (), True)
    listing = Route("GET /api/v1/gadgets", "GET", "/api/v1/gadgets", (), True)
    assert uncovered([detail, create, listing], KINDS, CREATES) == [detail.key, create.key]


@pytest.mark.parametrize(("role", "route"), _cases(OBJECT_ROUTES))
def test_the_other_sides_object_is_not_found(probe, world, role, route):
    probe.login(world.users[role])
    for values in values_for(route, world.theirs):
        absent = probe.api(route, url(route, missing(route, values)))
        before = probe.state() if route.method != "GET" else None
        answer = probe.api(route, url(route, values))
        where = f"{route.method} {url(route, values)}"
        assert answer.status_code in REFUSED, f"{where}: {answer.status_code} {text_of(answer)[:300]}"
        assert (answer.status_code, answer.json().get("code")) == (
            absent.status_code,
            absent.json().get("code"),
        ), f"{where} answers otherwise than for a missing object: {text_of(answer)} / {text_of(absent)}"
        assert probe.leaks(answer) == [], where
        if before is not None:
            assert changed(before, probe.state()) == [], where


@pytest.mark.parametrize(("role", "route"), _cases(LISTS))
def test_lists_hold_nothing_of_the_other_side(probe, world, role, route):
    probe.login(world.users[role])
    queries = [{}] + [{name: FILTERS[name](world)} for name in route.query if name in FILTERS]
    for query in queries:
        answer = probe.client.get(route.template, {**probe.query(route), **query})
        assert answer.status_code in {200, 403, 404, 422}, f"{route} {query}: {answer.status_code}"
        assert probe.leaks(answer) == [], f"{route} {query}"


@pytest.mark.parametrize(("role", "route"), _cases([r for r in ROUTES if r.key in CREATES]))
def test_creates_naming_the_other_side_are_refused(probe, world, role, route):
    probe.login(world.users[role])
    for case in CREATES[route.key]:
        body = {**probe.example(route), **body_of(case, world)}
        before = probe.state()
        answer = probe.api(route, route.template, body)
        assert answer.status_code in {400, 403, 404, 422}, f"{route} {body}: {text_of(answer)[:300]}"
        assert probe.leaks(answer) == [], f"{route} {body}"
        assert changed(before, probe.state()) == [], f"{route} {body}"


@pytest.mark.parametrize("role", ROLES)
def test_exports_hold_nothing_of_the_other_side(probe, world, role):
    """An export is refused to a role that may not search the registry; otherwise its file, asked for
    everything, the other side's community or its elder's name, holds nothing of the other side."""
    probe.login(world.users[role])
    for body in ({}, {"community": world.fields["community"]}, {"q": world.search}):
        answer = probe.client.post(EXPORTS.split()[1], body, content_type="application/json")
        assert answer.status_code in {202, 403}, f"{body}: {text_of(answer)[:300]}"
        if answer.status_code == 202:
            job = run_export(job_id=answer.json()["id"])
            cells = list(CalamineWorkbook.from_path(job.result_path).get_sheet_by_index(0).iter_rows())
            text = " ".join(str(cell) for row in cells for cell in row)
            assert len(cells) == 1 + (role == "community_worker" and body == {}), body  # headings (and A)
            assert [m for m in (*world.markers, *world.secrets) if m in text] == [], body


@pytest.mark.parametrize("route", [r for r in ROUTES if r.key in CREATES], ids=str)
def test_control_someone_may_create_with_the_same_body(probe, world, route):
    """The platform admin or one of side B's users succeeds with each body (undone afterwards), so the
    refusals above are scope, not a bad body."""
    for case in CREATES[route.key]:
        body = {**probe.example(route), **body_of(case, world)}
        statuses = probe.as_controls(
            lambda body=body: probe.api(route, route.template, body), lambda s: s < 300
        )
        assert statuses[-1] < 300, f"{route} {body}: nobody may ({statuses})"


@pytest.mark.parametrize("route", OBJECT_ROUTES, ids=str)
def test_control_every_probed_object_exists(probe, world, route):
    """Someone opens each of the other side's objects (a write: reaches it, whatever the state machine
    then says; undone afterwards), so the 404s above are scope, not a wrong id; what they see is masked."""
    found = []
    reached = (lambda status: status == 200) if route.method == "GET" else (lambda status: status != 404)
    for values in values_for(route, world.theirs):
        statuses = probe.as_controls(
            lambda values=values: probe.api(route, url(route, values)), reached, reveal=route.key in REVEALS
        )
        found.append(reached(statuses[-1]))
        assert found[-1] or route.key in SOME_VALUES, f"{route} {values}: nobody may open it ({statuses})"
    assert any(found), route
