from django.urls import path

from . import views

app_name = "core"
urlpatterns = [
    path("", views.audit_list, name="audit"),
    path("messages/", views.failed_message_list, name="failed_messages"),
    path("messages/<int:message_id>/requeue/", views.requeue_message, name="requeue_message"),
]
