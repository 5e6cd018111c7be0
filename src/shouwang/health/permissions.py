"""Who may do what with health records; the elders they reach are still limited by their scope
(``selectors``: region staff their regions', caregivers and assessors the elders assigned to them)."""

from shouwang.core.permissions import BUREAU_ROLES, REGION_STAFF_ROLES, role_of
from shouwang.core.roles import Role
from shouwang.elders.permissions import REGISTRY_WRITERS

# Everybody who looks after an elder's health: the region's staff, and the caregivers and assessors
# assigned to the elder.
HEALTH_READERS = REGION_STAFF_ROLES | {Role.CAREGIVER, Role.ASSESSOR}
# The summary (conditions, allergies, medications, family doctor) is the registry's: its writers keep it.
SUMMARY_KEEPERS = REGISTRY_WRITERS
# Readings are taken on visits (caregivers, community workers) or typed from a call (operators).
VITAL_RECORDERS = frozenset({Role.ADMIN, Role.COMMUNITY_WORKER, Role.OPERATOR, Role.CAREGIVER})
# Each elder's thresholds are a clinical choice the community worker records with the family doctor.
THRESHOLD_KEEPERS = REGISTRY_WRITERS
# The care tasks an out-of-range reading opens are the community's follow-up work.
CARE_TASK_WORKERS = BUREAU_ROLES | {Role.COMMUNITY_WORKER}
# Health systems reading over FHIR and the pull from the platform: the bureau's data-sharing decisions.
EXCHANGE_KEEPERS = BUREAU_ROLES


def may_read_health(user) -> bool:
    return role_of(user) in HEALTH_READERS


def may_keep_summary(user) -> bool:
    return role_of(user) in SUMMARY_KEEPERS


def may_record_vitals(user) -> bool:
    return role_of(user) in VITAL_RECORDERS


def may_keep_thresholds(user) -> bool:
    return role_of(user) in THRESHOLD_KEEPERS


def may_work_care_tasks(user) -> bool:
    return role_of(user) in CARE_TASK_WORKERS


def may_keep_exchange(user) -> bool:
    return role_of(user) in EXCHANGE_KEEPERS


def sees_clinical_contacts(user) -> bool:
    """The family doctor, the contract and the hospital of choice: what the operator needs to send the
    elder to care, not the caregiver before a visit."""
    return role_of(user) in REGION_STAFF_ROLES


def reaches_through_visits(user) -> bool:
    """A caregiver reaches, besides the elders assigned to them, the elders of their current visits: the
    summary before the visit and the reading taken there."""
    return role_of(user) == Role.CAREGIVER
