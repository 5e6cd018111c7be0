import datetime as dt

import pytest
from django.utils import translation

from shouwang.core.idnumbers import make_resident_id, upgrade_legacy
from shouwang.elders.importing import (
    TEMPLATE_HEADER,
    Communities,
    Contact,
    MissingColumns,
    RowReader,
    RowRejected,
    map_columns,
)
from shouwang.elders.models import Category, LivingArrangement
from tests.factories import COMMUNITY_A, COMMUNITY_B, VILLAGE

TODAY = dt.date(2026, 3, 1)
BORN = dt.date(1948, 3, 2)
MAN = make_resident_id("220202", BORN, 123)
WOMAN = make_resident_id("220202", BORN, 124)


# --- header recognition -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "label", ["身份证号", "身份证号码", "公民身份号码", "身份证号码（18位）", " 身份证 号码 "]
)
def test_id_number_column_aliases(label):
    columns = map_columns(["姓名", label, "社区代码"])
    assert columns.index["id_number"] == 1
    assert columns.ignored == ()


@pytest.mark.parametrize(
    "label", ["*姓名（必填）", "＊姓名(必填)", "姓名*", "姓名：", "【必填】姓名", "姓名[必填]", "老人姓名"]
)
def test_stars_colons_and_bracketed_notes_are_ignored(label):
    assert map_columns([label, "身份证号码", "现居住社区"]).index["name"] == 0


def test_the_template_header_is_recognised_in_full():
    columns = map_columns(list(TEMPLATE_HEADER))
    assert columns.ignored == ()
    assert set(columns.index) == {
        "name", "id_number", "sex", "birth_date", "ethnicity", "phone", "hukou_region_code",
        "community_code", "community_name", "address", "lon", "lat", "living_arrangement", "categories",
        "disability_grade", "chronic_conditions", "family_doctor_contract",
    }  # fmt: skip
    assert columns.contacts == (
        {"contact_name": 17, "contact_relation": 18, "contact_phone": 19, "contact_keyholder": 20},
    )


def test_numbered_second_and_third_contacts():
    header = [
        "姓名", "身份证号码", "社区代码",
        "紧急联系人", "联系人电话",
        "紧急联系人2", "联系人关系2", "联系人电话2", "是否有钥匙2",
        "紧急联系人3", "联系人电话3",
    ]  # fmt: skip
    columns = map_columns(header)
    assert columns.contacts == (
        {"contact_name": 3, "contact_phone": 4},
        {"contact_name": 5, "contact_relation": 6, "contact_phone": 7, "contact_keyholder": 8},
        {"contact_name": 9, "contact_phone": 10},
    )


def test_numbered_contact_typed_with_full_width_digits():
    columns = map_columns(["姓名", "身份证号码", "社区代码", "紧急联系人２", "联系人电话２"])
    assert columns.contacts == ({"contact_name": 3, "contact_phone": 4},)
    assert columns.ignored == ()


def test_unknown_columns_are_listed_and_ignored():
    columns = map_columns(["序号", "姓名", "备注", "身份证号码", "", "社区代码", "  "])
    assert columns.ignored == ("序号", "备注")
    assert columns.index == {"name": 1, "id_number": 3, "community_code": 5}


def test_first_column_of_a_field_wins():
    columns = map_columns(["姓名", "身份证号码", "社区代码", "电话", "手机"])
    assert columns.index["phone"] == 3
    assert columns.ignored == ()


@pytest.mark.parametrize(
    ("header", "missing"),
    [
        (["姓名", "性别", "社区代码"], ["身份证号码"]),
        (["身份证号码", "性别", "社区代码"], ["姓名"]),
        (["姓名", "身份证号码", "地址"], ["现居住社区"]),
        (["序号", "备注"], ["姓名", "身份证号码", "现居住社区"]),
    ],
)
def test_missing_required_column_is_named(header, missing):
    with pytest.raises(MissingColumns) as error:
        map_columns(header)
    assert error.value.code == "missing_columns"
    for label in missing:
        assert label in error.value.message


def test_missing_column_message_says_where_the_names_are_looked_for():
    with translation.override("en"), pytest.raises(MissingColumns) as error:
        map_columns(["名单", "张三", "220202194803021239"])
    assert "first 10 rows" in error.value.message


def test_either_community_column_is_enough():
    assert "community_name" in map_columns(["姓名", "身份证号码", "现居住社区"]).index
    assert "community_code" in map_columns(["姓名", "身份证号码", "现居住社区代码"]).index


# --- reading rows -----------------------------------------------------------------------------------------
COMMUNITIES = Communities({COMMUNITY_A: "甲社区", VILLAGE: "丙村"}, known={COMMUNITY_A, COMMUNITY_B, VILLAGE})


def reader(header, communities=COMMUNITIES) -> RowReader:
    return RowReader(map_columns(header), communities, TODAY)


def reasons_of(header, cells, communities=COMMUNITIES) -> list[str]:
    with translation.override("en"), pytest.raises(RowRejected) as rejected:
        reader(header, communities).read(7, cells)
    return rejected.value.reasons


def test_a_full_template_row_becomes_a_record():
    row = [
        "张三丰", MAN.lower(), "男", "1948年3月2日", "汉族", "138 0000 1111", "220202", COMMUNITY_A,
        "", "解放北路1号", "126.55", "43.84", "独居", "低保、失独", "二级", "高血压、糖尿病", "是",
        "张小明", "儿子", "13900001111", "有",
    ]  # fmt: skip
    record = reader(list(TEMPLATE_HEADER)).read(2, row)
    assert record.row == 2
    assert (record.id_number, record.name, record.sex, record.birth_date) == (MAN, "张三丰", "M", BORN)
    assert record.name_initials == "zsf"
    assert record.community_code == COMMUNITY_A
    assert record.values == {
        "ethnicity": "汉族",
        "phone": "13800001111",
        "hukou_region_code": "220202000000",
        "address": "解放北路1号",
        "lat": 43.84,
        "lon": 126.55,
        "living_arrangement": LivingArrangement.ALONE,
        "disability_grade": 2,
        "chronic_conditions": ["高血压", "糖尿病"],
        "family_doctor_contract": True,
    }
    assert record.categories == sorted(
        [Category.SUBSISTENCE, Category.LOST_ONLY_CHILD, Category.FAMILY_PLANNING]
    )
    assert record.contacts == [Contact("张小明", "儿子", "13900001111", True)]


def test_community_found_by_name_in_the_area():
    record = reader(["姓名", "身份证号码", "现居住社区"]).read(2, ["李四", WOMAN, "丙村"])
    assert record.community_code == VILLAGE
    assert record.sex == "F"


def test_community_code_wins_over_the_name():
    header = ["姓名", "身份证号码", "社区代码", "社区名称"]
    assert reader(header).read(2, ["李四", WOMAN, VILLAGE, "甲社区"]).community_code == VILLAGE


def test_empty_cells_and_short_rows_give_no_values():
    header = [
        "姓名",
        "身份证号码",
        "社区代码",
        "联系电话",
        "居住状况",
        "人员类别",
        "紧急联系人",
        "联系人电话",
    ]
    record = reader(header).read(2, ["李四", WOMAN, COMMUNITY_A, "", None])
    assert record.values == {}
    assert record.categories is None
    assert record.contacts == []


def test_blank_category_cell_leaves_categories_unknown():
    record = reader(["姓名", "身份证号码", "社区代码", "人员类别"]).read(2, ["李四", WOMAN, COMMUNITY_A, " "])
    assert record.categories is None


def test_family_doctor_no_is_kept_as_false():
    record = reader(["姓名", "身份证号码", "社区代码", "家庭医生签约"]).read(
        2, ["李四", WOMAN, COMMUNITY_A, "否"]
    )
    assert record.values == {"family_doctor_contract": False}


def test_legacy_15_digit_number_becomes_18():
    legacy = "220202480302123"
    record = reader(["姓名", "身份证号", "社区代码"]).read(2, ["张三", legacy, COMMUNITY_A])
    assert record.id_number == upgrade_legacy(legacy)
    assert record.birth_date == BORN


def test_second_contact_without_a_first():
    header = ["姓名", "身份证号码", "社区代码", "紧急联系人", "联系人电话", "紧急联系人2", "联系人电话2"]
    record = reader(header).read(2, ["张三", MAN, COMMUNITY_A, "", "", "王五", "0432-62345678"])
    assert record.contacts == [Contact("王五", "", "0432-62345678", None)]


def test_every_problem_of_a_row_is_reported():
    header = ["姓名", "身份证号码", "社区代码", "联系电话", "纬度", "经度", "残疾等级"]
    reasons = reasons_of(header, ["", MAN[:-1] + "0", "990000000000", "123", "43.8", "200", "五级"])
    assert len(reasons) == 6
    joined = " | ".join(reasons)
    for fragment in ("name is missing", "check digit", "990000000000", "123", "200", "五级"):
        assert fragment in joined


def test_sex_contradicting_the_id_number():
    reasons = reasons_of(["姓名", "身份证号码", "性别", "社区代码"], ["张三", MAN, "女", COMMUNITY_A])
    assert len(reasons) == 1 and "man" in reasons[0] and "女" in reasons[0]


def test_birth_date_contradicting_the_id_number():
    reasons = reasons_of(
        ["姓名", "身份证号码", "出生日期", "社区代码"], ["张三", MAN, "1948-3-3", COMMUNITY_A]
    )
    assert len(reasons) == 1 and "1948-03-02" in reasons[0] and "1948-03-03" in reasons[0]


def test_agreeing_sex_and_excel_birth_date_are_accepted():
    header = ["姓名", "身份证号码", "性别", "出生日期", "社区代码"]
    record = reader(header).read(2, ["张三", MAN, "男", dt.datetime(1948, 3, 2), COMMUNITY_A])
    assert record.sex == "M"


def test_too_young():
    young = make_resident_id("220202", dt.date(1970, 1, 1), 11)
    reasons = reasons_of(["姓名", "身份证号码", "社区代码"], ["张三", young, COMMUNITY_A])
    assert len(reasons) == 1 and "56 years old" in reasons[0]


def test_id_number_stored_as_a_float():
    reasons = reasons_of(["姓名", "身份证号码", "社区代码"], ["张三", float(MAN), COMMUNITY_A])
    assert len(reasons) == 1 and "as text" in reasons[0]


@pytest.mark.parametrize(
    ("code", "name", "fragment"),
    [
        (COMMUNITY_B, "", "outside your area"),
        ("220202001099", "", "not the code of a community"),
        ("", "乙社区", "no community called 乙社区"),
        ("", "", "community is missing"),
    ],
)
def test_community_problems(code, name, fragment):
    header = ["姓名", "身份证号码", "社区代码", "社区名称"]
    reasons = reasons_of(header, ["张三", MAN, code, name])
    assert len(reasons) == 1 and fragment in reasons[0]


def test_ambiguous_community_name():
    communities = Communities({COMMUNITY_A: "新村", VILLAGE: "新村"}, known={COMMUNITY_A, VILLAGE})
    reasons = reasons_of(["姓名", "身份证号码", "现居住社区"], ["张三", MAN, "新村"], communities)
    assert len(reasons) == 1 and "community code instead" in reasons[0]


def test_lat_without_lon():
    reasons = reasons_of(
        ["姓名", "身份证号码", "社区代码", "纬度", "经度"], ["张三", MAN, COMMUNITY_A, "43.8", ""]
    )
    assert reasons == ["Give both longitude and latitude, or neither."]


def test_contact_without_a_phone():
    header = ["姓名", "身份证号码", "社区代码", "紧急联系人", "联系人电话"]
    reasons = reasons_of(header, ["张三", MAN, COMMUNITY_A, "张小明", ""])
    assert reasons == ["An emergency contact needs both a name and a phone number."]


def test_malformed_contact_phone_is_one_reason_naming_the_phone():
    header = ["姓名", "身份证号码", "社区代码", "紧急联系人", "联系人电话"]
    reasons = reasons_of(header, ["张三", MAN, COMMUNITY_A, "张小明", "555-1234"])
    assert len(reasons) == 1 and "555-1234" in reasons[0]


@pytest.mark.parametrize("column", [0, 9, 17])  # the name, the address, a contact's name
def test_a_row_with_a_nul_character_is_rejected_with_its_reason(column):
    row = [
        "张三丰", MAN, "男", "1948年3月2日", "汉族", "13800001111", "220202", COMMUNITY_A,
        "", "解放北路1号", "", "", "独居", "", "", "", "", "张小明", "儿子", "13900001111", "有",
    ]  # fmt: skip
    row[column] = row[column][:1] + "\x00" + row[column][1:]
    assert reasons_of(list(TEMPLATE_HEADER), row) == [
        "A cell holds a NUL character, which cannot be stored; type it again."
    ]
