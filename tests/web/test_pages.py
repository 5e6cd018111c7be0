"""The console shell: a home page per role, Chinese by default, English on request, friendly errors."""

import pytest
from django.contrib.staticfiles import finders

from shouwang.accounts.models import Role
from tests.factories import COMMUNITY_A, DISTRICT, user

pytestmark = pytest.mark.django_db

ROLE_SETUPS = {
    Role.ADMIN: {},
    Role.OFFICIAL: {"regions": (DISTRICT,)},
    Role.COMMUNITY_WORKER: {"regions": (COMMUNITY_A,)},
    Role.ASSESSOR: {"regions": (DISTRICT,)},
    Role.OPERATOR: {"regions": (DISTRICT,)},
    Role.VOLUNTEER: {"regions": (COMMUNITY_A,)},
    Role.ELDER: {"regions": (COMMUNITY_A,)},
}


@pytest.mark.parametrize("role", list(ROLE_SETUPS))
def test_every_role_has_a_home_page_in_chinese(client, tree, role):
    client.force_login(user(role, **ROLE_SETUPS[role]))
    response = client.get("/", follow=True)  # an elder or family login lands on its portal
    page = response.content.decode()
    assert response.status_code == 200
    assert 'lang="zh-CN"' in page and "退出登录" in page
    assert ("我的家人" if role == Role.ELDER else "首页") in page


def test_provider_roles_have_home_pages(client, provider_admin_a):
    caregiver = user("caregiver", provider_id=provider_admin_a.provider_id)
    client.force_login(provider_admin_a)
    assert "甲服务商" in client.get("/").content.decode()
    client.force_login(caregiver)
    assert client.get("/").status_code == 200


def test_navigation_follows_role(client, official, worker_a):
    client.force_login(official)
    assert "审计日志" in client.get("/").content.decode()
    client.force_login(worker_a)
    page = client.get("/").content.decode()
    assert "审计日志" not in page and "/accounts/users/" not in page


def test_switch_to_english(client, official):
    client.force_login(official)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/").content.decode()
    assert 'lang="en"' in page and "Log out" in page


def test_friendly_404_in_chinese(client, official):
    client.force_login(official)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "返回首页" in response.content.decode()


def test_friendly_403_for_wrong_role(client, worker_a):
    client.force_login(worker_a)
    response = client.get("/audit/")
    assert response.status_code == 403
    assert "返回首页" in response.content.decode()


def test_anonymous_is_sent_to_login(client, tree):
    response = client.get("/elders/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_healthz_checks_database(client, db):
    assert client.get("/healthz").json() == {
        "status": "ok",
        "database": "ok",
        "messages": {"failed": 0, "stalled": 0},
    }


def test_static_assets_come_from_packages(client, db):
    # htmx is shipped by django-htmx, our CSS by the web app: no CDN anywhere in the shell.
    client.force_login(user("admin"))
    page = client.get("/").content.decode()
    assert "/static/django_htmx/" in page and "/static/web/shouwang.css" in page
    assert "http://" not in page.replace("http://testserver", "") and "https://" not in page


def test_the_favicon_is_served_from_our_own_static_files(client, official):
    client.force_login(official)

    page = client.get("/").content.decode()
    icon = client.get("/favicon.ico")

    assert 'rel="icon" href="/static/web/favicon.svg"' in page
    assert icon.status_code == 301 and icon["Location"] == "/static/web/favicon.svg"
    assert finders.find("web/favicon.svg")
