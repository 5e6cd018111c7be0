"""Lists inside messages follow the language: 甲、乙 in Chinese, "a, b" in English."""

import pytest
from django import forms
from django.utils import translation

from shouwang.core.errors import ValidationFailed
from shouwang.core.forms import ConsoleForm
from shouwang.core.text import listed, within_limit


def test_a_list_in_a_chinese_sentence_is_joined_with_the_enumeration_comma():
    with translation.override("zh-hans"):
        assert listed(["助餐", "助浴", 3]) == "助餐、助浴、3"


def test_a_list_in_an_english_sentence_is_joined_with_commas():
    with translation.override("en"):
        assert listed(["meal", "bath"]) == "meal, bath"
        assert listed([]) == ""


def test_a_text_within_its_limit_is_trimmed_and_kept_whole():
    assert within_limit("  a note  ", 6, field="note", label="The note") == "a note"


def test_a_longer_text_is_refused_with_the_field_its_limit_and_its_length_never_cut():
    with translation.override("en"), pytest.raises(ValidationFailed) as refused:
        within_limit("x" * 3000, 300, field="note", label="the note")

    assert refused.value.errors == {"note": "The note is at most 300 characters long; this one has 3000."}
    assert refused.value.code == "too_long"


def test_a_console_form_states_the_limit_in_plain_words_and_leaves_no_maxlength():
    class NoteForm(ConsoleForm):
        note = forms.CharField(max_length=5)

    with translation.override("en"):
        form = NoteForm({"note": "abcdefgh"})
        assert not form.is_valid()
        assert form.errors["note"] == ["At most 5 characters; this has 8."]
        assert "maxlength" not in str(form["note"])
