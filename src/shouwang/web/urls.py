from django.http import HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import path

from . import views

app_name = "web"


def favicon(request):
    """Browsers ask for /favicon.ico whatever the page says: the icon is our own static file."""
    return HttpResponsePermanentRedirect(static("web/favicon.svg"))


urlpatterns = [
    path("", views.home, name="home"),
    path("home/alarms/", views.home_alarms, name="home_alarms"),
    path("favicon.ico", favicon, name="favicon"),
]
