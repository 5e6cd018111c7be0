"""The benefits section of an elder's record page (registered with ``elders.panels``): this month's
outcome of every policy with its reasons, the voucher balance and the voucher account's latest movements."""

from django.template.loader import render_to_string
from django.utils import timezone

from .permissions import may_read_elder_benefits
from .selectors import elder_benefits, voucher_history


def elder_panel(request, elder) -> str:
    """The elder is already in the user's scope (the record page found them)."""
    if not may_read_elder_benefits(request.user):
        return ""
    month = timezone.localdate().replace(day=1)
    benefits = elder_benefits(request.user, elder.pk, month)
    return render_to_string(
        "benefits/_elder_panel.html",
        {"benefits": benefits, "elder": elder, "movements": voucher_history(request.user, elder.pk)},
        request=request,
    )
