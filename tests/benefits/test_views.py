import datetime as dt

import pytest

from shouwang.benefits import services
from shouwang.benefits.models import EligibilityRun, RunState
from shouwang.core.actors import SYSTEM
from tests import factories
from tests.benefits import factories as bf

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(policies):
    bf.elder(born=dt.date(1935, 1, 1), categories=("dibao",), name="张三丰")
    bf.elder(born=dt.date(1970, 1, 1), community=factories.COMMUNITY_B, name="李四光")
    return services.start_run(actor=SYSTEM, month="2026-03", region_code=factories.DISTRICT)


def test_the_runs_page_shows_totals_and_the_next_review_step(run, client, worker_a):
    client.force_login(worker_a)
    page = client.get("/benefits/").content.decode()
    assert "2026-03" in page and "800.00" in page  # 高龄 ¥500 + vouchers ¥300, in yuan
    assert "社区已审核" in page  # the button of the community's check


def test_a_review_button_moves_the_run_and_says_so(run, client, worker_a):
    client.force_login(worker_a)
    answer = client.post(f"/benefits/runs/{run.pk}/review/", {"note": "核对无误"}, follow=True)
    run.refresh_from_db()
    assert run.state == RunState.COMMUNITY_CHECKED
    assert "核对无误" in answer.content.decode()


def test_a_return_without_a_reason_is_refused_with_the_message(run, client, worker_a):
    client.force_login(worker_a)
    answer = client.post(f"/benefits/runs/{run.pk}/return/", {"reason": " "}, follow=True)
    run.refresh_from_db()
    assert run.state == RunState.COMPUTED
    assert "请说明需要修改的内容" in answer.content.decode()


def test_a_run_page_lists_the_results_a_worker_may_see(run, client, worker_b):
    client.force_login(worker_b)
    page = client.get(f"/benefits/runs/{run.pk}/").content.decode()
    assert "李四光" in page and "张三丰" not in page


def test_the_elder_page_explains_this_months_benefits(run, client, official):
    elder = EligibilityRun.objects.get().results.get(elder__name="张三丰").elder
    client.force_login(official)
    page = client.get(f"/elders/{elder.pk}/").content.decode()
    assert 'id="benefits"' in page
    assert "高龄津贴" in page and "500.00" in page


def test_the_policy_pages_show_versions_in_words(policies, client, official):
    client.force_login(official)
    assert "高龄津贴" in client.get("/benefits/policies/").content.decode()
    page = client.get(f"/benefits/policies/{policies['gaoling'].pk}/").content.decode()
    assert "90–99" in page and "500.00" in page and "2026-01" in page


def test_the_trial_balance_is_for_officials(run, client, official, worker_a):
    client.force_login(official)
    assert client.get("/benefits/ledger/").status_code == 200
    client.force_login(worker_a)
    assert client.get("/benefits/ledger/").status_code == 403


def test_an_official_computes_a_run_from_the_page(policies, client, official):
    client.force_login(official)
    client.post("/benefits/runs/new/", {"month": "2026-04", "region": factories.DISTRICT})
    assert EligibilityRun.objects.filter(month=dt.date(2026, 4, 1)).exists()


def _version_form(policy_id: int, **changes) -> dict:
    from shouwang.benefits.models import PolicyVersion

    latest = PolicyVersion.objects.filter(policy_id=policy_id).order_by("-number").first()
    return {
        "conditions": '[{"fact": "hukou_in_region"}]',
        "tiers": '[{"label": "80+", "amount_fen": 20000, "conditions": [{"fact": "age", "min": 80}]}]',
        "fund_shares": '{"city": 100}',
        "self_pay_percent": "{}",
        "effective_from": "2026-09",
        "month": "2026-03",
        "region": factories.DISTRICT,
        "note": f"after v{latest.number}",
        **changes,
    }


def test_the_effect_of_a_draft_is_shown_before_publishing(run, policies, client, official):
    client.force_login(official)
    url = f"/benefits/policies/{policies['gaoling'].pk}/"
    page = client.post(url, {**_version_form(policies["gaoling"].pk), "action": "preview"}).content.decode()
    assert "新增 0 人" in page
    assert "¥500.00 → ¥200.00" in page
    assert policies["gaoling"].versions.count() == 1


def test_a_version_is_published_from_the_policy_page_or_refused_with_the_message(
    run, policies, client, official
):
    client.force_login(official)
    url = f"/benefits/policies/{policies['gaoling'].pk}/"
    refused = client.post(
        url,
        {**_version_form(policies["gaoling"].pk, fund_shares='{"city": 90}'), "action": "publish"},
        follow=True,
    )
    assert "不是 100" in refused.content.decode()
    broken = client.post(url, {**_version_form(policies["gaoling"].pk, tiers="[{"), "action": "publish"})
    assert "JSON" in broken.content.decode()
    client.post(url, {**_version_form(policies["gaoling"].pk), "action": "publish"})
    assert list(policies["gaoling"].versions.values_list("number", flat=True)) == [1, 2]
