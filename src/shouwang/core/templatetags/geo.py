from django import template

from shouwang.core.geo import distance_text

register = template.Library()
register.filter("distance", distance_text)
