from django.urls import path

from . import views

app_name = "providers"
urlpatterns = [
    path("", views.provider_list, name="list"),
    path("new/", views.provider_new, name="create"),
    path("<int:provider_id>/", views.provider_detail, name="detail"),
    path("<int:provider_id>/<slug:action>/", views.provider_action, name="action"),
]
