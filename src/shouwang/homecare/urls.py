from django.urls import path

from . import views

app_name = "homecare"
urlpatterns = [
    path("", views.bed_list, name="beds"),
    path("beds/apply/", views.bed_apply, name="apply"),
    path("beds/<int:bed_id>/", views.bed_detail, name="bed"),
    path("beds/<int:bed_id>/<slug:action>/", views.bed_action, name="bed_action"),
    path("rentals/<int:rental_id>/return/", views.rental_return, name="rental_return"),
    path("ltc/", views.ltc_page, name="ltc"),
    path("ltc/batches/new/", views.batch_new, name="batch_new"),
    path("ltc/batches/<int:batch_id>/", views.batch_answer, name="batch"),
    path("ltc/batches/<int:batch_id>/file/", views.batch_file, name="batch_file"),
]
