"""From spreadsheet rows to checked registry records; no database here (``imports`` writes them).

A header cell is recognised by its usual Chinese names and their common variants (姓名; 身份证号 /
身份证号码 / 公民身份号码; …); spaces, required-field stars and bracketed notes are ignored, and a
trailing 2 or 3 marks a second or third emergency contact (紧急联系人2, 联系人电话2). A row becomes a
:class:`Record` or is rejected with every reason found in it.

What a row says is what changes: a column missing from the file, or an empty cell, leaves the stored value
as it is, so a partial spreadsheet never wipes what others have recorded.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field
from enum import Enum

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shouwang.core.errors import ValidationFailed
from shouwang.core.idnumbers import parse_resident_id
from shouwang.core.phones import normalise_phone
from shouwang.core.pinyin import initials
from shouwang.core.schemas import NUL
from shouwang.core.spreadsheets import HEADER_SEARCH_ROWS
from shouwang.core.text import too_long

from . import fields
from .models import VERY_OLD_AGE

# fmt: off
COLUMN_ALIASES = {
    # The variants below are those of the rosters bureaus keep: the import template, 高龄津贴 and 特困 /
    # 低保 rosters, 空巢独居 registers (a bracketed note such as （18位） is ignored before matching).
    "name": (
        "姓名", "老人姓名", "名字", "享受人姓名", "享受对象姓名", "申请人姓名", "对象姓名", "救助对象姓名",
    ),
    "id_number": (
        "身份证号", "身份证号码", "公民身份号码", "公民身份证号码", "身份证", "证件号码", "证件号",
        "身份证件号码",
        "享受人身份证号码", "申请人身份证号码",
    ),
    "sex": ("性别",),
    "birth_date": ("出生日期", "出生年月日", "生日"),
    # Year and month only (1945.03, 1945年3月): checked against the ID number, a warning when they differ.
    "birth_month": ("出生年月", "出生年份月份"),
    "age": ("年龄", "周岁", "年龄岁", "实际年龄"),
    "ethnicity": ("民族",),
    "phone": (
        "联系电话", "电话", "手机", "手机号", "手机号码", "本人电话", "老人电话", "联系方式", "本人联系电话",
        "本人手机", "电话号码",
    ),
    "second_phone": ("固定电话", "座机", "备用电话", "其他电话", "家庭电话"),
    "hukou_region_code": ("户籍地区划代码", "户籍区划代码", "户籍地代码", "户籍代码"),
    "community_code": (
        "现居住社区代码", "社区代码", "居住社区代码", "所属社区代码", "社区区划代码", "村社区代码",
    ),
    "community_name": (
        "现居住社区", "现居住社区名称", "社区名称", "所属社区", "社区", "居住社区", "社区村", "社区/村",
        "村/社区",
        "所在社区", "村", "所属村", "所在村", "村居", "所属村居", "所在村居", "村社区",
    ),
    "address": (
        "详细地址", "现居住地址", "居住地址", "家庭住址", "住址", "地址", "现住址", "家庭地址", "居住地",
    ),
    "lon": ("经度",),
    "lat": ("纬度",),
    "living_arrangement": ("居住状况", "居住情况", "居住方式", "居住类型", "居住状态"),
    "categories": (
        "人员类别", "类别", "老人类别", "保障类别", "特殊群体类别", "老人类型", "人员类型", "对象类别",
        "救助类别", "困难类型", "享受类别",
    ),
    "disability_grade": ("残疾等级", "残疾级别"),
    "chronic_conditions": ("慢性病", "慢性病史", "患病情况"),
    "family_doctor_contract": ("家庭医生签约", "是否签约家庭医生", "家庭医生"),
    "consent_data_sharing": ("同意数据共享", "数据共享授权"),
    "contact_name": (
        "紧急联系人", "紧急联系人姓名", "联系人", "联系人姓名", "监护人", "监护人姓名", "赡养人",
        "赡养人姓名",
    ),
    "contact_relation": ("联系人关系", "与老人关系", "关系", "紧急联系人关系", "与监护人关系", "监护人关系"),
    "contact_phone": (
        "联系人电话", "紧急联系人电话", "联系人手机", "紧急联系人手机", "监护人电话", "监护人联系电话",
        "赡养人电话", "赡养人联系电话",
    ),
    "contact_keyholder": ("是否有钥匙", "持有钥匙", "钥匙", "联系人有钥匙"),
}
# fmt: on
CONTACT_KEYS = ("contact_name", "contact_relation", "contact_phone", "contact_keyholder")
MAX_CONTACTS = 3
# The header of the import template, in this order (also the export's Chinese header).
TEMPLATE_HEADER = (
    "姓名", "身份证号码", "性别", "出生日期", "民族", "联系电话", "户籍地区划代码", "现居住社区代码",
    "现居住社区", "详细地址", "经度", "纬度", "居住状况", "人员类别", "残疾等级", "慢性病", "家庭医生签约",
    "紧急联系人", "联系人关系", "联系人电话", "是否有钥匙",
)  # fmt: skip
_ALIASES = {alias: key for key, aliases in COLUMN_ALIASES.items() for alias in (key, *aliases)}
_NOISE = re.compile(r"[\s*＊:：]|[(（\[【].*?[)）\]】]")
# Columns a row keeps as plain values, in the order Record.values holds them.
VALUE_FIELDS = (
    "ethnicity", "phone", "second_phone", "hukou_region_code", "address", "lat", "lon", "living_arrangement",
    "disability_grade", "chronic_conditions", "family_doctor_contract", "consent_data_sharing",
)  # fmt: skip


class MissingColumns(ValidationFailed):
    code = "missing_columns"


@dataclass(frozen=True)
class Contact:
    name: str
    relation: str
    phone: str
    is_keyholder: bool | None


@dataclass
class Record:
    """One checked row: identity always, other fields only when the row gave them. ``warnings`` are what
    the row says that the platform doubts but that does not stop it (高龄 for a 72-year-old);
    ``says_disabled`` that it calls the elder 失能, which only an assessment records (the import compares it
    with the stored elder)."""

    row: int
    id_number: str
    name: str
    name_initials: str
    sex: str
    birth_date: dt.date
    community_code: str
    values: dict[str, object] = field(default_factory=dict)
    categories: list[str] | None = None
    contacts: list[Contact] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    says_disabled: bool = False


@dataclass(frozen=True)
class Columns:
    """Which spreadsheet column holds which field (0-based), and which columns were not understood.
    ``community_name`` is the community every row is in when the sheet has no community column and is
    named after one (a workbook with a sheet per community)."""

    index: dict[str, int]
    contacts: tuple[dict[str, int], ...]
    ignored: tuple[str, ...]
    community_name: str = ""


class RowRejected(Exception):
    def __init__(self, reasons: list[str]):
        super().__init__("; ".join(reasons))
        self.reasons = reasons


def map_columns(header: list[str], *, sheet_name: str = "") -> Columns:
    """Recognise the header row. Without a community column, the sheet's name stands for the community
    when given. Raises :class:`MissingColumns` when a required column is absent."""
    index, contacts, ignored = _recognised(header)
    missing = [label for key, label in (("name", "姓名"), ("id_number", "身份证号码")) if key not in index]
    has_community = "community_code" in index or "community_name" in index
    if not has_community and not sheet_name:
        missing.append("现居住社区代码 / 现居住社区")
    if missing:
        raise MissingColumns(
            _(
                "The spreadsheet has no column for %(columns)s; the column names must be in one of its "
                "first %(rows)d rows."
            )
            % {"columns": "、".join(missing), "rows": HEADER_SEARCH_ROWS}
        )
    return Columns(
        index=index,
        contacts=tuple(c for c in contacts if c),
        ignored=tuple(ignored),
        community_name="" if has_community else fields.text(sheet_name),
    )


def is_header(cells: list[str]) -> bool:
    """Whether a row names the columns: it has the two columns every roster has, 姓名 and 身份证号码."""
    index, _contacts, _ignored = _recognised(cells)
    return "name" in index and "id_number" in index


def _recognised(header: list[str]) -> tuple[dict[str, int], list[dict[str, int]], list[str]]:
    index: dict[str, int] = {}
    contacts: list[dict[str, int]] = [{} for _ in range(MAX_CONTACTS)]
    ignored = []
    for position, cell in enumerate(header):
        label = _NOISE.sub("", fields.text(cell))  # NFKC: 紧急联系人２ typed in full width is 紧急联系人2
        number = 1
        if label and label[-1] in "123" and label[:-1] in _ALIASES:
            label, number = label[:-1], int(label[-1])
        key = _ALIASES.get(label) or _ALIASES.get(label.lower())
        if key is None:
            if str(cell).strip():
                ignored.append(str(cell).strip())
        elif key in CONTACT_KEYS:
            contacts[number - 1].setdefault(key, position)
        else:
            index.setdefault(key, position)
    return index, contacts, ignored


# A roster ends with lines that are not elders: totals (合计 | 5人), who made it (制表人：…) and notes. A
# rejected row that starts with one of these words is skipped and listed instead of reported as an elder.
FOOTER_WORDS = (
    "合计", "小计", "总计", "共计", "总数", "制表", "填表", "填报", "审核", "审批", "负责人", "经办人",
    "备注", "说明", "注", "单位负责人", "统计人",
)  # fmt: skip


def footer_text(cells: list) -> str | None:
    """The text of a footer row (see FOOTER_WORDS), or None when the row is not one."""
    first = next((text for cell in cells if (text := fields.text(cell))), "")
    if not first.startswith(FOOTER_WORDS):
        return None
    return " ".join(written for cell in cells if (written := str(cell).strip()))[:200]


class Communities:
    """The communities a user may register elders in, found by code or by name."""

    def __init__(self, in_scope: dict[str, str], known: set[str]):
        self.in_scope = in_scope  # code → name
        self.known = known  # every community code of the platform
        self.by_name: dict[str, list[str]] = {}
        for code, community_name in in_scope.items():
            self.by_name.setdefault(community_name, []).append(code)

    def named(self, name: str) -> bool:
        """Whether exactly one community in the area has this name."""
        return len(self.by_name.get(name, ())) == 1

    def resolve(self, code: str, name: str) -> str:
        if code:
            if code in self.in_scope:
                return code
            if code in self.known:
                raise ValidationFailed(
                    _("Community %(code)s is outside your area.") % {"code": code},
                    code="community_out_of_scope",
                )
            raise ValidationFailed(
                _("%(code)s is not the code of a community on the platform.") % {"code": code},
                code="community_unknown",
            )
        if not name:
            raise ValidationFailed(_("The residence community is missing."), code="community_missing")
        codes = self.by_name.get(name, [])
        if len(codes) == 1:
            return codes[0]
        if codes:
            raise ValidationFailed(
                _("Several communities in your area are called %(name)s; give the community code instead.")
                % {"name": name},
                code="community_ambiguous",
            )
        raise ValidationFailed(
            _("There is no community called %(name)s in your area.") % {"name": name},
            code="community_unknown",
        )


# Columns whose cells repeat across a registry (男/女, 汉族, 独居, 是/否, a community's code…): a row's
# outcome for such a cell is remembered, so a million rows parse each distinct cell once.
REPEATING_FIELDS = frozenset(
    {
        "ethnicity", "hukou_region_code", "living_arrangement", "disability_grade", "chronic_conditions",
        "family_doctor_contract", "consent_data_sharing",
    }
)  # fmt: skip
# Distinct cells remembered per column; a column with more (a misfiled address column) is parsed as usual.
MEMO_LIMIT = 20_000


class _Memo(dict):
    """The parsed value of each distinct text cell of one column, as ``(True, value)``; a cell that fails
    gives ``(False, message)`` and is parsed again next time (failures are rare, and their messages are in
    the language active at the time). Values are shared between rows: nothing may change one in place.

    Hot loops look a text cell up with ``memo.get(cell)`` first and call :meth:`outcome` only on a miss."""

    def outcome(self, parse, raw):
        if type(raw) is not str:  # 1, 1.0 and True are equal keys; only text is remembered
            return _outcome(parse, raw)
        return self.outcome_of(parse, raw)

    def outcome_of(self, parse, key):
        """``parse(key)``'s outcome, remembered; ``key`` must not be equal to a key of another meaning."""
        hit = self.get(key)
        if hit is None:
            hit = _outcome(parse, key)
            if hit[0] and len(self) < MEMO_LIMIT:
                self[key] = hit
        return hit


def _outcome(parse, raw):
    try:
        return True, _plain(parse(raw))
    except ValidationFailed as error:
        return False, error.message


def _plain(value):
    """Choices members as their plain values, which compare, hash and store the same and cross a process
    boundary cheaply (unpickling an enum member calls its class)."""
    if isinstance(value, Enum):
        return value.value
    if type(value) is list and value and isinstance(value[0], Enum):
        return [item.value for item in value]
    return value


class RowReader:
    """Turns rows into records; collects every problem of a row before rejecting it, in the order of the
    template's columns (name, identity, community, other values, categories, contacts).

    This runs once per row of files of a million rows, so it is written for speed: column positions are
    resolved once; a row is padded with empty cells so that every field, present or not, is one index
    away (a column the file lacks points past its last column, at an empty cell); and cells that repeat
    across rows (see ``REPEATING_FIELDS``) are parsed once per distinct text.
    """

    def __init__(self, columns: Columns, communities: Communities, today: dt.date):
        self.columns = columns
        self.communities = communities
        self.today = today
        index = columns.index
        self._width = 1 + max(
            [*index.values(), *(at for contact in columns.contacts for at in contact.values())]
        )
        self._empty_cells = [None] * (self._width + 1)
        absent = self._width
        self._at = {key: index.get(key, absent) for key in COLUMN_ALIASES}
        self._memo: dict[str, _Memo] = defaultdict(_Memo)
        self._value_plan = [
            (key, index[key], fields.PARSERS[key], self._memo[key] if key in REPEATING_FIELDS else None)
            for key in VALUE_FIELDS
            if key in index
        ]
        self._has_categories = "categories" in index
        self._checks_stated_age = "birth_month" in index or "age" in index
        self._contact_plan = [
            tuple(contact.get(key, absent) for key in CONTACT_KEYS) for contact in columns.contacts
        ]

    def read(self, row_number: int, cells: list) -> Record:
        memo = self._memo
        at = self._at
        row = cells[: self._width]
        row += self._empty_cells[len(row) :]
        for cell in row:
            if type(cell) is str and NUL in cell:  # PostgreSQL cannot store it; SQLite would keep it
                raise RowRejected([_("A cell holds a NUL character, which cannot be stored; type it again.")])
        reasons: list[str] = []
        try:
            name = fields.name(row[at["name"]])
        except ValidationFailed as error:
            reasons.append(error.message)
            name = None
        identity = self._identity(row, memo, reasons)
        community = self._community(row, memo, reasons)
        values = self._values(row, reasons)
        categories, warnings, says_disabled = None, [], False
        if self._has_categories:
            ok, cell = memo["categories"].outcome(category_cell, row[at["categories"]])
            if not ok:
                reasons.append(cell)
            else:
                categories, says_disabled = list(cell.categories), cell.says_disabled
                if identity is not None:
                    self._check_derived(cell, identity, values, warnings)
        if identity is not None and self._checks_stated_age:
            self._check_stated_birth(row, identity, warnings)
        contacts = self._contacts(row, memo, reasons) if self._contact_plan else []
        if reasons:
            raise RowRejected(reasons)
        return Record(
            row=row_number,
            id_number=identity.number,
            name=name,
            name_initials=initials(name),
            sex=identity.sex,
            birth_date=identity.birth_date,
            community_code=community,
            values=values,
            categories=categories or None,
            contacts=contacts,
            warnings=warnings,
            says_disabled=says_disabled,
        )

    def _check_derived(self, cell: CategoryCell, identity, values: dict, warnings: list[str]) -> None:
        """高龄 and a living arrangement written among the categories (see ``category_cell``)."""
        if cell.says_very_old:
            age = fields.age_on(identity.birth_date, self.today)
            if age < VERY_OLD_AGE:
                warnings.append(
                    _(
                        "Marked 高龄, but %(age)d years old by the ID number; the platform counts 高龄 "
                        "from %(from)d by the birth date."
                    )
                    % {"age": age, "from": VERY_OLD_AGE}
                )
        if cell.living:
            stated = values.setdefault("living_arrangement", cell.living)
            if stated != cell.living:
                warnings.append(
                    _(
                        "The category column says %(category)s but the living arrangement says %(living)s; "
                        "the living arrangement is kept."
                    )
                    % {"category": fields.LIVING_NAMES[cell.living], "living": fields.LIVING_NAMES[stated]}
                )

    def _check_stated_birth(self, row, identity, warnings: list[str]) -> None:
        """出生年月 and 年龄 columns are checked against the ID number; a difference is a warning, since
        these columns are often filled in by hand or computed on another day."""
        at = self._at
        if _given(raw := row[at["birth_month"]]):
            try:
                year, months = fields.year_month(raw)
            except ValidationFailed as error:
                warnings.append(error.message)
            else:
                born = identity.birth_date
                if year != born.year or born.month not in months:
                    warnings.append(
                        _("The ID number says born in %(id)s but the birth month column says %(given)s.")
                        % {"id": f"{born.year}-{born.month:02d}", "given": fields.text(raw)}
                    )
        if _given(raw := row[at["age"]]):
            age = fields.age_on(identity.birth_date, self.today)
            stated = fields.text(raw).removesuffix("岁")
            if not stated.isdigit() or abs(int(stated) - age) > 1:
                warnings.append(
                    _("The age column says %(given)s but the ID number gives %(age)d years.")
                    % {"given": fields.text(raw), "age": age}
                )

    def _community(self, row, memo, reasons) -> str | None:
        code = row[self._at["community_code"]]
        community_name = row[self._at["community_name"]] or self.columns.community_name or None
        key = (code, community_name)
        if (type(code) is str or code is None) and (type(community_name) is str or community_name is None):
            hit = memo["community"].outcome_of(self._resolve, key)
        else:
            hit = _outcome(self._resolve, key)
        if hit[0]:
            return hit[1]
        reasons.append(hit[1])
        return None

    def _resolve(self, key) -> str:
        code, community_name = key
        return self.communities.resolve(fields.region_code(code), fields.text(community_name))

    def _identity(self, row, memo, reasons):
        at = self._at
        try:
            raw = fields.id_number_text(row[at["id_number"]])
            identity = parse_resident_id(raw, today=self.today)
        except ValidationFailed as error:
            reasons.append(error.message)
            return None
        ok, message = memo["age"].outcome_of(self._old_enough, identity.birth_date)
        if not ok:
            reasons.append(message)
        if given := fields.text(row[at["sex"]]):
            ok, stated = memo["sex"].outcome(fields.sex, given)
            if not ok:
                reasons.append(stated)
            elif stated != identity.sex:
                sex_of_id = _("man") if identity.sex == "M" else _("woman")
                message = _("The ID number is of a %(id)s but the sex column says %(given)s.")
                reasons.append(message % {"id": sex_of_id, "given": given})
        if _given(stated_date := row[at["birth_date"]]):
            ok, stated = memo["birth_date"].outcome(fields.date, stated_date)
            if not ok:
                reasons.append(stated)
            elif stated != identity.birth_date:
                message = _("The ID number says born on %(id)s but the birth date column says %(given)s.")
                reasons.append(message % {"id": identity.birth_date.isoformat(), "given": stated.isoformat()})
        return identity

    def _old_enough(self, birth_date: dt.date) -> None:
        fields.old_enough(birth_date, self.today)

    def _values(self, row, reasons) -> dict[str, object]:
        values = {}
        for key, position, parse, memo in self._value_plan:
            raw = row[position]
            if raw is None or raw == "":
                continue
            if memo is not None:
                hit = memo.get(raw) if type(raw) is str else None
                ok, value = hit or memo.outcome(parse, raw)
                if not ok:
                    reasons.append(value)
                    continue
            else:
                try:
                    value = parse(raw)  # phones, address, coordinates: never choices
                except ValidationFailed as error:
                    reasons.append(error.message)
                    continue
            if value not in (None, "", []):
                values[key] = value
        # Judged on the cells, so a coordinate that is wrong is not also reported as missing.
        if _given(row[self._at["lat"]]) != _given(row[self._at["lon"]]):
            reasons.append(_("Give both longitude and latitude, or neither."))
        return values

    def _contacts(self, row, memo, reasons) -> list[Contact]:
        contacts = []
        for name_at, relation_at, phone_at, keyholder_at in self._contact_plan:
            contact_name = fields.text(row[name_at])
            raw_phone = fields.text(row[phone_at])
            try:
                phone = normalise_phone(raw_phone)
            except ValidationFailed as error:
                reasons.append(error.message)
                phone = None
            if not contact_name and not raw_phone:
                continue
            if phone is None:  # a malformed phone, reported already
                continue
            if not (contact_name and phone):
                reasons.append(_("An emergency contact needs both a name and a phone number."))
                continue
            ok, keyholder = memo["keyholder"].outcome(_keyholder, row[keyholder_at])
            if not ok:
                reasons.append(keyholder)
                keyholder = None
            relation = fields.text(row[relation_at])
            overlong = [
                message
                for text, limit, label in (
                    (contact_name, 40, _("a contact's name")),
                    (relation, 20, _("a relation")),
                )
                if (message := too_long(text, limit, label=label))
            ]
            if overlong:  # the row is refused with its reasons: a name is never cut short
                reasons.extend(overlong)
                continue
            contacts.append(Contact(contact_name, relation, phone, keyholder))
        return contacts


@dataclass(frozen=True)
class CategoryCell:
    """What a roster's category cell says. Besides the categories the registry records, rosters write
    there what the platform derives (高龄 from the birth date, 失能 from an assessment) and living
    arrangements (空巢, 独居): those are accepted and checked, not rejected."""

    categories: tuple[str, ...]
    says_very_old: bool = False
    says_disabled: bool = False
    living: str = ""


VERY_OLD_WORDS = frozenset({"高龄", "高龄老人", "高龄津贴", "八十岁以上", "80岁以上"})
DISABLED_WORDS = frozenset({"失能", "失能老人", "半失能", "失能半失能", "失能/半失能", "完全失能"})
# When a cell names several living arrangements (空巢、独居), the narrowest one is meant.
LIVING_PRECEDENCE = ("alone", "left_behind", "empty_nest", "institution", "with_family")


def category_cell(value) -> CategoryCell:
    """Parse a category cell (see :class:`CategoryCell`); an unknown word rejects it as before."""
    recorded, living = [], set()
    says_very_old = says_disabled = False
    for part in fields.SEPARATORS.split(fields.text(value)):
        if part in VERY_OLD_WORDS:
            says_very_old = True
        elif part in DISABLED_WORDS:
            says_disabled = True
        elif part in fields.LIVING_BY_ALIAS:
            living.add(fields.LIVING_BY_ALIAS[part])
        elif part:
            recorded.append(part)
    return CategoryCell(
        categories=tuple(fields.categories("、".join(recorded))) if recorded else (),
        says_very_old=says_very_old,
        says_disabled=says_disabled,
        living=next((value for value in LIVING_PRECEDENCE if value in living), ""),
    )


def _given(cell) -> bool:
    """Whether a cell holds anything (what ``fields.text`` would not make empty), without cleaning it."""
    return cell is not None and (type(cell) is not str or bool(cell.strip()))


def _keyholder(value) -> bool | None:
    return fields.yes_no(value, label=gettext_lazy("Holds a key"))


def _contradiction(message: str, **values) -> None:
    raise ValidationFailed(message % values if values else message, code="contradiction")
