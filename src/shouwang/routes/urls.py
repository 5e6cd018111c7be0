from django.urls import path

from . import views

app_name = "routes"
urlpatterns = [
    path("", views.day_plan, name="day"),
    path("plan/", views.plan_day, name="plan"),
    path("<int:route_plan_id>/publish/", views.publish, name="publish"),
    path("<int:route_plan_id>/replan/", views.replan, name="replan"),
]
