"""Complaints: the workflow, its refusals and audit, and the two evaluation sources."""

import datetime as dt

import pytest
from django.utils import timezone

from shouwang.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from shouwang.core.models import AuditLog
from shouwang.orders import complaints
from shouwang.orders.models import Complaint
from shouwang.orders.models import OrderState as S
from shouwang.providers.evaluation import _sources, score_month
from shouwang.providers.models import EvaluationScheme, ProviderScore
from tests.orders import factories as of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def served(elder_a, admitted_a, carer_a):
    return of.OrderFactory(elder=elder_a, state=S.COMPLETED, provider=admitted_a, caregiver=carer_a)


def test_the_whole_workflow_is_audited(operator, official, worker_a, served, admitted_a):
    complaint = complaints.file_complaint(
        actor=operator, source="family", description="The carer left early", order_id=served.pk
    )
    assert (complaint.provider, complaint.elder, complaint.community_id) == (
        admitted_a,
        served.elder,
        served.community_id,
    )

    complaints.assign_complaint(actor=official, complaint_id=complaint.pk, assignee_id=worker_a.pk)
    complaints.resolve_complaint(
        actor=worker_a, complaint_id=complaint.pk, outcome="upheld", resolution="Provider warned"
    )
    closed = complaints.close_complaint(actor=official, complaint_id=complaint.pk)

    assert closed.state == "closed" and closed.outcome == "upheld" and closed.closed_at
    actions = AuditLog.objects.filter(object_id=str(complaint.pk), action__startswith="order.complaint.")
    assert sorted(actions.values_list("action", flat=True)) == [
        "order.complaint.assign",
        "order.complaint.close",
        "order.complaint.file",
        "order.complaint.resolve",
    ]


def test_steps_out_of_order_are_409(operator, official, served):
    complaint = complaints.file_complaint(actor=operator, source="elder", description="x", order_id=served.pk)
    with pytest.raises(Conflict) as refused:
        complaints.close_complaint(actor=official, complaint_id=complaint.pk)
    assert refused.value.code == "illegal_transition"
    with pytest.raises(Conflict):
        complaints.resolve_complaint(
            actor=official, complaint_id=complaint.pk, outcome="upheld", resolution="y"
        )


def test_family_files_about_their_own_elders_order_only(elder_a, elder_b, admitted_a, carer_a, served):
    family = of.family(elder_a)
    complaint = complaints.file_complaint(
        actor=family, source="operator", description="Rude", order_id=served.pk
    )
    assert complaint.source == "family"

    elsewhere = of.OrderFactory(elder=elder_b, state=S.COMPLETED, provider=admitted_a, caregiver=carer_a)
    with pytest.raises(NotFound):
        complaints.file_complaint(actor=family, source="family", description="x", order_id=elsewhere.pk)


def test_a_complaint_needs_a_description_and_a_provider(operator, elder_a):
    with pytest.raises(ValidationFailed):
        complaints.file_complaint(actor=operator, source="elder", description=" ", elder_id=elder_a.pk)
    with pytest.raises(ValidationFailed) as refused:
        complaints.file_complaint(actor=operator, source="elder", description="x", elder_id=elder_a.pk)
    assert "provider_id" in refused.value.errors


def test_a_caregiver_cannot_file_and_a_worker_cannot_assign(carer_a, worker_a, operator, served):
    with pytest.raises(Forbidden):
        complaints.file_complaint(actor=carer_a.user, source="elder", description="x", order_id=served.pk)
    complaint = complaints.file_complaint(actor=operator, source="elder", description="x", order_id=served.pk)
    with pytest.raises(Forbidden):
        complaints.assign_complaint(actor=worker_a, complaint_id=complaint.pk, assignee_id=worker_a.pk)


def test_the_handler_must_cover_the_community(official, worker_b, operator, served):
    complaint = complaints.file_complaint(actor=operator, source="elder", description="x", order_id=served.pk)
    with pytest.raises(ValidationFailed):
        complaints.assign_complaint(actor=official, complaint_id=complaint.pk, assignee_id=worker_b.pk)
    assert worker_b not in complaints.handlers_for(complaint)


def test_only_the_handler_or_a_supervisor_resolves(official, worker_a, operator, served, tree):
    from tests import factories

    complaint = complaints.file_complaint(actor=operator, source="elder", description="x", order_id=served.pk)
    complaints.assign_complaint(actor=official, complaint_id=complaint.pk, assignee_id=worker_a.pk)
    colleague = factories.user("community_worker", regions=(factories.COMMUNITY_A,))
    with pytest.raises(Forbidden):
        complaints.resolve_complaint(
            actor=colleague, complaint_id=complaint.pk, outcome="upheld", resolution="y"
        )


# --- evaluation --------------------------------------------------------------------------------------------


def month():
    today = timezone.localdate()
    return today.replace(day=1), today


def test_both_sources_are_registered():
    assert _sources["complaints"] is complaints.complaints_measure
    assert _sources["rating"] is complaints.rating_measure


def test_upheld_complaints_per_100_orders_make_the_score(elder_a, admitted_a, carer_a):
    for _ in range(4):
        of.OrderFactory(elder=elder_a, state=S.CONFIRMED, provider=admitted_a, caregiver=carer_a,
                        window_start=of.minutes_ago_today(5))  # fmt: skip
    for outcome in ("upheld", "partly", "not_upheld"):
        Complaint.objects.create(provider=admitted_a, source="elder", description="x", outcome=outcome)

    measure = complaints.complaints_measure(admitted_a.pk, *month())

    # 1.5 upheld over 4 orders = 37.5 per 100 → 100 − 20 × 37.5, floored at 0.
    assert (measure.value, measure.count, measure.score) == (37.5, 4, 0.0)


def test_no_orders_means_no_complaints_score(admitted_a):
    assert complaints.complaints_measure(admitted_a.pk, *month()).score is None


def test_ratings_become_0_to_100(elder_a, admitted_a, carer_a):
    for rating in (5, 4):
        of.OrderFactory(elder=elder_a, state=S.CONFIRMED, provider=admitted_a, caregiver=carer_a,
                        rating=rating, confirmed_at=timezone.now())  # fmt: skip

    measure = complaints.rating_measure(admitted_a.pk, *month())

    assert (measure.value, measure.count, measure.score) == (4.5, 2, 87.5)


def test_the_monthly_score_uses_the_rating(elder_a, admitted_a, carer_a):
    EvaluationScheme.objects.get_or_create(
        effective_from=dt.date(2000, 1, 1),
        defaults={"name": "t", "weights": {"rating": 100}, "star_bands": [[90, 5], [0, 1]]},
    )
    of.OrderFactory(elder=elder_a, state=S.CONFIRMED, provider=admitted_a, caregiver=carer_a, rating=5,
                    confirmed_at=timezone.now())  # fmt: skip

    score_month(month=timezone.localdate(), provider_ids=[admitted_a.pk])

    components = ProviderScore.objects.get(provider=admitted_a).components
    assert components["rating"]["score"] == 100.0
