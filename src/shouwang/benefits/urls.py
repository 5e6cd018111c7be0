from django.urls import path

from . import case_views, payment_views, statement_views, views

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
    path("cases/", case_views.case_list, name="cases"),
    path("cases/checks/", case_views.run_checks, name="case_checks"),
    path("cases/<int:case_id>/", case_views.case_detail, name="case"),
    path("cases/<int:case_id>/review/", case_views.case_review, name="case_review"),
    path("cases/<int:case_id>/close/", case_views.case_close, name="case_close"),
    path("statements/", statement_views.statement_list, name="statements"),
    path("statements/issue/", statement_views.statement_issue, name="statement_issue"),
    path("statements/<int:statement_id>/", statement_views.statement_detail, name="statement"),
    path("statements/<int:statement_id>/answer/", statement_views.statement_answer, name="statement_answer"),
    path(
        "statements/<int:statement_id>/resolve/", statement_views.statement_resolve, name="statement_resolve"
    ),
    path("statements/<int:statement_id>/export/", statement_views.statement_export, name="statement_export"),
    path("reconciliation/", statement_views.reconciliation_page, name="reconciliation"),
    path("reconciliation/export/", statement_views.reconciliation_export, name="reconciliation_export"),
    path("budgets/", statement_views.budget_list, name="budgets"),
    path("runs/<int:run_id>/export/", payment_views.run_export, name="run_export"),
    path("runs/<int:run_id>/payments/new/", payment_views.batch_create, name="batch_create"),
    path("runs/<int:run_id>/payments/reissue/", payment_views.batch_reissue, name="batch_reissue"),
    path("runs/<int:run_id>/payments/<int:number>/", payment_views.batch_detail, name="batch"),
    path("runs/<int:run_id>/payments/<int:number>/file/", payment_views.batch_file, name="batch_file"),
    path("runs/<int:run_id>/payments/<int:number>/return/", payment_views.batch_return, name="batch_return"),
]
