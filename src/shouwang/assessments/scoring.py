"""The ability-assessment scoring engine of GB/T 42195-2022 《老年人能力评估规范》 (elder ability assessment).

Pure functions, no database: item scores → four dimension scores → total (0–90) → initial level (0–4)
→ adjustments → final level, with the list of rules that fired. Higher scores mean more able.

The standard's 26 items fall into four dimensions:

- 自理能力 self-care (8 items, 0–4 each, max 32),
- 基础运动能力 basic mobility (4 items, stairs 0–3, max 15),
- 精神状态 mental state (9 items, aggression and depression 0–1, consciousness 0–2, max 28),
- 感知觉与社会参与 perception and social participation (5 items, max 15).

Initial level from the total: 90 → 0 能力完好; 66–89 → 1 轻度受损; 46–65 → 2 中度受损; 30–45 → 3 重度受损;
0–29 → 4 完全丧失. Adjustments (the standard's 等级变更 rules):

- ``coma``: a person in a coma (昏迷) is level 4 directly;
- ``mental_diagnosis``: a diagnosis of dementia (ICD-10 F00–F03) or of another mental or behavioural
  disorder (F04–F99) raises the level by one;
- ``risk_events``: two or more care-risk events (fall 跌倒, choking 噎食, self-harm 自杀/自伤, wandering
  走失) in the last 30 days raise the level by one.

Whether the two "one level higher" rules add up is not settled by the text: ``cumulative=False`` (the
default) raises the level by one at most; ``cumulative=True`` adds them. Every rule that fired is listed
either way, and the level never exceeds 4.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, NamedTuple

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from shouwang.core.errors import ValidationFailed
from shouwang.core.text import listed

STANDARD = "GB/T 42195-2022"

MAX_LEVEL = 4


@dataclass(frozen=True)
class Item:
    """One assessment item. ``anchors`` maps every allowed score (0..max) to what it means."""

    key: str
    dimension: str
    label: str
    label_en: str
    max: int
    anchors: Mapping[int, str]

    @property
    def min(self) -> int:
        return 0


@dataclass(frozen=True)
class Dimension:
    key: str
    name: str
    name_en: str
    max: int


@dataclass(frozen=True)
class Level:
    """An ability level (能力等级) and the band of totals that gives it as the initial level."""

    level: int
    name: str
    name_en: str
    min_total: int
    max_total: int


@dataclass(frozen=True)
class RiskEvent:
    key: str
    label: str
    label_en: str


class Adjustment(NamedTuple):
    """A rule that fired: a stable code, a Chinese description and an English one."""

    code: str
    description: str
    description_en: str


@dataclass(frozen=True)
class Result:
    dimension_scores: dict[str, int]
    total: int
    initial_level: int
    final_level: int
    adjustments: list[Adjustment]

    @property
    def level_name(self) -> str:
        return level_name(self.final_level, "zh-hans")

    @property
    def level_name_en(self) -> str:
        return level_name(self.final_level, "en")


def _anchors(**by_score: str) -> Mapping[int, str]:
    """``_anchors(s4=..., s3=...)`` → a read-only {4: ..., 3: ...}, highest score first."""
    return MappingProxyType({int(name[1:]): text for name, text in by_score.items()})


def _self_care(zero: str = "完全依赖他人", **overrides: str) -> Mapping[int, str]:
    anchors = {
        "s4": "独立完成",
        "s3": "需他人指导或监护（提示、看护）下完成，或借助辅具独立完成",
        "s2": "需他人少量帮助，以自己完成为主",
        "s1": "需他人大量帮助，以他人完成为主",
        "s0": zero,
    }
    anchors.update(overrides)
    return _anchors(**anchors)


SELF_CARE = "self_care"
MOBILITY = "mobility"
MENTAL = "mental"
PERCEPTION = "perception"

ITEMS: tuple[Item, ...] = (
    # 自理能力 self-care: 0–4 each
    Item(
        "eating",
        SELF_CARE,
        "进食",
        "Eating",
        4,
        _self_care(
            "完全依赖他人或鼻饲（留置营养管），或吞咽困难",
            s4="独立使用餐具把食物送进口中并咽下，无呛咳",
            s2="需他人少量帮助，偶有呛咳",
            s1="需他人大量帮助，经常呛咳",
        ),
    ),
    Item(
        "grooming",
        SELF_CARE,
        "修饰",
        "Grooming",
        4,
        _self_care(s4="独立完成洗脸、刷牙、梳头、剃须等"),
    ),
    Item(
        "bathing",
        SELF_CARE,
        "洗澡",
        "Bathing",
        4,
        _self_care(s4="独立完成洗澡（淋浴或盆浴），含准备和擦干"),
    ),
    Item(
        "dressing_upper",
        SELF_CARE,
        "穿/脱上衣",
        "Dressing and undressing (upper body)",
        4,
        _self_care(s4="独立穿脱上衣，系扣、拉拉链"),
    ),
    Item(
        "dressing_lower",
        SELF_CARE,
        "穿/脱裤子和鞋袜",
        "Dressing and undressing (trousers, shoes and socks)",
        4,
        _self_care(s4="独立穿脱裤子、鞋袜"),
    ),
    Item(
        "bladder",
        SELF_CARE,
        "小便控制",
        "Bladder control",
        4,
        _anchors(
            s4="能完全控制小便，无失禁",
            s3="偶尔失禁（每周少于一次），或需他人提示、监护",
            s2="经常失禁（每周一次及以上，但非每天）",
            s1="每天都失禁，需他人大量帮助",
            s0="完全失禁或留置导尿",
        ),
    ),
    Item(
        "bowel",
        SELF_CARE,
        "大便控制",
        "Bowel control",
        4,
        _anchors(
            s4="能完全控制大便，无失禁",
            s3="偶尔失禁（每月少于一次），或需他人提示、监护",
            s2="经常失禁（每月一次及以上，但非每周）",
            s1="每周都失禁，需他人大量帮助",
            s0="完全失禁，或造瘘需他人处理",
        ),
    ),
    Item(
        "toileting",
        SELF_CARE,
        "如厕",
        "Toileting",
        4,
        _self_care(s4="独立如厕，含穿脱裤子、便后清洁"),
    ),
    # 基础运动能力 basic mobility
    Item(
        "bed_mobility",
        MOBILITY,
        "床上体位转移",
        "Bed mobility (turning, sitting up)",
        4,
        _self_care(s4="独立在床上翻身、坐起、躺下"),
    ),
    Item(
        "transfer",
        MOBILITY,
        "床椅转移",
        "Bed–chair transfer",
        4,
        _self_care(s4="独立在床和椅子（轮椅）之间转移"),
    ),
    Item(
        "walking",
        MOBILITY,
        "平地行走",
        "Walking on level ground",
        4,
        _self_care(
            "完全依赖他人，或不能行走",
            s4="独立平地行走约 50 米，无需辅具",
            s3="需他人指导或监护，或借助拐杖、助行器独立行走",
        ),
    ),
    Item(
        "stairs",
        MOBILITY,
        "上下楼梯",
        "Climbing stairs",
        3,
        _anchors(
            s3="独立上下楼梯（连续 10～15 个台阶）",
            s2="需他人指导、监护或少量帮助",
            s1="需他人大量帮助",
            s0="完全依赖他人，或不能上下楼梯",
        ),
    ),
    # 精神状态 mental state
    Item(
        "orientation_time",
        MENTAL,
        "时间定向",
        "Orientation in time",
        4,
        _anchors(
            s4="年、月、日清楚，日期或星期几最多差一天",
            s3="年、月、日或星期几不能全部分清（差两天或以上）",
            s2="年、月、日不清楚，知道季节或上半年/下半年",
            s1="只知道上午、下午或白天、夜间",
            s0="无时间观念",
        ),
    ),
    Item(
        "orientation_place",
        MENTAL,
        "空间定向",
        "Orientation in place",
        4,
        _anchors(
            s4="能在日常生活范围内（如小区内）单独外出",
            s3="不能单独外出，但清楚知道自己住址等地址信息",
            s2="不能单独外出，知道较多自己生活所在地的信息",
            s1="不能单独外出，只知道很少的居住地信息",
            s0="无空间观念",
        ),
    ),
    Item(
        "orientation_person",
        MENTAL,
        "人物定向",
        "Orientation to people",
        4,
        _anchors(
            s4="认识一起生活的人，能称呼并知道关系",
            s3="认识大部分一起生活的人，能称呼或知道关系",
            s2="认识部分同住亲人或照护者",
            s1="只认识自己或极少数同住亲人、照护者",
            s0="不认识任何人（包括自己）",
        ),
    ),
    Item(
        "memory",
        MENTAL,
        "记忆",
        "Memory",
        4,
        _anchors(
            s4="记忆力与年龄相称，能完整回忆",
            s3="轻度记忆减退：记不住刚说过的事（3 个词 5 分钟后只记得 0～1 个）",
            s2="中度记忆减退：记不住近期的事（如上一顿吃了什么）",
            s1="重度记忆减退：记不住很久以前的事（如老朋友）",
            s0="记忆完全紊乱，不能回忆既往事物",
        ),
    ),
    Item(
        "understanding",
        MENTAL,
        "理解能力",
        "Understanding",
        4,
        _anchors(
            s4="能正常理解他人的话",
            s3="能理解他人的话，但需要更多时间",
            s2="理解有困难，需反复说或说得更简单",
            s1="理解有严重困难，需他人大量帮助",
            s0="完全不能理解他人的话",
        ),
    ),
    Item(
        "expression",
        MENTAL,
        "表达能力",
        "Expression",
        4,
        _anchors(
            s4="能正常表达自己的想法",
            s3="能表达自己的需要，但需要更多时间",
            s2="表达有困难，需反复说或简化",
            s1="表达有严重困难，需他人大量帮助",
            s0="完全不能表达需要",
        ),
    ),
    Item(
        "aggression",
        MENTAL,
        "攻击行为",
        "Aggressive behaviour",
        1,
        _anchors(s1="近一个月无攻击行为", s0="近一个月有攻击行为（身体或语言攻击）"),
    ),
    Item(
        "depression",
        MENTAL,
        "抑郁症状",
        "Depressive symptoms",
        1,
        _anchors(s1="近一个月无抑郁症状", s0="近一个月有抑郁症状（情绪低落、兴趣减退等）"),
    ),
    Item(
        "consciousness",
        MENTAL,
        "意识水平",
        "Level of consciousness",
        2,
        _anchors(
            s2="神志清醒，对周围环境反应正确",
            s1="嗜睡或意识模糊：可唤醒，停止刺激后又入睡",
            s0="昏睡或昏迷：难以唤醒或不能唤醒",
        ),
    ),
    # 感知觉与社会参与 perception and social participation
    Item(
        "vision",
        PERCEPTION,
        "视力",
        "Vision",
        2,
        _anchors(
            s2="视力正常，能看清书报上的标准字体",
            s1="轻度受损：只能看清大字或辨认物体",
            s0="严重受损：只能看到光、颜色和形状，或失明",
        ),
    ),
    Item(
        "hearing",
        PERCEPTION,
        "听力",
        "Hearing",
        2,
        _anchors(
            s2="听力正常",
            s1="轻度受损：轻声或 2 米外听不清，需安静环境或大声说话",
            s0="严重受损：大声慢说才能部分听见，或失聪",
        ),
    ),
    Item(
        "daily_tasks",
        PERCEPTION,
        "执行日常事务",
        "Carrying out daily tasks",
        4,
        _self_care(s4="独立计划、安排并完成日常事务（如购物、理财、做饭）"),
    ),
    Item(
        "transport",
        PERCEPTION,
        "使用交通工具外出",
        "Going out by transport",
        3,
        _anchors(
            s3="能自己骑车或乘坐公共交通工具外出",
            s2="能自己乘出租车，但不会乘其他公共交通工具",
            s1="有人协助或陪伴时能乘公共交通工具外出",
            s0="只能在他人协助下乘出租车或私家车外出，或完全不能外出",
        ),
    ),
    Item(
        "social",
        PERCEPTION,
        "社会交往能力",
        "Social interaction",
        4,
        _anchors(
            s4="参与社会活动，适应能力较好，待人接物恰当",
            s3="能适应简单环境，主动与人接触，但不能理解隐喻",
            s2="脱离社会，只能被动接触，不主动与人交往，容易上当受骗",
            s1="勉强可与人接触，谈吐内容不清，表情不恰当",
            s0="不能与人交往",
        ),
    ),
)

ITEMS_BY_KEY: Mapping[str, Item] = MappingProxyType({item.key: item for item in ITEMS})

DIMENSIONS: tuple[Dimension, ...] = (
    Dimension(SELF_CARE, "自理能力", "Self-care", 32),
    Dimension(MOBILITY, "基础运动能力", "Basic mobility", 15),
    Dimension(MENTAL, "精神状态", "Mental state", 28),
    Dimension(PERCEPTION, "感知觉与社会参与", "Perception and social participation", 15),
)

LEVELS: tuple[Level, ...] = (
    Level(0, "能力完好", "Intact", 90, 90),
    Level(1, "轻度受损（轻度失能）", "Mildly impaired (mild disability)", 66, 89),
    Level(2, "中度受损（中度失能）", "Moderately impaired (moderate disability)", 46, 65),
    Level(3, "重度受损（重度失能）", "Severely impaired (severe disability)", 30, 45),
    Level(4, "完全丧失（完全失能）", "Completely lost (total disability)", 0, 29),
)

RISK_EVENTS: tuple[RiskEvent, ...] = (
    RiskEvent("fall", "跌倒", "Fall"),
    RiskEvent("choking", "噎食", "Choking"),
    RiskEvent("self_harm", "自杀、自伤", "Suicide attempt or self-harm"),
    RiskEvent("wandering", "走失", "Wandering or getting lost"),
)

RISK_EVENT_THRESHOLD = 2
"""Care-risk events in the last 30 days that raise the level by one."""

MAX_TOTAL = sum(item.max for item in ITEMS)

# ICD-10 chapter V: "F" and two digits, then optionally a subdivision after a dot (also the longer codes of
# the Chinese clinical edition, "F03.X00X001") or one or two digits without it ("F039"), then the end or a
# description ("F03 痴呆"). Anything else ("F3", "FF03", "F03A9") is not read as an F code.
_F_CODE = re.compile(r"F\d{2}(?:\.[0-9A-Z]+|[0-9X]{1,2})?(?=$|[\s,，;；:：(（\-–—/])")


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _item_name(item: Item) -> str:
    """The item as a message names it: the label in the current language and the key."""
    label = item.label_en if (get_language() or "").startswith("en") else item.label
    return f"{label} ({item.key})"


def _check_items(items: Mapping[str, Any]) -> dict[str, int]:
    if not isinstance(items, Mapping):
        raise ValidationFailed(
            _("Item scores must be given as an object of item keys and scores."),
            errors={"items": _("Give the score of each of the %(count)d items.") % {"count": len(ITEMS)}},
        )
    errors: dict[str, str] = {}
    missing = [item.key for item in ITEMS if item.key not in items]
    unknown = [str(key) for key in items if key not in ITEMS_BY_KEY]
    out_of_range: list[str] = []
    for key in missing:
        errors[key] = _("This item is missing: give a score from 0 to %(max)d.") % {
            "max": ITEMS_BY_KEY[key].max
        }
    for key in unknown:
        errors[key] = _("This is not an item of the assessment.")
    for item in ITEMS:
        if item.key not in items:
            continue
        value = items[item.key]
        if not _is_int(value) or not 0 <= value <= item.max:
            out_of_range.append(item.key)
            errors[item.key] = _("%(item)s must be a whole number from 0 to %(max)d, not %(value)s.") % {
                "item": _item_name(item),
                "max": item.max,
                "value": repr(value),
            }
    if errors:
        parts = []
        if missing:
            parts.append(_("Missing items: %(keys)s.") % {"keys": listed(missing)})
        if unknown:
            parts.append(_("Unknown items: %(keys)s.") % {"keys": listed(unknown)})
        if out_of_range:
            parts.append(
                _("Scores out of range: %(items)s.")
                % {
                    "items": listed(
                        _("%(key)s (0–%(max)d)") % {"key": key, "max": ITEMS_BY_KEY[key].max}
                        for key in out_of_range
                    )
                }
            )
        raise ValidationFailed(" ".join(parts), errors=errors, code="invalid_item_scores")
    return {item.key: items[item.key] for item in ITEMS}


def _check_risk_events(events: Mapping[str, Any] | None) -> dict[str, int]:
    events = {} if events is None else events
    if not isinstance(events, Mapping):
        raise ValidationFailed(
            _("Risk events must be given as an object of event keys and counts."),
            errors={"risk_events_30d": _("Give a count for each kind of event.")},
        )
    known = {event.key for event in RISK_EVENTS}
    errors: dict[str, str] = {}
    for key, count in events.items():
        field = f"risk_events_30d.{key}"
        if key not in known:
            errors[field] = _("Unknown kind of risk event; use one of %(keys)s.") % {
                "keys": listed(event.key for event in RISK_EVENTS)
            }
        elif not _is_int(count) or count < 0:
            errors[field] = _("The count must be a whole number of 0 or more, not %(value)s.") % {
                "value": repr(count)
            }
    if errors:
        raise ValidationFailed(
            _("The risk events are not valid: %(fields)s.") % {"fields": listed(errors)},
            errors=errors,
            code="invalid_risk_events",
        )
    return {event.key: events.get(event.key, 0) for event in RISK_EVENTS}


def mental_diagnosis_codes(diagnoses: list[str]) -> list[str]:
    """The diagnoses that count for the ``mental_diagnosis`` rule: ICD-10 F00–F99, normalised.

    ``"f03.9"`` → ``"F03.9"``; ``"I10"`` and ``"G30"`` (Alzheimer's disease, chapter VI) do not count.
    """
    if isinstance(diagnoses, str) or not isinstance(diagnoses, list | tuple):
        raise ValidationFailed(
            _("Diagnoses must be a list of ICD-10 codes."),
            errors={"diagnoses": _("Give a list of ICD-10 codes, for example F03.")},
        )
    found: list[str] = []
    for index, diagnosis in enumerate(diagnoses):
        if not isinstance(diagnosis, str):
            raise ValidationFailed(
                _("Diagnoses must be a list of ICD-10 codes."),
                errors={f"diagnoses.{index}": _("Give the ICD-10 code as text, for example F03.")},
            )
        text = diagnosis.strip().upper()
        match = _F_CODE.match(text)
        if match:
            found.append(match.group(0))
    return found


def level_for_total(total: int) -> int:
    """The initial level (0–4) of a total score (0–90)."""
    if not _is_int(total) or not 0 <= total <= MAX_TOTAL:
        raise ValueError(f"total must be an integer from 0 to {MAX_TOTAL}, not {total!r}")
    for level in LEVELS:
        if level.min_total <= total <= level.max_total:
            return level.level
    raise AssertionError("the level bands cover 0..90")  # pragma: no cover


def level_name(level: int, language: str = "zh-hans") -> str:
    """The name of a level: Chinese (the default, the standard's wording) or English (``"en"``)."""
    if not _is_int(level) or not 0 <= level <= MAX_LEVEL:
        raise ValueError(f"level must be an integer from 0 to {MAX_LEVEL}, not {level!r}")
    entry = LEVELS[level]
    return entry.name_en if language.lower().startswith("en") else entry.name


def score(
    items: dict[str, int],
    *,
    coma: bool,
    diagnoses: list[str],
    risk_events_30d: dict[str, int],
    cumulative: bool = False,
) -> Result:
    """Score one assessment by GB/T 42195-2022.

    Raises ``ValidationFailed`` naming every missing, unknown or out-of-range item (``errors`` maps each
    item key to a message), and for unknown or negative risk-event counts. Missing risk-event kinds count
    as 0. ``cumulative`` decides whether the two "one level higher" rules add up.
    """
    scores = _check_items(items)
    events = _check_risk_events(risk_events_30d)
    mental_codes = mental_diagnosis_codes(diagnoses)

    dimension_scores = {dimension.key: 0 for dimension in DIMENSIONS}
    for item in ITEMS:
        dimension_scores[item.dimension] += scores[item.key]
    total = sum(dimension_scores.values())
    initial = level_for_total(total)

    adjustments: list[Adjustment] = []
    if coma:
        adjustments.append(
            Adjustment(
                "coma",
                "处于昏迷状态，直接评定为能力完全丧失（4级）",
                "In a coma: level 4 (completely lost) directly",
            )
        )
    steps = 0
    if mental_codes:
        codes = "、".join(mental_codes)
        adjustments.append(
            Adjustment(
                "mental_diagnosis",
                f"确诊痴呆（F00–F03）或其他精神和行为障碍（F04–F99）：{codes}，能力等级提高一级",
                f"Diagnosed dementia (F00–F03) or another mental or behavioural disorder (F04–F99): "
                f"{', '.join(mental_codes)}; one level higher",
            )
        )
        steps += 1
    event_count = sum(events.values())
    if event_count >= RISK_EVENT_THRESHOLD:
        adjustments.append(
            Adjustment(
                "risk_events",
                f"近30天发生跌倒、噎食、自杀自伤、走失等照护风险事件{event_count}次（2次及以上），"
                "能力等级提高一级",
                f"{event_count} care-risk events (fall, choking, self-harm, wandering) in the last 30 days "
                "(2 or more); one level higher",
            )
        )
        steps += 1

    raised = min(MAX_LEVEL, initial + (steps if cumulative else min(steps, 1)))
    final = MAX_LEVEL if coma else raised
    return Result(
        dimension_scores=dimension_scores,
        total=total,
        initial_level=initial,
        final_level=final,
        adjustments=adjustments,
    )


def definitions() -> dict[str, Any]:
    """The items with their anchors, the dimensions, the level bands and the risk events, as plain data
    (for other systems and for the assessor's form)."""
    return {
        "standard": STANDARD,
        "max_total": MAX_TOTAL,
        "items": [
            {
                "key": item.key,
                "dimension": item.dimension,
                "label": item.label,
                "label_en": item.label_en,
                "min": item.min,
                "max": item.max,
                "anchors": [
                    {"score": value, "description": item.anchors[value]} for value in range(item.max, -1, -1)
                ],
            }
            for item in ITEMS
        ],
        "dimensions": [
            {
                "key": dimension.key,
                "name": dimension.name,
                "name_en": dimension.name_en,
                "max": dimension.max,
                "items": [item.key for item in ITEMS if item.dimension == dimension.key],
            }
            for dimension in DIMENSIONS
        ],
        "levels": [
            {
                "level": level.level,
                "name": level.name,
                "name_en": level.name_en,
                "min_total": level.min_total,
                "max_total": level.max_total,
            }
            for level in LEVELS
        ],
        "risk_events": [
            {"key": event.key, "label": event.label, "label_en": event.label_en} for event in RISK_EVENTS
        ],
        "risk_event_threshold": RISK_EVENT_THRESHOLD,
    }
