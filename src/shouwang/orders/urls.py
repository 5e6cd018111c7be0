from django.urls import path

from . import evv_views, views

app_name = "orders"

urlpatterns: list = [
    # The orders core: desk, boards, an order's page and its steps, complaints.
    path("desk/", views.desk, name="desk"),
    path("desk/elders/", views.desk_elders, name="desk_elders"),
    path("", views.board, name="board"),
    path("board/table/", views.board_table, name="board_table"),
    path("provider/", views.provider_board, name="provider_board"),
    path("provider/table/", views.provider_board_table, name="provider_board_table"),
    path("<int:order_id>/", views.detail, name="detail"),
    path("<int:order_id>/do/<slug:name>/", views.action, name="action"),
    path("complaints/", views.complaint_list, name="complaints"),
    path("complaints/<int:complaint_id>/", views.complaint_detail, name="complaint"),
    path("complaints/<int:complaint_id>/<slug:name>/", views.complaint_action, name="complaint_action"),
]

# Visit verification (EVV): the caregiver's phone pages, the exceptions queue and corrections.
urlpatterns += [
    path("visits/", evv_views.my_visits, name="my_visits"),
    path("visits/<int:order_id>/", evv_views.visit, name="visit"),
    path("visits/<int:order_id>/check-in/", evv_views.check_in, name="visit_check_in"),
    path("visits/<int:order_id>/check-out/", evv_views.check_out, name="visit_check_out"),
    path("visits/<int:order_id>/sign/", evv_views.sign, name="visit_sign"),
    path("visits/<int:order_id>/send-code/", evv_views.send_code, name="visit_send_code"),
    path("visits/<int:order_id>/code/", evv_views.enter_code, name="visit_code"),
    path("visits/<int:order_id>/correction/", evv_views.request_correction, name="visit_correction"),
    path("<int:order_id>/callback/", evv_views.confirm_callback, name="confirm_callback"),
    path("exceptions/", evv_views.exceptions, name="exceptions"),
    path("exceptions/<int:exception_id>/resolve/", evv_views.resolve_exception, name="exception_resolve"),
    path("corrections/", evv_views.corrections, name="corrections"),
    path("corrections/<int:correction_id>/decide/", evv_views.decide_correction, name="correction_decide"),
]

# Matching and dispatch: the candidates panel of an order's page and its buttons.
from . import dispatch_views  # noqa: E402

urlpatterns += [
    path("<int:order_id>/candidates/", dispatch_views.candidates, name="candidates"),
    path("<int:order_id>/dispatch/", dispatch_views.dispatch, name="dispatch"),
]
