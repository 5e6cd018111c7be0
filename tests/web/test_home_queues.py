"""The home page's work queues (web.queues): each role sees its own queue first, with links to the items,
only the items of its own community or provider, and a plain sentence when nothing waits."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shouwang.assessments.services import start_assessment
from shouwang.benefits import services as benefits
from shouwang.core.actors import SYSTEM
from shouwang.orders.models import OrderState
from shouwang.regions.services import load_regions
from tests import factories
from tests.alarms.factories import IncidentFactory
from tests.benefits import factories as bf
from tests.orders import factories as of

pytestmark = pytest.mark.django_db


def home(client, user) -> str:
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def today_at(hhmm: str) -> dt.datetime:
    return of.local(timezone.localdate(), hhmm)


# --- the operator's open alarms -----------------------------------------------------------------------


@pytest.fixture
def street_operator(tree):
    """An operator of 兴华街道 (community A's street); community B lies in another street."""
    return factories.user("operator", regions=(factories.STREET_A,), username="street_operator")


def test_operator_sees_open_alarms_of_the_area_with_their_waiting_time(
    client, english, street_operator, elder_a, elder_b
):
    mine = IncidentFactory(elder=elder_a, opened_at=timezone.now() - dt.timedelta(minutes=12))
    theirs = IncidentFactory(elder=elder_b)

    page = home(client, street_operator)

    assert page.index('id="home-alarms"') < page.index("elders on the register")  # the queue first
    queue = page[page.index('id="home-alarms"') :]
    assert f'href="/alarms/console/{mine.pk}/"' in queue and elder_a.name in queue
    assert "12 min" in queue
    assert f"/alarms/console/{theirs.pk}/" not in page and elder_b.name not in page


def test_the_alarm_queue_re_reads_itself(client, english, street_operator, elder_a):
    client.force_login(street_operator)
    assert 'hx-get="/home/alarms/"' in client.get("/").content.decode()
    IncidentFactory(elder=elder_a)

    fragment = client.get("/home/alarms/").content.decode()

    assert elder_a.name in fragment and 'hx-trigger="every 10s"' in fragment
    assert "<html" not in fragment


def test_roles_without_the_alarm_console_get_no_alarm_fragment(client, provider_admin_a):
    client.force_login(provider_admin_a)
    assert client.get("/home/alarms/").status_code == 403


def test_no_open_alarms_is_said_plainly(client, english, street_operator):
    page = home(client, street_operator)
    assert "No open alarms." in page


# --- the provider admin's offers and today's visits ---------------------------------------------------


def test_provider_admin_sees_its_offers_with_the_time_left_and_todays_visits(
    client, english, official, provider_a, provider_b, provider_admin_a, elder_a
):
    mine, theirs = of.admitted_provider(official, provider_a), of.admitted_provider(official, provider_b)
    carer, other_carer = of.caregiver(mine, name="王护理"), of.caregiver(theirs, name="赵护理")
    offer = of.OrderFactory(elder=elder_a, state=OrderState.DISPATCHED, provider=mine)
    other_offer = of.OrderFactory(elder=elder_a, state=OrderState.DISPATCHED, provider=theirs)
    visit = of.OrderFactory(
        elder=elder_a,
        state=OrderState.ASSIGNED,
        provider=mine,
        caregiver=carer,
        window_start=today_at("10:00"),
    )
    other_visit = of.OrderFactory(
        elder=elder_a,
        state=OrderState.ASSIGNED,
        provider=theirs,
        caregiver=other_carer,
        window_start=today_at("11:00"),
    )
    of.OrderFactory(elder=elder_a, state=OrderState.ACCEPTED, provider=mine)

    page = home(client, provider_admin_a)

    assert f'href="/orders/{offer.pk}/"' in page and "min left" in page
    assert f'href="/orders/{visit.pk}/"' in page and "王护理" in page
    assert "1 accepted order still needs a caregiver." in page
    assert f"/orders/{other_offer.pk}/" not in page and f"/orders/{other_visit.pk}/" not in page
    assert "赵护理" not in page


def test_a_provider_with_nothing_waiting_says_so(client, english, provider_admin_a):
    page = home(client, provider_admin_a)
    assert "No order waits for your answer." in page and "No visits today." in page


# --- the caregiver's next visit -----------------------------------------------------------------------


def test_caregiver_sees_the_next_visit_with_address_window_and_a_button(
    client, english, official, provider_a, elder_a, elder_b
):
    provider = of.admitted_provider(
        official, provider_a, areas=(factories.COMMUNITY_A, factories.COMMUNITY_B)
    )
    carer, colleague = of.caregiver(provider), of.caregiver(provider)
    yesterday = of.local(timezone.localdate() - dt.timedelta(days=1), "09:00")
    of.OrderFactory(
        elder=elder_b, state=OrderState.ASSIGNED, provider=provider, caregiver=carer, window_start=yesterday
    )
    later = of.OrderFactory(
        elder=elder_a,
        state=OrderState.ASSIGNED,
        provider=provider,
        caregiver=carer,
        window_start=today_at("23:00"),
    )
    first = of.OrderFactory(
        elder=elder_a,
        state=OrderState.ASSIGNED,
        provider=provider,
        caregiver=carer,
        window_start=today_at("00:00"),
        address="吉林市昌邑区解放北路8号",
    )
    theirs = of.OrderFactory(
        elder=elder_b,
        state=OrderState.ASSIGNED,
        provider=provider,
        caregiver=colleague,
        window_start=today_at("00:00"),
    )

    page = home(client, carer.user)

    card = page[page.index("Your next visit") :]
    assert f'href="/orders/visits/{first.pk}/"' in card and "Open this visit" in card
    assert "吉林市昌邑区解放北路8号" in card
    start = timezone.localtime(first.window_start)
    assert f"{start:%Y-%m-%d %H:%M}–{timezone.localtime(first.window_end):%H:%M}" in card
    assert "2 visits still to do today" in page
    assert f"/orders/visits/{later.pk}/" not in page and f"/orders/visits/{theirs.pk}/" not in page
    assert elder_b.name not in page


def test_a_visit_already_started_comes_before_the_next_one(client, english, official, provider_a, elder_a):
    provider = of.admitted_provider(official, provider_a)
    carer = of.caregiver(provider)
    of.OrderFactory(
        elder=elder_a,
        state=OrderState.ASSIGNED,
        provider=provider,
        caregiver=carer,
        window_start=today_at("00:00"),
    )
    going_on = of.OrderFactory(
        elder=elder_a,
        state=OrderState.IN_SERVICE,
        provider=provider,
        caregiver=carer,
        window_start=today_at("12:00"),
    )

    page = home(client, carer.user)

    assert f'href="/orders/visits/{going_on.pk}/"' in page and "Continue this visit" in page


def test_a_caregiver_with_no_visit_is_told_so(client, english, official, provider_a):
    carer = of.caregiver(of.admitted_provider(official, provider_a))
    page = home(client, carer.user)
    assert "No visit is assigned to you from today on." in page
    assert "0 visits still to do today" in page


# --- the assessor's forms ------------------------------------------------------------------------------


def test_assessor_sees_the_forms_assigned_to_them_only(client, english, worker_a, elder_a, tree):
    assessor = factories.user("assessor", regions=(factories.DISTRICT,), username="a1")
    colleague = factories.user("assessor", regions=(factories.DISTRICT,), username="a2")
    other_elder = factories.ElderFactory(community_id=factories.COMMUNITY_A, name="钱学森")
    form = start_assessment(actor=worker_a, elder_id=elder_a.pk, assessor_id=assessor.pk)
    other = start_assessment(actor=worker_a, elder_id=other_elder.pk, assessor_id=colleague.pk)

    page = home(client, assessor)

    card = page[page.index("Assessment forms assigned to you") :]
    assert f'href="/assessments/{form.pk}/"' in card and elder_a.name in card
    assert f"/assessments/{other.pk}/" not in page and "钱学森" not in page


def test_an_assessor_with_no_forms_is_told_so(client, english, tree):
    assessor = factories.user("assessor", regions=(factories.DISTRICT,), username="a1")
    page = home(client, assessor)
    assert "No assessment form waits for you." in page
    assert "No elder assigned to you is due for assessment." in page


# --- elders due for assessment, by community ----------------------------------------------------------


@pytest.fixture
def due_elders(tree):
    """In community A one elder never assessed and one overdue; in B one due in ten days; one not due."""
    today = timezone.localdate()
    return {
        "never": factories.ElderFactory(community_id=factories.COMMUNITY_A, name="周一鸣"),
        "overdue": factories.ElderFactory(
            community_id=factories.COMMUNITY_A,
            name="吴二强",
            ability_level=2,
            ability_valid_until=today - dt.timedelta(days=1),
        ),
        "soon": factories.ElderFactory(
            community_id=factories.COMMUNITY_B,
            name="郑三元",
            ability_level=1,
            ability_valid_until=today + dt.timedelta(days=10),
        ),
        "fine": factories.ElderFactory(
            community_id=factories.COMMUNITY_B,
            name="王四海",
            ability_level=1,
            ability_valid_until=today + dt.timedelta(days=200),
        ),
    }


def test_official_sees_due_elders_split_by_kind_and_community(client, english, official, due_elders):
    client.force_login(official)
    response = client.get("/")
    page = response.content.decode()

    breakdown = response.context["due_breakdown"]
    assert breakdown["totals"] == {"never": 1, "overdue": 1, "soon": 1, "total": 3}
    assert breakdown["percent"] == 75
    assert [
        (row["community_id"], row["never"], row["overdue"], row["soon"]) for row in breakdown["rows"]
    ] == [
        (factories.COMMUNITY_A, 1, 1, 0),
        (factories.COMMUNITY_B, 0, 0, 1),
    ]
    assert "3</span></a> due or overdue (75 % of active elders)" in page
    assert 'href="/assessments/?due=never"' in page
    assert f'href="/assessments/?community={factories.COMMUNITY_A}&amp;due=overdue"' in page
    assert f'href="/assessments/?community={factories.COMMUNITY_B}&amp;due=soon"' in page


def test_each_number_opens_the_list_it_counts(client, official, due_elders):
    client.force_login(official)

    def listed(query: str) -> set[str]:
        page = client.get(f"/assessments/?{query}").content.decode()
        return {name for name in ("周一鸣", "吴二强", "郑三元", "王四海") if name in page}

    assert listed("due=never") == {"周一鸣"}
    assert listed("due=overdue") == {"吴二强"}
    assert listed("due=soon") == {"郑三元"}
    assert listed(f"community={factories.COMMUNITY_A}&due=overdue") == {"吴二强"}
    assert listed(f"community={factories.COMMUNITY_B}&due=overdue") == set()
    assert listed("") == {"周一鸣", "吴二强", "郑三元"}


def test_a_worker_sees_only_their_community(client, worker_a, due_elders):
    client.force_login(worker_a)
    breakdown = client.get("/").context["due_breakdown"]
    assert [row["community_id"] for row in breakdown["rows"]] == [factories.COMMUNITY_A]
    assert breakdown["totals"] == {"never": 1, "overdue": 1, "soon": 0, "total": 2}


def test_nobody_due_is_said_plainly(client, english, official):
    page = home(client, official)
    assert "Nobody in your area is due for assessment." in page


# --- orders waiting for dispatch ------------------------------------------------------------------------


def test_the_desk_sees_orders_waiting_for_dispatch_in_its_area(client, english, worker_a, worker_b, elder_a):
    of.OrderFactory(elder=elder_a, state=OrderState.CREATED)

    page = home(client, worker_a)
    assert "1 order not dispatched yet" in page and 'href="/orders/?state=created"' in page

    assert "No order waits for dispatch." in home(client, worker_b)


# --- benefit runs waiting for the user's review step ----------------------------------------------------


@pytest.fixture
def street_run(tree):
    bf.standard_policies()
    bf.elder(born=dt.date(1940, 1, 1), categories=("dibao",))
    return benefits.start_run(actor=SYSTEM, month="2026-03", region_code=factories.STREET_A)


def test_a_run_waits_on_the_home_page_of_whoever_takes_its_next_step(
    client, english, street_run, worker_a, worker_b, official
):
    street_official = factories.user("official", regions=(factories.STREET_A,), username="street_official")
    link = f'href="/benefits/runs/{street_run.pk}/"'

    assert link in home(client, worker_a)
    assert link not in home(client, worker_b)  # 乙社区 lies in another street
    assert link not in home(client, street_official)
    assert "No benefit run waits for your review." in home(client, official)

    benefits.review_run(actor=worker_a, run_id=street_run.pk)

    assert link not in home(client, worker_a)
    assert link in home(client, street_official)


# --- nothing to do -----------------------------------------------------------------------------------


def test_a_volunteer_is_told_nothing_is_assigned(client, english, tree):
    page = home(client, factories.user("volunteer", regions=(factories.COMMUNITY_A,)))
    assert "Nothing is assigned to you today." in page


# --- fast: no query per community -----------------------------------------------------------------------


def _more_communities(n: int) -> list[str]:
    codes = [f"220202001{100 + i:03d}" for i in range(n)]
    load_regions(
        actor=SYSTEM,
        rows=[
            {"code": code, "name": f"新社区{i}", "urban_rural_type": "111"} for i, code in enumerate(codes)
        ],
    )
    return codes


def _queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


def test_the_officials_home_page_issues_no_query_per_community(client, official, due_elders, elder_a):
    IncidentFactory(elder=elder_a)
    client.force_login(official)
    before = _queries(client, "/")

    for code in _more_communities(12):
        factories.ElderFactory(community_id=code)
        IncidentFactory(
            elder=factories.ElderFactory(
                community_id=code, ability_level=1, ability_valid_until=timezone.localdate()
            )
        )

    assert len(client.get("/").context["due_breakdown"]["rows"]) == 14
    assert _queries(client, "/") == before


def check_the_officials_home_page_in_the_demo_district_stays_within_a_fixed_number_of_queries(
    client, django_assert_max_num_queries
):
    """On a seeded demo district (tests/demo/test_demo_district.py seeds it once for every such check)."""
    from shouwang.accounts.models import User
    from shouwang.regions.models import Level, Region

    communities = Region.objects.filter(level=Level.COMMUNITY).count()
    client.force_login(User.objects.get(username="official"))

    with django_assert_max_num_queries(25):
        response = client.get("/")

    assert len(response.context["due_breakdown"]["rows"]) > 25 and communities > 25
