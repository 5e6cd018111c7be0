"""Money and run words for the benefits templates."""

from django import template
from django.utils.translation import gettext as _

from shouwang.benefits.ledger import yuan as _yuan

register = template.Library()


@register.filter
def yuan(fen) -> str:
    """Fen as yuan with two decimals (12345 → 123.45)."""
    return _yuan(int(fen or 0))


@register.filter
def change_label(change: str) -> str:
    return {
        "new": _("new this month"),
        "stopped": _("stopped this month"),
        "changed": _("changed this month"),
    }.get(change, change)
