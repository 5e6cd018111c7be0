import pytest

from shouwang.core.errors import ValidationFailed
from shouwang.core.masking import mask_id_number, mask_name, mask_phone
from shouwang.core.phones import normalise_phone


def test_masks():
    assert mask_id_number("110101194912311234") == "110101********1234"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("0432-62345678") == "0432*****5678"
    assert mask_name("张三丰") == "张*丰"
    assert mask_id_number("") == mask_phone("") == ""


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("138 1234 5678", "13812345678"),
        ("+8613812345678", "13812345678"),
        ("0432-62345678", "0432-62345678"),
        ("", ""),
    ],
)
def test_phone_normalised(raw, expected):
    assert normalise_phone(raw) == expected


@pytest.mark.parametrize("raw", ["12812345678", "1381234567", "62345678", "abc"])
def test_bad_phone_refused_in_plain_words(raw):
    with pytest.raises(ValidationFailed) as error:
        normalise_phone(raw)
    assert raw in error.value.message
