"""The GB/T 42195-2022 scoring engine: item ranges, level bands, adjustments and validation.

Expected figures are written out here from the standard (DOMAIN.md §2), not read back from the engine.
"""

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from shouwang.assessments import scoring
from shouwang.assessments.scoring import ITEMS, LEVELS, level_for_total, level_name, score
from shouwang.core.errors import ValidationFailed

# key → (dimension, maximum), as the standard lists them.
STANDARD_ITEMS = {
    "eating": ("self_care", 4),
    "grooming": ("self_care", 4),
    "bathing": ("self_care", 4),
    "dressing_upper": ("self_care", 4),
    "dressing_lower": ("self_care", 4),
    "bladder": ("self_care", 4),
    "bowel": ("self_care", 4),
    "toileting": ("self_care", 4),
    "bed_mobility": ("mobility", 4),
    "transfer": ("mobility", 4),
    "walking": ("mobility", 4),
    "stairs": ("mobility", 3),
    "orientation_time": ("mental", 4),
    "orientation_place": ("mental", 4),
    "orientation_person": ("mental", 4),
    "memory": ("mental", 4),
    "understanding": ("mental", 4),
    "expression": ("mental", 4),
    "aggression": ("mental", 1),
    "depression": ("mental", 1),
    "consciousness": ("mental", 2),
    "vision": ("perception", 2),
    "hearing": ("perception", 2),
    "daily_tasks": ("perception", 4),
    "transport": ("perception", 3),
    "social": ("perception", 4),
}

ISSUE_ITEMS = {
    "eating": 4,
    "grooming": 4,
    "bathing": 4,
    "dressing_upper": 4,
    "dressing_lower": 4,
    "bladder": 4,
    "bowel": 4,
    "toileting": 4,
    "bed_mobility": 4,
    "transfer": 4,
    "walking": 4,
    "stairs": 3,
    "orientation_time": 4,
    "orientation_place": 4,
    "orientation_person": 4,
    "memory": 4,
    "understanding": 4,
    "expression": 4,
    "aggression": 1,
    "depression": 1,
    "consciousness": 2,
    "vision": 2,
    "hearing": 2,
    "daily_tasks": 4,
    "transport": 3,
    "social": 4,
}

NO_EVENTS = {"fall": 0, "choking": 0, "self_harm": 0, "wandering": 0}


@pytest.fixture(autouse=True)
def english():
    """Messages are checked in English (the msgids); Chinese translations are added separately."""
    with translation.override("en"):
        yield


def items_totalling(total: int) -> dict[str, int]:
    """A full item set whose scores add up to exactly ``total`` (taken off the items in order)."""
    items = {key: maximum for key, (_, maximum) in STANDARD_ITEMS.items()}
    excess = sum(items.values()) - total
    for key in items:
        take = min(items[key], excess)
        items[key] -= take
        excess -= take
    assert excess == 0 and sum(items.values()) == total
    return items


def plain(items, **kwargs):
    options = {"coma": False, "diagnoses": [], "risk_events_30d": {}} | kwargs
    return score(items, **options)


# ---- definitions -------------------------------------------------------------------------------------


def test_the_26_items_in_order_with_their_dimensions_and_ranges():
    assert [(i.key, i.dimension, i.max) for i in ITEMS] == [(k, d, m) for k, (d, m) in STANDARD_ITEMS.items()]
    assert all(item.min == 0 for item in ITEMS)


def test_every_score_of_every_item_has_an_anchor_in_chinese():
    for item in ITEMS:
        assert sorted(item.anchors) == list(range(item.max + 1)), item.key
        assert all(text.strip() for text in item.anchors.values())
        assert item.label and item.label_en


def test_anchors_named_by_the_standard():
    by_key = scoring.ITEMS_BY_KEY
    assert "鼻饲" in by_key["eating"].anchors[0]
    assert "留置导尿" in by_key["bladder"].anchors[0]
    assert by_key["grooming"].anchors[3].startswith("需他人指导或监护")
    assert by_key["consciousness"].anchors[2].startswith("神志清醒")
    assert "昏迷" in by_key["consciousness"].anchors[0]
    assert "无攻击行为" in by_key["aggression"].anchors[1]
    assert by_key["eating"].label == "进食" and by_key["social"].label == "社会交往能力"


def test_dimensions_and_their_maxima():
    assert [(d.key, d.name, d.max) for d in scoring.DIMENSIONS] == [
        ("self_care", "自理能力", 32),
        ("mobility", "基础运动能力", 15),
        ("mental", "精神状态", 28),
        ("perception", "感知觉与社会参与", 15),
    ]
    for dimension in scoring.DIMENSIONS:
        assert sum(i.max for i in ITEMS if i.dimension == dimension.key) == dimension.max


def test_level_names():
    assert [level_name(n) for n in range(5)] == [
        "能力完好",
        "轻度受损（轻度失能）",
        "中度受损（中度失能）",
        "重度受损（重度失能）",
        "完全丧失（完全失能）",
    ]
    assert level_name(0, "en") == "Intact"
    assert level_name(1, "en-us").startswith("Mildly impaired")
    assert level_name(4, "zh-hans") == "完全丧失（完全失能）"
    with pytest.raises(ValueError):
        level_name(5, "zh-hans")


# ---- totals and levels -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "level"),
    [(90, 0), (89, 1), (66, 1), (65, 2), (46, 2), (45, 3), (30, 3), (29, 4), (0, 4)],
)
def test_boundary_totals_of_every_level(total, level):
    result = plain(items_totalling(total))
    assert result.total == total
    assert result.initial_level == level and result.final_level == level
    assert result.adjustments == []


def test_level_bands_cover_0_to_90_without_gaps():
    expected = [4] * 30 + [3] * 16 + [2] * 20 + [1] * 24 + [0]
    assert [level_for_total(total) for total in range(91)] == expected
    assert [(lv.min_total, lv.max_total) for lv in LEVELS] == [
        (90, 90),
        (66, 89),
        (46, 65),
        (30, 45),
        (0, 29),
    ]
    for bad in (-1, 91):
        with pytest.raises(ValueError):
            level_for_total(bad)


def test_the_issue_example():
    result = score(ISSUE_ITEMS, coma=False, diagnoses=["I10"], risk_events_30d=NO_EVENTS)
    assert result.dimension_scores == {"self_care": 32, "mobility": 15, "mental": 28, "perception": 15}
    assert result.total == 90
    assert (result.initial_level, result.final_level) == (0, 0)
    assert result.level_name == "能力完好" and result.level_name_en == "Intact"
    assert result.adjustments == []


def test_dimension_scores_add_up_per_dimension():
    items = dict(ISSUE_ITEMS, eating=0, stairs=1, consciousness=0, transport=2)
    result = plain(items)
    assert result.dimension_scores == {"self_care": 28, "mobility": 13, "mental": 26, "perception": 14}
    assert result.total == 81 and result.final_level == 1


# ---- adjustments -------------------------------------------------------------------------------------


def codes(result):
    return [adjustment.code for adjustment in result.adjustments]


def test_coma_alone_gives_level_4():
    result = plain(ISSUE_ITEMS, coma=True)
    assert (result.initial_level, result.final_level) == (0, 4)
    assert codes(result) == ["coma"]
    code, description, description_en = result.adjustments[0]
    assert code == "coma" and "昏迷" in description and "coma" in description_en


def test_mental_diagnosis_alone_raises_one_level():
    result = plain(items_totalling(70), diagnoses=["F03"])
    assert (result.initial_level, result.final_level) == (1, 2)
    assert codes(result) == ["mental_diagnosis"]
    assert "F03" in result.adjustments[0].description and "F03" in result.adjustments[0].description_en


def test_psychiatric_diagnosis_alone_raises_one_level():
    result = plain(items_totalling(90), diagnoses=["I10", "F20.0"])
    assert (result.initial_level, result.final_level) == (0, 1)
    assert codes(result) == ["mental_diagnosis"]


def test_two_risk_events_alone_raise_one_level():
    result = plain(items_totalling(50), risk_events_30d={"fall": 1, "wandering": 1})
    assert (result.initial_level, result.final_level) == (2, 3)
    assert codes(result) == ["risk_events"]
    assert "2" in result.adjustments[0].description


def test_one_risk_event_is_not_enough():
    result = plain(items_totalling(50), risk_events_30d={"fall": 1})
    assert result.final_level == 2 and result.adjustments == []


def test_missing_risk_event_kinds_count_as_zero():
    assert plain(items_totalling(50), risk_events_30d={"choking": 2}).final_level == 3


def test_both_rules_not_cumulative_raise_one_level_and_list_both():
    items = items_totalling(70)
    for result in (
        plain(items, diagnoses=["F01"], risk_events_30d={"fall": 2}),
        plain(items, diagnoses=["F01"], risk_events_30d={"fall": 2}, cumulative=False),
    ):
        assert (result.initial_level, result.final_level) == (1, 2)
        assert codes(result) == ["mental_diagnosis", "risk_events"]


def test_both_rules_cumulative_raise_two_levels():
    result = plain(items_totalling(70), diagnoses=["F01"], risk_events_30d={"fall": 2}, cumulative=True)
    assert (result.initial_level, result.final_level) == (1, 3)
    assert codes(result) == ["mental_diagnosis", "risk_events"]


@pytest.mark.parametrize("cumulative", [False, True])
def test_coma_with_both_rules_is_level_4_and_lists_all_three(cumulative):
    result = plain(
        ISSUE_ITEMS, coma=True, diagnoses=["F03"], risk_events_30d={"fall": 3}, cumulative=cumulative
    )
    assert result.final_level == 4
    assert codes(result) == ["coma", "mental_diagnosis", "risk_events"]


@pytest.mark.parametrize(
    ("total", "cumulative", "final"),
    [(40, False, 4), (40, True, 4), (20, False, 4), (20, True, 4), (50, True, 4)],
)
def test_never_above_level_4(total, cumulative, final):
    result = plain(
        items_totalling(total), diagnoses=["F32"], risk_events_30d={"fall": 2}, cumulative=cumulative
    )
    assert result.final_level == final
    assert codes(result) == ["mental_diagnosis", "risk_events"]


def test_coma_at_level_4_already_still_listed():
    result = plain(items_totalling(0), coma=True)
    assert result.final_level == 4 and codes(result) == ["coma"]


@pytest.mark.parametrize(
    "code",
    ["F00", "F00.0", "F03", "F03.9", "f03.9", " F03 ", "F039", "F03.X00", "F04", "f20.0", "F32.1", "F99",
     "F03 未特指的痴呆", "F20.0（偏执型精神分裂症）", "F03.X00X001", "f20.000x001", "F100"],
)  # fmt: skip
def test_f_codes_that_count(code):
    assert scoring.mental_diagnosis_codes([code]) != []
    assert plain(ISSUE_ITEMS, diagnoses=[code]).final_level == 1


@pytest.mark.parametrize(
    "code",
    [
        "I10",
        "G30",
        "G30.9",
        "E11",
        "",
        "F",
        "F3",
        "F3.2",
        "FF03",
        "XF03",
        "F03A9B7",
        "F03A",
        "F0A",
        "F03.",
        "无",
        "痴呆",
    ],
)
def test_codes_that_do_not_count(code):
    assert scoring.mental_diagnosis_codes([code]) == []
    result = plain(ISSUE_ITEMS, diagnoses=[code])
    assert result.final_level == 0 and result.adjustments == []


def test_diagnosis_codes_are_normalised_in_the_description():
    assert scoring.mental_diagnosis_codes(["f03.9", "I10", " f20.0 "]) == ["F03.9", "F20.0"]


def test_diagnoses_must_be_text():
    with pytest.raises(ValidationFailed) as error:
        plain(ISSUE_ITEMS, diagnoses=[303])
    assert "diagnoses.0" in error.value.errors


# ---- validation --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value", "allowed"),
    [
        ("stairs", 4, "0 to 3"),
        ("aggression", 2, "0 to 1"),
        ("depression", 2, "0 to 1"),
        ("consciousness", 3, "0 to 2"),
        ("vision", 3, "0 to 2"),
        ("transport", 4, "0 to 3"),
        ("eating", 5, "0 to 4"),
        ("eating", -1, "0 to 4"),
        ("memory", 2.5, "0 to 4"),
        ("memory", 3.0, "0 to 4"),
        ("memory", "3", "0 to 4"),
        ("memory", None, "0 to 4"),
        ("aggression", True, "0 to 1"),
    ],
)
def test_out_of_range_item_is_named_with_its_range(key, value, allowed):
    with pytest.raises(ValidationFailed) as error:
        plain(dict(ISSUE_ITEMS, **{key: value}))
    assert list(error.value.errors) == [key]
    assert allowed in error.value.errors[key]
    maximum = STANDARD_ITEMS[key][1]
    assert key in error.value.message and f"0–{maximum}" in error.value.message
    assert error.value.status == 422


def test_the_message_names_the_item_by_its_chinese_label_in_chinese():
    with translation.override("zh-hans"), pytest.raises(ValidationFailed) as error:
        plain(dict(ISSUE_ITEMS, stairs=4))
    assert "上下楼梯 (stairs)" in error.value.errors["stairs"]


def test_missing_and_unknown_keys_are_all_named():
    items = dict(ISSUE_ITEMS)
    del items["eating"], items["social"], items["stairs"]
    items["swimming"] = 3
    items["Eating"] = 4
    with pytest.raises(ValidationFailed) as error:
        plain(items)
    assert set(error.value.errors) == {"eating", "social", "stairs", "swimming", "Eating"}
    for key in ("eating", "social", "stairs", "swimming", "Eating"):
        assert key in error.value.message
    assert "missing" in error.value.errors["eating"]


def test_empty_items_name_all_26():
    with pytest.raises(ValidationFailed) as error:
        plain({})
    assert set(error.value.errors) == set(STANDARD_ITEMS)


def test_missing_out_of_range_and_unknown_together():
    items = dict(ISSUE_ITEMS, stairs=9, extra=1)
    del items["memory"]
    with pytest.raises(ValidationFailed) as error:
        plain(items)
    assert set(error.value.errors) == {"stairs", "extra", "memory"}


@pytest.mark.parametrize(
    "events",
    [{"fall": -1}, {"flood": 1}, {"fall": 1.5}, {"fall": "2"}, {"fall": True}],
)
def test_bad_risk_events_are_refused(events):
    with pytest.raises(ValidationFailed) as error:
        plain(ISSUE_ITEMS, risk_events_30d=events)
    (field,) = error.value.errors
    assert field == f"risk_events_30d.{next(iter(events))}"


# ---- properties --------------------------------------------------------------------------------------

item_sets = st.fixed_dictionaries(
    {key: st.integers(0, maximum) for key, (_, maximum) in STANDARD_ITEMS.items()}
)


@given(item_sets)
def test_total_is_the_sum_of_items_and_dimensions(items):
    result = plain(items)
    assert result.total == sum(items.values())
    assert sum(result.dimension_scores.values()) == result.total
    for dimension in result.dimension_scores:
        expected = sum(v for k, v in items.items() if STANDARD_ITEMS[k][0] == dimension)
        assert result.dimension_scores[dimension] == expected
    assert result.final_level == result.initial_level


@given(item_sets, item_sets)
def test_level_is_monotone_non_increasing_in_the_total(a, b):
    first, second = plain(a), plain(b)
    if first.total <= second.total:
        assert first.initial_level >= second.initial_level
    else:
        assert first.initial_level <= second.initial_level


@given(
    item_sets,
    st.booleans(),
    st.booleans(),
    st.booleans(),
    st.integers(0, 5),
)
def test_adjustments_never_lower_the_level_nor_pass_4(items, coma, diagnosed, cumulative, falls):
    result = plain(
        items,
        coma=coma,
        diagnoses=["F03"] if diagnosed else [],
        risk_events_30d={"fall": falls},
        cumulative=cumulative,
    )
    assert result.initial_level <= result.final_level <= 4
    raises = diagnosed + (falls >= 2)
    if coma:
        assert result.final_level == 4
    else:
        step = raises if cumulative else min(raises, 1)
        assert result.final_level == min(4, result.initial_level + step)
