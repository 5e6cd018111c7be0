"""Who may do what with regular visits, role by role (written out here, never read back)."""

from shouwang.visits import permissions as p
from tests.roles import roles, who_may


def test_who_may_do_what():
    assert who_may(p.may_read_visits) == roles("admin official operator community_worker volunteer")
    assert who_may(p.reads_region_visits) == roles("admin official operator community_worker")
    assert who_may(p.may_read_risk) == roles("admin official operator community_worker")
    assert who_may(p.is_visitor) == {"community_worker", "volunteer"}
    assert who_may(p.may_complete_visit, None) == {"community_worker", "volunteer"}
    assert who_may(p.may_edit_rules) == roles("admin official")
    assert who_may(p.may_read_rules) == roles("admin official community_worker")
    assert who_may(p.may_read_coverage) == roles("admin official community_worker")
    assert who_may(p.may_coordinate_volunteers) == roles("admin official community_worker")
