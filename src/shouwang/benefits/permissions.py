"""Who may do what with benefits; the data they reach is still limited by their scope (selectors).

- Policies are kept by platform admins and civil-affairs officials.
- A run is computed by an admin or an official covering its region, then checked level by level
  (审核/审批): a community worker of a community inside the region, then a street official (an official
  whose area is a street inside the region), then a district official (an area covering the whole region).
  Each of them may also return it for correction. Platform admins may take any step.
- Community workers read the results of their communities; a family reads its own elder's allowances and
  voucher balance; a provider reads its own account. The ledger's trial balance is for admins and
  officials.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from shouwang.core.actors import is_system, require_actor
from shouwang.core.errors import Forbidden
from shouwang.core.roles import Role
from shouwang.core.scope import scope_of
from shouwang.regions.models import Level, level_of, prefix_of

from .models import RunState

POLICY_KEEPERS = frozenset({Role.ADMIN, Role.OFFICIAL})
RUN_READERS = frozenset({Role.ADMIN, Role.OFFICIAL, Role.COMMUNITY_WORKER})
LEDGER_READERS = frozenset({Role.ADMIN, Role.OFFICIAL})
# The elder's page shows the benefits section to these roles (families see their own elder through it).
ELDER_BENEFIT_READERS = frozenset(
    {Role.ADMIN, Role.OFFICIAL, Role.COMMUNITY_WORKER, Role.OPERATOR, Role.ELDER}
)

# Each review step: the role that takes it and whether the actor's area must be a community, a street
# inside the run's region, or cover the run's whole region.
REVIEW_STEPS = {
    RunState.COMMUNITY_CHECKED: (Role.COMMUNITY_WORKER, "inside", Level.COMMUNITY),
    RunState.STREET_CHECKED: (Role.OFFICIAL, "inside", Level.STREET),
    RunState.APPROVED: (Role.OFFICIAL, "covers", None),
}
# Who may return a run in a state: whoever would take its next step, or took the one before.
NEXT_STEP = {
    RunState.COMPUTED: RunState.COMMUNITY_CHECKED,
    RunState.COMMUNITY_CHECKED: RunState.STREET_CHECKED,
    RunState.STREET_CHECKED: RunState.APPROVED,
}


def _role(user) -> str:
    return getattr(user, "effective_role", "") if user is not None else ""


def may_keep_policies(user) -> bool:
    return _role(user) in POLICY_KEEPERS


def may_read_runs(user) -> bool:
    return _role(user) in RUN_READERS


def may_read_ledger(user) -> bool:
    return _role(user) in LEDGER_READERS


def may_read_elder_benefits(user) -> bool:
    return _role(user) in ELDER_BENEFIT_READERS


def may_redeem(user) -> bool:
    """Paying a service from vouchers outside a settlement: the bureau's desk (settlement itself is the
    orders app's, for officials)."""
    return _role(user) in LEDGER_READERS


def may_compute_run(user, region_code: str) -> bool:
    return _role(user) in POLICY_KEEPERS and scope_of(user).covers_region(region_code)


def may_take_step(user, run, step: str) -> bool:
    """Whether ``user`` may move ``run`` to the review ``step`` (see the module docstring)."""
    if user is not None and user.is_platform_admin:
        return True
    role, where, level = REVIEW_STEPS[step]
    if _role(user) != role:
        return False
    region = prefix_of(run.region_id)
    prefixes = scope_of(user).region_prefixes
    if where == "covers":
        return any(region.startswith(prefix) for prefix in prefixes)
    return any(prefix.startswith(region) and level_of(prefix.ljust(12, "0")) == level for prefix in prefixes)


def may_pay(user, run) -> bool:
    """Payment batches of a run, their bank file (full ID and account numbers) and the bank's return:
    whoever approves the run (an official covering its whole region), or a platform admin."""
    return user is not None and may_take_step(user, run, RunState.APPROVED)


def may_upload_bank_return(user) -> bool:
    """Before the upload is read: only roles that could pay a run send the bank's file in."""
    return _role(user) in LEDGER_READERS


def may_close_year(user, region_code: str) -> bool:
    """The year-end expiry of vouchers in a region: officials covering it, platform admins."""
    return may_compute_run(user, region_code)


def may_return(user, run) -> bool:
    step = NEXT_STEP.get(run.state)
    return step is not None and may_take_step(user, run, step)


def require(allowed: bool, message: str) -> None:
    if not allowed:
        raise Forbidden(message)


def require_policy_keeper(actor) -> None:
    """The platform itself (``SYSTEM``: the demo loader) may; a missing actor is refused."""
    require_actor(actor)
    if not is_system(actor):
        require(
            may_keep_policies(actor), _("Only platform administrators and officials keep benefit policies.")
        )


# --- anomaly cases (异常核查) ----------------------------------------------------------------------------

# Who reads, reviews and closes anomaly cases, and runs the checks on demand: platform admins and
# officials, each within their area.
CASE_REVIEWERS = frozenset({Role.ADMIN, Role.OFFICIAL})


def may_review_cases(user) -> bool:
    return _role(user) in CASE_REVIEWERS


def may_run_checks(user, region_code: str) -> bool:
    return _role(user) in CASE_REVIEWERS and scope_of(user).covers_region(region_code)


# --- provider statements (对账单), reconciliation, budgets ----------------------------------------------
# Statements are read by the bureau (admins, officials over the provider's region) and by the provider's
# own admin; the provider's admin acknowledges or disputes, an official resolves the dispute.
STATEMENT_READERS = frozenset({Role.ADMIN, Role.OFFICIAL, Role.PROVIDER_ADMIN})
STATEMENT_ISSUERS = frozenset({Role.ADMIN, Role.OFFICIAL})
BUDGET_KEEPERS = frozenset({Role.ADMIN, Role.OFFICIAL})


def may_read_statements(user) -> bool:
    return _role(user) in STATEMENT_READERS


def may_issue_statements(user) -> bool:
    """Generate statements on demand and resolve disputes (the bureau's side)."""
    return _role(user) in STATEMENT_ISSUERS


def may_answer_statement(user, statement) -> bool:
    """Acknowledge or dispute: the admin of the statement's own provider."""
    return (
        _role(user) == Role.PROVIDER_ADMIN
        and user.provider_id is not None
        and user.provider_id == statement.provider_id
    )


def may_resolve_statement(user, statement) -> bool:
    return _role(user) in STATEMENT_ISSUERS and scope_of(user).covers_region(statement.provider.region_id)


def may_read_reconciliation(user) -> bool:
    return _role(user) in STATEMENT_ISSUERS


def may_read_budgets(user) -> bool:
    return _role(user) in BUDGET_KEEPERS


def may_keep_budget(user, region_code: str) -> bool:
    return _role(user) in BUDGET_KEEPERS and scope_of(user).covers_region(region_code)
