"""The client address the login lockout and the audit log see is the one the web server passes on: taken
from X-Forwarded-For only when the request comes from a configured proxy (TRUSTED_PROXIES)."""

import pytest
from django.conf import settings
from django.utils.crypto import get_random_string
from django.utils.http import urlencode

from shouwang.core.models import AuditLog
from tests import served
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

SPOOFED = "203.0.113.99"


def log_in_through_the_server(username: str, password: str, *, peer: str, forwarded_for: str) -> int:
    """POST the login form to the served application from ``peer``; the response's status."""
    token = get_random_string(32)
    status, _ = served.request(
        "POST",
        "/accounts/login/",
        peer=peer,
        headers={
            "content-type": "application/x-www-form-urlencoded",
            "cookie": f"csrftoken={token}",
            "x-forwarded-for": forwarded_for,
        },
        body=urlencode({"username": username, "password": password, "csrfmiddlewaretoken": token}).encode(),
    )
    return status


def lock_out(username: str, peer: str) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in_through_the_server(username, "wrong-password", peer=peer, forwarded_for=peer)


def test_a_locked_out_user_with_a_spoofed_forwarded_for_stays_locked_out(official):
    lock_out("official", "127.0.0.1")
    status = log_in_through_the_server("official", PASSWORD, peer="127.0.0.1", forwarded_for=SPOOFED)
    assert status == 429
    assert not AuditLog.objects.filter(action="accounts.login").exists()


def test_behind_a_trusted_proxy_the_forwarded_address_is_the_clients(official, settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    lock_out("official", SPOOFED)
    assert log_in_through_the_server("official", PASSWORD, peer="127.0.0.1", forwarded_for=SPOOFED) == 429
    other_client = "198.51.100.4"
    assert (
        log_in_through_the_server("official", PASSWORD, peer="127.0.0.1", forwarded_for=other_client) == 302
    )
    assert AuditLog.objects.get(action="accounts.login").ip == other_client


def test_a_forwarded_for_from_an_untrusted_peer_is_ignored_even_when_proxies_are_set(official, settings):
    settings.TRUSTED_PROXIES = ["192.0.2.10"]
    lock_out("official", "127.0.0.1")
    assert log_in_through_the_server("official", PASSWORD, peer="127.0.0.1", forwarded_for=SPOOFED) == 429
