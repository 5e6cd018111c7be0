from django.urls import path

from . import views

app_name = "elders"
urlpatterns = [
    path("", views.elder_list, name="list"),
    path("<int:elder_id>/", views.elder_detail, name="detail"),
    path("<int:elder_id>/reveal/", views.elder_reveal, name="reveal"),
]
