"""Wording shared by the messages of every app."""

from collections.abc import Iterable

from django.utils.translation import pgettext


def listed(items: Iterable) -> str:
    """Items listed inside a sentence, joined the active language's way: 甲、乙 in Chinese, "a, b" in
    English."""
    return pgettext("separator between the items listed in a sentence", ", ").join(map(str, items))


def is_digits(text: str) -> bool:
    """Whether ``text`` is a whole number in the digits 0–9. ``str.isdigit`` also takes "¹" and "٣",
    which ``int()`` refuses or reads and the database's text does not match."""
    return text.isascii() and text.isdigit()
