"""Security headers: the Content-Security-Policy on every page, HSTS when configured and only on HTTPS."""

import runpy

import pytest

import shouwang.settings
from tests import served

HSTS = "strict-transport-security"


def settings_under(monkeypatch, **environment) -> dict:
    """The settings module as it reads with these environment variables (and no others of ours)."""
    for name in ("HSTS_SECONDS", "HSTS_INCLUDE_SUBDOMAINS", "HSTS_PRELOAD", "MAP_TILES_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(shouwang.settings.__file__)


def test_hsts_is_off_by_default_for_the_embedded_http_server(monkeypatch):
    assert settings_under(monkeypatch)["SECURE_HSTS_SECONDS"] == 0


def test_hsts_comes_from_the_environment(monkeypatch):
    configured = settings_under(
        monkeypatch, HSTS_SECONDS="31536000", HSTS_INCLUDE_SUBDOMAINS="true", HSTS_PRELOAD="yes"
    )
    assert configured["SECURE_HSTS_SECONDS"] == 31536000
    assert configured["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert configured["SECURE_HSTS_PRELOAD"] is True


@pytest.mark.django_db(transaction=True)
def test_behind_a_trusted_tls_proxy_https_requests_get_hsts(settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    status, headers = served.request(
        "GET", "/healthz", peer="127.0.0.1", headers={"x-forwarded-proto": "https"}
    )
    assert status == 200
    assert headers[HSTS] == "max-age=31536000"
    _, headers = served.request("GET", "/healthz", peer="127.0.0.1")
    assert HSTS not in headers  # plain http: the browser would ignore it, Django does not send it


@pytest.mark.django_db(transaction=True)
def test_a_forwarded_https_from_an_untrusted_peer_is_not_believed(settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    _, headers = served.request("GET", "/healthz", peer="127.0.0.1", headers={"x-forwarded-proto": "https"})
    assert HSTS not in headers


def test_the_map_tile_server_is_an_image_source(monkeypatch):
    def image_sources(url: str) -> list[str]:
        policy = settings_under(monkeypatch, MAP_TILES_URL=url)["CONTENT_SECURITY_POLICY"]
        return policy["DIRECTIVES"]["img-src"]

    assert "https://tile.openstreetmap.org" in image_sources("https://tile.openstreetmap.org/{z}/{x}/{y}.png")
    assert "http://*.tiles.intranet.gov.cn:8080" in image_sources(
        "http://{s}.tiles.intranet.gov.cn:8080/{z}/{x}/{y}.png"
    )
    assert image_sources("") == ["'self'", "data:"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/accounts/login/", "/", "/public/providers/"])
def test_pages_carry_a_policy_without_inline_script_or_style(client, official, path):
    client.force_login(official)
    policy = client.get(path)["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in policy
