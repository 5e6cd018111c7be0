import uuid

from django.core.exceptions import PermissionDenied
from django.http import Http404

from .context import RequestInfo, reset_request_info, set_request_info
from .errors import Forbidden, NotFound


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
