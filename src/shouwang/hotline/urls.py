from django.urls import path

from . import views

app_name = "hotline"

urlpatterns: list = [
    path("", views.desk, name="desk"),
    path("record/", views.record, name="record"),
    path("knowledge/search/", views.knowledge_search, name="knowledge_search"),
    path("calls/", views.call_list, name="calls"),
    path("calls/<int:call_id>/", views.call_detail, name="call"),
    path("calls/<int:call_id>/order/", views.call_order, name="call_order"),
    path("calls/<int:call_id>/complaint/", views.call_complaint, name="call_complaint"),
    path("calls/<int:call_id>/confirm/", views.call_confirm, name="call_confirm"),
    path("calls/<int:call_id>/checkin/", views.call_checkin, name="call_checkin"),
    path("callbacks/", views.call_backs, name="call_backs"),
    path("callbacks/<int:call_back_id>/close/", views.call_back_close, name="call_back_close"),
    path("care/", views.care, name="care"),
    path("care/make/", views.care_make, name="care_make"),
    path("care/<int:care_call_id>/done/", views.care_done, name="care_done"),
    path("knowledge/", views.knowledge, name="knowledge"),
    path("knowledge/new/", views.article_edit, name="article_new"),
    path("knowledge/<int:article_id>/", views.article_edit, name="article_edit"),
    path("knowledge/<int:article_id>/retire/", views.article_retire, name="article_retire"),
    path("stats/", views.stats, name="stats"),
]
