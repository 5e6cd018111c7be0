"""Who may do what with health records, role by role (written out by hand)."""

from shouwang.health import permissions as p
from tests.roles import roles, who_may


def test_the_health_predicates():
    assert who_may(p.may_read_health) == roles("admin official operator community_worker caregiver assessor")
    assert who_may(p.may_keep_summary) == roles("admin official community_worker")
    assert who_may(p.may_record_vitals) == roles("admin community_worker operator caregiver")
    assert who_may(p.may_keep_thresholds) == roles("admin official community_worker")
    assert who_may(p.may_work_care_tasks) == roles("admin official community_worker")
    assert who_may(p.may_keep_exchange) == roles("admin official")
    assert who_may(p.sees_clinical_contacts) == roles("admin official operator community_worker")
    assert who_may(p.reaches_through_visits) == roles("caregiver")
