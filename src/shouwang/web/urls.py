from django.urls import path

from . import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("home/alarms/", views.home_alarms, name="home_alarms"),
]
