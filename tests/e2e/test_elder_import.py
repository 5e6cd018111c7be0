"""A community worker uploads a spreadsheet in the browser; the job page fills in without a reload."""

import datetime as dt

import pytest

from shouwang.core.idnumbers import make_resident_id
from shouwang.elders.imports import run_import
from shouwang.elders.models import Elder, SpreadsheetJob
from tests import factories

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_worker_imports_a_spreadsheet_and_sees_live_progress(live_server, page, tmp_path):
    factories.load_tree()
    worker = factories.user("community_worker", regions=(factories.COMMUNITY_A,), username="worker")
    good = make_resident_id("220202", dt.date(1950, 5, 6), 21)
    real = make_resident_id("220202", dt.date(1951, 7, 8), 22)
    mistyped = real[:-1] + ("0" if real[-1] != "0" else "1")
    sheet = tmp_path / "老人名单.csv"
    sheet.write_text(
        f"姓名,身份证号码,现居住社区,联系电话\n李大爷,{good},甲社区,13812345678\n王大娘,{mistyped},甲社区,\n",
        encoding="utf-8-sig",
    )

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", worker.username)
    page.fill("#id_password", factories.PASSWORD)
    page.press("#id_password", "Enter")
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/elders/import/")
    page.set_input_files("#id_file", str(sheet))
    with page.expect_navigation():
        page.click("form.form button[type=submit]")
    job = SpreadsheetJob.objects.get()
    assert page.url == f"{live_server.url}/elders/jobs/{job.pk}/"
    assert page.locator("#job-progress").get_attribute("hx-trigger") == "every 1s"

    job = run_import(job_id=job.pk)  # the worker's part; the open page must pick the result up by itself
    assert (job.created_count, job.rejected_count) == (1, 1), job.message
    page.wait_for_selector("#job-progress:not([hx-trigger])", timeout=10_000)
    panel = page.locator("#job-progress").inner_text()
    assert "完成" in panel or "done" in panel.lower()
    assert page.locator("a[href$='/file/']").count() == 1  # the error report for the bad row
    assert Elder.objects.filter(id_number=good).exists() and Elder.objects.count() == 1
