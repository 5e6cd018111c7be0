"""Money, rules and run words for the benefits templates."""

from django import template
from django.utils.translation import gettext as _

from shouwang.benefits.ledger import yuan as _yuan
from shouwang.benefits.policies import EVERYBODY_ELSE, describe, standing_conditions
from shouwang.core.text import listed
from shouwang.elders.models import Category

register = template.Library()


@register.filter
def yuan(fen) -> str:
    """Fen as yuan with two decimals (12345 → 123.45)."""
    return _yuan(int(fen or 0))


@register.filter
def change_label(change: str) -> str:
    labels = {
        "new": _("new this month"),
        "stopped": _("stopped this month"),
        "changed": _("changed this month"),
    }
    return labels.get(change, change)


@register.filter
def get_item(mapping: dict, key):
    return mapping.get(key, key)


@register.filter
def split(text: str) -> list[str]:
    return text.split()


@register.filter
def category_label(code: str) -> str:
    return _("everybody else") if code == EVERYBODY_ELSE else str(Category(code).label)


@register.filter
def conditions_in_words(version) -> list[str]:
    return [describe(condition) for condition in standing_conditions() + list(version.conditions)]


@register.filter
def tiers_in_words(version) -> list[dict]:
    return [
        {
            "label": tier["label"],
            "when": listed(describe(c) for c in tier["conditions"]) or _("everybody"),
            "amount_fen": tier["amount_fen"],
        }
        for tier in version.tiers
    ]
