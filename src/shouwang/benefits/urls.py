from django.urls import path

from . import payment_views, views

app_name = "benefits"
urlpatterns = [
    path("", views.run_list, name="runs"),
    path("runs/new/", views.run_start, name="run_start"),
    path("runs/<int:run_id>/", views.run_detail, name="run"),
    path("runs/<int:run_id>/review/", views.run_review, name="run_review"),
    path("runs/<int:run_id>/return/", views.run_return, name="run_return"),
    path("policies/", views.policy_list, name="policies"),
    path("policies/<int:policy_id>/", views.policy_detail, name="policy"),
    path("ledger/", views.trial_balance, name="ledger"),
    path("runs/<int:run_id>/export/", payment_views.run_export, name="run_export"),
    path("runs/<int:run_id>/payments/new/", payment_views.batch_create, name="batch_create"),
    path("runs/<int:run_id>/payments/reissue/", payment_views.batch_reissue, name="batch_reissue"),
    path("runs/<int:run_id>/payments/<int:number>/", payment_views.batch_detail, name="batch"),
    path("runs/<int:run_id>/payments/<int:number>/file/", payment_views.batch_file, name="batch_file"),
    path("runs/<int:run_id>/payments/<int:number>/return/", payment_views.batch_return, name="batch_return"),
]
