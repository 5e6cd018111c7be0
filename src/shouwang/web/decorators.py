"""Page access by role: the navigation and the views share one table (web.navigation)."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

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
