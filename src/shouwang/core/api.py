"""The one versioned JSON API: authentication, error mapping, and the audit endpoint."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Router, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer, SessionAuth

from .errors import DomainError, Forbidden
from .models import AuditLog
from .pagination import paginate
from .schemas import DATE_ERROR, EARLIEST_DAY, LATEST_DAY, NUL_ERROR, Code, MaxText, Page, PageSize
from .selectors import audit_log_for
from .text import listed
from .uploads import refuse_upload


class BearerToken(HttpBearer):
    """``Authorization: Bearer <token>`` for machines; tokens come from ``shouwang token create``."""

    def authenticate(self, request, token: str):
        from shouwang.accounts.selectors import user_for_token
        from shouwang.accounts.services import touch_token

        user = user_for_token(token)
        if user is not None:
            touch_token(token)
            request.user = user
        return user


class ConsoleSession(SessionAuth):
    """The console's logged-in session (CSRF-checked on writes).

    ninja checks CSRF before it looks at the session, so a write with no login at all failed the CSRF
    check (403) instead of being unauthenticated (401, as documented). Without a logged-in user there
    is nothing for CSRF to protect: answer as for any missing credential."""

    def __call__(self, request):
        if not request.user.is_authenticated:
            return None
        return super().__call__(request)

    def _get_key(self, request):
        try:
            return super()._get_key(request)
        except HttpError:
            raise Forbidden(
                _("This request lacks the console's security token (CSRF). Reload the page and try again."),
                code="csrf_failed",
            ) from None

    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        return user if user is not None and user.is_active else None


class UploadGate:
    """The first auth callback of an endpoint that takes a file: it refuses, before ninja or the CSRF
    check parses the body, a request without a login (401), from a user ``may_upload`` refuses (403) or
    over the upload limit (422). It authenticates nobody: the platform's own callbacks follow it."""

    def __init__(self, may_upload: Callable[[object], bool]):
        self.may_upload = may_upload

    def __call__(self, request) -> None:
        user = _claimed_user(request)
        if user is None:
            raise AuthenticationError
        refuse_upload(request, user, may_upload=self.may_upload)
        return None


def _claimed_user(request):
    """Who the request says it is, found without reading its body: the bearer token's user, else the
    session's."""
    from shouwang.accounts.selectors import user_for_token

    scheme, _space, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return user_for_token(token.strip())
    user = request.user
    return user if user.is_authenticated and user.is_active else None


def api_auth() -> list:
    """The platform's authentication, in the order it is tried."""
    return [BearerToken(), ConsoleSession()]


def error_body(code: str, message: str, **extra) -> dict:
    return {"code": code, "message": message, **extra}


def _schema_problem(error: dict) -> str:
    """The field a schema error is about, with the limit it broke when that is a limit (core.schemas)."""
    field = ".".join(str(part) for part in error.get("loc", [])[1:])
    limits = error.get("ctx") or {}
    why = {
        "string_too_long": lambda: _("at most %(max_length)s characters") % limits,
        NUL_ERROR: lambda: _("without the NUL character"),
        "less_than_equal": lambda: _("at most %(le)s") % limits,
        "greater_than_equal": lambda: _("at least %(ge)s") % limits,
        DATE_ERROR: lambda: (
            _("a date from %(earliest)s to %(latest)s, at most 14 hours from UTC")
            % {"earliest": EARLIEST_DAY.year, "latest": LATEST_DAY.year}
        ),
    }.get(str(error.get("type")))
    if not field or why is None:
        return field
    return _("%(field)s (%(limit)s)") % {"field": field, "limit": why()}


def build_api() -> NinjaAPI:
    api = NinjaAPI(
        title="Shouwang 守望 API",
        version="1",
        description="The JSON API of the Shouwang elderly-care platform. "
        "Authenticate with the console session or `Authorization: Bearer <token>`.",
        auth=api_auth(),
        urls_namespace="api",
        docs_url="/docs",
    )

    @api.exception_handler(DomainError)
    def domain_error(request, exc: DomainError):
        errors = getattr(exc, "errors", None)
        extra = {"errors": errors} if errors else {}
        extra.update(getattr(exc, "details", None) or {})
        return api.create_response(request, error_body(exc.code, exc.message, **extra), status=exc.status)

    @api.exception_handler(NinjaValidationError)
    def validation_error(request, exc: NinjaValidationError):
        problems = [problem for problem in map(_schema_problem, exc.errors) if problem]
        message = _("The request is not valid: %(fields)s") % {"fields": listed(problems) or "body"}
        return api.create_response(
            request, error_body("validation_error", message, errors=exc.errors), status=422
        )

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request, exc):
        return api.create_response(
            request, error_body("unauthenticated", _("Please log in or send a valid API token.")), status=401
        )

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return api.create_response(request, error_body("not_found", _("Not found.")), status=404)

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        return api.create_response(request, error_body("error", str(exc)), status=exc.status_code)

    from shouwang.accounts.api import router as accounts_router
    from shouwang.accounts.api import users_router
    from shouwang.alarms.api import router as alarms_router
    from shouwang.assessments.api import router as assessments_router
    from shouwang.benefits.api import elder_router as elder_benefits_router
    from shouwang.benefits.api import router as benefits_router
    from shouwang.benefits.cases_api import router as benefit_cases_router
    from shouwang.benefits.statement_api import router as statements_router
    from shouwang.catalog.api import router as catalog_router
    from shouwang.childcare.api import router as childcare_router
    from shouwang.elders.api import router as elders_router
    from shouwang.facilities.api import router as facilities_router
    from shouwang.health.api import router as health_router
    from shouwang.homecare.api import router as homecare_router
    from shouwang.hotline.api import router as hotline_router
    from shouwang.inspections.api import router as inspections_router
    from shouwang.orders.api import router as orders_router
    from shouwang.pilots.api import router as pilots_router
    from shouwang.portal.api import router as portal_router
    from shouwang.providers.api import router as providers_router
    from shouwang.regions.api import router as regions_router
    from shouwang.routes.api import router as routes_router
    from shouwang.visits.api import elder_router as elder_visits_router
    from shouwang.visits.api import router as visits_router

    api.add_router("/", accounts_router)
    api.add_router("/users", users_router)
    api.add_router("/regions", regions_router)
    api.add_router("/providers", providers_router)
    api.add_router("/catalog", catalog_router)
    api.add_router("/elders", elders_router)
    api.add_router("/elders", elder_benefits_router)
    api.add_router("/benefits/cases", benefit_cases_router)
    api.add_router("/benefits", benefits_router)
    api.add_router("/benefits", statements_router)
    api.add_router("/assessments", assessments_router)
    api.add_router("/orders", orders_router)
    api.add_router("/facilities", facilities_router)
    api.add_router("/routes", routes_router)
    api.add_router("/homecare", homecare_router)
    api.add_router("/childcare", childcare_router)
    api.add_router("/pilots", pilots_router)
    api.add_router("/inspections", inspections_router)
    api.add_router("/", alarms_router)
    api.add_router("/me", portal_router)
    api.add_router("/calls", hotline_router)
    api.add_router("/visits", visits_router)
    api.add_router("/elders", elder_visits_router)
    api.add_router("/", health_router)
    api.add_router("/audit", router)
    return api


router = Router(tags=["audit"])


class AuditOut(Schema):
    id: int
    at: dt.datetime
    actor_username: str
    action: str
    object_type: str
    object_id: str
    object_repr: str
    region_code: str
    provider_id: int | None
    before: dict | None
    after: dict | None
    ip: str
    channel: str


class AuditPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[AuditOut]


@router.get("", response=AuditPage, summary="Audit records in the caller's scope")
def list_audit(
    request,
    action: Annotated[str, MaxText(80)] = "",
    object_type: Code = "",
    object_id: Code = "",
    actor: Annotated[str, MaxText(150)] = "",
    page: Page = 1,
    page_size: PageSize = 50,
):
    records = audit_log_for(
        request.auth, action=action, object_type=object_type, object_id=object_id, actor=actor
    )
    return paginate(records, page=page, page_size=page_size)


__all__ = ["AuditLog", "build_api"]
