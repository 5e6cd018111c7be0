from django.urls import path

from . import views

app_name = "assessments"
urlpatterns = [
    path("", views.assessment_list, name="list"),
    path("legacy/", views.legacy_import, name="legacy"),
    path("elder/<int:elder_id>/start/", views.start, name="start"),
    path("elder/<int:elder_id>/assign/", views.assign, name="assign"),
    path("elder/<int:elder_id>/care-plan/", views.plan_new, name="plan_new"),
    path("<int:assessment_id>/", views.detail, name="detail"),
    path("<int:assessment_id>/step/<int:step>/", views.step, name="step"),
    path("<int:assessment_id>/review/", views.review, name="review"),
    path("<int:assessment_id>/assign/", views.assign_form, name="assign_form"),
    path("<int:assessment_id>/discard/", views.discard, name="discard"),
    path("<int:assessment_id>/report/", views.report, name="report"),
    path("care-plans/<int:plan_id>/", views.plan, name="plan"),
]
