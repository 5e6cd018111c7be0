"""Lists inside messages follow the language: 甲、乙 in Chinese, "a, b" in English."""

from django.utils import translation

from shouwang.core.text import listed


def test_a_list_in_a_chinese_sentence_is_joined_with_the_enumeration_comma():
    with translation.override("zh-hans"):
        assert listed(["助餐", "助浴", 3]) == "助餐、助浴、3"


def test_a_list_in_an_english_sentence_is_joined_with_commas():
    with translation.override("en"):
        assert listed(["meal", "bath"]) == "meal, bath"
        assert listed([]) == ""
