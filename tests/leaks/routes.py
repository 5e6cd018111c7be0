"""Every route of the platform, read from the API's OpenAPI document and Django's URL resolver, and the
table that says how each is probed.

A route is probed when each of its path parameters names an object of the other side
(``world.theirs``) or is an ordinary value (``ORDINARY``); a route without path parameters is a list (a
GET, scanned for the other side's data) or a create whose body names the other side's objects (a case in
``CREATES``). Everything else must be listed in ``EXEMPT`` with the reason it carries no one's data; a
route in none of these fails ``test_every_api_operation_has_a_case`` (or ``…console_page…``), naming it,
so a new endpoint cannot go unprobed.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from shouwang.alarms.console_views import ACTIONS as INCIDENT_ACTIONS
from shouwang.homecare.views import ACTIONS as HOMECARE_BED_ACTIONS
from shouwang.orders.views import ACTIONS as ORDER_ACTIONS
from shouwang.orders.views import COMPLAINT_ACTIONS
from shouwang.visits.views import FOLLOW_UPS as VISIT_FOLLOW_UPS

# Path parameters that are not objects of either side: a form's step number, a console button's name.
ORDINARY = {"step": (1, 2), "action": (), "name": (), "number": (1,)}

# The buttons behind each console route with a slug, by route name: every one is pressed.
BUTTONS = {
    "providers:action": (
        "apply",
        "review",
        "admit",
        "reject",
        "licence",
        "contract",
        "price",
        "inspection",
        "list",
        "exit",
    ),
    "providers:staff_action": ("certificate", "training", "skills", "shifts", "deactivate", "reactivate"),
    "orders:action": tuple(ORDER_ACTIONS),
    "orders:complaint_action": tuple(COMPLAINT_ACTIONS),
    "alarms:incident_action": tuple(INCIDENT_ACTIONS),
    "alarms:device_action": ("bind", "unbind", "retire"),
    "visits:follow_up": VISIT_FOLLOW_UPS,
    "homecare:bed_action": HOMECARE_BED_ACTIONS,
    "pilots:record": ("objection", "milestone", "milestone_done", "report", "document"),
    "inspections:finding_action": ("respond", "pass", "fail", "escalate"),
}

# Routes that carry no one's personal data or scope, with the reason. Keys are "METHOD /path" for the API
# and the URL name for console pages.
EXEMPT = {
    # API
    "GET /api/v1/me": "the caller's own account",
    "GET /api/v1/regions": "the division tree is public reference data (statistical division codes)",
    "GET /api/v1/regions/{code}": "the division tree is public reference data",
    "GET /api/v1/catalog/items": "the service catalogue is the same for everyone (GB/T 43153)",
    "GET /api/v1/catalog/categories": "the service catalogue is the same for everyone",
    "GET /api/v1/catalog/items/{item_id}": "the service catalogue is the same for everyone",
    "POST /api/v1/catalog/items": "the catalogue belongs to no side; who may edit it: tests/catalog",
    "PATCH /api/v1/catalog/items/{item_id}": "the catalogue belongs to no side: tests/catalog",
    "POST /api/v1/catalog/items/{item_id}/retire": "the catalogue belongs to no side: tests/catalog",
    "POST /api/v1/catalog/items/{item_id}/reactivate": "the catalogue belongs to no side: tests/catalog",
    "GET /api/v1/assessments/items": "the assessment form's items (GB/T 42195), no one's answers",
    "POST /api/v1/assessments/score": "scores the posted answers; reads and stores nothing",
    "POST /api/v1/devices/events": "device-signed alarm events, no user: the device secret is the scope "
    "(tests/alarms/test_ingestion.py)",
    "GET /api/v1/incidents/stream": "a live event stream that never ends; it sends only ids of incidents "
    "the selector lets through (tests/alarms/test_stream.py)",
    "POST /api/v1/elders/imports": "an upload whose rows are checked against the importer's communities "
    "by the import job (tests/elders/test_imports.py)",
    "GET /api/v1/facilities/meal-rates": "meal subsidy rates are public rules, nobody's data",
    "POST /api/v1/routes/plans": "plans the caller's own provider's day and names no object: the provider "
    "comes from the caller's scope (tests/routes/test_services.py)",
    "POST /api/v1/facilities/meal-rates": "meal subsidy rates are public rules; who may write them: "
    "tests/facilities/test_meals.py",
    # Console
    "accounts:login": "the login form",
    "accounts:logout": "ends the caller's own session",
    "public_providers": "the public directory of admitted providers, organisations only",
    "public_apply": "the public application form for providers",
    "public_childcare": "the public list of registered childcare institutions, organisations only",
    "public_pilots": "the public notice (公示) of pilot programmes: published on purpose, no personal data",
    "public_inspections": "published inspection results (一公开): organisations and findings only",
    "catalog:list": "the service catalogue is the same for everyone",
    "catalog:create": "the catalogue belongs to no side: tests/catalog",
    "catalog:detail": "the service catalogue is the same for everyone",
    "catalog:edit": "the catalogue belongs to no side: tests/catalog",
    "catalog:retire": "the catalogue belongs to no side: tests/catalog",
    "catalog:reactivate": "the catalogue belongs to no side: tests/catalog",
    "alarms:console_stream": "a live event stream that never ends; it sends only what the incident "
    "selector lets through (tests/alarms/test_live_console.py)",
    "elders:import_template": "an empty spreadsheet with the column headings",
    "demo:sample_import": "a synthetic sample spreadsheet of made-up people",
    "demo:sample_roster": "a synthetic sample roster of made-up people",
    "POST /api/v1/benefits/policies": "benefit policies are public rules, nobody's data; who may write them: "
    "tests/benefits",
    "GET /api/v1/benefits/policies/{policy_id}": "benefit policies are public rules, nobody's data",
    "POST /api/v1/benefits/policies/{policy_id}/versions": "benefit policies are public rules; who may "
    "write them: tests/benefits",
    "POST /api/v1/benefits/policies/{policy_id}/effect": "counts of a draft version's effect, no one's data; "
    "who may ask: tests/benefits",
    "benefits:policy": "benefit policies are public rules, nobody's data; who may write them: tests/benefits",
    "hotline:article_edit": "knowledge articles are the bureau's reference for every desk, nobody's data; "
    "who may write them: tests/hotline",
    "hotline:article_retire": "knowledge articles are nobody's data: tests/hotline",
    "GET /api/v1/visits/rules": "visit rules are public rules (who is visited how often), nobody's data",
    "visits:rules": "visit rules are public rules; the counts are of the caller's own area",
    "visits:rule_new": "visit rules are public rules; who may write them: tests/visits",
    "visits:rule": "visit rules are public rules; who may write them: tests/visits",
    "POST /api/v1/visits/rules": "visit rules are public rules; who may write them, by region: "
    "tests/visits/test_rules_api.py",
    "POST /api/v1/visits/rules/preview": "counts the caller's own area for the posted rule; stores nothing",
    "PUT /api/v1/visits/rules/{rule_id}": "visit rules are public rules; who may change them, by region: "
    "tests/visits/test_rules_api.py",
    "POST /api/v1/visits/rules/{rule_id}/retire": "visit rules are public rules; who may retire them, by "
    "region: tests/visits/test_rules_api.py",
    "set_language": "the caller's own language choice",
    "healthz": "the liveness probe: 'ok' and nothing else",
    "web:favicon": "the site's icon, a static file",
    "GET /api/v1/homecare/ltc/rules": "LTC rules (share and cap per level) are public rules, nobody's data",
    "POST /api/v1/homecare/ltc/rules": "LTC rules are public rules; who may write them: tests/homecare",
    "POST /api/v1/homecare/ltc/statuses/import": "an upload whose rows are matched against the importer's "
    "own elders; others are reported masked (tests/homecare/test_ltc.py)",
    "api:openapi-json": "the API's description",
    "api:openapi-view": "the API's description",
    "api:api-root": "the API's root",
    "fhir:metadata": "the FHIR server's capability statement, nobody's data",
    "fhir:search": "FHIR for health systems with their own bearer token, not a user: a client sees only its "
    "region's elders (tests/health/test_fhir.py)",
    "fhir:read": "FHIR for health systems with their own bearer token (tests/health/test_fhir.py)",
}


@dataclass(frozen=True)
class Route:
    key: str  # "GET /api/v1/elders/{elder_id}" or the console URL name
    method: str
    template: str  # the path with {param} placeholders
    params: tuple[str, ...]
    api: bool
    query: tuple[str, ...] = ()  # the API operation's query parameters
    required_query: tuple[tuple[str, dict], ...] = ()  # those it cannot do without, with their schemas
    body: dict | None = None  # the OpenAPI request body schema, with its content type under "type"

    @property
    def is_list(self) -> bool:
        return self.method == "GET" and not self.object_params

    @property
    def object_params(self) -> tuple[str, ...]:
        return tuple(p for p in self.params if p not in ORDINARY)

    def __str__(self) -> str:
        return self.key


def api_routes() -> list[Route]:
    from shouwang.urls import api

    document = api.get_openapi_schema()
    routes = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            parameters = operation.get("parameters", [])
            content = operation.get("requestBody", {}).get("content", {})
            body = None
            for kind, described in content.items():
                body = {"type": kind, "schema": described["schema"]}
            routes.append(
                Route(
                    key=f"{method.upper()} {path}",
                    method=method.upper(),
                    template=path,
                    params=tuple(p["name"] for p in parameters if p["in"] == "path"),
                    api=True,
                    query=tuple(p["name"] for p in parameters if p["in"] == "query"),
                    required_query=tuple(
                        (p["name"], p["schema"]) for p in parameters if p["in"] == "query" and p["required"]
                    ),
                    body=body,
                )
            )
    return routes


@functools.cache
def api_components() -> dict:
    from shouwang.urls import api

    return api.get_openapi_schema()["components"]["schemas"]


def console_routes() -> list[Route]:
    """Every URL pattern outside the API, as a GET (a page) and, when it has a button or form, a POST:
    the probe sends both, since a console view decides by method inside."""
    routes, seen = [], set()
    for name, pattern in _patterns(get_resolver().url_patterns):
        if name.startswith("api:") or name in seen:
            continue
        seen.add(name)
        params = tuple(re.findall(r"<(?:\w+:)?(\w+)>", pattern))
        template = "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", pattern)
        routes.append(Route(key=name, method="GET", template=template, params=params, api=False))
    return routes


def _patterns(patterns, prefix: str = "", namespace: str = ""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = ":".join(n for n in (namespace, entry.namespace) if n)
            yield from _patterns(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            pattern = prefix + str(entry.pattern)
            if pattern.startswith("admin/"):
                yield "admin/", "admin/"
            else:
                yield ":".join(n for n in (namespace, entry.name) if n), pattern


def exempt(route: Route) -> str:
    return EXEMPT.get(route.key, "")


def values_for(route: Route, theirs: dict[str, tuple]) -> list[dict]:
    """Every combination of the route's parameters naming the other side's objects (and each button)."""
    combinations: list[dict] = [{}]
    for name in route.params:
        if name in theirs:
            choices = theirs[name]
        elif name in ("action", "name"):
            choices = BUTTONS.get(route.key, ())
        else:
            choices = ORDINARY.get(name, ())
        combinations = [{**done, name: value} for done in combinations for value in choices]
    return combinations


MISSING = {"device_id": "dv_missing000000"}
MISSING_ID = 987_654_321


def missing(route: Route, values: dict) -> dict:
    """The same parameters with the object replaced by one that does not exist."""
    return {
        name: (MISSING.get(name, MISSING_ID) if name in route.object_params else value)
        for name, value in values.items()
    }


def url(route: Route, values: dict) -> str:
    if route.api:
        return route.template.format(**values)
    return reverse(route.key, kwargs=values)


def uncovered(routes: list[Route], kinds, creates) -> list[str]:
    """Routes that no probe reaches and no exemption explains: a path parameter naming a kind of object
    the table does not know, a slug whose buttons are not listed, or a write without an object and without
    a create case."""
    theirs = {kind: (0,) for kind in kinds}
    missing_cases = []
    for route in routes:
        unknown_object = not all(p in theirs for p in route.object_params)
        unpressed = route.params and not values_for(route, theirs)
        uncased_create = route.method != "GET" and not route.object_params and route.key not in creates
        if not exempt(route) and (unknown_object or unpressed or uncased_create):
            missing_cases.append(route.key)
    return missing_cases


def _theirs(name: str, index: int = 0):
    return lambda world: world.theirs[name][index]


# Creates: routes without a path parameter that write. Each case is a request body (beside the one made from
# the schema and ``world.fields``) that names the other side's objects; the probe must be refused.
CREATES = {
    "POST /api/v1/users": (
        {"role": "community_worker", "region_codes": lambda w: w.fields["region_codes"], "provider_id": None},
        {"role": "caregiver", "provider_id": lambda w: w.fields["provider_id"], "region_codes": []},
    ),
    "POST /api/v1/providers": ({"kind": "company"},),
    "POST /api/v1/elders": ({"sex": "M", "birth_date": "1950-01-01"},),
    "POST /api/v1/assessments": ({"reason": "first"},),
    "POST /api/v1/assessments/care-plans": ({},),
    "POST /api/v1/orders": ({"items": [{"code": "cleaning", "quantity": 1}]},),
    "POST /api/v1/orders/complaints": (
        {"source": "family", "order_id": _theirs("order_id", -1)},
        {"source": "family", "elder_id": _theirs("elder_id"), "provider_id": _theirs("provider_id")},
    ),
    "POST /api/v1/calls": (
        {"reason": "information", "outcome": "resolved", "elder_id": _theirs("elder_id")},
        {"reason": "emergency", "outcome": "referred", "elder_id": _theirs("elder_id")},
    ),
    "POST /api/v1/devices": ({"type": "sos_pendant", "serial": "SN-PROBE-1", "vendor": "探针"},),
    "POST /api/v1/devices/bulk": (
        {
            "devices": lambda w: [
                {
                    "type": "sos_pendant",
                    "serial": "SN-PROBE-B1",
                    "vendor": "探针",
                    "elder_id": _theirs("elder_id")(w),
                }
            ]
        },
    ),
    "POST /api/v1/benefits/runs": ({"region": lambda w: w.fields["community"]},),
    "POST /api/v1/benefits/cases/checks": ({"region": lambda w: w.fields["community"]},),
    "POST /api/v1/benefits/statements": ({"provider_id": lambda w: w.fields["provider_id"]},),
    "POST /api/v1/benefits/budgets": ({"region": lambda w: w.fields["community"], "month": None},),
    "POST /api/v1/benefits/year-end": ({"year": 2020, "region": lambda w: w.fields["community"]},),
    "POST /api/v1/visits/activities": (
        {
            "community": lambda w: w.fields["community"],
            "title": "探针活动",
            "place": "探针活动室",
            "starts_at": lambda w: (timezone.now() + dt.timedelta(days=2)).isoformat(),
            "capacity": 5,
        },
    ),
    "POST /api/v1/visits/help": (
        {
            "elder_id": _theirs("elder_id"),
            "kind": "companionship",
            "starts_at": lambda w: (timezone.now() + dt.timedelta(days=2)).isoformat(),
        },
        {
            "elder_id": lambda w: w.fields["elder_id"],
            "kind": "companionship",
            "starts_at": lambda w: (timezone.now() + dt.timedelta(days=2)).isoformat(),
            "visit_id": _theirs("visit_id", 1),
        },
    ),
    "POST /api/v1/facilities": (
        {"kind": "day_care", "services": ["meal"], "provider": _theirs("provider_id"), "address": "探针路"},
    ),
    "POST /api/v1/facilities/site-suggestions": ({"region": lambda w: w.fields["community"]},),
    "POST /api/v1/homecare/beds": ({"elder_id": _theirs("elder_id")},),
    "POST /api/v1/homecare/rentals": (
        {"elder_id": _theirs("elder_id"), "due_on": lambda w: w.fields["ends_on"]},
    ),
    "POST /api/v1/homecare/respite": ({"elder_id": _theirs("elder_id"), "days": 1},),
    "POST /api/v1/homecare/ltc/designations": (
        {"provider_id": _theirs("provider_id"), "agency_code": "PROBE", "designated_from": "2020-01-01"},
    ),
    "POST /api/v1/homecare/ltc/statuses": ({"elder_id": _theirs("elder_id"), "state": "applied"},),
    "POST /api/v1/homecare/ltc/batches": ({"provider_id": _theirs("provider_id"), "month": "2020-01"},),
    "homecare:apply": {"id_number": lambda w: w.secrets[3], "provider": _theirs("provider_id")},
    "homecare:batch_new": {"provider": _theirs("provider_id"), "month": "2020-01"},
    "health:clients": ({"name": "探针医院", "region": lambda w: w.fields["community"]},),
    "POST /api/v1/childcare/institutions": (
        {
            "name": "探针托育园",
            "kind": "family",
            "licence_number": "探针备案",
            "operator_name": "探针公司",
            "operator_credit_code": "91220202MA0000000X",
            "community": lambda w: w.fields["community"],
            "address": "探针路",
        },
    ),
    "POST /api/v1/pilots": (
        {
            "region": lambda w: w.fields["community"][:9] + "000",
            "title": "探针试点",
            "goals": "探针目标",
            "indicators": [{"name": "探针指标", "target": 1}],
        },
    ),
    "POST /api/v1/inspections/plans": (
        {
            "title": "探针抽查",
            "region": lambda w: w.fields["community"][:9] + "000",
            "target_kind": "childcare",
            "sample_size": 1,
            "inspectors_per_target": 1,
            "due_on": lambda w: (timezone.localdate() + dt.timedelta(days=9)).isoformat(),
        },
    ),
    "PUT /api/v1/childcare/population": (
        {"region": lambda w: w.fields["community"], "year": 2025, "residents": 9},
    ),
    "PUT /api/v1/childcare/targets": (
        {"region": lambda w: w.fields["community"], "year": 2025, "places_per_thousand": "4.5"},
    ),
}


# Bodies the OpenAPI describes wrongly: it names two schemas DecisionIn (orders and providers; issue 14,
# finding 10), so the one made from it lacks the providers' ``admit``.
BODIES = {"POST /api/v1/providers/{provider_id}/decision": {"admit": False}}
# Exports start a job over what the caller's search finds: their files are read (tests/leaks/test_api.py).
EXPORTS = "POST /api/v1/elders/exports"


def body_of(case: dict, world) -> dict:
    return {key: value(world) if callable(value) else value for key, value in case.items()}
