"""File uploads are refused before a byte of the body is read: first who sends it, then its declared size.

Django parses a multipart body the first time anything reads ``request.POST`` or ``request.FILES``: the
CSRF check does so before a console view runs, and ninja before an endpoint's code runs. A parsed upload
has already been written somewhere, so an endpoint that takes files calls :func:`refuse_upload` ahead of
both (``web.decorators.upload_page`` for the console, ``core.api.UploadGate`` for the API). Django never
reads past the declared ``Content-Length``, so a body under the limit cannot grow beyond it.

Under ASGI (uvicorn, production) Django receives the whole body into a temporary file before any view
runs; :class:`UploadLimitASGIHandler` lets the bytes of a body declared larger than the limit pass by
unstored, so Django sees an empty body and the checks above answer 422 as usual.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.handlers.asgi import ASGIHandler
from django.utils.translation import gettext as _

from .errors import Forbidden, ValidationFailed

MB = 2**20


class UploadTooLarge(ValidationFailed):
    code = "upload_too_large"


def declared_size(request) -> int:
    """The body's size as the client declares it; Django reads no more than this."""
    try:
        return max(0, int(request.META.get("CONTENT_LENGTH") or 0))
    except ValueError:
        return 0


def refuse_upload(request, user, *, may_upload: Callable[[object], bool]) -> None:
    """Raise Forbidden when ``user`` may not upload here, UploadTooLarge when the body is over
    ``SHOUWANG_UPLOAD_MAX_MB``."""
    if not may_upload(user):
        raise Forbidden(_("Your role may not upload files here."))
    max_mb = settings.SHOUWANG_UPLOAD_MAX_MB
    if declared_size(request) > max_mb * MB:
        message = _("The file is larger than the %(limit)s MB allowed; split it into smaller files.") % {
            "limit": max_mb
        }
        raise UploadTooLarge(message, errors={"file": message})


class UploadLimitASGIHandler(ASGIHandler):
    """Django's ASGI handler, except that a body declared larger than ``SHOUWANG_UPLOAD_MAX_MB`` is
    received and dropped chunk by chunk instead of being kept in a temporary file."""

    async def handle(self, scope, receive, send):
        if scope["type"] == "http" and _declared_size_of(scope) > settings.SHOUWANG_UPLOAD_MAX_MB * MB:
            receive = _without_body(receive)
        await super().handle(scope, receive, send)


def _declared_size_of(scope) -> int:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            return int(value) if value.isdigit() else 0
    return 0


def _without_body(receive):
    async def receive_without_body():
        message = await receive()
        if message["type"] == "http.request":
            message = {**message, "body": b""}
        return message

    return receive_without_body
