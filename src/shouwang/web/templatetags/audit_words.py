"""``{{ entry.action|action_words }}``: an audit action code in words."""

from django import template

from shouwang.web.audit_words import action_words as words

register = template.Library()


@register.filter
def action_words(code: str) -> str:
    return words(code)
