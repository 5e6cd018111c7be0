"""Every value the API takes has a limit the database can hold: text a length and no NUL, whole numbers a
range. The walk over the OpenAPI document keeps it true for endpoints added later."""

import datetime as dt
import importlib
import json
from pathlib import Path
from urllib.parse import urlencode

import pytest
from ninja import Schema

import shouwang
from shouwang.alarms.models import Device
from shouwang.assessments.services import assign_assessor, start_assessment
from shouwang.core.idnumbers import make_resident_id
from shouwang.core.models import AuditLog
from shouwang.urls import api
from tests import factories

API_MODULES = {f"shouwang.{path.parent.name}.api" for path in Path(shouwang.__file__).parent.glob("*/api.py")}
# Texts the server parses into something else before keeping it (or keeps as a file).
PARSED_FORMATS = {"date", "date-time", "binary"}


def _schemas_taken(document):
    """(where, schema) for every parameter and request body of every operation."""
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                yield f"{method.upper()} {path} {parameter['in']} {parameter['name']}", parameter["schema"]
            for media_type, content in operation.get("requestBody", {}).get("content", {}).items():
                yield f"{method.upper()} {path} body ({media_type})", content["schema"]


def _unlimited(document, where, schema, seen=()):
    """The places under ``schema`` that take a text without maxLength or a number without a range."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            return
        yield from _unlimited(document, f"{where} → {name}", document["components"]["schemas"][name],
                              (*seen, name))  # fmt: skip
        return
    for key in ("anyOf", "oneOf", "allOf"):
        for option in schema.get(key, []):
            yield from _unlimited(document, where, option, seen)
    kind = schema.get("type")
    if (
        kind == "string"
        and schema.get("format") not in PARSED_FORMATS
        and not {"maxLength", "enum"} & schema.keys()
    ):
        yield f"{where}: text without maxLength"
    if kind == "integer" and not {"minimum", "maximum"} <= schema.keys():
        yield f"{where}: whole number without minimum and maximum"
    for name, property_schema in schema.get("properties", {}).items():
        yield from _unlimited(document, f"{where}.{name}", property_schema, seen)
    if "items" in schema:
        yield from _unlimited(document, f"{where}[]", schema["items"], seen)
    extra = schema.get("additionalProperties")
    if kind == "object" and extra is not False and not schema.get("properties"):
        yield from _unlimited(
            document, f"{where} (key)", schema.get("propertyNames", {"type": "string"}), seen
        )
        if isinstance(extra, dict):
            yield from _unlimited(document, f"{where}{{}}", extra, seen)


def test_every_text_and_number_an_endpoint_takes_has_a_limit():
    document = api.get_openapi_schema()
    unlimited = [place for where, schema in _schemas_taken(document)
                 for place in _unlimited(document, where, schema)]  # fmt: skip
    assert unlimited == []


def test_the_walk_finds_a_text_without_a_limit():
    document = {"paths": {"/x": {"post": {"parameters": [
        {"in": "query", "name": "q", "schema": {"type": "string"}},
        {"in": "query", "name": "n", "schema": {"type": "integer", "minimum": 1}},
    ], "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/In"}}}}}}},
        "components": {"schemas": {"In": {"type": "object", "properties": {
            "names": {"type": "array", "items": {"type": "string"}},
            "scores": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0,
                                                                   "maximum": 9}},
        }}}}}  # fmt: skip
    found = [
        place for where, schema in _schemas_taken(document) for place in _unlimited(document, where, schema)
    ]
    assert found == [
        "POST /x query q: text without maxLength",
        "POST /x query n: whole number without minimum and maximum",
        "POST /x body (application/json) → In.names[]: text without maxLength",
        "POST /x body (application/json) → In.scores (key): text without maxLength",
    ]


# --- what the limits answer: a 422 naming the field and the limit, on SQLite as on PostgreSQL ----------


def _send(client, method, url, body):
    return getattr(client, method)(url, data=json.dumps(body), content_type="application/json")


@pytest.fixture
def as_admin(client, admin_user, english):
    client.force_login(admin_user)
    return client


@pytest.fixture
def draft(as_admin, worker_a, elder_a):
    assessor = factories.user("assessor", regions=(factories.DISTRICT,), username="assessor_x")
    assign_assessor(actor=worker_a, elder_id=elder_a.pk, assessor_id=assessor.pk)
    return start_assessment(actor=assessor, elder_id=elder_a.pk)


def _new_elder(**changes):
    return {"name": "王五", "id_number": make_resident_id("220202", dt.date(1950, 5, 1), 11),
            "community": factories.COMMUNITY_A, **changes}  # fmt: skip


def _new_user(**changes):
    return {"username": "clerk", "password": "a long passphrase 9", "role": "operator",
            "region_codes": [factories.DISTRICT], **changes}  # fmt: skip


def _new_device(**changes):
    return {"serial": "SN-1", "type": "sos_pendant", "vendor": "厂商", "elder_id": "{elder}", **changes}


# What is sent (method, URL, body; {elder}, {user} and {draft} filled in), the field and the limit named.
ELDER, USER, DRAFT = "/api/v1/elders/{elder}", "/api/v1/users/{user}", "/api/v1/assessments/{draft}"
TOO_LONG_OR_NUL = {
    "NUL in an elder's name": ("post", "/api/v1/elders", _new_elder(name="王\x00五"), "payload.name", "NUL"),
    "NUL in an elder's address": ("patch", ELDER, {"address": "解放路\x00"}, "payload.address", "NUL"),
    "NUL in a reveal reason": ("post", ELDER + "/reveal", {"reason": "\x00"}, "payload.reason", "NUL"),
    "NUL in a username": ("post", "/api/v1/users", _new_user(username="a\x00b"), "payload.username", "NUL"),
    "a 500-character username": (
        "post", "/api/v1/users", _new_user(username="u" * 500), "payload.username", "150"),
    "a 500-character full name": ("patch", USER, {"full_name": "名" * 500}, "payload.full_name", "60"),
    "a 500-character device serial": (
        "post", "/api/v1/devices", _new_device(serial="9" * 500), "payload.serial", "64"),
    "a 500-character device vendor": (
        "post", "/api/v1/devices", _new_device(vendor="厂" * 500), "payload.vendor", "60"),
    "a 10,000-character assessment note": ("patch", DRAFT, {"note": "记" * 10_000}, "payload.note", "300"),
    "a 55-character informant name": (
        "patch", DRAFT, {"informant_name": "张" * 55}, "payload.informant_name", "40"),
    "a 500-character informant relation": (
        "patch", DRAFT, {"informant_relation": "子" * 500}, "payload.informant_relation", "20"),
}  # fmt: skip


@pytest.mark.parametrize("case", TOO_LONG_OR_NUL, ids=list(TOO_LONG_OR_NUL))
def test_text_too_long_or_with_nul_is_refused_naming_the_field_and_the_limit(
    case, as_admin, elder_a, official, draft
):
    method, url, body, field, limit = TOO_LONG_OR_NUL[case]
    ids = {"elder": elder_a.pk, "user": official.pk, "draft": draft.pk}
    body = {key: int(value.format(**ids)) if value == "{elder}" else value for key, value in body.items()}
    audited = AuditLog.objects.count()
    answer = _send(as_admin, method, url.format(**ids), body)
    assert answer.status_code == 422, answer.content
    message = answer.json()["message"]
    assert field in message and limit in message, message
    assert AuditLog.objects.count() == audited  # nothing was written
    draft.refresh_from_db()
    official.refresh_from_db()
    elder_a.refresh_from_db()
    assert (draft.note, draft.informant_name, official.full_name) == ("", "", "测试official")
    assert "\x00" not in elder_a.address and not Device.objects.exists()


def test_a_text_at_its_limit_is_kept_whole(as_admin, draft):
    answer = _send(as_admin, "patch", f"/api/v1/assessments/{draft.pk}", {"note": "记" * 300})
    assert answer.status_code == 200 and answer.json()["id"] == draft.pk
    draft.refresh_from_db()
    assert draft.note == "记" * 300


def test_the_limit_is_said_in_chinese_by_default(client, admin_user, official):
    client.force_login(admin_user)
    answer = _send(client, "patch", f"/api/v1/users/{official.pk}", {"full_name": "名" * 61})
    assert answer.json()["message"] == "请求无效：payload.full_name（最多 60 个字符）"


def test_no_two_schemas_share_a_name():
    """The OpenAPI names schemas by class name; two classes of one name would be described as one."""
    named: dict[str, list[str]] = {}
    for module in sorted(API_MODULES):
        for name, value in vars(importlib.import_module(module)).items():
            if isinstance(value, type) and issubclass(value, Schema) and value.__module__ == module:
                named.setdefault(name, []).append(module)
    assert {name: modules for name, modules in named.items() if len(modules) > 1} == {}


# --- parameters that gave 500s (finding 4): numbers beyond any row, non-ASCII digits, nulls in PATCH --------


BAD_PARAMETERS = {
    "a horizon of 99,999,999 days": ("get", "/api/v1/assessments/due?within_days=99999999", "within_days"),
    "an order provider beyond any id": ("get", "/api/v1/orders?provider=99999999999999999999", "provider"),
    "a complaint provider beyond any id": (
        "get", "/api/v1/orders/complaints?provider=99999999999999999999", "provider"),
    "an empty elder on incidents": ("get", "/api/v1/incidents?elder=", "elder"),
    "an incident elder beyond any id": ("get", "/api/v1/incidents?elder=99999999999999999999", "elder"),
    "a user id beyond any id": ("get", "/api/v1/users/99999999999999999999", "user_id"),
    "a day in the year 36": ("get", "/api/v1/orders?date=0036-09-12", "date"),
    "a time 16:58 ahead of UTC": ("get", "/api/v1/incidents?since=2026-01-01T10:00:00%2B16:58", "since"),
}  # fmt: skip


@pytest.mark.parametrize("case", BAD_PARAMETERS, ids=list(BAD_PARAMETERS))
def test_a_parameter_beyond_what_the_database_holds_is_a_422_naming_it(case, as_admin):
    method, url, field = BAD_PARAMETERS[case]
    answer = getattr(as_admin, method)(url)
    assert answer.status_code == 422, answer.content
    assert field in answer.json()["message"]


@pytest.mark.parametrize("path", ["/api/v1/devices/%C2%B9", "/api/v1/devices/%D9%A3"])  # ¹ and ٣
def test_a_device_named_by_a_digit_that_is_not_0_to_9_is_not_found(path, as_admin):
    assert as_admin.get(path).status_code == 404
    assert as_admin.post(f"{path}/unbind").status_code == 404


NULL_IN_PATCH = {
    "a user's full name": ("/api/v1/users/{user}", "full_name"),
    "a user's phone": ("/api/v1/users/{user}", "phone"),
    "a user's regions": ("/api/v1/users/{user}", "region_codes"),
    "a user's active flag": ("/api/v1/users/{user}", "is_active"),
    "an assessment's date": ("/api/v1/assessments/{draft}", "assessed_on"),
    "an assessment's coma flag": ("/api/v1/assessments/{draft}", "coma"),
    "an assessment's note": ("/api/v1/assessments/{draft}", "note"),
    "an elder's contacts": ("/api/v1/elders/{elder}", "contacts"),
}


@pytest.mark.parametrize("case", NULL_IN_PATCH, ids=list(NULL_IN_PATCH))
def test_null_for_a_field_that_cannot_be_empty_is_a_422_naming_it(case, as_admin, official, draft, elder_a):
    url, field = NULL_IN_PATCH[case]
    url = url.format(user=official.pk, draft=draft.pk, elder=elder_a.pk)
    answer = _send(as_admin, "patch", url, {field: None})
    assert answer.status_code == 422, answer.content
    assert f"payload.{field}" in answer.json()["message"]
    official.refresh_from_db()
    assert official.is_active and official.full_name == "测试official"


def test_null_may_still_clear_a_field_that_can_be_empty(as_admin, elder_a):
    elder_a.disability_grade = 2
    elder_a.save()
    assert (
        _send(as_admin, "patch", f"/api/v1/elders/{elder_a.pk}", {"disability_grade": None}).status_code
        == 200
    )
    elder_a.refresh_from_db()
    assert elder_a.disability_grade is None


def test_a_console_request_with_a_nul_character_is_a_400_page(client, operator):
    client.force_login(operator)
    assert client.get("/orders/", {"state": "new"}).status_code == 200
    refused = client.get("/orders/", {"state": "new\x00"})
    assert refused.status_code == 400
    assert "NUL" in refused.content.decode()
    assert client.get("/orders/", {"provider": "¹"}).status_code == 200  # a digit, but not 0–9


def test_a_console_form_with_a_nul_character_is_a_400_page(client, operator):
    client.force_login(operator)
    form = urlencode({"elder_id": "1", "note": "送餐\x00"})  # as a browser sends a form without a file
    refused = client.post("/orders/desk/", form, content_type="application/x-www-form-urlencoded")
    assert refused.status_code == 400
