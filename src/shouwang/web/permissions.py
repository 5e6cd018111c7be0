"""Which roles each console page of the navigation is for (``navigation.NAVIGATION``; ``console_page``
checks it) and which parts of the home page a role sees, in the apps' own terms where an app has them."""

from shouwang.accounts.permissions import USER_MANAGERS
from shouwang.alarms.permissions import ALARM_ROLES, ANSWER_TIME_READERS
from shouwang.benefits.permissions import (
    BUDGET_KEEPERS,
    CASE_REVIEWERS,
    LEDGER_READERS,
    RUN_READERS,
    STATEMENT_ISSUERS,
    STATEMENT_READERS,
)
from shouwang.core.permissions import BUREAU_ROLES, EVERY_ROLE, REGION_STAFF_ROLES
from shouwang.core.roles import Role
from shouwang.elders.permissions import REGISTRY_READERS
from shouwang.facilities.permissions import COVERAGE_READERS, FACILITY_READERS
from shouwang.hotline import permissions as hotline
from shouwang.orders import permissions as orders
from shouwang.routes.permissions import ROUTE_PAGE_ROLES
from shouwang.visits import permissions as visits

HOME_PAGE_ROLES = EVERY_ROLE
REGISTRY_PAGE_ROLES = REGISTRY_READERS
ASSESSMENT_PAGE_ROLES = BUREAU_ROLES | {Role.COMMUNITY_WORKER, Role.ASSESSOR}
CATALOG_PAGE_ROLES = REGION_STAFF_ROLES | {Role.PROVIDER_ADMIN}
PROVIDER_PAGE_ROLES = BUREAU_ROLES | {Role.PROVIDER_ADMIN}
FACILITY_PAGE_ROLES = FACILITY_READERS
SERVICE_CIRCLE_PAGE_ROLES = COVERAGE_READERS
PHONE_DESK_ROLES = orders.DESK_ROLES
# The order board in the navigation is the region's; a provider's administrator has its incoming orders.
ORDER_BOARD_PAGE_ROLES = REGION_STAFF_ROLES
INCOMING_ORDER_PAGE_ROLES = orders.PROVIDER_BOARD_ROLES
CAREGIVER_ROUTE_PAGE_ROLES = ROUTE_PAGE_ROLES
VISIT_PAGE_ROLES = orders.CAREGIVER_ROLES
VISIT_EXCEPTION_PAGE_ROLES = orders.VISIT_REVIEWERS
CORRECTION_PAGE_ROLES = orders.CORRECTION_READERS
COMPLAINT_PAGE_ROLES = orders.COMPLAINT_PAGE_ROLES
HOTLINE_DESK_PAGE_ROLES = hotline.DESK_ROLES
KNOWLEDGE_PAGE_ROLES = hotline.KNOWLEDGE_READERS
CALL_STATS_PAGE_ROLES = hotline.DESK_ROLES
ALARM_PAGE_ROLES = ALARM_ROLES
ANSWER_TIME_PAGE_ROLES = ANSWER_TIME_READERS
BENEFIT_RUN_PAGE_ROLES = RUN_READERS
LEDGER_PAGE_ROLES = LEDGER_READERS
ANOMALY_CASE_PAGE_ROLES = CASE_REVIEWERS
STATEMENT_PAGE_ROLES = STATEMENT_READERS
RECONCILIATION_PAGE_ROLES = STATEMENT_ISSUERS
BUDGET_PAGE_ROLES = BUDGET_KEEPERS
REGULAR_VISIT_PAGE_ROLES = visits.VISIT_READERS
VISIT_RULE_PAGE_ROLES = visits.RULE_READERS
VISIT_COVERAGE_PAGE_ROLES = visits.COVERAGE_READERS
VOLUNTEER_PAGE_ROLES = visits.COORDINATOR_ROLES | visits.VOLUNTEER_ROLES
ACTIVITY_PAGE_ROLES = visits.ACTIVITY_READERS
HELP_PAGE_ROLES = visits.HELP_READERS
USER_PAGE_ROLES = USER_MANAGERS
REGION_PAGE_ROLES = REGION_STAFF_ROLES
AUDIT_PAGE_ROLES = BUREAU_ROLES
OUTBOX_PAGE_ROLES = frozenset({Role.ADMIN})

# The home page: the region's overview (elders by community) for region staff, the bureau's counts of
# providers, users and recent audit records, and the assessment work for those who do or organise it.
REGION_OVERVIEW_ROLES = REGION_STAFF_ROLES
BUREAU_OVERVIEW_ROLES = BUREAU_ROLES
ASSESSMENT_WORK_ROLES = ASSESSMENT_PAGE_ROLES
