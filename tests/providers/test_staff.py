"""Staff: validated registration, certificates, skills and shifts, the eligibility rule, and scope."""

import datetime as dt

import pytest
from django.utils import timezone

from shouwang.catalog.models import ServiceItem
from shouwang.core.errors import Forbidden, NotFound, ValidationFailed
from shouwang.core.idnumbers import make_resident_id
from shouwang.core.masking import mask_id_number
from shouwang.core.models import AuditLog
from shouwang.providers import admission
from shouwang.providers.models import StaffMember
from shouwang.providers.selectors import expiring_certificates, get_staff_for, staff_for
from shouwang.providers.staff import (
    add_certificate,
    add_staff,
    add_training,
    deactivate_staff,
    eligibility,
    eligible_staff,
    set_shifts,
    set_skills,
    update_staff,
)
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def today():
    """The platform's date when the test runs (not when the module was imported: a run may cross midnight)."""
    return timezone.localdate()


# A Monday two to three weeks ahead: the day every service below is checked for.
MONDAY = today() + dt.timedelta(days=14 - today().weekday())
WEEKDAY_SHIFTS = {
    day: [["08:00", "12:00"], ["13:30", "17:30"]] for day in ("mon", "tue", "wed", "thu", "fri")
}


def id_number(n: int) -> str:
    return make_resident_id("220202", dt.date(1975, 6, 1), n)


_GOOD = id_number(99)
BAD_CHECK_DIGIT = _GOOD[:17] + ("1" if _GOOD[17] != "1" else "2")


def at(day: dt.date, hhmm: str) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.fromisoformat(hhmm)))


def admit(official, provider, services=("bathing", "meal")):
    """Take the provider through admission to a contract in force."""
    admission.add_licence(actor=official, provider_id=provider.pk, kind="business", number="B-1")
    admission.start_review(actor=official, provider_id=provider.pk)
    admission.decide_admission(actor=official, provider_id=provider.pk, admit=True)
    admission.sign_contract(
        actor=official,
        provider_id=provider.pk,
        number=f"C-{provider.pk}",
        starts_on=today(),
        ends_on=today() + dt.timedelta(days=365),
        area_codes=[factories.COMMUNITY_A],
        services=list(services),
    )
    provider.refresh_from_db()
    return provider


@pytest.fixture
def admitted_a(official, provider_a):
    return admit(official, provider_a)


@pytest.fixture
def bathing():
    item = ServiceItem.objects.get(code="bathing")
    # The seeded catalogue: 助浴 needs an elderly-caregiver certificate (养老护理员).
    assert item.required_certificate == "elder_caregiver"
    return item


@pytest.fixture
def carer(provider_admin_a, admitted_a):
    """A caregiver of provider A, skilled in bathing, on weekday shifts, with a valid certificate."""
    staff = add_staff(
        actor=provider_admin_a,
        provider_id=admitted_a.pk,
        name="王护理",
        id_number=id_number(11),
        phone="13812345678",
        skills=["bathing"],
        weekly_shifts=WEEKDAY_SHIFTS,
    )
    add_certificate(
        actor=provider_admin_a,
        staff_id=staff.pk,
        kind="elder_caregiver",
        number="YL-001",
        level="中级",
        issued_on=dt.date(2020, 1, 1),
        expires_on=MONDAY + dt.timedelta(days=365),
    )
    return staff


def fresh(staff) -> StaffMember:
    return StaffMember.objects.select_related("provider").get(pk=staff.pk)


# --- registration --------------------------------------------------------------------------------------


def test_add_staff_normalises_and_audits(provider_admin_a, provider_a):
    staff = add_staff(
        actor=provider_admin_a,
        provider_id=provider_a.pk,
        name=" 李护士 ",
        id_number=id_number(13).lower(),
        phone="138 1234 5678",
        job="nurse",
    )
    assert (staff.name, staff.phone, staff.job, staff.active) == ("李护士", "13812345678", "nurse", True)
    log = AuditLog.objects.get(action="providers.staff.add")
    assert log.provider_id == provider_a.pk and log.region_code == provider_a.region_id
    assert staff.id_number not in str(log.after) and "13812345678" not in str(log.after)


@pytest.mark.parametrize(
    ("field", "values"),
    [
        ("id_number", {"id_number": BAD_CHECK_DIGIT}),
        ("id_number", {"id_number": "12345"}),
        ("phone", {"phone": "12345"}),
        ("name", {"name": " "}),
        ("job", {"job": "astronaut"}),
        ("home_lat", {"home_lat": 123.0}),
    ],
)
def test_bad_values_are_refused_naming_the_field(provider_admin_a, provider_a, field, values):
    data = {"name": "王五", "id_number": id_number(15), "phone": "13812345678", **values}
    with pytest.raises(ValidationFailed) as caught:
        add_staff(actor=provider_admin_a, provider_id=provider_a.pk, **data)
    assert field in caught.value.errors
    assert not StaffMember.objects.exists()


def test_an_id_number_is_registered_once(provider_admin_a, provider_admin_b, provider_a, provider_b):
    add_staff(actor=provider_admin_a, provider_id=provider_a.pk, name="甲", id_number=id_number(17))
    with pytest.raises(ValidationFailed) as caught:
        add_staff(actor=provider_admin_b, provider_id=provider_b.pk, name="乙", id_number=id_number(17))
    assert "id_number" in caught.value.errors


def test_update_records_only_the_change(provider_admin_a, carer):
    update_staff(actor=provider_admin_a, staff_id=carer.pk, phone="0432-62345678", name="王护理")
    log = AuditLog.objects.get(action="providers.staff.update")
    assert set(log.after) == {"phone"} and "62345678" not in str(log.after)
    with pytest.raises(ValidationFailed) as caught:
        update_staff(actor=provider_admin_a, staff_id=carer.pk, phone="555")
    assert "phone" in caught.value.errors
    with pytest.raises(ValidationFailed):
        update_staff(actor=provider_admin_a, staff_id=carer.pk, active=False)


def test_linking_a_login_account_of_the_same_provider_only(provider_admin_a, provider_b, carer):
    own = factories.user("caregiver", provider_id=carer.provider_id)
    other = factories.user("caregiver", provider_id=provider_b.pk)
    with pytest.raises(ValidationFailed) as caught:
        update_staff(actor=provider_admin_a, staff_id=carer.pk, user=other.pk)
    assert "user" in caught.value.errors
    assert update_staff(actor=provider_admin_a, staff_id=carer.pk, user=own.pk).user_id == own.pk


# --- certificates, training, skills, shifts -------------------------------------------------------------


def test_certificate_rules(provider_admin_a, carer):
    with pytest.raises(ValidationFailed) as caught:
        add_certificate(
            actor=provider_admin_a,
            staff_id=carer.pk,
            kind="elder_caregiver",
            number="Y-2",
            issued_on=dt.date(2021, 1, 1),
        )
    assert "level" in caught.value.errors
    with pytest.raises(ValidationFailed) as caught:
        add_certificate(
            actor=provider_admin_a,
            staff_id=carer.pk,
            kind="health_certificate",
            number="H-1",
            issued_on=dt.date(2024, 1, 1),
            expires_on=dt.date(2023, 1, 1),
        )
    assert "expires_on" in caught.value.errors
    with pytest.raises(ValidationFailed) as caught:
        add_certificate(
            actor=provider_admin_a,
            staff_id=carer.pk,
            kind="driving",
            number="D-1",
            issued_on=dt.date(2024, 1, 1),
        )
    assert "kind" in caught.value.errors
    long_term = add_certificate(
        actor=provider_admin_a,
        staff_id=carer.pk,
        kind="health_certificate",
        number="H-2",
        issued_on=dt.date(2024, 1, 1),
    )
    assert long_term.expires_on is None and long_term.is_valid_on(dt.date(2099, 1, 1))


def test_training_hours(provider_admin_a, carer):
    record = add_training(
        actor=provider_admin_a,
        staff_id=carer.pk,
        title="失能照护",
        trained_on=today(),
        hours="7.5",
        organiser="区民政局",
    )
    assert str(record.hours) == "7.5"
    for hours in ("0", "abc", "7.25", "-1"):
        with pytest.raises(ValidationFailed) as caught:
            add_training(
                actor=provider_admin_a, staff_id=carer.pk, title="x", trained_on=today(), hours=hours
            )
        assert "hours" in caught.value.errors


def test_skills_must_be_catalogue_items(provider_admin_a, carer):
    with pytest.raises(ValidationFailed) as caught:
        set_skills(actor=provider_admin_a, staff_id=carer.pk, codes=["bathing", "juggling"])
    assert "skills" in caught.value.errors and "juggling" in caught.value.message
    assert set_skills(
        actor=provider_admin_a, staff_id=carer.pk, codes=["meal", "bathing", "meal"]
    ).skills == [
        "bathing",
        "meal",
    ]


@pytest.mark.parametrize(
    "shifts",
    [
        {"monday": [["08:00", "12:00"]]},
        {"mon": [["8am", "12:00"]]},
        {"mon": [["12:00", "08:00"]]},
        {"mon": [["08:00", "08:00"]]},
        {"mon": [["08:00", "12:00"], ["11:00", "14:00"]]},
        {"mon": [["08:00"]]},
        {"mon": "08:00-12:00"},
        ["mon"],
    ],
)
def test_bad_shifts_are_refused(provider_admin_a, carer, shifts):
    with pytest.raises(ValidationFailed) as caught:
        set_shifts(actor=provider_admin_a, staff_id=carer.pk, shifts=shifts)
    assert "weekly_shifts" in caught.value.errors
    assert fresh(carer).weekly_shifts == WEEKDAY_SHIFTS


def test_shifts_are_stored_sorted_and_padded(provider_admin_a, carer):
    staff = set_shifts(
        actor=provider_admin_a,
        staff_id=carer.pk,
        shifts={
            "sun": [],
            "tue": [["13:30", "17:30"], ["8:00", "12:00"]],
            "wed": [["12:00", "13:00"], ["08:00", "12:00"]],
        },
    )
    assert staff.weekly_shifts == {
        "tue": [["08:00", "12:00"], ["13:30", "17:30"]],
        "wed": [["08:00", "12:00"], ["12:00", "13:00"]],
    }


# --- eligibility ---------------------------------------------------------------------------------------


def test_a_valid_certificate_within_shifts_is_eligible(carer, bathing):
    assert eligibility(fresh(carer), bathing, at(MONDAY, "09:00"), at(MONDAY, "10:00")) == []
    assert eligibility(fresh(carer), bathing, at(MONDAY, "13:30"), at(MONDAY, "17:30")) == []


def test_an_expired_required_certificate_blocks_eligibility(provider_admin_a, admitted_a, bathing):
    staff = add_staff(
        actor=provider_admin_a,
        provider_id=admitted_a.pk,
        name="赵护理",
        id_number=id_number(19),
        skills=["bathing"],
        weekly_shifts=WEEKDAY_SHIFTS,
    )
    add_certificate(
        actor=provider_admin_a,
        staff_id=staff.pk,
        kind="elder_caregiver",
        number="YL-9",
        level="初级",
        issued_on=dt.date(2019, 1, 1),
        expires_on=MONDAY - dt.timedelta(days=1),
    )
    # A health certificate is not the certificate bathing needs.
    add_certificate(
        actor=provider_admin_a,
        staff_id=staff.pk,
        kind="health_certificate",
        number="H-9",
        issued_on=dt.date(2024, 1, 1),
    )
    reasons = eligibility(fresh(staff), bathing, at(MONDAY, "09:00"), at(MONDAY, "10:00"))
    assert len(reasons) == 1 and "养老护理员" in reasons[0] and "expired" in reasons[0]
    assert str(MONDAY - dt.timedelta(days=1)) in reasons[0]
    # Still valid the week before: eligible then.
    assert (
        eligibility(
            fresh(staff),
            bathing,
            at(MONDAY - dt.timedelta(days=7), "09:00"),
            at(MONDAY - dt.timedelta(days=7), "10:00"),
        )
        == []
    )
    # Renewed: eligible again.
    add_certificate(
        actor=provider_admin_a,
        staff_id=staff.pk,
        kind="elder_caregiver",
        number="YL-10",
        level="中级",
        issued_on=today(),
        expires_on=MONDAY + dt.timedelta(days=1000),
    )
    assert eligibility(fresh(staff), bathing, at(MONDAY, "09:00"), at(MONDAY, "10:00")) == []
    assert [
        s.pk for s in eligible_staff(admitted_a.pk, "bathing", at(MONDAY, "09:00"), at(MONDAY, "10:00"))
    ] == [staff.pk]


def test_a_missing_required_certificate_blocks_eligibility(provider_admin_a, admitted_a, bathing):
    staff = add_staff(
        actor=provider_admin_a,
        provider_id=admitted_a.pk,
        name="钱护理",
        id_number=id_number(21),
        skills=["bathing"],
        weekly_shifts=WEEKDAY_SHIFTS,
    )
    reasons = eligibility(fresh(staff), bathing, at(MONDAY, "09:00"), at(MONDAY, "10:00"))
    assert len(reasons) == 1 and "does not hold" in reasons[0]


@pytest.mark.parametrize(
    ("start", "end", "fragment"),
    [
        ("07:30", "08:30", "outside"),
        ("11:30", "12:30", "outside"),  # runs over the lunch break
        ("18:00", "19:00", "outside"),
    ],
)
def test_outside_the_shifts(carer, bathing, start, end, fragment):
    reasons = eligibility(fresh(carer), bathing, at(MONDAY, start), at(MONDAY, end))
    assert len(reasons) == 1 and fragment in reasons[0]


def test_a_day_off_is_outside_the_shifts(carer, bathing):
    sunday = MONDAY + dt.timedelta(days=6)
    reasons = eligibility(fresh(carer), bathing, at(sunday, "09:00"), at(sunday, "10:00"))
    assert len(reasons) == 1 and "outside" in reasons[0]


def test_not_skilled(carer):
    meal = ServiceItem.objects.get(code="meal")
    reasons = eligibility(fresh(carer), meal, at(MONDAY, "09:00"), at(MONDAY, "10:00"))
    assert any("skills" in reason for reason in reasons)
    # 助餐 needs a health certificate the carer does not hold either.
    assert any("健康证" in reason for reason in reasons) and len(reasons) == 2


def test_inactive(provider_admin_a, carer, bathing, admitted_a):
    deactivate_staff(actor=provider_admin_a, staff_id=carer.pk, reason="离职")
    reasons = eligibility(fresh(carer), bathing, at(MONDAY, "09:00"), at(MONDAY, "10:00"))
    assert len(reasons) == 1 and "inactive" in reasons[0]
    assert eligible_staff(admitted_a.pk, "bathing", at(MONDAY, "09:00"), at(MONDAY, "10:00")) == []
    assert AuditLog.objects.filter(action="providers.staff.deactivate").count() == 1


def test_provider_not_admitted(provider_admin_b, provider_b, bathing):
    staff = add_staff(
        actor=provider_admin_b,
        provider_id=provider_b.pk,
        name="孙护理",
        id_number=id_number(23),
        skills=["bathing"],
        weekly_shifts=WEEKDAY_SHIFTS,
    )
    add_certificate(
        actor=provider_admin_b,
        staff_id=staff.pk,
        kind="elder_caregiver",
        number="YL-3",
        level="高级",
        issued_on=dt.date(2020, 1, 1),
    )
    reasons = eligibility(fresh(staff), bathing, at(MONDAY, "09:00"), at(MONDAY, "10:00"))
    assert len(reasons) == 1 and "may not take orders" in reasons[0]


def test_provider_after_exit(official, carer, bathing, admitted_a):
    admission.exit_provider(actor=official, provider_id=admitted_a.pk, kind="forced", reason="违规")
    reasons = eligibility(fresh(carer), bathing, at(MONDAY, "09:00"), at(MONDAY, "10:00"))
    assert len(reasons) == 1 and "may not take orders" in reasons[0]


def test_end_before_start(carer, bathing):
    reasons = eligibility(fresh(carer), bathing, at(MONDAY, "10:00"), at(MONDAY, "09:00"))
    assert reasons and "end after it starts" in reasons[0]


def test_eligible_staff_picks_only_the_eligible(provider_admin_a, carer, admitted_a):
    add_staff(
        actor=provider_admin_a,
        provider_id=admitted_a.pk,
        name="无证",
        id_number=id_number(25),
        skills=["bathing"],
        weekly_shifts=WEEKDAY_SHIFTS,
    )
    add_staff(
        actor=provider_admin_a,
        provider_id=admitted_a.pk,
        name="不会",
        id_number=id_number(27),
        weekly_shifts=WEEKDAY_SHIFTS,
    )
    found = eligible_staff(admitted_a.pk, "bathing", at(MONDAY, "09:00"), at(MONDAY, "10:00"))
    assert [staff.pk for staff in found] == [carer.pk]
    assert eligible_staff(admitted_a.pk, "no_such_item", at(MONDAY, "09:00"), at(MONDAY, "10:00")) == []


# --- scope ---------------------------------------------------------------------------------------------


def test_a_provider_admin_cannot_see_or_change_another_providers_staff(provider_admin_b, provider_b, carer):
    assert list(staff_for(provider_admin_b)) == []
    with pytest.raises(NotFound):
        get_staff_for(provider_admin_b, carer.pk)
    for change in (
        lambda: update_staff(actor=provider_admin_b, staff_id=carer.pk, name="改名"),
        lambda: deactivate_staff(actor=provider_admin_b, staff_id=carer.pk),
        lambda: set_skills(actor=provider_admin_b, staff_id=carer.pk, codes=[]),
        lambda: set_shifts(actor=provider_admin_b, staff_id=carer.pk, shifts={}),
        lambda: add_training(
            actor=provider_admin_b, staff_id=carer.pk, title="x", trained_on=today(), hours="1"
        ),
        lambda: add_certificate(
            actor=provider_admin_b,
            staff_id=carer.pk,
            kind="health_certificate",
            number="H",
            issued_on=today(),
        ),
        lambda: add_staff(
            actor=provider_admin_b, provider_id=carer.provider_id, name="x", id_number=id_number(29)
        ),
    ):
        with pytest.raises(NotFound):
            change()
    carer.refresh_from_db()
    assert carer.name == "王护理" and carer.active and carer.skills == ["bathing"]


def test_officials_see_staff_of_providers_in_their_region(official, worker_a, carer):
    assert [s.pk for s in staff_for(official)] == [carer.pk]
    assert update_staff(actor=official, staff_id=carer.pk, job="other").job == "other"
    # A community worker's region does not contain the district the provider is registered in.
    assert list(staff_for(worker_a)) == []


def test_a_caregiver_sees_only_themselves_and_changes_nothing(provider_admin_a, provider_a, carer):
    account = factories.user("caregiver", provider_id=provider_a.pk)
    colleague = add_staff(
        actor=provider_admin_a, provider_id=provider_a.pk, name="同事", id_number=id_number(31)
    )
    assert list(staff_for(account)) == []
    update_staff(actor=provider_admin_a, staff_id=carer.pk, user=account.pk)
    assert [s.pk for s in staff_for(account)] == [carer.pk]
    with pytest.raises(NotFound):
        get_staff_for(account, colleague.pk)
    with pytest.raises(Forbidden):
        update_staff(actor=account, staff_id=carer.pk, name="改名")


def test_expiring_certificates(provider_admin_a, provider_admin_b, official, carer):
    soon = add_certificate(
        actor=provider_admin_a,
        staff_id=carer.pk,
        kind="health_certificate",
        number="H-5",
        issued_on=dt.date(2024, 1, 1),
        expires_on=today() + dt.timedelta(days=20),
    )
    assert [c.pk for c in expiring_certificates(provider_admin_a)] == [soon.pk]
    assert [c.pk for c in expiring_certificates(official)] == [soon.pk]
    assert list(expiring_certificates(provider_admin_b)) == []
    # Renewed: the old one is no longer a warning.
    add_certificate(
        actor=provider_admin_a,
        staff_id=carer.pk,
        kind="health_certificate",
        number="H-6",
        issued_on=today(),
        expires_on=today() + dt.timedelta(days=365),
    )
    assert list(expiring_certificates(provider_admin_a)) == []


def test_correcting_the_hidden_middle_of_an_id_number_is_saved(provider_admin_a, carer):
    """Masked values may look the same before and after; the change is still saved (and audited masked)."""
    old = carer.id_number
    new = next(
        number
        for days in range(1, 400)
        if (number := make_resident_id("220202", dt.date(1975, 6, 1) + dt.timedelta(days=days), 11))[-4:]
        == old[-4:]
    )
    update_staff(actor=provider_admin_a, staff_id=carer.pk, id_number=new)
    assert fresh(carer).id_number == new
    log = AuditLog.objects.get(action="providers.staff.update")
    assert log.after["id_number"].startswith(mask_id_number(new) + " #") and new not in str(log.after)
    assert log.before["id_number"].startswith(mask_id_number(old))
    assert log.before["id_number"] != log.after["id_number"]  # one mask, two fingerprints
