from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("text-size/", views.text_size, name="text_size"),
    path("link/", views.link, name="link"),
    path("elders/<int:elder_id>/", views.elder, name="elder"),
    path("elders/<int:elder_id>/checkin/", views.checkin, name="checkin"),
    path("elders/<int:elder_id>/plan/", views.plan, name="plan"),
    path("elders/<int:elder_id>/services/", views.service_list, name="services"),
    path("elders/<int:elder_id>/services/<int:order_id>/", views.service, name="service"),
    path("elders/<int:elder_id>/services/<int:order_id>/complain/", views.complain, name="complain"),
    path("elders/<int:elder_id>/visits/<int:visit_id>/confirm/", views.confirm_visit, name="confirm_visit"),
    path("elders/<int:elder_id>/help/<int:help_id>/confirm/", views.confirm_help, name="confirm_help"),
    path("elders/<int:elder_id>/order/", views.order, name="order"),
    path("elders/<int:elder_id>/money/", views.money, name="money"),
    path("elders/<int:elder_id>/alarms/", views.alarms, name="alarms"),
    path("elders/<int:elder_id>/contacts/", views.contacts, name="contacts"),
    path("elders/<int:elder_id>/unlink/", views.unlink, name="unlink"),
    path("family/<int:elder_id>/", views.family_links, name="family_links"),
]
