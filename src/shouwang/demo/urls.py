from django.urls import path

from . import views

app_name = "demo"
urlpatterns = [
    path("sample-import.xlsx", views.sample_import, name="sample_import"),
    path("sample-roster.xlsx", views.sample_roster, name="sample_roster"),
]
