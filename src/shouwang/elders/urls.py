from django.urls import path

from . import views

app_name = "elders"
urlpatterns = [
    path("", views.elder_list, name="list"),
    path("new/", views.elder_create, name="create"),
    path("import/", views.import_page, name="import"),
    path("import/template/", views.import_template, name="import_template"),
    path("export/", views.export_start, name="export"),
    path("jobs/<int:job_id>/", views.job_detail, name="job"),
    path("jobs/<int:job_id>/file/", views.job_file, name="job_file"),
    path("<int:elder_id>/", views.elder_detail, name="detail"),
    path("<int:elder_id>/edit/", views.elder_edit, name="edit"),
    path("<int:elder_id>/events/", views.elder_event, name="event"),
    path("<int:elder_id>/reveal/", views.elder_reveal, name="reveal"),
    path("<int:elder_id>/payment-account/", views.elder_payment_account, name="payment_account"),
]
