"""Every predicate of benefits.permissions: the role-only ones against every role (tests/roles.py), the
review steps of a run against officials and workers inside and outside its region."""

import pytest

from shouwang.benefits import permissions as p
from shouwang.benefits.models import EligibilityRun, RunState
from tests import factories as f
from tests.roles import roles, who_may


@pytest.mark.parametrize(
    ("predicate", "allowed"),
    [
        (p.may_keep_policies, "admin official"),
        (p.may_read_runs, "admin official community_worker"),
        (p.may_read_ledger, "admin official"),
        (p.may_redeem, "admin official"),
        (p.may_read_elder_benefits, "admin official community_worker operator elder"),
    ],
    ids=lambda value: getattr(value, "__name__", ""),
)
def test_who_may(predicate, allowed):
    assert who_may(predicate) == roles(allowed)


@pytest.fixture
def people(db):
    f.load_tree()
    return {
        "admin": f.user("admin"),
        "district official": f.user("official", regions=(f.DISTRICT,)),
        "street A official": f.user("official", regions=(f.STREET_A,)),
        "street B official": f.user("official", regions=("220202002000",)),
        "worker A": f.user("community_worker", regions=(f.COMMUNITY_A,)),
        "worker B": f.user("community_worker", regions=(f.COMMUNITY_B,)),
        "operator": f.user("operator", regions=(f.DISTRICT,)),
    }


# A run for street A: who takes each step (and, with the run in the state before, may return it).
STEP_TABLE = [
    (RunState.COMMUNITY_CHECKED, {"admin", "worker A"}),
    (RunState.STREET_CHECKED, {"admin", "street A official"}),
    (RunState.APPROVED, {"admin", "district official", "street A official"}),
]


@pytest.mark.parametrize(("step", "takers"), STEP_TABLE)
def test_who_takes_each_review_step_of_a_street_run(people, step, takers):
    run = EligibilityRun(region_id=f.STREET_A, state=RunState.COMPUTED)
    assert {name for name, user in people.items() if p.may_take_step(user, run, step)} == takers


def test_who_computes_a_run_and_who_returns_one(people):
    computes = {name for name, user in people.items() if p.may_compute_run(user, f.STREET_A)}
    assert computes == {"admin", "district official", "street A official"}
    computed = EligibilityRun(region_id=f.STREET_A, state=RunState.COMPUTED)
    assert {name for name, user in people.items() if p.may_return(user, computed)} == {"admin", "worker A"}
    street_checked = EligibilityRun(region_id=f.STREET_A, state=RunState.STREET_CHECKED)
    returners = {name for name, user in people.items() if p.may_return(user, street_checked)}
    assert returners == {"admin", "district official", "street A official"}
    approved = EligibilityRun(region_id=f.STREET_A, state=RunState.APPROVED)
    assert not [name for name, user in people.items() if p.may_return(user, approved)]
