import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shouwang.core.errors import ValidationFailed
from shouwang.core.idnumbers import (
    InvalidIdNumber,
    make_resident_id,
    normalise_credit_code,
    parse_resident_id,
    upgrade_legacy,
)


def test_valid_number_gives_its_parts():
    parsed = parse_resident_id("11010519491231002X")
    assert parsed.birth_date == dt.date(1949, 12, 31)
    assert parsed.sex == "F"
    assert parsed.address_code == "110105"


def test_wrong_check_digit_is_named():
    with pytest.raises(InvalidIdNumber) as error:
        parse_resident_id("110105194912310021")
    assert error.value.code == "id_check_digit"


def test_impossible_birth_date():
    number = make_resident_id("220202", dt.date(1950, 1, 1), 11).replace("19500101", "19500230")
    with pytest.raises(InvalidIdNumber) as error:
        parse_resident_id(number)
    assert error.value.code == "id_birth_date" and "19500230" in error.value.message


def test_future_birth_date():
    with pytest.raises(InvalidIdNumber) as error:
        parse_resident_id(make_resident_id("220202", dt.date(2030, 1, 1), 11), today=dt.date(2026, 1, 1))
    assert error.value.code == "id_birth_date_impossible"


def test_old_address_code_of_existing_province_is_accepted():
    # 220202 was assigned long after 1940; stdnum's validate() would reject this real-world pattern.
    assert parse_resident_id(make_resident_id("220202", dt.date(1940, 5, 6), 1)).sex == "M"


def test_unknown_province_is_refused():
    with pytest.raises(InvalidIdNumber) as error:
        parse_resident_id(make_resident_id("990101", dt.date(1950, 1, 1), 1))
    assert error.value.code == "id_province" and "99" in error.value.message


def test_legacy_15_digit_number_is_upgraded():
    legacy = "220202450306123"
    parsed = parse_resident_id(legacy)
    assert parsed.number == upgrade_legacy(legacy)
    assert parsed.number.startswith("22020219450306123")
    assert parsed.birth_date == dt.date(1945, 3, 6)


@given(
    birth=st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2000, 12, 31)),
    sequence=st.integers(min_value=0, max_value=999),
)
def test_every_composed_number_parses_back(birth, sequence):
    parsed = parse_resident_id(make_resident_id("220202", birth, sequence), today=dt.date(2026, 1, 1))
    assert parsed.birth_date == birth
    assert parsed.sex == ("M" if sequence % 2 else "F")


def test_credit_code_check():
    with pytest.raises(ValidationFailed) as error:
        normalise_credit_code("91350100M000100Y44")
    assert error.value.code == "credit_code_check"
    assert normalise_credit_code("91350100M000100Y43") == "91350100M000100Y43"
    with pytest.raises(ValidationFailed) as error:
        normalise_credit_code("123")
    assert error.value.code == "invalid_credit_code"


def test_messages_are_chinese_by_default():
    with pytest.raises(InvalidIdNumber) as error:
        parse_resident_id("110105194912310021")
    assert "校验" in error.value.message
