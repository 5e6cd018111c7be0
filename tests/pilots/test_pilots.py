"""Pilot programmes: the state machine (every move in the table, an illegal step is a 409), who takes
which step, the objection period, acceptance with a score and documents, the history, and scope."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from shouwang.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from shouwang.core.models import AuditLog
from shouwang.pilots.models import PilotState
from shouwang.pilots.services import (
    add_document,
    add_milestone,
    apply,
    complete_milestone,
    move,
    record_objection,
    report_indicator,
)
from shouwang.pilots.states import MOVES
from tests import factories

pytestmark = pytest.mark.django_db
S = PilotState
TODAY = dt.date(2026, 3, 2)


@pytest.fixture
def street(tree):
    """兴华街道's official applies; the district's official reviews."""
    return factories.user("official", regions=(factories.STREET_A,), username="street_a")


@pytest.fixture
def pilot(street):
    return apply(
        actor=street, region_code=factories.STREET_A, title="居家社区养老服务改革试点",
        goals="建设15分钟养老服务圈",
        indicators=[{"name": "助餐覆盖率", "unit": "%", "baseline": "40", "target": "80"}], objection_days=5,
    )  # fmt: skip


def _to_implementing(pilot, official):
    move(actor=official, pilot_id=pilot.pk, to_state=S.NOTICE, today=TODAY)
    return move(
        actor=official, pilot_id=pilot.pk, to_state=S.IMPLEMENTING, today=TODAY + dt.timedelta(days=6)
    )


def test_the_whole_way_to_acceptance_is_recorded(client, pilot, street, official):
    noticed = move(actor=official, pilot_id=pilot.pk, to_state=S.NOTICE, today=TODAY)
    assert (noticed.notice_from, noticed.notice_until) == (TODAY, dt.date(2026, 3, 7))
    record_objection(actor=official, pilot_id=pilot.pk, text="选址有异议", received_from="居民")
    with pytest.raises(Conflict) as early:
        move(actor=official, pilot_id=pilot.pk, to_state=S.IMPLEMENTING, today=dt.date(2026, 3, 7))
    assert early.value.code == "objection_period"
    move(actor=official, pilot_id=pilot.pk, to_state=S.IMPLEMENTING, today=dt.date(2026, 3, 8))
    milestone = add_milestone(
        actor=street, pilot_id=pilot.pk, title="建成助餐点", due_on=dt.date(2026, 6, 30)
    )
    complete_milestone(actor=street, pilot_id=pilot.pk, milestone_id=milestone.pk)
    indicator = pilot.indicators.get()
    report_indicator(actor=street, pilot_id=pilot.pk, indicator_id=indicator.pk, value="85.5")
    move(actor=street, pilot_id=pilot.pk, to_state=S.ACCEPTANCE)
    with pytest.raises(ValidationFailed) as no_papers:
        move(actor=official, pilot_id=pilot.pk, to_state=S.ACCEPTED, score="88")
    assert "documents" in no_papers.value.errors
    add_document(actor=official, pilot_id=pilot.pk, title="验收报告", number="昌民〔2026〕12号")
    with pytest.raises(ValidationFailed):
        move(actor=official, pilot_id=pilot.pk, to_state=S.ACCEPTED, score="55")
    accepted = move(actor=official, pilot_id=pilot.pk, to_state=S.ACCEPTED, score="88")
    assert accepted.state == S.ACCEPTED and str(accepted.score) == "88.0"

    client.force_login(official)
    body = client.get(f"/api/v1/pilots/{pilot.pk}").json()
    assert [stage["state"] for stage in body["stages"]] == [
        "applied",
        "notice",
        "implementing",
        "acceptance",
        "accepted",
    ]
    assert all(stage["entered_at"] for stage in body["stages"]) and body["stages"][-1]["current"]
    kinds = [(event["kind"], event["to_state"]) for event in body["history"]]
    assert kinds == [
        ("move", "applied"), ("move", "notice"), ("objection", "notice"), ("move", "implementing"),
        ("milestone", "implementing"), ("milestone", "implementing"), ("report", "implementing"),
        ("move", "acceptance"), ("document", "acceptance"), ("move", "accepted"),
    ]  # fmt: skip
    assert body["indicators"][0]["latest"] == "85.50"
    assert AuditLog.objects.filter(object_id=str(pilot.pk), action__startswith="pilot.").count() == 10
    listed = client.get("/api/v1/pilots?state=accepted").json()
    assert [item["id"] for item in listed["items"]] == [pilot.pk]


@pytest.mark.parametrize("start", [S.APPLIED, S.NOTICE, S.IMPLEMENTING, S.ACCEPTANCE])
def test_every_step_outside_the_table_is_a_409(client, pilot, street, official, start):
    if start != S.APPLIED:
        _to_implementing(pilot, official) if start != S.NOTICE else move(
            actor=official, pilot_id=pilot.pk, to_state=S.NOTICE
        )
    if start == S.ACCEPTANCE:
        move(actor=street, pilot_id=pilot.pk, to_state=S.ACCEPTANCE)
    client.force_login(official)
    for target in set(S.values) - MOVES[start] - {S.APPLIED}:
        answer = client.post(
            f"/api/v1/pilots/{pilot.pk}/moves", {"to_state": target, "reason": "x", "score": 70},
            content_type="application/json",
        )  # fmt: skip
        assert answer.status_code in (403, 409), (start, target, answer.content)
        if answer.status_code == 409:
            assert answer.json()["code"] == "illegal_transition"
    pilot.refresh_from_db()
    assert pilot.state == start


def test_a_closed_programme_moves_no_more(client, pilot, official):
    move(actor=official, pilot_id=pilot.pk, to_state=S.REJECTED, reason="目标不明确")
    client.force_login(official)
    answer = client.post(
        f"/api/v1/pilots/{pilot.pk}/moves", {"to_state": "notice"}, content_type="application/json"
    )
    assert answer.status_code == 409 and answer.json()["code"] == "illegal_transition"


def test_the_applicant_does_not_review_its_own_programme(pilot, street, official):
    with pytest.raises(Forbidden):
        move(actor=street, pilot_id=pilot.pk, to_state=S.NOTICE)
    # nor does a district official who applied for one of its streets
    own = apply(
        actor=official, region_code=factories.STREET_A, title="区申报", goals="目标",
        indicators=[{"name": "指标", "target": "1"}],
    )  # fmt: skip
    with pytest.raises(Forbidden):
        move(actor=official, pilot_id=own.pk, to_state=S.NOTICE)
    move(actor=street, pilot_id=pilot.pk, to_state=S.WITHDRAWN, reason="重新申报")
    with pytest.raises(Forbidden):  # the street reviews nobody
        move(actor=street, pilot_id=own.pk, to_state=S.REJECTED, reason="x")


def test_a_programme_is_outside_another_streets_scope(client, pilot):
    other = factories.user("official", regions=("220202002000",))
    with pytest.raises(NotFound):
        move(actor=other, pilot_id=pilot.pk, to_state=S.NOTICE)
    client.force_login(other)
    assert client.get(f"/api/v1/pilots/{pilot.pk}").status_code == 404
    assert client.get("/api/v1/pilots").json()["count"] == 0


def test_only_a_street_or_district_applies(official):
    with pytest.raises(ValidationFailed):
        apply(
            actor=official,
            region_code=factories.COMMUNITY_A,
            title="t",
            goals="g",
            indicators=[{"name": "n", "target": 1}],
        )


def test_the_public_notice_shows_published_programmes_only(client, pilot, official):
    assert pilot.title not in client.get("/public/pilots/").content.decode()
    move(actor=official, pilot_id=pilot.pk, to_state=S.NOTICE, today=timezone.localdate())
    page = client.get("/public/pilots/").content.decode()
    assert pilot.title in page
