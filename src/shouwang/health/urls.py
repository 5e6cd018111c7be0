from django.urls import path

from . import views

app_name = "health"

urlpatterns = [
    path("elders/<int:elder_id>/", views.elder_health, name="elder"),
    path("elders/<int:elder_id>/record/", views.record, name="record"),
    path("tasks/", views.care_tasks, name="tasks"),
    path("clients/", views.health_clients, name="clients"),
]
