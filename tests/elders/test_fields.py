import datetime as dt

import pytest
from django.utils import translation

from shouwang.core.errors import ValidationFailed
from shouwang.elders import fields
from shouwang.elders.models import Category, LivingArrangement, Sex


def code_of(parse, *args, **kwargs) -> str:
    with pytest.raises(ValidationFailed) as error:
        parse(*args, **kwargs)
    assert error.value.message
    return error.value.code


# --- text -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (None, ""),
        ("  张三  ", "张三"),
        (13800001111.0, "13800001111"),
        (13800001111, "13800001111"),
        (1.5, "1.5"),
        ("１３８００００１１１１", "13800001111"),  # full-width digits typed in Chinese input mode
        ("\u3000李四\u3000", "李四"),
    ],
)
def test_text_cleans_a_cell(cell, expected):
    assert fields.text(cell) == expected


# --- dates ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "typed",
    [
        "1948-03-02",
        "1948-3-2",
        "1948/3/2",
        "1948/03/02",
        "1948.3.2",
        "19480302",
        19480302.0,
        "1948年3月2日",
        "1948年03月02日",
        "1948年3月2",
        " 1948-03-02 ",
        "１９４８年３月２日",
    ],
)
def test_date_in_the_usual_forms(typed):
    assert fields.date(typed) == dt.date(1948, 3, 2)


def test_excel_date_cells_arrive_as_date_or_datetime():
    assert fields.date(dt.datetime(1948, 3, 2, 0, 0)) == dt.date(1948, 3, 2)
    assert fields.date(dt.datetime(1948, 3, 2, 13, 30)) == dt.date(1948, 3, 2)
    assert fields.date(dt.date(1948, 3, 2)) == dt.date(1948, 3, 2)


@pytest.mark.parametrize("typed", ["1948-02-30", "1948年13月1日", "三月二日", "", None, "48-3-2", "1948-03"])
def test_not_a_date(typed):
    assert code_of(fields.date, typed) == "date_invalid"


def test_not_a_date_message_gives_an_example():
    with translation.override("en"), pytest.raises(ValidationFailed) as error:
        fields.date("1948-02-30")
    assert "1948-02-30" in error.value.message
    assert "1948-03-02" in error.value.message


# --- sex --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("typed", "expected"),
    [("男", Sex.MALE), ("女", Sex.FEMALE), (" 男 ", Sex.MALE), ("M", Sex.MALE), ("f", Sex.FEMALE)],
)
def test_sex_aliases(typed, expected):
    assert fields.sex(typed) == expected


@pytest.mark.parametrize("typed", ["未知", "", "男女", None])
def test_unknown_sex(typed):
    assert code_of(fields.sex, typed) == "sex"


# --- living arrangement ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("独居", LivingArrangement.ALONE),
        ("独居老人", LivingArrangement.ALONE),
        ("空巢", LivingArrangement.EMPTY_NEST),
        ("与配偶同住", LivingArrangement.EMPTY_NEST),
        ("留守老人", LivingArrangement.LEFT_BEHIND),
        ("与子女同住", LivingArrangement.WITH_FAMILY),
        ("养老机构", LivingArrangement.INSTITUTION),
        ("with_family", LivingArrangement.WITH_FAMILY),
    ],
)
def test_living_arrangement_aliases(typed, expected):
    assert fields.living_arrangement(typed) == expected


def test_empty_living_arrangement_is_nothing():
    assert fields.living_arrangement("") == ""
    assert fields.living_arrangement(None) == ""


def test_unknown_living_arrangement():
    assert code_of(fields.living_arrangement, "住在月球") == "living_arrangement_unknown"


# --- categories -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("低保", [Category.SUBSISTENCE]),
        ("低保户", [Category.SUBSISTENCE]),
        ("五保户", [Category.EXTREME_POVERTY]),
        ("低保边缘", [Category.LOW_INCOME]),
        ("重残", [Category.SEVERE_DISABILITY]),
        ("计生特殊家庭", [Category.FAMILY_PLANNING]),
        ("", []),
        (None, []),
    ],
)
def test_category_aliases(typed, expected):
    assert fields.categories(typed) == sorted(expected)


@pytest.mark.parametrize(
    "typed",
    [
        "低保、特困、重点优抚",
        "低保,特困,重点优抚",
        "低保，特困，重点优抚",
        "低保;特困;重点优抚",
        "低保；特困；重点优抚",
        "低保/特困/重点优抚",
        "低保 特困 优抚",
        "低保、 特困 ,, 优抚对象",
    ],
)
def test_several_categories_in_one_cell(typed):
    expected = sorted([Category.SUBSISTENCE, Category.EXTREME_POVERTY, Category.ENTITLED_GROUP])
    assert fields.categories(typed) == expected


def test_lost_only_child_implies_family_planning_special_family():
    assert fields.categories("失独") == sorted([Category.LOST_ONLY_CHILD, Category.FAMILY_PLANNING])
    assert fields.categories("低保、失独家庭") == sorted(
        [Category.SUBSISTENCE, Category.LOST_ONLY_CHILD, Category.FAMILY_PLANNING]
    )


def test_a_category_named_twice_is_kept_once():
    assert fields.categories("低保、低保户、失独、计划生育特殊家庭") == sorted(
        [Category.SUBSISTENCE, Category.LOST_ONLY_CHILD, Category.FAMILY_PLANNING]
    )


def test_unknown_category_is_named():
    with translation.override("en"), pytest.raises(ValidationFailed) as error:
        fields.categories("低保、富豪")
    assert error.value.code == "category_unknown"
    assert "富豪" in error.value.message


# --- disability grade -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("一级", 1),
        ("2", 2),
        (2, 2),
        (2.0, 2),
        ("二级", 2),
        ("三级残疾", 3),
        ("四级", 4),
        ("4级", 4),
        ("", None),
        (None, None),
    ],
)
def test_disability_grade(typed, expected):
    assert fields.disability_grade(typed) == expected


@pytest.mark.parametrize("typed", ["五级", "0", "重度", "1.5"])
def test_impossible_disability_grade(typed):
    assert code_of(fields.disability_grade, typed) == "disability_grade_invalid"


# --- yes / no ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("是", True),
        ("有", True),
        ("已签约", True),
        ("Y", True),
        ("√", True),
        (1, True),
        ("否", False),
        ("无", False),
        ("未签约", False),
        ("No", False),
        (0, False),
        ("", None),
        (None, None),
    ],
)
def test_yes_no(typed, expected):
    assert fields.yes_no(typed, label="x") is expected


def test_neither_yes_nor_no():
    with translation.override("en"), pytest.raises(ValidationFailed) as error:
        fields.yes_no("也许", label="Holds a key")
    assert error.value.code == "yes_no"
    assert "Holds a key" in error.value.message and "也许" in error.value.message


# --- coordinates ------------------------------------------------------------------------------------------
def test_coordinate_in_china_is_rounded():
    assert fields.coordinate("43.8378912345", bounds=fields.LAT_RANGE, label="latitude") == 43.837891
    assert fields.coordinate(126.55, bounds=fields.LON_RANGE, label="longitude") == 126.55
    assert fields.coordinate("", bounds=fields.LON_RANGE, label="longitude") is None


@pytest.mark.parametrize(
    ("typed", "bounds"),
    [
        ("126.55", fields.LAT_RANGE),  # longitude typed in the latitude column
        ("43.8", fields.LON_RANGE),  # and the other way round
        ("-43.8", fields.LAT_RANGE),
        ("2.35", fields.LON_RANGE),  # Paris
        ("北纬43度", fields.LAT_RANGE),
        ("nan", fields.LAT_RANGE),
    ],
)
def test_coordinate_outside_china(typed, bounds):
    assert code_of(fields.coordinate, typed, bounds=bounds, label="latitude") == "coordinate_invalid"


# --- region codes -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("220202", "220202000000"),
        ("220202001", "220202001000"),
        ("220202001001", "220202001001"),
        (220202001001.0, "220202001001"),
        (220202001001, "220202001001"),
        (" 220202001001 ", "220202001001"),
        ("", ""),
        (None, ""),
    ],
)
def test_region_code_is_padded_to_12_digits(typed, expected):
    assert fields.region_code(typed) == expected


@pytest.mark.parametrize("typed", ["990101", "22020", "2202020010", "22020200100A", "吉林市"])
def test_not_a_region_code(typed):
    assert code_of(fields.region_code, typed) == "region_code_invalid"


# --- ID number as typed -----------------------------------------------------------------------------------
def test_id_number_text_is_trimmed_and_upper_case():
    assert fields.id_number_text(" 11010519491231002x ") == "11010519491231002X"
    assert fields.id_number_text("１１０１０５１９４９１２３１００２Ｘ") == "11010519491231002X"


def test_id_number_stored_by_excel_as_a_float_is_refused():
    # Excel keeps 15 significant digits: 220202194803021239 comes back as 2.20202194803021e+17.
    assert code_of(fields.id_number_text, 2.20202194803021e17) == "id_stored_as_number"
    with translation.override("en"), pytest.raises(ValidationFailed) as error:
        fields.id_number_text(float("220202194803021239"))
    assert "as text" in error.value.message


def test_legacy_15_digit_number_stored_as_a_number_keeps_its_digits():
    # 15 digits fit in Excel's precision; nothing is lost, so the number is usable.
    assert fields.id_number_text(220202480302123) == "220202480302123"
    assert fields.id_number_text(220202480302123.0) == "220202480302123"


@pytest.mark.parametrize("typed", ["", "   ", None])
def test_missing_id_number(typed):
    assert code_of(fields.id_number_text, typed) == "id_missing"


# --- name -------------------------------------------------------------------------------------------------
def test_name():
    assert fields.name(" 张三丰 ") == "张三丰"
    assert fields.name("阿依古丽·买买提") == "阿依古丽·买买提"
    assert code_of(fields.name, "") == "name_missing"
    assert code_of(fields.name, None) == "name_missing"
    assert code_of(fields.name, "张三1") == "name_invalid"
    assert code_of(fields.name, "张" * 41) == "name_too_long"
    assert code_of(fields.name, "<script>") == "name_invalid"
    assert fields.name("Mary O’Neil-Smith") == "Mary O’Neil-Smith"


# --- age --------------------------------------------------------------------------------------------------
def test_old_enough_from_the_configured_age(settings):
    today = dt.date(2026, 3, 2)
    fields.old_enough(dt.date(1966, 3, 2), today)  # 60 today
    assert code_of(fields.old_enough, dt.date(1966, 3, 3), today) == "too_young"  # 60 tomorrow
    settings.SHOUWANG_ELDER_MIN_AGE = 65
    assert code_of(fields.old_enough, dt.date(1962, 1, 1), today) == "too_young"


def test_conditions_are_split_and_more_than_the_cap_are_refused_not_cut():
    assert fields.conditions("高血压、糖尿病,冠心病") == ["高血压", "糖尿病", "冠心病"]
    assert fields.conditions("") == []
    assert len(fields.conditions("、".join(f"病{n}" for n in range(20)))) == 20
    assert code_of(fields.conditions, "、".join(f"病{n}" for n in range(30))) == "too_many_conditions"
