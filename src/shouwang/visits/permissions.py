"""Who may do what with regular visits; which elders and tasks they reach is still their scope
(``selectors``). Services, the API and the console all ask these predicates."""

from shouwang.core.permissions import BUREAU_ROLES, REGION_STAFF_ROLES, role_of
from shouwang.core.roles import Role
from shouwang.core.scope import scope_of

# Community workers (网格员) and volunteers make the visits; a volunteer sees only their own.
WORKER_ROLES = frozenset({Role.COMMUNITY_WORKER})
VOLUNTEER_ROLES = frozenset({Role.VOLUNTEER})
VISITOR_ROLES = WORKER_ROLES | VOLUNTEER_ROLES
# The region's staff read the visit lists and an elder's tier (an operator calling an elder wants to know
# when someone was last there).
REGION_VISIT_READERS = REGION_STAFF_ROLES
VISIT_READERS = REGION_VISIT_READERS | VOLUNTEER_ROLES
# Who registers volunteers and confirms their visits (the coordinator): the community's workers and the
# bureau.
COORDINATOR_ROLES = BUREAU_ROLES | WORKER_ROLES
# The bureau keeps the rules, as it keeps every other policy.
RULE_EDITORS = BUREAU_ROLES
RULE_READERS = BUREAU_ROLES | {Role.COMMUNITY_WORKER}
COVERAGE_READERS = BUREAU_ROLES | {Role.COMMUNITY_WORKER}


def may_read_visits(user) -> bool:
    return role_of(user) in VISIT_READERS


def reads_region_visits(user) -> bool:
    """Region staff read every task of their regions; a volunteer only the tasks assigned to them."""
    return role_of(user) in REGION_VISIT_READERS


def is_volunteer(user) -> bool:
    return role_of(user) in VOLUNTEER_ROLES


def is_worker(user) -> bool:
    return role_of(user) in WORKER_ROLES


def may_read_risk(user) -> bool:
    return role_of(user) in REGION_VISIT_READERS


def may_coordinate_volunteers(user) -> bool:
    """Register volunteers, confirm their visits (which earns their hours), redeem hours."""
    return role_of(user) in COORDINATOR_ROLES


def is_visitor(user) -> bool:
    return role_of(user) in VISITOR_ROLES


def may_complete_visit(user, task) -> bool:
    """A visitor completes a task of their community (the one assigned, or a colleague's they cover);
    the task is already in their scope (the selector found it)."""
    return is_visitor(user)


def may_follow_up(user, task) -> bool:
    """Whoever may complete the visit turns its findings into an order, an incident or a review."""
    return may_complete_visit(user, task)


def may_edit_rules(user) -> bool:
    return role_of(user) in RULE_EDITORS


def may_keep_rule(user, region_code: str | None) -> bool:
    """Write a rule that applies in ``region_code``: an official whose regions cover it. A rule that
    applies everywhere (no region: the platform defaults) only the platform admin."""
    if role_of(user) not in RULE_EDITORS:
        return False
    scope = scope_of(user)
    return scope.everything if region_code is None else scope.covers_region(region_code)


def may_read_rules(user) -> bool:
    return role_of(user) in RULE_READERS


def may_read_coverage(user) -> bool:
    return role_of(user) in COVERAGE_READERS


def may_generate_visits(user) -> bool:
    """Run the generation now (it also runs on its own): the bureau."""
    return role_of(user) in RULE_EDITORS


# Group activities (助乐): the community workers organise them; the bureau and the volunteers read them.
ACTIVITY_ORGANIZERS = WORKER_ROLES
ACTIVITY_READERS = COORDINATOR_ROLES | VOLUNTEER_ROLES


def may_organize_activities(user) -> bool:
    """Create an activity, sign elders up, record who came."""
    return role_of(user) in ACTIVITY_ORGANIZERS


def may_read_activities(user) -> bool:
    return role_of(user) in ACTIVITY_READERS


# Escorts and companionship (助行, 精神慰藉): a community worker makes them for an elder; the volunteer they
# are assigned to does them; the coordinators (workers, the bureau) read and confirm them.
HELP_ORGANIZERS = WORKER_ROLES
HELP_READERS = COORDINATOR_ROLES | VOLUNTEER_ROLES


def may_organize_help(user) -> bool:
    """Make an escort or a companionship task for an elder of the worker's community."""
    return role_of(user) in HELP_ORGANIZERS


def may_read_help(user) -> bool:
    return role_of(user) in HELP_READERS


def may_cancel_signup(user, signup) -> bool:
    """A volunteer cancels their own sign-up; the organiser anyone's (an elder's, for the elder)."""
    if may_organize_activities(user):
        return True
    return is_volunteer(user) and signup.volunteer is not None and signup.volunteer.user_id == user.pk


# Referrals to a doctor (转介就医): asked for by whoever made the visit; the community's workers follow
# them through (contact the doctor, book, close with the outcome); the bureau reads them.
REFERRAL_KEEPERS = WORKER_ROLES
REFERRAL_READERS = BUREAU_ROLES | WORKER_ROLES


def may_read_referrals(user) -> bool:
    return role_of(user) in REFERRAL_READERS


def may_keep_referrals(user) -> bool:
    """Move a referral on: doctor contacted, appointment booked, seen or declined."""
    return role_of(user) in REFERRAL_KEEPERS
