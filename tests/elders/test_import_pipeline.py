"""Large files are read in a forked child process, which checks rows itself or hands them back unchecked;
small ones are read in the import process. Every path must give the same outcome: the same counts, the
same stored records, the same error report."""

import datetime as dt
import threading

import pytest
import xlsxwriter
from django.db import connection

from shouwang.core import bulk
from shouwang.elders import imports
from shouwang.elders.models import Elder, ElderCategory, EmergencyContact
from tests.elders.test_imports import MAN, OTHER, VALID, WOMAN, counts, line, report, run, write_csv
from tests.factories import COMMUNITY_A, COMMUNITY_B

REAL_1948 = "220202194803021239"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture(params=["in-process", "child", "shared"])
def path_taken(request, monkeypatch):
    """Every import of the test goes through the given path; the child paths with batches of three rows,
    so that a file of a few rows crosses the pipe in several batches. In "child" the child checks every
    row; in "shared" the import process always waits, so the child checks the first row of each batch and
    hands the other two over unchecked."""
    if request.param == "in-process":
        yield request.param
        return
    if not imports._can_fork():
        others = [thread.name for thread in threading.enumerate() if thread is not threading.main_thread()]
        pytest.skip(f"this process cannot fork safely (threads: {', '.join(others) or 'none'})")
    used = []
    real = imports._checked_in_child

    def spy(path, index, reader):
        used.append(path)
        return real(path, index, reader)

    checked_here = []  # rows checked in this process (the child's own calls stay in the child)
    real_check = imports._check_rows

    def check_spy(reader, rows):
        checked_here.extend(number for number, _cells in rows)
        return real_check(reader, rows)

    handed_over = request.param == "shared"
    monkeypatch.setattr(imports, "PARALLEL_FROM", 0)
    monkeypatch.setattr(imports, "LARGE_BATCH_ROWS", 3)
    monkeypatch.setattr(imports, "CHECK_CHUNK_ROWS", 1)
    monkeypatch.setattr(imports, "_asked", lambda waiting: handed_over)
    monkeypatch.setattr(imports, "_checked_in_child", spy)
    monkeypatch.setattr(imports, "_check_rows", check_spy)
    yield request.param
    assert used, "the import did not read in a child process"
    assert bool(checked_here) == handed_over


def rows_with_every_outcome():
    return [
        VALID,  # row 2: created, with a category and a contact
        line("", OTHER),  # row 3: no name
        line("李奶奶", WOMAN, sex="男"),  # row 4: sex contradicts the ID number
        line(
            "赵老汉",
            REAL_1948,
            categories="失独",
            contact="赵一",
            relation="儿子",
            contact_phone="13900003333",
        ),
        line("王大爷二", MAN.lower()),  # row 6: the ID number of row 2 again
        line("赵老汉", "220202480302123"),  # row 7: row 5's person in 15 digits
        line("钱婆婆", OTHER, community="220202999999"),  # row 8: no such community
        line("钱婆婆", OTHER, phone="1381234"),  # row 9: malformed phone
    ]


def test_both_paths_create_and_reject_the_same(official, tmp_path, english, path_taken):
    job = run(official, write_csv(tmp_path / "a.csv", rows_with_every_outcome()))
    assert counts(job) == (2, 0, 0, 6)
    assert job.processed_rows == 8
    stored = {elder.id_number: elder for elder in Elder.objects.all()}
    assert set(stored) == {MAN, REAL_1948}
    assert stored[MAN].phone == "13800001111" and stored[MAN].name_initials == "wdy"
    assert set(ElderCategory.objects.values_list("elder__id_number", "code")) == {
        (MAN, "dibao"),
        (REAL_1948, "family_planning"),
        (REAL_1948, "shidu"),
    }
    contact = EmergencyContact.objects.get(elder=stored[REAL_1948])
    assert (contact.priority, contact.name, contact.relation, contact.phone) == (
        1,
        "赵一",
        "儿子",
        "13900003333",
    )
    rejected = report(job)
    assert [row[0] for row in rejected] == [3, 4, 6, 7, 8, 9]
    assert "row 2" in rejected[2][1] and "row 5" in rejected[3][1]
    # The cells come back as they were in the file, so the row can be corrected and imported again.
    assert rejected[2][2:] == [str(cell) for cell in line("王大爷二", MAN.lower())]


def test_both_paths_find_known_people_the_same(worker_a, elder_a, elder_b, tmp_path, english, path_taken):
    rows = [
        line(elder_a.name, elder_a.id_number, phone="13700009999"),  # changes a known person
        line("李四光", elder_b.id_number, community=COMMUNITY_A),  # a person of another community
        line("王大爷", MAN, community=COMMUNITY_A),
        line("李奶奶", WOMAN, community=COMMUNITY_B),  # outside the worker's area
    ]
    job = run(worker_a, write_csv(tmp_path / "a.csv", rows))
    assert counts(job) == (1, 1, 0, 2)
    assert Elder.objects.get(pk=elder_a.pk).phone == "13700009999"
    assert Elder.objects.get(pk=elder_b.pk).community_id == COMMUNITY_B
    # A row refused for a stored person outside the area is known only after the batch is compared with
    # the database, so it may follow the batch's other rejected rows in the report.
    rejected = sorted(report(job))
    assert [row[0] for row in rejected] == [3, 5]
    assert "outside your area" in rejected[0][1]
    again = run(worker_a, write_csv(tmp_path / "b.csv", rows))
    assert counts(again) == (0, 0, 2, 2)


def test_a_row_with_number_and_date_cells_refused_late_is_reported_readably(
    official, tmp_path, english, path_taken
):
    """A repeated ID number is found after the row was checked, wherever that was; the report then shows
    its cells as the person would retype them (a date as a date, not a serial number)."""
    path = tmp_path / "numbers.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet, date_format = workbook.add_worksheet(), workbook.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, ["姓名", "身份证号码", "出生日期", "社区代码", "经度", "纬度"])
    for row, name in ((1, "王大爷"), (2, "王大爷二")):
        sheet.write_row(row, 0, [name, MAN])
        sheet.write_datetime(row, 2, dt.datetime(1950, 6, 1), date_format)
        sheet.write_string(row, 3, COMMUNITY_A)
        sheet.write_number(row, 4, 126.5)
        sheet.write_number(row, 5, 44.0)
    workbook.close()
    job = run(official, path)
    assert counts(job) == (1, 0, 0, 1)
    [rejected] = report(job)
    assert rejected[0] == 3 and "row 2" in rejected[1]
    assert rejected[2:] == ["王大爷二", MAN, "1950-06-01", COMMUNITY_A, "126.5", "44"]


# --- a first import of a whole registry builds the secondary indexes at the end (both databases) --------
def _indexes(table: str) -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = %s", [table])
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = %s", [table])
        return {row[0] for row in cursor.fetchall()}


# The indexes behind the unique ID number and the unique (elder, category), which stay.
UNIQUE_ID_NUMBER = (
    "elders_elder_id_number_key" if connection.vendor == "postgresql" else "sqlite_autoindex_elders_elder_1"
)
UNIQUE_CATEGORY = (
    "unique_elder_category"
    if connection.vendor == "postgresql"
    else "sqlite_autoindex_elders_eldercategory_1"
)
# An index that is dropped for a load on each database: the trigram one (PostgreSQL only) and the list order.
DEFERRED = (
    "elders_elder_phone_trgm" if connection.vendor == "postgresql" else "elders_elde_communi_58f41f_idx"
)


def test_a_first_import_defers_the_indexes_and_builds_them_again(official, tmp_path, monkeypatch):
    monkeypatch.setattr(bulk, "DEFER_INDEXES_FROM", 1)
    before = _indexes("elders_elder")
    seen_during = []
    real = imports._create_elders

    def spy(records, **kwargs):
        seen_during.append(_indexes("elders_elder") | _indexes("elders_eldercategory"))
        real(records, **kwargs)

    monkeypatch.setattr(imports, "_create_elders", spy)
    job = run(official, write_csv(tmp_path / "a.csv", [VALID, line("李奶奶", WOMAN)]))
    assert counts(job) == (2, 0, 0, 0)
    # Meanwhile only the primary key and the unique indexes were there; afterwards every index is back.
    assert DEFERRED not in seen_during[0]
    assert UNIQUE_ID_NUMBER in seen_during[0]
    assert UNIQUE_CATEGORY in seen_during[0]
    assert _indexes("elders_elder") == before
    assert bulk.restore_deferred_indexes() == []


def test_an_import_into_a_registry_with_people_keeps_the_indexes(official, elder_a, tmp_path, monkeypatch):
    monkeypatch.setattr(bulk, "DEFER_INDEXES_FROM", 1)
    with bulk.deferred_indexes([Elder], rows=1_000_000) as deferred:
        assert not deferred
        assert DEFERRED in _indexes("elders_elder")


def test_indexes_of_an_interrupted_load_are_built_by_the_next(official, tmp_path, monkeypatch):
    monkeypatch.setattr(bulk, "DEFER_INDEXES_FROM", 1)
    before = _indexes("elders_elder")
    bulk._drop_secondary_indexes(["elders_elder"])  # as if the loading process had died after this
    assert DEFERRED not in _indexes("elders_elder")
    job = run(official, write_csv(tmp_path / "a.csv", [VALID]))
    assert counts(job) == (1, 0, 0, 0)
    assert _indexes("elders_elder") == before
