"""Wording shared by the messages of every app."""

from collections.abc import Iterable

from django.utils.text import capfirst
from django.utils.translation import gettext, pgettext

from .errors import ValidationFailed


def listed(items: Iterable) -> str:
    """Items listed inside a sentence, joined the active language's way: 甲、乙 in Chinese, "a, b" in
    English."""
    return pgettext("separator between the items listed in a sentence", ", ").join(map(str, items))


def is_digits(text: str) -> bool:
    """Whether ``text`` is a whole number in the digits 0–9. ``str.isdigit`` also takes "¹" and "٣",
    which ``int()`` refuses or reads and the database's text does not match."""
    return text.isascii() and text.isdigit()


def too_long(text: str, limit: int, *, label) -> str:
    """The message for ``text`` longer than ``limit`` characters (naming the field, the limit and the
    length typed), or "" when it fits."""
    if len(text) <= limit:
        return ""
    return gettext("%(label)s is at most %(limit)d characters long; this one has %(length)d.") % {
        "label": capfirst(str(label)),
        "limit": limit,
        "length": len(text),
    }


def within_limit(value: str | None, limit: int, *, field: str, label) -> str:
    """``value`` with its spaces trimmed, or a refusal naming the field and its limit: text is never cut
    short silently (a 3,000-character note once lost all but its first 300)."""
    text = (value or "").strip()
    if message := too_long(text, limit, label=label):
        raise ValidationFailed(message, errors={field: message}, code="too_long")
    return text
