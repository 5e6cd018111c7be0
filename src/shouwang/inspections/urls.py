from django.urls import path

from . import views

app_name = "inspections"
urlpatterns = [
    path("", views.inspection_list, name="list"),
    path("<int:inspection_id>/", views.inspection_detail, name="detail"),
    path("findings/<int:finding_id>/<slug:action>/", views.finding_action, name="finding_action"),
    path("rounds/new/", views.plan_create, name="plan_create"),
    path("rounds/<int:round_id>/", views.plan_detail, name="plan"),
    path("rounds/<int:round_id>/publish/", views.plan_publish, name="plan_publish"),
    path("report/", views.report, name="report"),
]
