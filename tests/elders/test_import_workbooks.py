"""Rosters as streets and communities really keep them (花名册 in Excel or WPS): a title above the header,
totals and signatures below the elders, one sheet per community, 高龄 or 空巢 in the category column,
出生年月 and 年龄 columns. Each shape in every format it exists in (xlsx, xls, csv)."""

import csv
import datetime as dt
import io

import pytest
import xlsxwriter
import xlwt
from django.core.management import call_command
from python_calamine_plus import CalamineWorkbook

from shouwang.core.idnumbers import make_resident_id
from shouwang.elders.imports import run_import, start_import
from shouwang.elders.models import Elder, JobState, SpreadsheetJob
from tests.factories import COMMUNITY_A

THIS_YEAR = dt.date.today().year
OLD = make_resident_id("220202", dt.date(THIS_YEAR - 86, 3, 2), 11)  # 高龄
OLDER = make_resident_id("220202", dt.date(THIS_YEAR - 90, 7, 9), 22)
YOUNGER = make_resident_id("220202", dt.date(THIS_YEAR - 72, 5, 1), 33)  # not 高龄
HEADER = ["序号", "姓名", "身份证号码", "性别", "现居住社区", "人员类别"]
TITLE = ["昌邑区2025年高龄老人花名册"]
UNIT = ["填报单位：兴华街道", "", "", "填报日期：2025年12月1日"]
ROWS = [
    [1, "王大爷", OLD, "男", "甲社区", "低保"],
    [2, "李奶奶", OLDER, "女", "甲社区", ""],
]
FOOTER = [["合计", "2人"], ["制表人：张三", "", "审核人：李四"]]
FORMATS = ("xlsx", "xls", "csv")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def english(settings):
    settings.LANGUAGE_CODE = "en"


def workbook(path_stem, sheets: dict[str, list[list]], fmt: str):
    """A workbook of ``sheets`` (name → rows from the sheet's first row) in format ``fmt``."""
    path = path_stem.with_suffix(f".{fmt}")
    if fmt == "csv":
        [rows] = sheets.values()
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            csv.writer(handle).writerows(rows)
    elif fmt == "xlsx":
        book = xlsxwriter.Workbook(str(path))
        for name, rows in sheets.items():
            sheet = book.add_worksheet(name)
            for number, row in enumerate(rows):
                sheet.write_row(number, 0, row)
        book.close()
    else:
        book = xlwt.Workbook(encoding="utf-8")
        for name, rows in sheets.items():
            sheet = book.add_sheet(name)
            for number, row in enumerate(rows):
                for column, value in enumerate(row):
                    sheet.write(number, column, value)
        book.save(str(path))
    return path


def run(actor, path, *, file_name=None) -> SpreadsheetJob:
    job = start_import(actor=actor, source=path, file_name=file_name or path.name, enqueue=False)
    run_import(job_id=job.pk)
    job.refresh_from_db()
    return job


def counts(job):
    return job.created_count, job.updated_count, job.unchanged_count, job.rejected_count


def report_sheets(job) -> dict[str, list[list]]:
    with CalamineWorkbook.from_path(job.result_path) as book:
        return {name: book.get_sheet_by_name(name).to_python()[1:] for name in book.sheet_names}


# --- 1. a title above the header ---------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", FORMATS)
def test_title_rows_above_the_header_are_passed_over_and_named(official, tmp_path, fmt):
    rows = [TITLE, UNIT, HEADER, *ROWS, [3, "赵大爷", "123", "男", "甲社区", ""]]
    job = run(official, workbook(tmp_path / "花名册", {"兴华": rows}, fmt))
    assert job.state == JobState.DONE, job.message
    assert counts(job) == (2, 0, 0, 1)
    [sheet] = job.sheets
    assert sheet["header_row"] == 3
    assert sheet["above"][0] == "昌邑区2025年高龄老人花名册"
    assert "填报单位：兴华街道" in sheet["above"][1]
    [rejected] = next(iter(report_sheets(job).values()))
    assert int(rejected[0]) == 6  # the row number the spreadsheet program shows


def test_a_sheet_without_a_header_in_its_first_rows_fails_with_where_it_looked(official, tmp_path, english):
    rows = [TITLE] * 11 + [HEADER, *ROWS]
    job = run(official, workbook(tmp_path / "花名册", {"兴华": rows}, "xlsx"))
    assert job.state == JobState.FAILED
    assert "first 10 rows" in job.message
    assert not Elder.objects.exists()


# --- 2. totals and signatures below the elders -------------------------------------------------------------
@pytest.mark.parametrize("fmt", FORMATS)
def test_footer_rows_are_skipped_and_listed_not_rejected(official, tmp_path, fmt):
    rows = [HEADER, *ROWS, *FOOTER, ["备注：本表由社区填报"]]
    job = run(official, workbook(tmp_path / "花名册", {"兴华": rows}, fmt))
    assert counts(job) == (2, 0, 0, 0)
    assert job.skipped_count == 3
    assert [(row["row"], row["text"]) for row in job.skipped_rows] == [
        (4, "合计 2人"),
        (5, "制表人：张三 审核人：李四"),
        (6, "备注：本表由社区填报"),
    ]
    assert not job.result_path  # no error report: nothing was rejected


def test_a_person_whose_row_is_wrong_is_still_rejected_not_skipped(official, tmp_path):
    rows = [HEADER, [1, "王大爷", "220202", "男", "甲社区", ""]]
    job = run(official, workbook(tmp_path / "花名册", {"兴华": rows}, "csv"))
    assert counts(job) == (0, 0, 0, 1)
    assert job.skipped_count == 0


# --- 3. one sheet per community ---------------------------------------------------------------------------
MULTI_HEADER = ["姓名", "身份证号码", "性别"]


@pytest.mark.parametrize("fmt", ("xlsx", "xls"))
def test_every_sheet_with_a_roster_is_read_and_the_others_are_listed(official, tmp_path, english, fmt):
    sheets = {
        "甲社区": [MULTI_HEADER, ["王大爷", OLD, "男"]],
        "乙社区": [TITLE, MULTI_HEADER, ["李奶奶", OLDER, "女"], ["王大爷", OLD, "男"]],
        "说明": [["本表按社区分页填写"]],
        "丁社区": [MULTI_HEADER, ["赵大爷", YOUNGER, "男"]],
    }
    job = run(official, workbook(tmp_path / "分社区花名册", sheets, fmt))
    assert job.state == JobState.DONE, job.message
    assert counts(job) == (2, 0, 0, 1)  # the repeat of 王大爷; 丁社区 is not a community, so not read
    communities = dict(Elder.objects.values_list("name", "community__name"))
    assert communities == {"王大爷": "甲社区", "李奶奶": "乙社区"}
    read = {sheet["name"]: sheet for sheet in job.sheets if "ignored" not in sheet}
    ignored = {sheet["name"]: sheet["ignored"] for sheet in job.sheets if "ignored" in sheet}
    assert read["乙社区"]["header_row"] == 2 and read["乙社区"]["community"] == "乙社区"
    assert set(ignored) == {"说明", "丁社区"}
    assert "姓名" in ignored["说明"]
    assert "丁社区" in ignored["丁社区"] and "not that of a community" in ignored["丁社区"]
    # The report has a sheet for each sheet with rejected rows; the repeat cites the sheet it was first in.
    report = report_sheets(job)
    assert list(report) == ["乙社区"]
    [repeat] = report["乙社区"]
    assert int(repeat[0]) == 4 and "row 2 of sheet 甲社区" in repeat[1]


def test_a_workbook_where_no_sheet_is_a_roster_fails_naming_each_sheet(official, tmp_path):
    sheets = {"封面": [TITLE], "说明": [["本表按社区分页填写"]]}
    job = run(official, workbook(tmp_path / "空表", sheets, "xlsx"))
    assert job.state == JobState.FAILED
    assert "封面" in job.message and "说明" in job.message


def test_a_csv_named_after_a_community_needs_no_community_column(official, tmp_path):
    path = workbook(tmp_path / "upload", {"": [MULTI_HEADER, ["王大爷", OLD, "男"]]}, "csv")
    job = run(official, path, file_name="甲社区.csv")
    assert counts(job) == (1, 0, 0, 0)
    assert Elder.objects.get().community_id == COMMUNITY_A


# --- 4. 高龄, 失能 and living arrangements in the category column -----------------------------------
@pytest.mark.parametrize("fmt", FORMATS)
def test_derived_categories_and_living_arrangements_are_accepted_and_checked(
    official, tmp_path, english, fmt
):
    rows = [
        HEADER,
        [1, "王大爷", OLD, "男", "甲社区", "高龄、低保"],
        [2, "李奶奶", OLDER, "女", "甲社区", "空巢 独居"],
        [3, "赵大爷", YOUNGER, "男", "甲社区", "高龄"],
        [4, "钱奶奶", make_resident_id("220202", dt.date(THIS_YEAR - 81, 1, 5), 44), "女", "甲社区", "失能"],
    ]
    job = run(official, workbook(tmp_path / "高龄花名册", {"甲社区": rows}, fmt))
    assert counts(job) == (4, 0, 0, 0)
    wang, li, zhao = (Elder.objects.get(name=name) for name in ("王大爷", "李奶奶", "赵大爷"))
    assert list(wang.categories.values_list("code", flat=True)) == ["dibao"]
    assert li.living_arrangement == "alone"  # 独居 is narrower than 空巢
    assert not zhao.categories.exists()
    warned = {warning["name"]: " ".join(warning["warnings"]) for warning in job.warnings}
    assert set(warned) == {"赵大爷", "钱奶奶"}
    assert "72 years old" in warned["赵大爷"]
    assert "assessment" in warned["钱奶奶"]
    assert job.warning_count == 2


def test_living_arrangement_column_wins_over_the_category_column_with_a_warning(official, tmp_path, english):
    header = [*HEADER, "居住状况"]
    rows = [header, [1, "王大爷", OLD, "男", "甲社区", "独居", "与子女同住"]]
    job = run(official, workbook(tmp_path / "花名册", {"甲社区": rows}, "csv"))
    assert Elder.objects.get().living_arrangement == "with_family"
    [warning] = job.warnings
    assert "living arrangement is kept" in warning["warnings"][0]


# --- 5. 出生年月 and 年龄 -------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", FORMATS)
def test_birth_month_and_age_columns_are_read_and_a_difference_is_a_warning(official, tmp_path, english, fmt):
    born = dt.date(THIS_YEAR - 86, 3, 2)
    header = ["姓名", "身份证号码", "出生年月", "年龄", "社区"]
    rows = [
        header,
        ["王大爷", OLD, f"{born.year}.03", 85, "甲社区"],  # agrees (age counted last year)
        ["李奶奶", OLDER, f"{THIS_YEAR - 80}年7月", "90岁", "甲社区"],  # the year differs
        ["赵大爷", YOUNGER, "不详", 60, "甲社区"],  # unreadable month, age far off
    ]
    job = run(official, workbook(tmp_path / "花名册", {"甲社区": rows}, fmt))
    assert counts(job) == (3, 0, 0, 0)
    assert "出生年月" not in job.ignored_columns and "年龄" not in job.ignored_columns
    warned = {warning["name"]: warning["warnings"] for warning in job.warnings}
    assert set(warned) == {"李奶奶", "赵大爷"}
    assert "birth month column" in warned["李奶奶"][0]
    assert len(warned["赵大爷"]) == 2


# --- everything at once -----------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ("xlsx", "xls"))
def test_a_bureau_workbook_with_every_shape_at_once(official, tmp_path, english, fmt):
    header = ["序号", "姓名", "身份证号码", "出生年月", "联系方式", "类别", "监护人", "监护人电话"]
    born = dt.date(THIS_YEAR - 86, 3, 2)
    sheets = {
        "甲社区": [
            ["甲社区高龄及空巢独居老人花名册"],
            ["填报单位：甲社区居委会", "", "", "填报日期：2025年12月1日"],
            header,
            [1, "王大爷", OLD, f"{born.year}.03", "13800001111", "高龄、空巢", "王小", "13900002222"],
            [2, "赵大爷", YOUNGER, "", "", "高龄", "", ""],
            [3, "孙大爷", "22020219", "", "", "", "", ""],
            ["合计", "3人"],
            ["制表人：张三"],
        ],
        "乙社区": [header, [1, "李奶奶", OLDER, "", "", "特困", "", ""]],
        "汇总": [["社区", "人数"], ["甲社区", 3], ["乙社区", 1]],
    }
    job = run(official, workbook(tmp_path / "昌邑区花名册", sheets, fmt))
    assert job.state == JobState.DONE, job.message
    assert counts(job) == (3, 0, 0, 1)
    assert job.skipped_count == 2 and job.warning_count == 1
    assert [sheet["name"] for sheet in job.sheets if "ignored" in sheet] == ["汇总"]
    wang = Elder.objects.get(name="王大爷")
    assert (wang.phone, wang.living_arrangement) == ("13800001111", "empty_nest")
    assert wang.contacts.get().name == "王小"
    assert Elder.objects.get(name="李奶奶").community.name == "乙社区"
    # Importing the same workbook again changes nothing.
    again = run(official, workbook(tmp_path / "昌邑区花名册", sheets, fmt))
    assert counts(again) == (0, 0, 3, 1)


# --- what the user sees ---------------------------------------------------------------------------------
@pytest.fixture
def roster_job(official, tmp_path):
    rows = [TITLE, HEADER, *ROWS, [3, "赵大爷", YOUNGER, "男", "甲社区", "高龄"], *FOOTER]
    return run(official, workbook(tmp_path / "花名册", {"甲社区": rows}, "xlsx"))


def test_the_job_page_lists_sheets_skipped_rows_and_warnings_in_chinese(client, official, roster_job):
    client.force_login(official)
    page = client.get(f"/elders/jobs/{roster_job.pk}/").content.decode()
    assert "工作表“甲社区”：第 2 行为列名" in page
    assert "昌邑区2025年高龄老人花名册" in page
    assert "跳过的表尾行" in page and "制表人：张三" in page
    assert "已导入但有提示的行" in page and "赵大爷" in page and "72 岁" in page


def test_the_api_job_reports_sheets_skipped_rows_and_warnings(client, official, roster_job):
    client.force_login(official)
    job = client.get(f"/api/v1/elders/jobs/{roster_job.pk}").json()
    assert (job["created"], job["skipped"], job["with_warnings"]) == (3, 2, 1)
    assert job["sheets"] == [
        {"name": "甲社区", "header_row": 2, "above": TITLE, "community": "", "ignored": ""}
    ]
    assert job["skipped_rows"][0] == {"sheet": "甲社区", "row": 6, "text": "合计 2人"}
    [warned] = job["warnings"]
    assert (warned["row"], warned["name"]) == (5, "赵大爷")


def test_another_communitys_worker_cannot_read_the_job(client, worker_b, roster_job):
    client.force_login(worker_b)
    assert client.get(f"/api/v1/elders/jobs/{roster_job.pk}").status_code == 404


def test_the_command_line_import_says_what_it_passed_over(official, tmp_path):
    rows = [TITLE, HEADER, *ROWS, [3, "赵大爷", YOUNGER, "男", "甲社区", "高龄"], *FOOTER]
    path = workbook(tmp_path / "花名册", {"甲社区": rows, "说明": [["按社区填写"]]}, "xlsx")
    out = io.StringIO()
    call_command("import_elders", str(path), "--user", official.username, stdout=out)
    printed = out.getvalue()
    assert "Sheet 甲社区: column names in row 2 (above it: 昌邑区2025年高龄老人花名册)" in printed
    assert "Sheet 说明 not read:" in printed
    assert "Skipped, not an elder: 甲社区 row 6: 合计 2人" in printed
    assert "1 rows saved with a warning:" in printed and "赵大爷" in printed
