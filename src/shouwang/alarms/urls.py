from django.urls import path  # noqa: F401

app_name = "alarms"

urlpatterns: list = []

# The live alarm console (console_views.py).
from . import console_views  # noqa: E402

urlpatterns += [
    path("console/", console_views.queue, name="console"),
    path("console/stream/", console_views.stream, name="console_stream"),
    path("console/<int:incident_id>/", console_views.incident, name="incident"),
    path("console/<int:incident_id>/panel/", console_views.panel, name="incident_panel"),
    path("console/<int:incident_id>/<slug:action>/", console_views.act, name="incident_action"),
]

# Alarm devices (device_views.py).
from . import device_views  # noqa: E402

urlpatterns += [
    path("devices/", device_views.device_list, name="devices"),
    path("devices/new/", device_views.device_register, name="device_register"),
    path("devices/bulk/", device_views.device_bulk, name="device_bulk"),
    path("devices/<str:device_id>/", device_views.device_detail, name="device_detail"),
    path("devices/<str:device_id>/<slug:action>/", device_views.device_action, name="device_action"),
]

# Answer times per team and month (console_views.report).
urlpatterns += [
    path("report/", console_views.report, name="report"),
]
