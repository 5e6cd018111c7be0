"""``{{ vital|reading }}``: a reading in words ("血压 150/95 mmHg")."""

from django import template

from shouwang.health.services import describe

register = template.Library()


@register.filter
def reading(vital) -> str:
    return describe(vital)
