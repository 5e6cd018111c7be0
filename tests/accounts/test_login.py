"""Login with argon2, lockout after repeated failures, session expiry, bearer tokens."""

import pytest
from django.conf import settings

from shouwang.accounts.services import create_api_token, revoke_api_token
from shouwang.core.actors import SYSTEM
from shouwang.core.models import AuditLog
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def login(client, username, password):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_login_then_home(client, official):
    response = login(client, "official", PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200
    assert AuditLog.objects.filter(action="accounts.login", actor=official).exists()


def test_wrong_password_shows_plain_message(client, official):
    response = login(client, "official", "wrong-password")
    assert response.status_code == 200
    assert "用户名或密码" in response.content.decode()
    assert AuditLog.objects.filter(action="accounts.login_failed", object_repr="official").exists()


def test_repeated_failures_lock_the_account_even_for_the_right_password(client, official):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "official", "wrong-password")
    response = login(client, "official", PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.fixture
def address_limit(settings):
    """A small address limit keeps these tests quick (every failure hashes a password); still above
    LOGIN_FAILURE_LIMIT, as in production."""
    settings.SHOUWANG_LOGIN_ADDRESS_FAILURE_LIMIT = settings.AXES_FAILURE_LIMIT + 3
    return settings.SHOUWANG_LOGIN_ADDRESS_FAILURE_LIMIT


def test_the_address_limit_is_above_the_username_limit():
    assert settings.SHOUWANG_LOGIN_ADDRESS_FAILURE_LIMIT > settings.AXES_FAILURE_LIMIT


def test_one_password_sprayed_over_many_usernames_locks_the_address(client, official, address_limit):
    sprayer, elsewhere = "198.51.100.7", "203.0.113.20"
    for n in range(address_limit):
        client.post(
            "/accounts/login/", {"username": f"user{n}", "password": "Summer-2026"}, REMOTE_ADDR=sprayer
        )
    response = client.post(
        "/accounts/login/", {"username": "official", "password": PASSWORD}, REMOTE_ADDR=sprayer
    )
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    response = client.post(
        "/accounts/login/", {"username": "official", "password": PASSWORD}, REMOTE_ADDR=elsewhere
    )
    assert response.status_code == 302


def test_logging_into_an_account_of_ones_own_does_not_clear_the_address(
    client, official, worker_a, address_limit
):
    for n in range(address_limit - 1):
        login(client, f"user{n}", "Summer-2026")
    assert login(client, "official", PASSWORD).status_code == 302
    client.post("/accounts/logout/")
    login(client, "user-last", "Summer-2026")
    assert login(client, "worker_a", PASSWORD).status_code == 429


def test_an_office_behind_one_address_is_not_locked_by_a_few_typos(client, official, address_limit):
    """Below the address limit, several people's wrong passwords at one address lock nobody else."""
    for n in range(address_limit - 1):
        login(client, f"colleague{n % 4}", "wrong-password")
    assert login(client, "official", PASSWORD).status_code == 302


def test_idle_sessions_expire(official):
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    assert 0 < settings.SESSION_COOKIE_AGE <= 12 * 3600


def test_logout_requires_post_and_ends_session(client, official):
    client.force_login(official)
    client.post("/accounts/logout/")
    assert client.get("/").status_code == 302


def test_bearer_token_authenticates_api(client, official):
    _, raw = create_api_token(actor=SYSTEM, user=official, name="test")
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 200
    assert response.json()["username"] == "official"
    assert response.json()["scope"]["region_prefixes"] == ["220202"]


def test_revoked_or_bad_token_is_refused(client, official):
    token, raw = create_api_token(actor=SYSTEM, user=official, name="test")
    revoke_api_token(actor=official, token_id=token.pk)
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 401
    assert response.json() == {"code": "unauthenticated", "message": response.json()["message"]}
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer nonsense"}).status_code == 401


def test_api_without_credentials_is_401(client, tree):
    assert client.get("/api/v1/elders").status_code == 401


def test_token_cli_prints_a_working_token(client, official, capsys):
    from django.core.management import call_command

    call_command("token", "create", "--username", "official")
    raw = capsys.readouterr().out.strip()
    assert (
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}).json()["username"] == "official"
    )


def test_token_cli_revoke_ends_access(client, official, capsys):
    from django.core.management import call_command

    from shouwang.accounts.models import ApiToken

    call_command("token", "create", "--username", "official")
    raw = capsys.readouterr().out.strip()
    call_command("token", "revoke", "--id", str(ApiToken.objects.get().pk))
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}).status_code == 401
