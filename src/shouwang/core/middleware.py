import uuid

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import Http404

from .context import RequestInfo, reset_request_info, set_request_info
from .errors import Forbidden, NotFound
from .schemas import NUL


class NulCharacter(SuspiciousOperation):
    """A console request carrying a NUL character, which no text column can store (PostgreSQL refuses it
    with a server error): answered 400 (``web.views.bad_request``) before any view reads it."""


class NulCharacterMiddleware:
    """Console pages read some filters and fields straight from ``request.GET``/``POST``, and Django's form
    fields refuse NUL only in forms; this refuses it in every console request at once. The API refuses it
    per field with a 422 from its schemas (``core.schemas``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith("/api/"):
            # A form's fields, not an upload's: reading a multipart body here would parse the file before
            # the view could refuse it (or choose how to receive it); upload forms check their fields.
            sources = [request.GET]
            if request.content_type == "application/x-www-form-urlencoded":
                sources.append(request.POST)
            for data in sources:
                for key, values in data.lists():
                    if NUL in key or any(NUL in value for value in values):
                        raise NulCharacter("NUL character in a console request")
        return self.get_response(request)


class RequestContextMiddleware:
    """Remember the client address and a request id for the audit log of this request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        channel = "api" if request.path.startswith("/api/") else "web"
        info = RequestInfo(
            ip=request.META.get("REMOTE_ADDR", ""), request_id=uuid.uuid4().hex[:16], channel=channel
        )
        token = set_request_info(info)
        try:
            return self.get_response(request)
        finally:
            reset_request_info(token)


class DomainErrorMiddleware:
    """Console pages: a NotFound from a selector is a 404 page, a Forbidden a 403 page.

    (The API maps domain errors to JSON itself, in ``core.api``.)
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, NotFound):
            raise Http404(exception.message) from exception
        if isinstance(exception, Forbidden):
            raise PermissionDenied(exception.message) from exception
        return None
