from django.urls import path

from . import staff_views, views

app_name = "providers"
urlpatterns = [
    path("", views.provider_list, name="list"),
    path("new/", views.provider_new, name="create"),
    path("<int:provider_id>/", views.provider_detail, name="detail"),
    path("<int:provider_id>/staff/", staff_views.staff_list, name="staff_list"),
    path("<int:provider_id>/staff/new/", staff_views.staff_new, name="staff_create"),
    path("staff/<int:staff_id>/", staff_views.staff_detail, name="staff_detail"),
    path("staff/<int:staff_id>/edit/", staff_views.staff_edit, name="staff_edit"),
    path("staff/<int:staff_id>/<slug:action>/", staff_views.staff_action, name="staff_action"),
    path("<int:provider_id>/<slug:action>/", views.provider_action, name="action"),
]
