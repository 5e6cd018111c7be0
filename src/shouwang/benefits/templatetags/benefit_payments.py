"""The payments section of the run page, rendered with the page (no second request)."""

from django import template

from shouwang.benefits import payments
from shouwang.benefits.models import RunState
from shouwang.benefits.permissions import may_pay

register = template.Library()


@register.inclusion_tag("benefits/payments/_run_section.html", takes_context=True)
def run_payments(context, run):
    user = context["request"].user
    batches = list(payments.batches_for(user, run))
    for batch in batches:
        batch.counts = payments.status_counts(user, batch)
    return {
        "run": run,
        "approved": run.state == RunState.APPROVED,
        "batches": batches,
        "may_pay": may_pay(user, run),
        "csrf_token": context.get("csrf_token"),
    }
