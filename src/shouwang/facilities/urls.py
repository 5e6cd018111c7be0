from django.urls import path

from . import views

app_name = "facilities"
urlpatterns = [
    path("", views.facility_list, name="list"),
    path("new/", views.facility_create, name="create"),
    path("<int:facility_id>/", views.facility_detail, name="detail"),
    path("<int:facility_id>/edit/", views.facility_edit, name="edit"),
    path("<int:facility_id>/figures/", views.facility_figures, name="figures"),
    path("<int:facility_id>/meals/", views.facility_meals, name="meals"),
    path("<int:facility_id>/residents/", views.facility_move_in, name="move_in"),
    path("changes/", views.change_list, name="changes"),
    path("changes/<int:change_id>/decide/", views.change_decide, name="change_decide"),
    path("meals/flagged/", views.flagged_meals, name="flagged_meals"),
    path("contracts/", views.contract_list, name="contracts"),
    path("contracts/<int:contract_id>/report/", views.contract_report, name="contract_report"),
    path("circle/", views.circle, name="circle"),
    path("circle/export.xlsx", views.circle_export, name="circle_export"),
]
