from django import template

from shouwang.catalog.prices import fen_to_yuan

register = template.Library()
# Integer fen shown as yuan with two decimals: {{ price.price_fen|yuan }} → 15.50
register.filter("yuan", fen_to_yuan)
