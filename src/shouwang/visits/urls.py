from django.urls import path

from . import help_views, views

app_name = "visits"

urlpatterns = [
    path("", views.task_list, name="list"),
    path("<int:visit_id>/", views.task_detail, name="task"),
    path("<int:visit_id>/follow-up/<slug:name>/", views.follow_up, name="follow_up"),
    path("rules/", views.rule_list, name="rules"),
    path("rules/new/", views.rule_edit, name="rule_new"),
    path("rules/<int:rule_id>/", views.rule_edit, name="rule"),
    path("coverage/", views.coverage_report, name="coverage"),
    path("volunteers/", views.volunteer_list, name="volunteers"),
    path("volunteers/<int:volunteer_id>/", views.volunteer_detail, name="volunteer"),
    path("activities/", views.activity_list, name="activities"),
    path("activities/<int:activity_id>/", views.activity_detail, name="activity"),
    path("help/", help_views.help_list, name="help"),
    path("help/<int:help_id>/", help_views.help_task, name="help_task"),
    path("activities/<int:activity_id>/edit/", views.activity_edit, name="activity_edit"),
    path("activities/<int:activity_id>/cancel/", views.activity_cancel, name="activity_cancel"),
    path("activities/<int:activity_id>/sign-up/", views.activity_sign_up, name="activity_sign_up"),
    path(
        "activities/<int:activity_id>/signups/<int:signup_id>/cancel/",
        views.signup_cancel,
        name="signup_cancel",
    ),
    path("activities/<int:activity_id>/attendance/", views.activity_attendance, name="activity_attendance"),
    path("referrals/", views.referral_list, name="referrals"),
    path("referrals/<int:referral_id>/", views.referral_detail, name="referral"),
]
