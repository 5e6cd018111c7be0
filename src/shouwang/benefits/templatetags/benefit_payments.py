"""The payments section of the run page, rendered with the page (no second request)."""

from django import template

from shouwang.benefits import payments
from shouwang.benefits.models import LineStatus, RunState
from shouwang.benefits.permissions import may_pay

register = template.Library()
# Withheld rows named with their reason in the batches table; the batch's page lists them all.
WITHHELD_SHOWN = 5


@register.inclusion_tag("benefits/payments/_run_section.html", takes_context=True)
def run_payments(context, run):
    user = context["request"].user
    batches = list(payments.batches_for(user, run))
    for batch in batches:
        batch.counts = payments.status_counts(user, batch)
        # Rows not re-issued because the elder died or moved out meanwhile, each with its reason.
        withheld = payments.lines_for(user, batch, status=LineStatus.WITHHELD)
        batch.withheld = list(withheld.values_list("name", "withheld_reason")[:WITHHELD_SHOWN])
    return {
        "run": run,
        "approved": run.state == RunState.APPROVED,
        "batches": batches,
        "may_pay": may_pay(user, run),
        "csrf_token": context.get("csrf_token"),
    }
