"""The console under its Content-Security-Policy in a real browser: every page of the navigation of eight
roles, the pages behind them (an elder, an assessment report, an incident with its map, the API docs)
and the public pages carry the policy, and Chromium reports nothing it blocked (the `csp_violations`
fixture fails the test on any report)."""

import datetime as dt

import pytest
from django.utils import timezone

from shouwang.assessments.services import start_assessment
from shouwang.homecare.services import apply_for_bed
from shouwang.inspections.services import create_plan
from shouwang.pilots.services import apply
from shouwang.visits.activities import create_activity
from tests import factories
from tests.alarms.factories import DeviceFactory, IncidentFactory
from tests.childcare.conftest import institution
from tests.orders import factories as of

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

HOME = (43.8512, 126.5523)


PORTAL_TASKS = ("services", "order", "plan", "money", "alarms", "contacts", "unlink")


@pytest.fixture
def district(live_server, settings):
    """One district with users of eight roles, an elder with a home on the map, an open SOS and an
    assessment; map tiles from the live server itself, so the browser asks nothing of the internet."""
    settings.SHOUWANG_MAP_TILES_URL = f"{live_server.url}/static/tiles-for-the-test/{{z}}/{{x}}/{{y}}.png"
    factories.load_tree()
    official = factories.user("official", regions=(factories.DISTRICT,), username="official")
    worker = factories.user("community_worker", regions=(factories.COMMUNITY_A,), username="worker")
    provider = of.admitted_provider(official, factories.provider("甲服务商"))
    carer = of.caregiver(provider, name="王护理")
    users = {
        "admin": factories.user("admin", username="root"),
        "official": official,
        "operator": factories.user("operator", regions=(factories.DISTRICT,), username="operator"),
        "community_worker": worker,
        "assessor": factories.user("assessor", regions=(factories.DISTRICT,), username="assessor"),
        "provider_admin": factories.user("provider_admin", provider_id=provider.pk, username="padmin"),
        "caregiver": carer.user,
    }
    elder = factories.ElderFactory(name="张三丰", lat=HOME[0], lon=HOME[1])
    users["elder"] = of.family(elder, username="family")  # the family portal, its elder linked
    factories.contact(elder)
    incident = IncidentFactory(device=DeviceFactory(elder=elder))
    assessment = start_assessment(actor=worker, elder_id=elder.pk, assessor_id=users["assessor"].pk)
    activity = create_activity(
        actor=worker, community=factories.COMMUNITY_A, title="合唱", place="活动室", capacity=10,
        starts_at=timezone.now() + dt.timedelta(days=2),
    )  # fmt: skip
    bed = apply_for_bed(actor=official, elder_id=elder.pk, provider_id=provider.pk)
    nursery = institution(username="nursery", lat=HOME[0], lon=HOME[1], places_2_3=20)
    users["childcare_admin"] = nursery.account
    pilot = apply(
        actor=official, region_code=factories.STREET_A, title="试点", goals="目标",
        indicators=[{"name": "指标", "target": "1"}],
    )  # fmt: skip
    round_ = create_plan(
        actor=official, title="抽查", region_code=factories.DISTRICT, target_kind="childcare", sample_size=1,
        inspectors_per_target=1, due_on=timezone.localdate() + dt.timedelta(days=9),
    )  # fmt: skip
    inspection = round_.inspections.get()
    behind_the_navigation = {
        # The portal has no menu: its elder's page lists the portal's tasks.
        "elder": ["/portal/link/", f"/portal/elders/{elder.pk}/"]
        + [f"/portal/elders/{elder.pk}/{task}/" for task in PORTAL_TASKS],
        "official": [
            f"/elders/{elder.pk}/",
            "/api/v1/docs",
            f"/homecare/beds/{bed.pk}/",
            f"/childcare/{nursery.pk}/",
            f"/childcare/{nursery.pk}/edit/",
            "/childcare/new/",
            f"/pilots/{pilot.pk}/",
            "/pilots/new/",
            f"/inspections/rounds/{round_.pk}/",
            f"/inspections/{inspection.pk}/",
            "/inspections/rounds/new/",
            "/inspections/report/",
        ],
        "childcare_admin": [f"/childcare/{nursery.pk}/edit/", f"/inspections/{inspection.pk}/"],
        "community_worker": [
            f"/assessments/{assessment.pk}/report/",
            f"/visits/activities/{activity.pk}/",
            f"/visits/activities/{activity.pk}/edit/",
        ],
        "operator": [f"/alarms/console/{incident.pk}/"],
        "admin": ["/admin/"],
    }
    return users, behind_the_navigation


def visit(page, url: str) -> None:
    response = page.goto(url)
    assert response.ok, f"{url}: {response.status}"
    assert "default-src 'self'" in response.headers.get("content-security-policy", ""), url
    # Let what htmx loads on arrival (hx-trigger="load") come in before the page is left.
    page.wait_for_function("() => !document.querySelector('.htmx-request')")


def log_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", factories.PASSWORD)
    page.press("#id_password", "Enter")
    # Wherever the role lands (a family login on the portal): the login page is left once it succeeded.
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


@pytest.mark.parametrize(
    "role",
    [
        "admin",
        "official",
        "operator",
        "community_worker",
        "assessor",
        "provider_admin",
        "caregiver",
        "elder",
        "childcare_admin",
    ],
)
def test_every_page_of_a_role_runs_under_the_policy(live_server, browser, csp_violations, district, role):
    users, behind_the_navigation = district
    context = csp_violations.watch(browser.new_context(locale="zh-CN"))
    page = context.new_page()
    try:
        log_in(page, live_server.url, users[role].username)
        links = page.eval_on_selector_all("#app-nav a", "links => links.map(link => link.href)")
        assert len(links) >= 2 or role in ("elder", "childcare_admin")
        extra = behind_the_navigation.get(role, [])
        for url in [*links, *(live_server.url + path for path in extra)]:
            visit(page, url)
        if role == "operator":  # the incident page, last visited: its map drew its tiles
            page.wait_for_selector(".alarm-map .leaflet-tile", state="attached")
    finally:
        context.close()


def test_the_public_pages_run_under_the_policy(live_server, page):
    factories.load_tree()
    for path in (
        "/accounts/login/", "/public/providers/", "/public/providers/apply/", "/public/childcare/",
        "/public/pilots/", "/public/inspections/",
    ):  # fmt: skip
        visit(page, live_server.url + path)


def test_the_print_button_of_a_report_works_without_inline_script(live_server, page, district):
    users, behind_the_navigation = district
    log_in(page, live_server.url, users["community_worker"].username)
    page.add_init_script("window.print = () => { window.printed = true; }")
    visit(page, live_server.url + behind_the_navigation["community_worker"][0])
    page.click("[data-print]")
    assert page.evaluate("window.printed") is True


def test_a_blocked_inline_handler_is_reported(live_server, browser):
    """The watch itself: an inline handler and a style attribute put into a page are refused, and the
    refusals are what the `csp_violations` fixture collects."""
    from tests.e2e.conftest import CspViolations

    violations = CspViolations()
    context = violations.watch(browser.new_context())
    page = context.new_page()
    try:
        visit(page, f"{live_server.url}/accounts/login/")
        page.evaluate(
            """() => {
                document.body.insertAdjacentHTML('beforeend', '<p style="color: red">x</p>');
                const button = document.createElement('button');
                button.setAttribute('onclick', 'window.clicked = true');
                document.body.appendChild(button);
                button.click();
            }"""
        )
        for _ in range(100):  # the console reports arrive after the evaluation returns
            if len(violations) >= 2:
                break
            page.wait_for_timeout(20)
        assert page.evaluate("window.clicked") is None
        assert len(violations) >= 2
    finally:
        context.close()
