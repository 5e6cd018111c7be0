"""The Chinese catalogue is complete and its compiled form is what a fresh clone uses."""

from pathlib import Path

import polib

import shouwang

CATALOGUE = Path(shouwang.__file__).parent / "locale" / "zh_Hans" / "LC_MESSAGES"


def test_chinese_catalogue_is_complete():
    po = polib.pofile(str(CATALOGUE / "django.po"))
    assert po.untranslated_entries() == []
    assert po.fuzzy_entries() == []


def test_compiled_catalogue_matches_source():
    po = polib.pofile(str(CATALOGUE / "django.po"))
    mo = polib.mofile(str(CATALOGUE / "django.mo"))
    compiled = {(entry.msgctxt, entry.msgid): entry.msgstr or entry.msgstr_plural.get(0) for entry in mo}
    for entry in po.translated_entries():
        assert compiled.get((entry.msgctxt, entry.msgid)) == (entry.msgstr or entry.msgstr_plural[0]), (
            entry.msgid
        )
