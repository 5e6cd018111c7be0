"""Who may do what at the hotline desk. The calls, call-backs and care calls a user reaches are still
limited by their scope (``selectors``): operators and the bureau their region subtrees, a community
worker their communities."""

from shouwang.core.permissions import BUREAU_ROLES, REGION_STAFF_ROLES, role_of
from shouwang.core.roles import Role

# Who works the desk: takes and records calls, sees the caller's card, closes call-backs, works through
# the active-care list, reads the statistics.
DESK_ROLES = REGION_STAFF_ROLES
# Who may be given a call-back to make: the desk's people (a platform admin is not one).
CALL_BACK_ASSIGNEES = DESK_ROLES - {Role.ADMIN}
# Who keeps the knowledge base the desk answers from: the bureau.
KNOWLEDGE_KEEPERS = BUREAU_ROLES
# Who reads the knowledge base: the desk and its keepers.
KNOWLEDGE_READERS = DESK_ROLES | KNOWLEDGE_KEEPERS


def may_work_desk(user) -> bool:
    return role_of(user) in DESK_ROLES


def may_read_calls(user) -> bool:
    return role_of(user) in DESK_ROLES


def may_keep_knowledge(user) -> bool:
    return role_of(user) in KNOWLEDGE_KEEPERS


def may_read_knowledge(user) -> bool:
    return role_of(user) in KNOWLEDGE_READERS


def may_close_call_back(user, call_back) -> bool:
    """The call-back's assignee, or anyone at the desk whose scope reaches it (a colleague on the next
    shift keeps the promise)."""
    return may_work_desk(user)
