"""Officials manage users inside their region through the console."""

import pytest

from shouwang.accounts.models import User
from tests.factories import COMMUNITY_A, COMMUNITY_B, PASSWORD, STREET_A, user

pytestmark = pytest.mark.django_db


def test_official_creates_community_worker(client, official):
    client.force_login(official)
    response = client.post(
        "/accounts/users/new/",
        {
            "username": "newworker",
            "full_name": "新社工",
            "role": "community_worker",
            "region": COMMUNITY_A,
            "password": PASSWORD,
            "phone": "",
        },
    )
    assert response.status_code == 302
    assert User.objects.get(username="newworker").regions.get().code == COMMUNITY_A


def test_form_shows_service_error_in_chinese_and_saves_nothing(client, tree):
    street_official = user("official", regions=(STREET_A,))
    client.force_login(street_official)
    response = client.post(
        "/accounts/users/new/",
        {
            "username": "outsider",
            "role": "community_worker",
            "region": COMMUNITY_B,
            "password": PASSWORD,
        },
    )
    assert response.status_code == 200
    assert "只能管理本区域" in response.content.decode()
    assert not User.objects.filter(username="outsider").exists()


def test_edit_with_bad_password_keeps_old_values(client, official, worker_a):
    client.force_login(official)
    response = client.post(
        f"/accounts/users/{worker_a.pk}/",
        {
            "username": worker_a.username,
            "full_name": "改过的名字",
            "role": "community_worker",
            "region": COMMUNITY_A,
            "password": "123",
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    worker_a.refresh_from_db()
    assert worker_a.full_name != "改过的名字"


def test_region_picker_walks_down_the_tree(client, official):
    client.force_login(official)
    html = client.get("/regions/picker/", {"name": "region", "code": STREET_A}).content.decode()
    assert 'value="220202001000"' in html and "甲社区" in html
