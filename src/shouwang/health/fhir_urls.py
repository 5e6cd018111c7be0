"""``/fhir/r4/``: the FHIR R4 server for health systems (bearer token per ``HealthClient``)."""

from django.urls import path

from . import fhir_views

app_name = "fhir"

urlpatterns = [
    path("metadata", fhir_views.metadata, name="metadata"),
    path("<str:kind>", fhir_views.search, name="search"),
    path("<str:kind>/<str:resource_id>", fhir_views.read, name="read"),
]
