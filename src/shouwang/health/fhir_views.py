"""The HTTP side of the FHIR R4 server (``/fhir/r4/``): bearer-token authentication of a health system,
the capability statement, search and read; answers are ``application/fhir+json``, errors an
OperationOutcome. The reads themselves are in ``fhir_server``."""

from __future__ import annotations

from django.http import HttpResponse
from django.views.decorators.http import require_GET

from . import fhir, fhir_server
from .clients import client_for_token

CONTENT_TYPE = "application/fhir+json; charset=utf-8"


def _answer(resource, status: int = 200, **headers) -> HttpResponse:
    response = HttpResponse(fhir.as_json(resource), status=status, content_type=CONTENT_TYPE)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def _client(request):
    header = request.headers.get("Authorization", "")
    scheme, _space, token = header.partition(" ")
    return client_for_token(token.strip()) if scheme.lower() == "bearer" else None


def _unauthorised() -> HttpResponse:
    return _answer(
        fhir.outcome("login", "A valid bearer token of a registered health system is required."),
        401,
        WWW_Authenticate='Bearer realm="fhir"',
    )


def _base(request) -> str:
    return request.build_absolute_uri("/fhir/r4").rstrip("/")


@require_GET
def metadata(request):
    """The capability statement: what this server answers (no token needed, as FHIR expects)."""
    from fhir.resources.R4B.capabilitystatement import CapabilityStatement

    search = [{"name": name, "type": kind} for name, kind in (("_id", "token"), ("_lastUpdated", "date"))]
    by_type = {
        "Patient": [{"name": "identifier", "type": "token"}],
        "Observation": [{"name": "patient", "type": "reference"}, {"name": "code", "type": "token"}],
        "Condition": [{"name": "patient", "type": "reference"}],
        "CarePlan": [{"name": "patient", "type": "reference"}],
    }
    statement = CapabilityStatement.model_validate(
        {
            "status": "active",
            "date": "2026-12-01",
            "kind": "instance",
            "fhirVersion": "4.0.1",
            "format": ["json"],
            "implementation": {"description": "Shouwang 守望", "url": _base(request)},
            "rest": [
                {
                    "mode": "server",
                    "security": {"service": [{"text": "Bearer token per health system"}]},
                    "resource": [
                        {
                            "type": kind,
                            "interaction": [{"code": "read"}, {"code": "search-type"}],
                            "searchParam": search + extra,
                        }
                        for kind, extra in by_type.items()
                    ],
                }
            ],
        }
    )
    return _answer(statement)


@require_GET
def search(request, kind: str):
    client = _client(request)
    if client is None:
        return _unauthorised()
    if kind not in fhir_server.TYPES:
        return _answer(fhir.outcome("not-supported", f"{kind} is not served here."), 404)
    try:
        resources, total, offset, count = fhir_server.search(client, kind, request.GET)
    except fhir_server.SearchError as refused:
        fhir_server.audit_read(
            client, kind=kind, query=request.GET.urlencode(), ids=[], status=refused.status
        )
        return _answer(fhir.outcome(refused.code, refused.text), refused.status)
    base = _base(request)
    next_url = None
    if offset + count < total and count:
        query = request.GET.copy()
        query["_offset"] = str(offset + count)
        next_url = f"{base}/{kind}?{query.urlencode()}"
    bundle = fhir.searchset(
        resources, total=total, base=base, self_url=request.build_absolute_uri(), next_url=next_url
    )
    ids = [f"{kind}/{resource.id}" for resource in resources]
    fhir_server.audit_read(client, kind=kind, query=request.GET.urlencode(), ids=ids, status=200)
    return _answer(bundle)


@require_GET
def read(request, kind: str, resource_id: str):
    client = _client(request)
    if client is None:
        return _unauthorised()
    if kind not in fhir_server.TYPES:
        return _answer(fhir.outcome("not-supported", f"{kind} is not served here."), 404)
    resource = fhir_server.read(client, kind, resource_id)
    status = 200 if resource is not None else 404
    fhir_server.audit_read(
        client,
        kind=kind,
        query=f"_id={resource_id}",
        ids=[f"{kind}/{resource_id}"] if resource else [],
        status=status,
    )
    if resource is None:
        return _answer(fhir.outcome("not-found", f"{kind}/{resource_id} is not known."), 404)
    return _answer(resource)
