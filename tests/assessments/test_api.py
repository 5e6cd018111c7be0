"""The stateless scoring endpoint and the item definitions."""

import json

import pytest

from tests.assessments.test_scoring import ISSUE_ITEMS, items_totalling

pytestmark = pytest.mark.django_db

SCORE_URL = "/api/v1/assessments/score"

ISSUE_BODY = {
    "items": ISSUE_ITEMS,
    "coma": False,
    "diagnoses": ["I10"],
    "risk_events_30d": {"fall": 0, "choking": 0, "self_harm": 0, "wandering": 0},
}

ISSUE_RESPONSE = {
    "dimension_scores": {"self_care": 32, "mobility": 15, "mental": 28, "perception": 15},
    "total": 90,
    "initial_level": 0,
    "final_level": 0,
    "level_name": "能力完好",
    "adjustments": [],
}


def _post(client, body):
    # Messages are checked in English (the msgids); Chinese translations are added separately.
    return client.post(
        SCORE_URL, data=json.dumps(body), content_type="application/json", headers={"accept-language": "en"}
    )


def test_the_issue_example(client, official):
    client.force_login(official)
    response = _post(client, ISSUE_BODY)
    assert response.status_code == 200
    body = response.json()
    assert {key: body[key] for key in ISSUE_RESPONSE} == ISSUE_RESPONSE
    assert body["level_name_en"] == "Intact"


def test_adjustments_are_described_in_both_languages(client, official):
    client.force_login(official)
    body = dict(ISSUE_BODY, items=items_totalling(70), diagnoses=["F03.9"], coma=False)
    result = _post(client, body).json()
    assert (result["initial_level"], result["final_level"]) == (1, 2)
    assert result["level_name"] == "中度受损（中度失能）"
    (adjustment,) = result["adjustments"]
    assert set(adjustment) == {"code", "description", "description_en"}
    assert adjustment["code"] == "mental_diagnosis" and "F03.9" in adjustment["description"]


def test_cumulative_follows_the_setting_and_the_body_overrides_it(client, official, settings):
    client.force_login(official)
    body = dict(ISSUE_BODY, diagnoses=["F20"], risk_events_30d={"fall": 1, "choking": 1})
    assert _post(client, body).json()["final_level"] == 1
    assert _post(client, dict(body, cumulative=True)).json()["final_level"] == 2
    settings.SHOUWANG_ASSESSMENT_CUMULATIVE_ADJUSTMENTS = True
    assert _post(client, body).json()["final_level"] == 2
    assert _post(client, dict(body, cumulative=False)).json()["final_level"] == 1


def test_coma(client, official):
    client.force_login(official)
    result = _post(client, dict(ISSUE_BODY, coma=True)).json()
    assert result["final_level"] == 4 and [a["code"] for a in result["adjustments"]] == ["coma"]
    assert result["level_name"] == "完全丧失（完全失能）"


def test_missing_and_unknown_keys_give_422_naming_them(client, official):
    client.force_login(official)
    items = {key: value for key, value in ISSUE_ITEMS.items() if key not in {"eating", "stairs"}}
    items["swimming"] = 2
    response = _post(client, dict(ISSUE_BODY, items=items))
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_item_scores"
    assert set(body["errors"]) == {"eating", "stairs", "swimming"}
    for key in ("eating", "stairs", "swimming"):
        assert key in body["message"]


def test_out_of_range_gives_422_naming_the_item_and_range(client, official):
    client.force_login(official)
    response = _post(client, dict(ISSUE_BODY, items=dict(ISSUE_ITEMS, stairs=4)))
    assert response.status_code == 422
    body = response.json()
    assert list(body["errors"]) == ["stairs"] and "0 to 3" in body["errors"]["stairs"]


def test_a_boolean_score_is_refused(client, official):
    client.force_login(official)
    response = _post(client, dict(ISSUE_BODY, items=dict(ISSUE_ITEMS, aggression=True)))
    assert response.status_code == 422
    assert "aggression" in response.json()["message"]


def test_unknown_risk_event_gives_422(client, official):
    client.force_login(official)
    response = _post(client, dict(ISSUE_BODY, risk_events_30d={"flood": 2}))
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["risk_events_30d.flood"]


def test_only_items_are_required(client, official):
    client.force_login(official)
    response = _post(client, {"items": ISSUE_ITEMS})
    assert response.status_code == 200 and response.json()["total"] == 90


def test_authentication_is_required(client):
    assert _post(client, ISSUE_BODY).status_code == 401
    assert client.get("/api/v1/assessments/items").status_code == 401


def test_items_lists_the_26_items_with_anchors_dimensions_and_levels(client, official):
    client.force_login(official)
    response = client.get("/api/v1/assessments/items")
    assert response.status_code == 200
    body = response.json()
    assert [item["key"] for item in body["items"]] == list(ISSUE_ITEMS)
    stairs = next(item for item in body["items"] if item["key"] == "stairs")
    assert (stairs["label"], stairs["min"], stairs["max"]) == ("上下楼梯", 0, 3)
    assert [anchor["score"] for anchor in stairs["anchors"]] == [3, 2, 1, 0]
    assert [(d["key"], d["max"]) for d in body["dimensions"]] == [
        ("self_care", 32),
        ("mobility", 15),
        ("mental", 28),
        ("perception", 15),
    ]
    assert [(lv["level"], lv["min_total"], lv["max_total"]) for lv in body["levels"]] == [
        (0, 90, 90),
        (1, 66, 89),
        (2, 46, 65),
        (3, 30, 45),
        (4, 0, 29),
    ]
    assert body["levels"][0]["name"] == "能力完好"
