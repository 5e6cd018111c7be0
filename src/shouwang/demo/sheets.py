"""Registry spreadsheets of demo-district people with a share of bad rows: the import benchmark's input
and the sample file the import page offers.

Bad rows are the mistakes bureaus really make: a mistyped check digit, an impossible birth date, a sex that
contradicts the ID number, an unknown community, a person listed twice, a malformed phone, a missing name.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from pathlib import Path

from shouwang.core.spreadsheets import SheetWriter, write_xlsx
from shouwang.demo.generator import Person, generate_people
from shouwang.elders.fields import CATEGORY_NAMES, LIVING_NAMES
from shouwang.elders.importing import TEMPLATE_HEADER

BAD_SHARE = 0.01


def person_row(person: Person, community_name: str) -> list:
    contact = person.contacts[0] if person.contacts else None
    # 失独 implies 计划生育特殊家庭 on import, so the sheet lists only the narrower one, as bureaus do.
    shown = [c for c in person.categories if c != "family_planning" or "shidu" not in person.categories]
    return [
        person.name,
        person.id_number,
        "男" if person.sex == "M" else "女",
        person.birth_date.isoformat(),
        person.ethnicity,
        person.phone,
        person.hukou_region_code,
        person.community_code,
        community_name,
        person.address,
        person.lon,
        person.lat,
        LIVING_NAMES[person.living_arrangement],
        "、".join(CATEGORY_NAMES[c] for c in shown),
        f"{person.disability_grade}级" if person.disability_grade else "",
        "、".join(person.chronic_conditions),
        "是" if person.family_doctor_contract else "否",
        contact.name if contact else "",
        contact.relation if contact else "",
        contact.phone if contact else "",
        ("是" if contact.is_keyholder else "否") if contact else "",
    ]


def spoil(row: list, rng: random.Random, previous: list | None) -> list:
    """One realistic mistake in a copy of ``row``."""
    row = list(row)
    kind = rng.randrange(7)
    if kind == 0:
        last = row[1][-1]
        row[1] = row[1][:-1] + ("0" if last != "0" else "1")  # wrong check digit
    elif kind == 1:
        row[1] = row[1][:10] + "1332" + row[1][14:]  # 13th month, 32nd day
    elif kind == 2:
        row[2] = "女" if row[2] == "男" else "男"
    elif kind == 3:
        row[7], row[8] = "220202999999", ""
    elif kind == 4 and previous is not None:
        row[1] = previous[1]  # the same person listed twice
    elif kind == 5:
        row[5] = "1381234"
    else:
        row[0] = ""
    return row


def rows(count: int, communities, *, seed: int = 7, bad_share: float = BAD_SHARE) -> Iterator[list]:
    names = {c.code: c.name for c in communities}
    rng = random.Random(seed)
    previous = None
    for person in generate_people(count, communities, seed=seed):
        row = person_row(person, names[person.community_code])
        yield spoil(row, rng, previous) if rng.random() < bad_share else row
        previous = row


def write(path: Path, count: int, communities) -> Path:
    if path.suffix == ".csv":
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(TEMPLATE_HEADER)
            writer.writerows(rows(count, communities))
    else:
        write_xlsx(path, list(TEMPLATE_HEADER), rows(count, communities))
    return path


# A roster as a street keeps it (花名册): one sheet per community with a title and the reporting unit above
# the header, 高龄 and 空巢/独居 written among the categories, 出生年月 instead of a birth date, the contact
# as 监护人, and totals and signatures below the elders.
ROSTER_HEADER = ["序号", "姓名", "身份证号码", "性别", "出生年月", "联系方式", "类别", "监护人", "监护人电话"]
ROSTER_LIVING_WORDS = {"alone": "独居", "empty_nest": "空巢"}


def write_roster(target, communities, *, per_community: int, today, seed: int = 11) -> None:
    """An xlsx roster of ``per_community`` demo people in each of ``communities`` to ``target``."""
    people: dict[str, list[Person]] = {c.code: [] for c in communities}
    for person in generate_people(per_community * len(communities) * 3, communities, seed=seed):
        if len(people[person.community_code]) < per_community:
            people[person.community_code].append(person)
    writer = None
    for community in communities:
        title = [f"{community.name}{today.year}年高龄及空巢独居老人花名册"]
        if writer is None:
            writer = SheetWriter(target, title, sheet_name=community.name)
        else:
            writer.add_sheet(title, sheet_name=community.name)
        writer.append([f"填报单位：{community.name}居委会", "", "", "", f"填报日期：{today:%Y年%m月%d日}"])
        writer.append(ROSTER_HEADER)
        for number, person in enumerate(people[community.code], start=1):
            writer.append(_roster_row(number, person, today))
        writer.append(["合计", f"{len(people[community.code])}人"])
        writer.append(["制表人：", "", "", "审核人：", "", "联系电话："])
    if writer is not None:
        writer.close()


def _roster_row(number: int, person: Person, today) -> list:
    age = today.year - person.birth_date.year - (today.timetuple()[1:3] < person.birth_date.timetuple()[1:3])
    words = ["高龄"] if age >= 80 else []
    words += [CATEGORY_NAMES[c] for c in person.categories if c != "family_planning"]
    if person.living_arrangement in ROSTER_LIVING_WORDS:
        words.append(ROSTER_LIVING_WORDS[person.living_arrangement])
    contact = person.contacts[0] if person.contacts else None
    return [
        number,
        person.name,
        person.id_number,
        "男" if person.sex == "M" else "女",
        f"{person.birth_date:%Y.%m}",
        person.phone,
        "、".join(words),
        contact.name if contact else "",
        contact.phone if contact else "",
    ]
