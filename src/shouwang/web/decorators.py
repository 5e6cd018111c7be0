"""Page access by role: the navigation and the views share one table (web.navigation)."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from shouwang.core.uploads import UploadTooLarge, refuse_upload

from .navigation import role_may_open


def console_page(url_name: str):
    """Login required, and the page must be in the user's navigation; the data inside is scoped anyway."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapper(request, *args, **kwargs):
            if not role_may_open(request.user, url_name):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def roles_page(roles):
    """Login required and one of ``roles`` (for pages reached from other pages rather than from the
    navigation); the data inside is scoped by the selectors anyway."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapper(request, *args, **kwargs):
            if request.user.effective_role not in roles:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def upload_page(url_name: str, *, may_upload):
    """A console page whose form posts a file. Before anything reads the body (the CSRF check would
    parse and store the file): the page's access, then ``may_upload`` (403), then the declared size —
    over the limit the view is called with ``refused`` set, shows the message without reading the
    form, and the answer is 422. Only then is the CSRF token checked and the view run."""

    def decorator(view):
        protected = csrf_protect(view)

        @csrf_exempt
        @console_page(url_name)
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method == "POST":
                try:
                    refuse_upload(request, request.user, may_upload=may_upload)
                except UploadTooLarge as error:
                    response = view(request, *args, refused=error, **kwargs)
                    response.status_code = 422
                    return response
            return protected(request, *args, **kwargs)

        return wrapper

    return decorator
