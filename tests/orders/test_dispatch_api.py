"""The candidates and dispatch endpoints, and the operator's candidates panel in the console."""

import pytest

from shouwang.orders.models import OrderState
from shouwang.providers import evaluation
from tests import factories
from tests.orders import factories as of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def order(elder_a):
    return of.OrderFactory(elder=elder_a, items=["cleaning"], lat=43.85, lon=126.55)


@pytest.fixture
def two_providers(admitted_a, admitted_b, carer_a, carer_b):
    return admitted_a, admitted_b


def test_candidates_are_ranked_with_caregivers_and_the_score_breakdown(
    client, operator, order, two_providers
):
    client.force_login(operator)

    body = client.get(f"/api/v1/orders/{order.pk}/candidates").json()

    assert [c["provider_name"] for c in body["candidates"]] == ["甲服务商", "乙服务商"]
    assert body["eligible_count"] == 2
    top = body["candidates"][0]
    assert set(top["factors"]) == {"distance", "continuity", "rating", "load", "price", "skill"}
    assert top["factors"]["distance"] == {
        "value": 0.0,
        "points": 25.0,
        "why": "0.0 km from the provider's base.",
    }
    assert top["caregivers"][0]["name"] == "王护理"
    assert set(top["caregivers"][0]["factors"]) == {"continuity", "distance", "load"}
    assert top["prices"] == {"cleaning": 4000} and top["total_fen"] == 4000
    assert body["weights"]["distance"] == 25


def test_candidates_explain_lists_the_excluded_with_reasons(client, official, operator, order, two_providers):
    evaluation.add_to_list(actor=official, provider_id=two_providers[1].pk, kind="black", reason="虚报")
    client.force_login(operator)

    body = client.get(f"/api/v1/orders/{order.pk}/candidates?explain=true").json()

    assert [c["provider_name"] for c in body["candidates"]] == ["甲服务商"]
    assert body["excluded"] == [
        {
            "provider_id": two_providers[1].pk,
            "provider_name": "乙服务商",
            "reason": "It is on the black list.",
        }
    ]


def test_an_operator_from_another_district_gets_404(client, tree, order, two_providers):
    elsewhere = factories.user("operator", regions=(factories.COMMUNITY_B,))
    client.force_login(elsewhere)

    assert client.get(f"/api/v1/orders/{order.pk}/candidates").status_code == 404
    response = client.post(f"/api/v1/orders/{order.pk}/dispatch", {}, content_type="application/json")
    assert response.status_code == 404
    order.refresh_from_db()
    assert order.state == OrderState.CREATED


def test_a_provider_admin_gets_403(client, provider_admin_a, order, two_providers):
    client.force_login(provider_admin_a)

    response = client.get(f"/api/v1/orders/{order.pk}/candidates")
    assert response.status_code == 403 and response.json()["code"] == "forbidden"


def test_dispatch_to_a_chosen_provider(client, operator, order, two_providers):
    client.force_login(operator)

    response = client.post(
        f"/api/v1/orders/{order.pk}/dispatch",
        {"provider_id": two_providers[1].pk, "reason": "老人点名"},
        content_type="application/json",
    )

    body = response.json()
    assert response.status_code == 200
    assert body["state"] == "dispatched" and body["dispatched"] is True
    assert body["provider_name"] == "乙服务商" and body["message"] == "老人点名"
    assert body["respond_by"]


def test_auto_dispatch_through_the_api(client, operator, order, two_providers):
    client.force_login(operator)

    body = client.post(f"/api/v1/orders/{order.pk}/dispatch", {}, content_type="application/json").json()

    assert body["dispatched"] is True and body["provider_name"] == "甲服务商"
    assert "top of the shortlist" in body["message"]


def test_auto_dispatch_with_nobody_says_why(client, operator, order, admitted_a):
    client.force_login(operator)

    body = client.post(f"/api/v1/orders/{order.pk}/dispatch", {}, content_type="application/json").json()

    assert body["dispatched"] is False and body["state"] == "created"
    assert "No provider may take this order now" in body["message"]


def test_dispatch_refusals_are_422_and_409(client, official, operator, elder_a, order, two_providers):
    evaluation.add_to_list(actor=official, provider_id=two_providers[0].pk, kind="black", reason="虚报")
    client.force_login(operator)

    refused = client.post(
        f"/api/v1/orders/{order.pk}/dispatch",
        {"provider_id": two_providers[0].pk},
        content_type="application/json",
    )
    assert refused.status_code == 422
    assert refused.json()["code"] == "not_on_shortlist"
    assert refused.json()["message"] == "甲服务商 cannot take this order: It is on the black list."

    accepted = of.OrderFactory(elder=elder_a, state=OrderState.ACCEPTED, provider=two_providers[1])
    conflict = client.post(
        f"/api/v1/orders/{accepted.pk}/dispatch",
        {"provider_id": two_providers[1].pk},
        content_type="application/json",
    )
    assert conflict.status_code == 409 and conflict.json()["code"] == "illegal_transition"


# --- the console panel --------------------------------------------------------------------------------


def test_the_panel_lists_candidates_with_factors_and_buttons(client, operator, order, two_providers):
    client.force_login(operator)

    page = client.get(f"/orders/{order.pk}/candidates/").content.decode()

    assert "甲服务商" in page and "乙服务商" in page and "王护理" in page
    assert "km from" in page
    assert page.count('name="provider_id"') == 2
    assert "Auto-dispatch" in page


def test_the_panel_dispatches_to_the_chosen_row(client, operator, order, two_providers):
    client.force_login(operator)

    response = client.post(
        f"/orders/{order.pk}/dispatch/", {"provider_id": two_providers[1].pk}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200 and response.headers.get("HX-Refresh") == "true"
    order.refresh_from_db()
    assert order.state == OrderState.DISPATCHED and order.provider_id == two_providers[1].pk


def test_the_panel_shows_a_refusal_and_changes_nothing(client, official, operator, order, two_providers):
    evaluation.add_to_list(actor=official, provider_id=two_providers[0].pk, kind="black", reason="虚报")
    client.force_login(operator)

    response = client.post(
        f"/orders/{order.pk}/dispatch/", {"provider_id": two_providers[0].pk}, HTTP_HX_REQUEST="true"
    )

    assert "It is on the black list." in response.content.decode()
    order.refresh_from_db()
    assert order.state == OrderState.CREATED


def test_the_panel_auto_dispatch_with_nobody_shows_why(client, operator, order, admitted_a):
    client.force_login(operator)

    response = client.post(f"/orders/{order.pk}/dispatch/", {}, HTTP_HX_REQUEST="true")

    page = response.content.decode()
    assert "No provider may take this order now" in page
    assert "nobody to dispatch to" in page  # the dispatch history keeps the attempt


def test_the_panel_is_404_out_of_scope_and_403_for_providers(client, tree, provider_admin_a, order):
    client.force_login(factories.user("operator", regions=(factories.COMMUNITY_B,)))
    assert client.get(f"/orders/{order.pk}/candidates/").status_code == 404
    client.force_login(provider_admin_a)
    assert client.get(f"/orders/{order.pk}/candidates/").status_code == 403


def test_the_panel_include_loads_the_candidates_for_dispatchers_only(operator, provider_admin_a, order):
    from django.template.loader import render_to_string

    for_operator = render_to_string("orders/dispatch/_panel.html", {"order": order, "user": operator})
    assert f'hx-get="/orders/{order.pk}/candidates/"' in for_operator
    assert (
        render_to_string("orders/dispatch/_panel.html", {"order": order, "user": provider_admin_a}).strip()
        == ""
    )


def test_without_htmx_the_outcome_is_a_message_on_the_order_page(
    client, official, operator, order, two_providers
):
    evaluation.add_to_list(actor=official, provider_id=two_providers[0].pk, kind="black", reason="虚报")
    client.force_login(operator)

    refused = client.post(f"/orders/{order.pk}/dispatch/", {"provider_id": two_providers[0].pk})
    assert refused.status_code == 302 and refused.url == f"/orders/{order.pk}/"
    done = client.post(f"/orders/{order.pk}/dispatch/", {"provider_id": two_providers[1].pk}, follow=True)

    page = done.content.decode()
    assert "It is on the black list." in page and "Dispatched to 乙服务商." in page
