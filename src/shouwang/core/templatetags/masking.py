from django import template

from shouwang.core import masking

register = template.Library()
register.filter("mask_id", masking.mask_id_number)
register.filter("mask_phone", masking.mask_phone)
register.filter("mask_account", masking.mask_account)
