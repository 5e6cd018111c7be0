"""The console's payments: the run page's section, the batch page, the bank file, the return upload and the
run's export."""

import datetime as dt
import io
import json

import pytest

from shouwang.benefits import payments, services
from shouwang.benefits.models import LineStatus, PaymentBatch
from shouwang.core.actors import SYSTEM
from shouwang.core.errors import Conflict
from tests import factories
from tests.benefits import factories as bf
from tests.benefits.conftest import approved

pytestmark = pytest.mark.django_db
ACCOUNT = "6222020200001111"


@pytest.fixture
def run(policies, worker_a, street_official, official):
    bf.elder(born=dt.date(1940, 1, 1), name="张三丰", payment_account=ACCOUNT)
    bf.elder(born=dt.date(1942, 1, 1), name="王五")
    made = services.start_run(actor=SYSTEM, month="2026-03", region_code=factories.DISTRICT)
    return approved(made, worker=worker_a, street=street_official, district=official)


def test_the_run_page_offers_the_batch_and_the_button_makes_it(run, client, official):
    client.force_login(official)
    page = client.get(f"/benefits/runs/{run.pk}/").content.decode()
    assert f"/benefits/runs/{run.pk}/payments/new/" in page
    assert f"/benefits/runs/{run.pk}/export/" in page
    answer = client.post(f"/benefits/runs/{run.pk}/payments/new/", follow=True)
    assert answer.redirect_chain[-1][0] == f"/benefits/runs/{run.pk}/payments/1/"
    page = answer.content.decode()
    assert "6222********1111" in page and ACCOUNT not in page
    assert "王五" in page and str(LineStatus.NO_ACCOUNT.label) in page
    assert (
        f"/benefits/runs/{run.pk}/payments/new/"
        not in client.get(f"/benefits/runs/{run.pk}/").content.decode()
    )


def test_the_file_downloads_and_the_return_upload_is_read(run, client, official):
    client.force_login(official)
    client.post(f"/benefits/runs/{run.pk}/payments/new/")
    download = client.get(f"/benefits/runs/{run.pk}/payments/1/file/")
    assert download.status_code == 200 and download["Content-Type"].startswith("application/vnd.openxml")
    batch = PaymentBatch.objects.get()
    upload = io.BytesIO(payments.return_file(batch, {1: ("失败", "账户已冻结")}))
    upload.name = "回盘.xlsx"
    page = client.post(f"/benefits/runs/{run.pk}/payments/1/return/", {"file": upload}, follow=True)
    assert "账户已冻结" in page.content.decode()
    assert batch.lines.get(seq=1).status == LineStatus.FAILED


def test_a_community_worker_sees_no_batch_button_and_gets_no_file(run, client, worker_a, official):
    payments.create_batch(actor=official, run_id=run.pk)
    client.force_login(worker_a)
    assert "/payments/reissue/" not in client.get(f"/benefits/runs/{run.pk}/").content.decode()
    answer = client.get(f"/benefits/runs/{run.pk}/payments/1/file/", follow=True)
    assert answer.redirect_chain and "application/vnd" not in answer["Content-Type"]


def test_a_street_official_of_another_street_gets_404_on_a_streets_batch(
    policies, client, worker_a, street_official, official
):
    bf.elder(born=dt.date(1940, 1, 1), payment_account=ACCOUNT)
    run = services.start_run(actor=SYSTEM, month="2026-03", region_code=factories.STREET_A)
    approved(run, worker=worker_a, street=street_official, district=official)
    payments.create_batch(actor=official, run_id=run.pk)
    client.force_login(factories.user("official", regions=("220202002000",), username="street_b"))
    for url in ("payments/1/", "payments/1/file/", "export/"):
        assert client.get(f"/benefits/runs/{run.pk}/{url}").status_code == 404, url
    assert client.post(f"/benefits/runs/{run.pk}/payments/new/").status_code == 404


def test_a_version_carrying_vouchers_over_is_published_from_the_policy_page(policies, client, official):
    from tests.benefits.test_views import _version_form

    DIBAO = {"fact": "category", "any_of": ["dibao"]}  # noqa: N806

    client.force_login(official)
    fuwu = policies["fuwu"]
    url = f"/benefits/policies/{fuwu.pk}/"
    assert "年底清零" in client.get(url).content.decode()
    form = _version_form(
        fuwu.pk,
        tiers=json.dumps([{"label": "低保", "amount_fen": 30000, "conditions": [DIBAO]}]),
        self_pay_percent='{"*": 30}',
        year_end="carry_over",
    )
    client.post(url, {**form, "action": "publish"})
    assert fuwu.versions.order_by("-number").first().year_end == "carry_over"
    assert "结转下年" in client.get(url).content.decode()


def test_the_run_page_shows_withheld_rows_with_their_reason(run, client, official, english):
    from shouwang.elders.models import Elder
    from shouwang.elders.services import record_life_event

    payments.create_batch(actor=official, run_id=run.pk)  # 王五 has no account: not paid
    wang = Elder.objects.get(name="王五")
    record_life_event(actor=official, elder_id=wang.pk, event="deceased", date=dt.date(2026, 4, 3))
    with pytest.raises(Conflict):  # dead since: withheld, not re-issued, and nothing else to re-issue
        payments.reissue_batch(actor=official, run_id=run.pk)
    client.force_login(official)

    page = client.get(f"/benefits/runs/{run.pk}/").content.decode()

    assert "Withheld: died or moved out" in page
    assert "王五: " in page and "died (2026-04-03)" in page
    assert f"/benefits/runs/{run.pk}/payments/1/?status=withheld" in page
    # An official of the other street sees the run's batches but not this street's rows (nor the name).
    client.force_login(factories.user("official", regions=("220202002000",), username="other_street"))
    other = client.get(f"/benefits/runs/{run.pk}/")
    assert other.status_code == 404 or "王五" not in other.content.decode()
