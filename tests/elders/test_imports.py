"""End to end: a spreadsheet on disk → ``start_import`` + ``run_import`` → elders, counts, report, audit.

``run_import`` switches to settings.LANGUAGE_CODE itself, so the tests that read messages set it to English
(the ``english`` fixture) instead of wrapping the call in ``translation.override``.
"""

import csv
import datetime as dt

import pytest
import xlsxwriter
from django.utils import timezone
from python_calamine_plus import CalamineWorkbook
from stdnum import exceptions as stdnum_errors
from stdnum.cn import ric

from shouwang.core.audit import fingerprint
from shouwang.core.idnumbers import make_resident_id
from shouwang.core.masking import mask_phone
from shouwang.core.models import AuditLog
from shouwang.core.spreadsheets import write_xlsx
from shouwang.elders.imports import run_import, start_import
from shouwang.elders.models import (
    Elder,
    ElderCategory,
    EmergencyContact,
    JobState,
    SpreadsheetJob,
)
from tests.factories import COMMUNITY_A, COMMUNITY_B, VILLAGE

BORN = dt.date(1948, 3, 2)
# A real-world pattern: born 1948, address code 220202 (assigned decades later, when the card was issued).
REAL_1948 = "220202194803021239"
MAN = make_resident_id("220202", dt.date(1950, 6, 1), 11)
WOMAN = make_resident_id("220202", dt.date(1952, 7, 9), 22)
OTHER = make_resident_id("220202", dt.date(1940, 1, 15), 33)
HEADER = [
    "姓名", "身份证号码", "性别", "出生日期", "联系电话", "现居住社区代码", "人员类别",
    "紧急联系人", "联系人关系", "联系人电话",
]  # fmt: skip


def line(
    name,
    id_number,
    *,
    sex="",
    birth="",
    phone="",
    community=COMMUNITY_A,
    categories="",
    contact="",
    relation="",
    contact_phone="",
) -> list:
    return [name, id_number, sex, birth, phone, community, categories, contact, relation, contact_phone]


VALID = line(
    "王大爷",
    MAN,
    sex="男",
    phone="13800001111",
    categories="低保",
    contact="王小",
    contact_phone="13900002222",
)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def english(settings):
    settings.LANGUAGE_CODE = "en"


def write_csv(path, rows, *, header=HEADER, encoding="utf-8"):
    with path.open("w", encoding=encoding, newline="") as handle:
        csv.writer(handle).writerows([header, *rows])
    return path


def run(actor, path, *, dry_run=False) -> SpreadsheetJob:
    job = start_import(actor=actor, source=path, file_name=path.name, dry_run=dry_run, enqueue=False)
    run_import(job_id=job.pk)
    job.refresh_from_db()
    return job


def report(job) -> list[list]:
    """The rows of the error report, without its header: [row number, reasons, *the row's cells]."""
    assert job.result_path
    with CalamineWorkbook.from_path(job.result_path) as workbook:
        rows = workbook.get_sheet_by_index(0).to_python()
    return [[int(row[0]), *row[1:]] for row in rows[1:]]


def counts(job) -> tuple[int, int, int, int]:
    return job.created_count, job.updated_count, job.unchanged_count, job.rejected_count


# --- the happy path ---------------------------------------------------------------------------------------
def test_csv_import_creates_elders_with_categories_and_contacts(official, tmp_path):
    path = write_csv(
        tmp_path / "名单.csv",
        [VALID, line("李奶奶", WOMAN, birth="1952/7/9", community=VILLAGE, categories="失独、重残")],
    )
    job = run(official, path)
    assert job.state == JobState.DONE and not job.message
    assert counts(job) == (2, 0, 0, 0)
    assert job.processed_rows == 2 and job.result_path == ""
    man = Elder.objects.get(id_number=MAN)
    assert (man.name, man.sex, man.birth_date, man.phone, man.community_id) == (
        "王大爷", "M", dt.date(1950, 6, 1), "13800001111", COMMUNITY_A
    )  # fmt: skip
    assert list(man.categories.values_list("code", flat=True)) == ["dibao"]
    assert list(man.contacts.values_list("name", "phone", "priority")) == [("王小", "13900002222", 1)]
    woman = Elder.objects.get(id_number=WOMAN)
    assert woman.community_id == VILLAGE and woman.sex == "F"
    assert set(woman.categories.values_list("code", flat=True)) == {
        "shidu", "family_planning", "severe_disability"
    }  # fmt: skip


def test_xlsx_import_with_number_cells(official, tmp_path):
    path = tmp_path / "名单.xlsx"
    # Phones and community codes typed as numbers come back from Excel as numbers.
    write_xlsx(path, HEADER, [line("王大爷", MAN, phone=13800001111, community=int(COMMUNITY_A))])
    job = run(official, path)
    assert counts(job) == (1, 0, 0, 0)
    elder = Elder.objects.get(id_number=MAN)
    assert (elder.phone, elder.community_id) == ("13800001111", COMMUNITY_A)


def test_xlsx_date_cell_is_checked_against_the_id_number(official, tmp_path):
    path = tmp_path / "dates.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet, date_format = workbook.add_worksheet(), workbook.add_format({"num_format": "yyyy年m月d日"})
    sheet.write_row(0, 0, ["姓名", "身份证号码", "出生日期", "社区代码"])
    sheet.write_row(1, 0, ["王大爷", MAN])
    sheet.write_datetime(1, 2, dt.datetime(1950, 6, 1), date_format)
    sheet.write_string(1, 3, COMMUNITY_A)
    sheet.write_row(2, 0, ["李奶奶", WOMAN])
    sheet.write_datetime(2, 2, dt.datetime(1952, 7, 10), date_format)
    sheet.write_string(2, 3, COMMUNITY_A)
    workbook.close()
    job = run(official, path)
    assert counts(job) == (1, 0, 0, 1)
    assert [row[0] for row in report(job)] == [3]


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8-sig"], ids=["gb18030", "utf8-bom"])
def test_csv_from_excel_in_its_encodings(official, tmp_path, encoding):
    header = ["*姓名（必填）", "公民身份号码", "现居住社区", "居住状况", "备注"]
    path = write_csv(
        tmp_path / "excel.csv",
        [["王大爷", MAN, "甲社区", "独居", "腿脚不便"], ["李奶奶", WOMAN, "丙村", "空巢", ""]],
        header=header,
        encoding=encoding,
    )
    job = run(official, path)
    assert job.state == JobState.DONE
    assert counts(job) == (2, 0, 0, 0)
    assert job.ignored_columns == ["备注"]
    assert dict(Elder.objects.values_list("name", "community_id")) == {
        "王大爷": COMMUNITY_A,
        "李奶奶": VILLAGE,
    }
    assert Elder.objects.get(id_number=MAN).living_arrangement == "alone"


def test_real_1948_number_with_a_later_address_code_is_accepted(official, tmp_path):
    with pytest.raises(stdnum_errors.ValidationError):
        ric.validate(REAL_1948)  # the library would refuse it: 220202 did not exist in 1948
    job = run(
        official, write_csv(tmp_path / "a.csv", [line("赵老汉", REAL_1948, sex="男", birth="1948-03-02")])
    )
    assert counts(job) == (1, 0, 0, 0)
    assert Elder.objects.get(id_number=REAL_1948).birth_date == BORN


def test_legacy_15_digit_number_is_stored_in_its_18_digit_form(official, tmp_path):
    job = run(official, write_csv(tmp_path / "a.csv", [line("赵老汉", "220202480302123")]))
    assert counts(job) == (1, 0, 0, 0)
    elder = Elder.objects.get(name="赵老汉")
    assert elder.id_number == REAL_1948
    assert (elder.birth_date, elder.sex) == (BORN, "M")


def test_importing_the_same_file_again_changes_nothing(official, tmp_path):
    rows = [
        VALID,
        line("李奶奶", WOMAN, phone="0432-62345678", community=VILLAGE, categories="失独", contact="李强",
             relation="儿子", contact_phone="13700003333"),
    ]  # fmt: skip
    header = [*HEADER, "纬度", "经度", "慢性病", "家庭医生签约", "户籍地区划代码", "是否有钥匙"]
    rows = [[*row, "43.8378912", "126.5496", "高血压、糖尿病", "否", "220202", "是"] for row in rows]
    path = tmp_path / "a.xlsx"
    write_xlsx(path, header, rows)
    first = run(official, path)
    assert counts(first) == (2, 0, 0, 0)
    stored = list(Elder.objects.order_by("id").values())
    contacts = list(EmergencyContact.objects.order_by("id").values())

    again = run(official, path)
    assert again.state == JobState.DONE
    assert counts(again) == (0, 0, 2, 0)
    assert list(Elder.objects.order_by("id").values()) == stored
    assert list(EmergencyContact.objects.order_by("id").values()) == contacts
    assert ElderCategory.objects.count() == 3
    assert not AuditLog.objects.filter(action="elders.import.update").exists()


def test_the_import_is_audited_with_its_counts(official, tmp_path):
    job = run(official, write_csv(tmp_path / "a.csv", [VALID, line("", WOMAN)]))
    log = AuditLog.objects.get(action="elders.import", object_id=str(job.pk))
    assert log.actor_id == official.pk
    assert log.after == {
        "file": "a.csv",
        "dry_run": False,
        "created": 1,
        "updated": 0,
        "unchanged": 0,
        "rejected": 1,
    }
    assert log.region_code.startswith("220202")
    created = AuditLog.objects.get(action="elders.import.create")
    assert created.after["job"] == job.pk and created.after["count"] == 1
    assert AuditLog.objects.filter(action="elders.import.start", object_id=str(job.pk)).exists()


# --- bad rows ---------------------------------------------------------------------------------------------
BAD_CHECK_DIGIT = WOMAN[:-1] + ("0" if WOMAN[-1] != "0" else "1")
IMPOSSIBLE_BIRTH = make_resident_id("220202", dt.date(1948, 2, 3), 11).replace("19480203", "19480230")
TOO_YOUNG = make_resident_id(
    "220202", timezone.localdate().replace(year=timezone.localdate().year - 50, day=1), 11
)
BAD_ROWS = {
    "bad_check_digit": (line("李奶奶", BAD_CHECK_DIGIT), "check digit"),
    "impossible_birth_date": (line("李奶奶", IMPOSSIBLE_BIRTH), "19480230"),
    "id_contradicts_sex": (line("李奶奶", OTHER, sex="女"), "sex column says 女"),
    "id_contradicts_birth_date": (line("李奶奶", OTHER, birth="1940-01-16"), "1940-01-16"),
    "unknown_community": (line("李奶奶", OTHER, community="220202001099"), "220202001099"),
    "malformed_phone": (line("李奶奶", OTHER, phone="12345"), "12345 is not a phone number"),
    "malformed_contact_phone": (
        line("李奶奶", OTHER, contact="李强", contact_phone="555-1234"),
        "555-1234 is not a phone number",
    ),
    "missing_name": (line("", OTHER), "name is missing"),
    "missing_id": (line("李奶奶", ""), "ID number is missing"),
    "too_young": (line("李奶奶", TOO_YOUNG), "50 years old"),
}


@pytest.mark.parametrize("reason", BAD_ROWS)
def test_bad_row_is_rejected_and_reported(official, tmp_path, english, reason):
    bad, fragment = BAD_ROWS[reason]
    job = run(official, write_csv(tmp_path / "a.csv", [VALID, bad]))
    assert job.state == JobState.DONE
    assert counts(job) == (1, 0, 0, 1)
    assert Elder.objects.get().id_number == MAN
    [(number, reasons, *cells)] = report(job)
    assert number == 3
    assert fragment in reasons
    assert cells[0] == bad[0]  # the row as it was, so it can be corrected and imported again


def test_same_id_twice_rejects_the_second_row_citing_the_first(official, tmp_path, english):
    rows = [VALID, line("李奶奶", WOMAN), line("王大爷二", MAN.lower())]
    job = run(official, write_csv(tmp_path / "a.csv", rows))
    assert counts(job) == (2, 0, 0, 1)
    assert Elder.objects.get(id_number=MAN).name == "王大爷"
    [(number, reasons, *_)] = report(job)
    assert number == 4 and "row 2" in reasons


def test_same_person_in_15_and_18_digits_is_a_duplicate(official, tmp_path, english):
    job = run(
        official,
        write_csv(tmp_path / "a.csv", [line("赵老汉", REAL_1948), line("赵老汉", "220202480302123")]),
    )
    assert counts(job) == (1, 0, 0, 1)
    [(number, reasons, *_)] = report(job)
    assert number == 3 and "row 2" in reasons


def test_community_outside_the_importers_area(worker_a, tmp_path, english):
    job = run(worker_a, write_csv(tmp_path / "a.csv", [VALID, line("李奶奶", OTHER, community=COMMUNITY_B)]))
    assert counts(job) == (1, 0, 0, 1)
    assert Elder.objects.get().community_id == COMMUNITY_A
    assert not Elder.objects.filter(community_id=COMMUNITY_B).exists()
    [(number, reasons, *_)] = report(job)
    assert number == 3 and "outside your area" in reasons


def test_community_named_outside_the_importers_area(worker_a, tmp_path, english):
    header = ["姓名", "身份证号码", "现居住社区"]
    job = run(
        worker_a,
        write_csv(
            tmp_path / "a.csv", [["王大爷", MAN, "甲社区"], ["李奶奶", OTHER, "乙社区"]], header=header
        ),
    )
    assert counts(job) == (1, 0, 0, 1)
    [(number, reasons, *_)] = report(job)
    assert number == 3 and "乙社区" in reasons


def test_every_reason_of_a_row_is_listed(official, tmp_path, english):
    bad = line("", BAD_CHECK_DIGIT, phone="12345", community="220202001099")
    job = run(official, write_csv(tmp_path / "a.csv", [bad]))
    assert counts(job) == (0, 0, 0, 1)
    [(number, reasons, *_)] = report(job)
    assert number == 2
    for fragment in ("name is missing", "check digit", "12345", "220202001099"):
        assert fragment in reasons


# --- known people -----------------------------------------------------------------------------------------
def test_a_row_that_changes_a_known_person_updates_it(official, elder_a, tmp_path):
    old_phone = elder_a.phone
    row = line("张三丰", elder_a.id_number, phone="13700009999", categories="低保、失独", contact="王芳",
               relation="女儿", contact_phone="13600002222")  # fmt: skip
    job = run(official, write_csv(tmp_path / "a.csv", [row]))
    assert counts(job) == (0, 1, 0, 0)
    elder_a.refresh_from_db()
    assert elder_a.phone == "13700009999"
    assert set(elder_a.categories.values_list("code", flat=True)) == {"dibao", "shidu", "family_planning"}
    assert list(elder_a.contacts.values_list("name", "relation", "phone", "priority")) == [
        ("张小明", "儿子", "13900001111", 1),
        ("王芳", "女儿", "13600002222", 2),
    ]
    log = AuditLog.objects.get(action="elders.import.update")
    assert log.object_id == str(elder_a.pk) and log.actor_id == official.pk
    assert log.before == {"phone": f"{mask_phone(old_phone)} #{fingerprint(old_phone)}", "categories": []}
    assert log.after["phone"] == f"137****9999 #{fingerprint('13700009999')}"
    assert log.after["categories"] == ["dibao", "family_planning", "shidu"]
    assert log.after["contacts"] == ["王芳"]
    assert (log.after["job"], log.after["row"]) == (job.pk, 2)
    assert log.region_code == COMMUNITY_A


def test_a_known_contact_is_corrected_by_its_phone(official, elder_a, tmp_path):
    row = line("张三丰", elder_a.id_number, contact="张晓明", relation="长子", contact_phone="139 0000 1111")
    job = run(official, write_csv(tmp_path / "a.csv", [row]))
    assert counts(job) == (0, 1, 0, 0)
    assert list(elder_a.contacts.values_list("name", "relation", "phone")) == [
        ("张晓明", "长子", "13900001111")
    ]


def test_moving_to_another_community_in_the_area(official, elder_a, tmp_path):
    job = run(official, write_csv(tmp_path / "a.csv", [line("张三丰", elder_a.id_number, community=VILLAGE)]))
    assert counts(job) == (0, 1, 0, 0)
    elder_a.refresh_from_db()
    assert elder_a.community_id == VILLAGE
    log = AuditLog.objects.get(action="elders.import.update")
    assert (log.before, log.after["community_id"]) == ({"community_id": COMMUNITY_A}, VILLAGE)


def test_empty_cells_and_missing_columns_leave_stored_values_alone(official, elder_a, tmp_path):
    ElderCategory.for_elder(elder_a, "dibao").save()
    before = Elder.objects.values().get(pk=elder_a.pk)
    # No address or living-arrangement column; phone, categories and contact cells empty.
    job = run(official, write_csv(tmp_path / "a.csv", [line("张三丰", elder_a.id_number)]))
    assert counts(job) == (0, 0, 1, 0)
    assert Elder.objects.values().get(pk=elder_a.pk) == before
    assert before["phone"] and before["address"] and before["living_arrangement"] == "alone"
    assert list(elder_a.categories.values_list("code", flat=True)) == ["dibao"]
    assert elder_a.contacts.count() == 1
    assert not AuditLog.objects.filter(action="elders.import.update").exists()


def test_dry_run_writes_nothing_but_reports_the_same_counts(official, elder_a, tmp_path):
    rows = [
        VALID,
        line("李奶奶", WOMAN),
        line("张三丰", elder_a.id_number, phone="13700009999"),
        line("", OTHER),
    ]
    path = write_csv(tmp_path / "a.csv", rows)
    dry = run(official, path, dry_run=True)
    assert dry.state == JobState.DONE and dry.dry_run
    assert counts(dry) == (2, 1, 0, 1)
    assert [row[0] for row in report(dry)] == [5]
    assert list(Elder.objects.values_list("pk", flat=True)) == [elder_a.pk]
    assert Elder.objects.get(pk=elder_a.pk).phone != "13700009999"
    assert not AuditLog.objects.filter(action__in=["elders.import.create", "elders.import.update"]).exists()
    assert AuditLog.objects.get(action="elders.import").after["dry_run"] is True

    real = run(official, path)
    assert counts(real) == counts(dry)
    assert Elder.objects.count() == 3
    assert Elder.objects.get(pk=elder_a.pk).phone == "13700009999"


def test_worker_cannot_take_over_a_person_of_another_community(worker_a, elder_b, tmp_path, english):
    before = Elder.objects.values().get(pk=elder_b.pk)
    row = line("李四光", elder_b.id_number, phone="13700009999", community=COMMUNITY_A)
    job = run(worker_a, write_csv(tmp_path / "a.csv", [VALID, row]))
    assert counts(job) == (1, 0, 0, 1)
    assert Elder.objects.values().get(pk=elder_b.pk) == before
    [(number, reasons, *_)] = report(job)
    assert number == 3 and "outside your area" in reasons
    assert not AuditLog.objects.filter(action="elders.import.update").exists()


def test_worker_cannot_import_into_another_communitys_code(worker_a, tmp_path, english):
    job = run(worker_a, write_csv(tmp_path / "a.csv", [line("李奶奶", WOMAN, community=COMMUNITY_B)]))
    assert counts(job) == (0, 0, 0, 1)
    assert not Elder.objects.exists()
    [(number, reasons, *_)] = report(job)
    assert number == 2 and COMMUNITY_B in reasons and "outside your area" in reasons


def test_xlsx_id_number_stored_as_a_number_is_rejected(official, tmp_path, english):
    path = tmp_path / "a.xlsx"
    write_xlsx(path, HEADER, [VALID, line("李奶奶", float(WOMAN)), line("赵老汉", 220202480302123)])
    job = run(official, path)
    assert counts(job) == (2, 0, 0, 1)
    assert Elder.objects.filter(id_number=REAL_1948).exists()  # 15 digits survive Excel's precision
    [(number, reasons, *_)] = report(job)
    assert number == 3 and "as text" in reasons


# --- files that cannot be imported ------------------------------------------------------------------------
def test_unreadable_file_fails_the_job_with_a_plain_message(official, tmp_path, english):
    path = tmp_path / "名单.xlsx"
    path.write_bytes(b"this is not a workbook")
    job = run(official, path)
    assert job.state == JobState.FAILED
    assert "could not be read" in job.message and "名单.xlsx" in job.message
    assert "Traceback" not in job.message
    assert counts(job) == (0, 0, 0, 0) and not Elder.objects.exists()


def test_file_that_is_not_a_spreadsheet_fails_the_job(official, tmp_path, english):
    path = tmp_path / "名单.txt"
    path.write_text("姓名,身份证号码\n", encoding="utf-8")
    job = run(official, path)
    assert job.state == JobState.FAILED
    assert "名单.txt" in job.message and "CSV" in job.message


def test_empty_file_fails_the_job(official, tmp_path, english):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    job = run(official, path)
    assert job.state == JobState.FAILED and "empty" in job.message


def test_file_without_the_required_columns_fails_the_job(official, tmp_path):
    header = ["姓名", "性别", "社区代码"]
    job = run(official, write_csv(tmp_path / "a.csv", [["王大爷", "男", COMMUNITY_A]], header=header))
    assert job.state == JobState.FAILED
    assert "身份证号码" in job.message
    assert job.finished_at is not None
    assert not Elder.objects.exists()
    assert not AuditLog.objects.filter(action="elders.import").exists()


def test_csv_with_a_bad_byte_late_in_the_file_fails_the_job_with_a_plain_message(official, tmp_path, english):
    path = tmp_path / "mixed.csv"
    lines = [",".join(HEADER)] + [",".join(line("王大爷", MAN))] * 2000
    # Detection reads the first 64 KB (valid UTF-8); a row pasted in from a GBK file comes after it.
    path.write_bytes("\n".join(lines).encode() + b"\n" + ",".join(line("李奶奶", WOMAN)).encode("gbk"))
    job = run(official, path)
    assert job.state == JobState.FAILED
    assert "could not be read" in job.message


def test_an_over_long_contact_name_is_reported_never_cut_short(official, tmp_path, english):
    long_name = "王" * 41
    path = write_csv(
        tmp_path / "名单.csv", [line("王大爷", MAN, contact=long_name, contact_phone="13900002222")]
    )

    job = run(official, path)

    assert not Elder.objects.filter(contacts__name=long_name[:40]).exists()
    [row] = report(job)
    assert "at most 40 characters" in row[1]
