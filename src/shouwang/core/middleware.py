import uuid

from .context import RequestInfo, reset_request_info, set_request_info


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
