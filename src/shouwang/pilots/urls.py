from django.urls import path

from . import views

app_name = "pilots"
urlpatterns = [
    path("", views.pilot_list, name="list"),
    path("new/", views.pilot_create, name="create"),
    path("<int:pilot_id>/", views.pilot_detail, name="detail"),
    path("<int:pilot_id>/move/", views.pilot_move, name="move"),
    path("<int:pilot_id>/<slug:action>/", views.pilot_record, name="record"),
]
