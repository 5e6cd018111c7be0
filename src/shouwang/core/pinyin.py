"""Pinyin initials of Chinese names, so a few keystrokes find a person (张三丰 → zsf)."""

from functools import lru_cache

from pypinyin import Style, lazy_pinyin


@lru_cache(maxsize=50_000)
def _initial(char: str) -> str:
    return "".join(lazy_pinyin(char, style=Style.FIRST_LETTER, errors="ignore")).lower()[:1]


def initials(name: str) -> str:
    """Lower-case pinyin initials, a character at a time: names are not phrases, and a cache of the few
    thousand characters in use makes a million names cheap."""
    return "".join(map(_initial, name))[:20]
