from django.urls import path

from . import views

app_name = "childcare"
urlpatterns = [
    path("", views.institution_list, name="list"),
    path("new/", views.institution_create, name="create"),
    path("<int:institution_id>/", views.institution_detail, name="detail"),
    path("<int:institution_id>/edit/", views.institution_edit, name="edit"),
    path("<int:institution_id>/decide/", views.institution_decide, name="decide"),
    path("<int:institution_id>/staff/", views.staff_add, name="staff_add"),
    path("<int:institution_id>/staff/<int:staff_id>/remove/", views.staff_remove, name="staff_remove"),
    path("indicators/", views.indicators, name="indicators"),
]
