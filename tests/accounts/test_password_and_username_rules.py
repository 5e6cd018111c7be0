"""One password policy and one username rule, whichever way an account is made: the console, the API and
createsuperuser."""

import json

import pytest
from django.core.management import CommandError, call_command

from shouwang.accounts.models import User
from shouwang.demo.loader import DEMO_PASSWORD
from tests import factories
from tests.factories import COMMUNITY_A, PASSWORD

pytestmark = pytest.mark.django_db

WEAK_PASSWORDS = {
    "eight spaces": " " * 8,
    "ten spaces": " " * 10,
    "the platform's name": "shouwang",
    "a name and two digits": "wangwei12",
    "one letter repeated": "a" * 12,
    "5,000 characters": "Correct-Horse-42" + "x" * 4984,
}


def _api_create(client, username: str, password: str):
    body = {"username": username, "password": password, "role": "community_worker"}
    body["region_codes"] = [COMMUNITY_A]
    return client.post("/api/v1/users", data=json.dumps(body), content_type="application/json")


@pytest.mark.parametrize("password", WEAK_PASSWORDS.values(), ids=WEAK_PASSWORDS.keys())
def test_api_refuses_a_weak_password_and_saves_nothing(client, official, password):
    client.force_login(official)
    response = _api_create(client, "newbie", password)
    assert response.status_code == 422
    assert factories.error_fields(response.json())["password"]
    assert not User.objects.filter(username="newbie").exists()


@pytest.mark.parametrize("password", WEAK_PASSWORDS.values(), ids=WEAK_PASSWORDS.keys())
def test_console_refuses_a_weak_password(client, official, password):
    client.force_login(official)
    form = {"username": "newbie", "role": "community_worker", "region": COMMUNITY_A, "password": password}
    response = client.post("/accounts/users/new/", form)
    assert response.status_code == 200
    assert not User.objects.filter(username="newbie").exists()


def test_console_refuses_a_weak_new_password_of_an_existing_user(client, official, worker_a):
    client.force_login(official)
    form = {"username": worker_a.username, "role": "community_worker", "region": COMMUNITY_A}
    response = client.post(
        f"/accounts/users/{worker_a.pk}/", {**form, "password": "wangwei12", "is_active": "on"}
    )
    assert response.status_code == 200
    worker_a.refresh_from_db()
    assert worker_a.check_password(PASSWORD)


def test_the_too_long_message_names_the_limit(client, official, english):
    client.force_login(official)
    message = factories.error_fields(_api_create(client, "newbie", "Correct-Horse-42" * 10).json())[
        "password"
    ]
    assert "at most 128 characters" in message


@pytest.mark.parametrize("password", [DEMO_PASSWORD, PASSWORD, "Correct-Horse-42" * 8])
def test_good_passwords_pass_the_api_and_the_console(client, official, password):
    client.force_login(official)
    assert _api_create(client, "newbie", password).status_code == 201
    form = {"username": "other", "role": "community_worker", "region": COMMUNITY_A, "password": password}
    assert client.post("/accounts/users/new/", form).status_code == 302
    assert User.objects.get(username="other").check_password(password)


def test_createsuperuser_refuses_a_weak_password_from_the_environment(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "shouwang")
    with pytest.raises(CommandError):
        call_command("createsuperuser", interactive=False, username="root2", email="")
    assert not User.objects.filter(username="root2").exists()
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", DEMO_PASSWORD)
    call_command("createsuperuser", interactive=False, username="root2", email="", verbosity=0)
    assert User.objects.get(username="root2").check_password(DEMO_PASSWORD)


BAD_USERNAMES = ["<b>x</b>", "a b", "x" * 151]


@pytest.mark.parametrize("username", [*BAD_USERNAMES, "name\x00"])
def test_api_refuses_the_usernames_the_console_refuses(client, official, username):
    client.force_login(official)
    response = _api_create(client, username, PASSWORD)
    assert response.status_code == 422
    assert factories.error_fields(response.json())["username"]

    form = {"username": username, "role": "community_worker", "region": COMMUNITY_A, "password": PASSWORD}
    assert client.post("/accounts/users/new/", form).status_code == 200
    assert User.objects.count() == 1


@pytest.mark.parametrize("username", BAD_USERNAMES)
def test_createsuperuser_refuses_them_with_the_same_validator(db, username, monkeypatch):
    # (Not a NUL: Django's createsuperuser looks the name up before checking it, which PostgreSQL refuses.)
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)
    with pytest.raises(CommandError):
        call_command("createsuperuser", interactive=False, username=username, email="")
    assert not User.objects.exists()


def test_a_chinese_username_is_allowed(client, official):
    client.force_login(official)
    assert _api_create(client, "王伟", PASSWORD).status_code == 201
