"""Visit verification: check-in and check-out with the six EVV facts, each exception rule (raised when it
should be and not otherwise), the exceptions queue and its scope, corrections, and the evaluation sources."""

import datetime as dt

import pytest
from django.utils import timezone

from shouwang.core import geo
from shouwang.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from shouwang.core.models import AuditLog
from shouwang.orders import evv
from shouwang.orders.models import (
    CheckMethod,
    CorrectionState,
    ExceptionState,
    OrderState,
    OrderTransition,
    Visit,
    VisitException,
)
from tests import factories
from tests.orders import factories as of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

HOME = (43.85, 126.55)
METRES_PER_DEGREE_LAT = 111_195.0


def north(metres: float, origin=HOME) -> tuple[float, float]:
    """A point ``metres`` north of ``origin``."""
    return origin[0] + metres / METRES_PER_DEGREE_LAT, origin[1]


@pytest.fixture
def elder(elder_a):
    elder_a.lat, elder_a.lon = HOME
    elder_a.save(update_fields=["lat", "lon"])
    return elder_a


@pytest.fixture
def start():
    """A window that began three hours ago, so every time in these tests lies in the past."""
    return (timezone.now() - dt.timedelta(hours=3)).replace(second=0, microsecond=0)


def assigned(elder, provider, carer, start, items=("cleaning",)):
    return of.OrderFactory(
        elder=elder,
        state=OrderState.ASSIGNED,
        provider=provider,
        caregiver=carer,
        window_start=start,
        window_end=start + dt.timedelta(hours=1),
        items=list(items),
    )


def kinds(order) -> set[str]:
    return set(VisitException.objects.filter(order=order).values_list("kind", flat=True))


def visit_through(order, carer, checkin_at, checkout_at=None, where=HOME, leave=None, photo=None):
    evv.check_in(actor=carer.user, order_id=order.pk, lat=where[0], lon=where[1], at=checkin_at)
    if checkout_at is not None:
        leave = leave or where
        evv.check_out(
            actor=carer.user, order_id=order.pk, lat=leave[0], lon=leave[1], at=checkout_at, photo=photo
        )
    order.refresh_from_db()
    return order


# --- check-in and check-out ----------------------------------------------------------------------------


def test_check_in_and_out_record_the_six_facts(elder, admitted_a, carer_a, start):
    order = assigned(elder, admitted_a, carer_a, start)
    visit = evv.check_in(actor=carer_a.user, order_id=order.pk, lat=HOME[0], lon=HOME[1], accuracy_m=12,
                         at=start + dt.timedelta(minutes=5))  # fmt: skip
    order.refresh_from_db()
    assert order.state == OrderState.IN_SERVICE
    assert visit.caregiver == carer_a and visit.checkin_at == start + dt.timedelta(minutes=5)
    assert visit.checkin_distance_m == 0 and visit.checkin_accuracy_m == 12
    assert visit.checkin_method == CheckMethod.GPS

    evv.check_out(
        actor=carer_a.user, order_id=order.pk, lat=HOME[0], lon=HOME[1], at=start + dt.timedelta(minutes=65)
    )
    order.refresh_from_db()
    visit.refresh_from_db()
    # Service (lines), person (elder), date and start/end, location, caregiver: all on record.
    assert order.state == OrderState.COMPLETED
    assert [line.item.code for line in order.lines.all()] == ["cleaning"]
    assert (visit.order.elder_id, visit.caregiver_id) == (elder.pk, carer_a.pk)
    assert visit.checkout_at - visit.checkin_at == dt.timedelta(minutes=60)
    assert (visit.checkout_lat, visit.checkout_lon, visit.checkout_distance_m) == (HOME[0], HOME[1], 0)
    assert [t.to_state for t in OrderTransition.objects.filter(order=order)] == ["in_service", "completed"]
    assert AuditLog.objects.filter(action__in=["orders.check_in", "orders.check_out"]).count() == 2
    assert kinds(order) == set()


def test_only_the_assigned_caregiver_checks_in(elder, admitted_a, carer_a, start, provider_admin_a):
    order = assigned(elder, admitted_a, carer_a, start)
    colleague = of.caregiver(admitted_a)
    for someone in (colleague.user, provider_admin_a):
        with pytest.raises(NotFound):
            evv.check_in(actor=someone, order_id=order.pk, lat=HOME[0], lon=HOME[1])
    assert not Visit.objects.exists()


def test_check_in_twice_or_out_before_in_is_refused(elder, admitted_a, carer_a, start):
    order = assigned(elder, admitted_a, carer_a, start)
    with pytest.raises(Conflict) as refused:
        evv.check_out(actor=carer_a.user, order_id=order.pk, lat=HOME[0], lon=HOME[1])
    assert refused.value.code == "illegal_transition"
    evv.check_in(actor=carer_a.user, order_id=order.pk, lat=HOME[0], lon=HOME[1])
    with pytest.raises(Conflict) as refused:
        evv.check_in(actor=carer_a.user, order_id=order.pk, lat=HOME[0], lon=HOME[1])
    assert "only an assigned visit" in refused.value.message
    assert Visit.objects.count() == 1


@pytest.mark.parametrize("lat, lon", [(None, None), ("x", "126.5"), (91, 126.5)])
def test_a_missing_location_is_refused(elder, admitted_a, carer_a, start, lat, lon):
    order = assigned(elder, admitted_a, carer_a, start)
    with pytest.raises(ValidationFailed) as refused:
        evv.check_in(actor=carer_a.user, order_id=order.pk, lat=lat, lon=lon)
    assert "location" in refused.value.message
    order.refresh_from_db()
    assert order.state == OrderState.ASSIGNED


def test_the_photo_is_stored_with_its_hash(elder, admitted_a, carer_a, start, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    order = assigned(elder, admitted_a, carer_a, start)
    picture = b"\x89PNG\r\n\x1a\n" + b"picture-1"
    visit_through(order, carer_a, start, start + dt.timedelta(minutes=60), photo=_upload(picture))
    visit = Visit.objects.get(order=order)
    import hashlib

    assert visit.photo_sha256 == hashlib.sha256(picture).hexdigest()
    assert visit.photo.read() == picture


def test_a_photo_that_is_not_a_picture_is_refused(elder, admitted_a, carer_a, start, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    order = assigned(elder, admitted_a, carer_a, start)
    evv.check_in(actor=carer_a.user, order_id=order.pk, lat=HOME[0], lon=HOME[1], at=start)
    with pytest.raises(ValidationFailed):
        evv.check_out(
            actor=carer_a.user, order_id=order.pk, lat=HOME[0], lon=HOME[1], photo=_upload(b"%PDF-1.4")
        )
    order.refresh_from_db()
    assert order.state == OrderState.IN_SERVICE


def _upload(content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("photo.png", content, content_type="image/png")


# --- exception rules -----------------------------------------------------------------------------------


@pytest.mark.parametrize("metres, raised", [(150, False), (500, True)])
def test_outside_radius_at_check_in(elder, admitted_a, carer_a, start, metres, raised):
    order = visit_through(assigned(elder, admitted_a, carer_a, start), carer_a, start, where=north(metres))
    assert ("outside_radius" in kinds(order)) is raised
    assert Visit.objects.get(order=order).checkin_distance_m == pytest.approx(metres, abs=1)


def test_outside_radius_at_check_out_only(elder, admitted_a, carer_a, start):
    order = visit_through(
        assigned(elder, admitted_a, carer_a, start), carer_a, start, start + dt.timedelta(minutes=60),
        leave=north(800),
    )  # fmt: skip
    assert kinds(order) == {"outside_radius"}
    assert "check-out 800 m" in VisitException.objects.get(order=order).detail


@pytest.mark.parametrize("minutes, raised", [(-10, False), (15, False), (16, True), (40, True)])
def test_late_after_the_tolerance(elder, admitted_a, carer_a, start, minutes, raised):
    order = visit_through(
        assigned(elder, admitted_a, carer_a, start), carer_a, start + dt.timedelta(minutes=minutes)
    )
    assert ("late" in kinds(order)) is raised


@pytest.mark.parametrize("minutes, raised", [(29, True), (30, False), (90, False)])
def test_too_short_against_the_items_standard_minutes(elder, admitted_a, carer_a, start, minutes, raised):
    # 助洁 takes 60 standard minutes; the default share is half of that.
    order = assigned(elder, admitted_a, carer_a, start)
    assert evv.standard_minutes(order) == 60
    visit_through(order, carer_a, start, start + dt.timedelta(minutes=minutes))
    assert ("too_short" in kinds(order)) is raised


def test_too_short_counts_quantities(elder, admitted_a, carer_a, start):
    order = assigned(elder, admitted_a, carer_a, start, items=[("cleaning", 2), "visit"])
    assert evv.standard_minutes(order) == 150
    visit_through(order, carer_a, start, start + dt.timedelta(minutes=70))
    assert "too_short" in kinds(order)


def test_missing_checkout_sweep(elder, admitted_a, carer_a, start):
    overdue = visit_through(assigned(elder, admitted_a, carer_a, start), carer_a, start)
    # Window 1 h; the default grace is 60 min after its end.
    before_grace = start + dt.timedelta(hours=1, minutes=59)
    assert evv.sweep_missing_checkouts(now=before_grace) == 0
    after_grace = start + dt.timedelta(hours=2, minutes=1)
    assert evv.sweep_missing_checkouts(now=after_grace) == 1
    assert evv.sweep_missing_checkouts(now=after_grace) == 0
    assert kinds(overdue) == {"missing_checkout"}


def test_a_checked_out_visit_is_not_swept(elder, admitted_a, carer_a, start):
    visit_through(
        assigned(elder, admitted_a, carer_a, start), carer_a, start, start + dt.timedelta(minutes=60)
    )
    assert evv.sweep_missing_checkouts(now=start + dt.timedelta(days=1)) == 0


def test_overlapping_visits_of_one_caregiver(elder, elder_b, admitted_a, carer_a, start):
    first = visit_through(assigned(elder, admitted_a, carer_a, start), carer_a, start)
    # Still checked in at the first home, the caregiver checks in to a second visit next door.
    second = visit_through(
        assigned(elder, admitted_a, carer_a, start), carer_a, start + dt.timedelta(minutes=20)
    )
    assert "overlap" in kinds(second)
    assert "overlap" in kinds(first)
    assert f"#{first.pk}" in VisitException.objects.get(order=second, kind="overlap").detail


def test_consecutive_visits_do_not_overlap(elder, admitted_a, carer_a, start):
    visit_through(
        assigned(elder, admitted_a, carer_a, start), carer_a, start, start + dt.timedelta(minutes=60)
    )
    later = start + dt.timedelta(minutes=70)
    second = visit_through(
        assigned(elder, admitted_a, carer_a, later), carer_a, later, later + dt.timedelta(minutes=60)
    )
    assert kinds(second) == set()


def test_another_caregivers_visit_at_the_same_time_is_no_overlap(elder, admitted_a, carer_a, start):
    other = of.caregiver(admitted_a)
    visit_through(assigned(elder, admitted_a, carer_a, start), carer_a, start)
    second = visit_through(assigned(elder, admitted_a, other, start), other, start)
    assert kinds(second) == set()


@pytest.mark.parametrize("gap_minutes, raised", [(5, True), (40, False)])
def test_impossible_travel_between_consecutive_visits(elder, admitted_a, carer_a, start, gap_minutes, raised):
    # The second elder lives 20 km north: 5 minutes is 240 km/h, 40 minutes is 30 km/h.
    far_home = north(20_000)
    other_elder = factories.ElderFactory(lat=far_home[0], lon=far_home[1])
    visit_through(
        assigned(elder, admitted_a, carer_a, start), carer_a, start, start + dt.timedelta(minutes=40)
    )
    later = start + dt.timedelta(minutes=40 + gap_minutes)
    second = visit_through(assigned(other_elder, admitted_a, carer_a, later), carer_a, later, where=far_home)
    assert ("impossible_travel" in kinds(second)) is raised
    assert "outside_radius" not in kinds(second)


def test_a_reused_photo(elder, admitted_a, carer_a, start, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    picture = b"\xff\xd8\xff\xe0" + b"the same kitchen"
    first = visit_through(
        assigned(elder, admitted_a, carer_a, start), carer_a, start, start + dt.timedelta(minutes=60),
        photo=_upload(picture),
    )  # fmt: skip
    later = start + dt.timedelta(minutes=61)
    fresh = visit_through(
        assigned(elder, admitted_a, carer_a, later), carer_a, later, later + dt.timedelta(minutes=60),
        photo=_upload(picture + b" but another day"),
    )  # fmt: skip
    later = later + dt.timedelta(minutes=61)
    reused = visit_through(
        assigned(elder, admitted_a, carer_a, later), carer_a, later, later + dt.timedelta(minutes=60),
        photo=_upload(picture),
    )  # fmt: skip
    assert "photo_reused" not in kinds(first) | kinds(fresh)
    assert f"#{first.pk}" in VisitException.objects.get(order=reused, kind="photo_reused").detail


def test_detect_twice_raises_once(elder, admitted_a, carer_a, start):
    order = visit_through(assigned(elder, admitted_a, carer_a, start), carer_a, start + dt.timedelta(hours=1))
    assert evv.detect_exceptions(order) == []
    assert VisitException.objects.filter(order=order, kind="late").count() == 1


# --- the queue ---------------------------------------------------------------------------------------------


@pytest.fixture
def late_a(elder, admitted_a, carer_a, start):
    """A late visit of 甲服务商, and its exception."""
    order = visit_through(
        assigned(elder, admitted_a, carer_a, start), carer_a, start + dt.timedelta(minutes=30)
    )
    return VisitException.objects.get(order=order, kind="late")


@pytest.fixture
def late_b(elder, admitted_b, carer_b, start):
    order = visit_through(
        assigned(elder, admitted_b, carer_b, start), carer_b, start + dt.timedelta(minutes=30)
    )
    return VisitException.objects.get(order=order, kind="late")


def test_the_queue_is_scoped(late_a, late_b, provider_admin_a, provider_admin_b, official, worker_a, carer_a):
    assert [e.pk for e in evv.exceptions_for(provider_admin_a)] == [late_a.pk]
    assert [e.pk for e in evv.exceptions_for(provider_admin_b)] == [late_b.pk]
    assert {e.pk for e in evv.exceptions_for(official)} == {late_a.pk, late_b.pk}
    assert list(evv.exceptions_for(carer_a.user)) == []
    assert list(evv.exceptions_for(worker_a)) == []
    assert [e.pk for e in evv.exceptions_for(official, kind="late", state="open")] == [late_b.pk, late_a.pk]


def test_a_provider_accepts_an_explanation(late_a, provider_admin_a):
    with pytest.raises(ValidationFailed):
        evv.resolve_exception(actor=provider_admin_a, exception_id=late_a.pk, accept=True, explanation=" ")
    resolved = evv.resolve_exception(
        actor=provider_admin_a, exception_id=late_a.pk, accept=True, explanation="Road closed by snow."
    )
    assert (resolved.state, resolved.resolution, resolved.resolved_by) == (
        ExceptionState.ACCEPTED, "Road closed by snow.", provider_admin_a,
    )  # fmt: skip
    record = AuditLog.objects.get(action="orders.exception_resolved")
    assert record.before == {"kind": "late", "state": "open"}
    assert record.after["state"] == "accepted"
    with pytest.raises(Conflict):
        evv.resolve_exception(actor=provider_admin_a, exception_id=late_a.pk, accept=False)


def test_an_official_upholds_and_other_providers_cannot_touch(late_a, provider_admin_b, official, carer_a):
    with pytest.raises(NotFound):
        evv.resolve_exception(actor=provider_admin_b, exception_id=late_a.pk, accept=False)
    with pytest.raises(Forbidden):
        evv.resolve_exception(actor=carer_a.user, exception_id=late_a.pk, accept=False)
    assert evv.resolve_exception(actor=official, exception_id=late_a.pk, accept=False).state == "upheld"


# --- corrections ---------------------------------------------------------------------------------------


@pytest.fixture
def forgotten(elder, admitted_a, carer_a, start):
    """A visit never checked out, swept as missing its check-out."""
    order = visit_through(assigned(elder, admitted_a, carer_a, start), carer_a, start)
    evv.sweep_missing_checkouts(now=start + dt.timedelta(hours=3))
    return order


def test_approving_a_missing_check_out_completes_the_order(forgotten, carer_a, provider_admin_a, start):
    checkout = start + dt.timedelta(minutes=55)
    correction = evv.request_correction(
        actor=carer_a.user, order_id=forgotten.pk, checkout_at=checkout, reason="Phone battery died."
    )
    assert correction.state == CorrectionState.PENDING
    assert correction.changes == {"checkout_at": checkout.isoformat()}

    evv.decide_correction(actor=provider_admin_a, correction_id=correction.pk, approve=True)

    forgotten.refresh_from_db()
    visit = Visit.objects.get(order=forgotten)
    assert forgotten.state == OrderState.COMPLETED
    assert (visit.checkout_at, visit.checkout_method) == (checkout, CheckMethod.CORRECTED)
    assert (
        VisitException.objects.get(order=forgotten, kind="missing_checkout").state == ExceptionState.CORRECTED
    )
    record = AuditLog.objects.get(action="orders.correction_approved")
    assert record.before["checkout_at"] is None and record.before["checkout_method"] == ""
    assert record.after["checkout_at"] == checkout.isoformat()
    assert record.after["checkout_method"] == "corrected"


def test_a_refusal_needs_a_note_and_changes_nothing(forgotten, carer_a, provider_admin_a, start):
    correction = evv.request_correction(
        actor=carer_a.user,
        order_id=forgotten.pk,
        checkout_at=start + dt.timedelta(minutes=50),
        reason="Forgot.",
    )
    with pytest.raises(ValidationFailed):
        evv.decide_correction(actor=provider_admin_a, correction_id=correction.pk, approve=False)
    refused = evv.decide_correction(
        actor=provider_admin_a,
        correction_id=correction.pk,
        approve=False,
        note="The neighbour saw you leave at 11.",
    )
    assert refused.state == CorrectionState.REFUSED
    forgotten.refresh_from_db()
    assert forgotten.state == OrderState.IN_SERVICE
    assert Visit.objects.get(order=forgotten).checkout_at is None
    assert AuditLog.objects.filter(action="orders.correction_refused").exists()
    with pytest.raises(Conflict):
        evv.decide_correction(actor=provider_admin_a, correction_id=correction.pk, approve=True)


def test_correction_requests_are_checked(forgotten, carer_a, carer_b, provider_admin_b, official, start):
    with pytest.raises(NotFound):
        evv.request_correction(actor=carer_b.user, order_id=forgotten.pk, checkout_at=start, reason="x")
    with pytest.raises(ValidationFailed):
        evv.request_correction(actor=carer_a.user, order_id=forgotten.pk, reason="no times")
    with pytest.raises(ValidationFailed):
        evv.request_correction(actor=carer_a.user, order_id=forgotten.pk, checkout_at=start, reason="")
    with pytest.raises(ValidationFailed) as refused:
        evv.request_correction(
            actor=carer_a.user, order_id=forgotten.pk, checkout_at=start - dt.timedelta(minutes=1), reason="x"
        )
    assert "after the check-in" in refused.value.message
    correction = evv.request_correction(
        actor=official, order_id=forgotten.pk, checkout_at=start + dt.timedelta(minutes=45), reason="Called."
    )
    with pytest.raises(Conflict):
        evv.request_correction(
            actor=carer_a.user,
            order_id=forgotten.pk,
            checkout_at=start + dt.timedelta(minutes=40),
            reason="x",
        )
    with pytest.raises(NotFound):
        evv.decide_correction(actor=provider_admin_b, correction_id=correction.pk, approve=True)
    with pytest.raises(Forbidden):
        evv.decide_correction(actor=carer_a.user, correction_id=correction.pk, approve=True)
    assert [c.pk for c in evv.corrections_for(carer_a.user)] == [correction.pk]
    assert list(evv.corrections_for(carer_b.user)) == []


def test_a_corrected_check_in_answers_lateness(elder, admitted_a, carer_a, official, start):
    order = visit_through(
        assigned(elder, admitted_a, carer_a, start), carer_a, start + dt.timedelta(minutes=40),
        start + dt.timedelta(minutes=100),
    )  # fmt: skip
    assert kinds(order) == {"late"}
    correction = evv.request_correction(
        actor=carer_a.user, order_id=order.pk, checkin_at=start, reason="Checked in late; the app hung."
    )
    evv.decide_correction(actor=official, correction_id=correction.pk, approve=True)
    visit = Visit.objects.get(order=order)
    assert (visit.checkin_at, visit.checkin_method) == (start, CheckMethod.CORRECTED)
    assert VisitException.objects.get(order=order).state == ExceptionState.CORRECTED


# --- evaluation sources and geometry --------------------------------------------------------------------


def test_on_time_and_verification_sources(elder, admitted_a, carer_a, provider_admin_a, start):
    on_time = visit_through(
        assigned(elder, admitted_a, carer_a, start), carer_a, start, start + dt.timedelta(hours=1)
    )
    later = start + dt.timedelta(hours=1, minutes=5)
    late = visit_through(
        assigned(elder, admitted_a, carer_a, later), carer_a, later + dt.timedelta(minutes=30),
        later + dt.timedelta(minutes=90),
    )  # fmt: skip
    assert kinds(on_time) == set() and kinds(late) == {"late"}
    day = timezone.localtime(start).date()
    first, last = day.replace(day=1), day.replace(day=28) + dt.timedelta(days=4)

    punctuality = evv.on_time_measure(admitted_a.pk, first, last)
    assert (punctuality.score, punctuality.count) == (50.0, 2)
    verified = evv.verification_measure(admitted_a.pk, first, last)
    assert (verified.score, verified.count) == (50.0, 2)

    # An accepted explanation no longer counts against the provider.
    exception = VisitException.objects.get(order=late)
    evv.resolve_exception(actor=provider_admin_a, exception_id=exception.pk, accept=True, explanation="Snow.")
    assert evv.verification_measure(admitted_a.pk, first, last).score == 100.0
    assert evv.on_time_measure(admitted_a.pk + 999, first, last).score is None


def test_the_sources_are_registered():
    from shouwang.providers import evaluation

    assert evaluation._sources["on_time"] is evv.on_time_measure
    assert evaluation._sources["verification"] is evv.verification_measure


def test_geometry():
    assert geo.distance_m(*HOME, *north(1000)) == pytest.approx(1000, rel=1e-3)
    # Tiananmen: WGS-84 to the GCJ-02 datum of Chinese maps, about 550 m off.
    lat, lon = geo.wgs84_to_gcj02(39.90734, 116.39089)
    assert (round(lat, 4), round(lon, 4)) == (39.9087, 116.3971)
    assert geo.wgs84_to_gcj02(51.5, -0.12) == (51.5, -0.12)


def test_geometry_reads_distances_as_people_do():
    assert geo.distance_text(349.6) == "350 m"
    assert geo.distance_text(1234) == "1.2 km"
    assert geo.distance_text(950_400) == "950 km"


# --- the caregiver is told at once ----------------------------------------------------------------------


def test_a_check_in_far_too_early_is_an_exception(elder, admitted_a, carer_a):
    later = (timezone.now() + dt.timedelta(hours=9)).replace(second=0, microsecond=0)
    order = visit_through(assigned(elder, admitted_a, carer_a, later), carer_a, timezone.now())
    assert kinds(order) == {"early"}
    assert "hours before the window began" in VisitException.objects.get(order=order).detail


def test_a_check_in_a_little_early_is_fine(elder, admitted_a, carer_a):
    soon = (timezone.now() + dt.timedelta(minutes=20)).replace(second=0, microsecond=0)
    order = visit_through(assigned(elder, admitted_a, carer_a, soon), carer_a, timezone.now())
    assert kinds(order) == set()


def test_far_away_distances_read_in_km(elder, admitted_a, carer_a, start):
    order = visit_through(assigned(elder, admitted_a, carer_a, start), carer_a, start, where=north(950_000))
    assert "check-in 950 km" in VisitException.objects.get(order=order).detail
