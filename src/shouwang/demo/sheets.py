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

from shouwang.core.spreadsheets import write_xlsx
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
