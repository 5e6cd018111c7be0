"""The elder confirms a completed visit: by signature, by a one-time SMS code, or by an operator's
call-back; each with a rating, and each refusal in plain words."""

import datetime as dt

import pytest
from django.utils import timezone

from shouwang.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from shouwang.core.models import AuditLog, OutboundMessage
from shouwang.core.outbox import messages_about
from shouwang.orders import confirmation
from shouwang.orders.models import ConfirmationCode, OrderState, OrderTransition, Visit
from tests import factories
from tests.orders import factories as of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

SIGNATURE = (
    "data:image/png;base64,"
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


@pytest.fixture
def done(elder_a, admitted_a, carer_a):
    """A completed visit of 张三丰 by 王护理."""
    start = timezone.now() - dt.timedelta(hours=2)
    order = of.OrderFactory(
        elder=elder_a, state=OrderState.COMPLETED, provider=admitted_a, caregiver=carer_a,
        window_start=start, window_end=start + dt.timedelta(hours=1),
    )  # fmt: skip
    Visit.objects.create(
        order=order, caregiver=carer_a, checkin_at=start, checkout_at=start + dt.timedelta(hours=1)
    )
    return order


def state_of(order) -> str:
    order.refresh_from_db()
    return order.state


def sent_code(order) -> str:
    """The code as the elder reads it in the SMS (the outbox keeps the message; the database only a hash)."""
    body = messages_about(order).filter(purpose="order_confirmation_code").latest("id").body
    return next(
        word.strip(".") for word in body.split() if word.strip(".").isdigit() and len(word.strip(".")) == 6
    )


# --- signature -----------------------------------------------------------------------------------------


def test_signature_confirms_with_rating(done, carer_a):
    order = confirmation.confirm_by_signature(
        actor=carer_a.user, order_id=done.pk, signature=SIGNATURE, rating=5, comment="很好"
    )
    assert (order.state, order.confirmed_via, order.rating, order.rating_comment) == (
        "confirmed", "signature", 5, "很好",
    )  # fmt: skip
    assert order.confirmed_at is not None
    assert Visit.objects.get(order=done).signature == SIGNATURE
    transition = OrderTransition.objects.get(order=done, to_state="confirmed")
    assert transition.actor == carer_a.user and transition.details["method"] == "signature"


def test_signature_refusals(done, carer_a, carer_b, operator):
    with pytest.raises(ValidationFailed) as refused:
        confirmation.confirm_by_signature(actor=carer_a.user, order_id=done.pk, signature="", rating=5)
    assert refused.value.message == "Ask the elder to sign in the box first."
    with pytest.raises(ValidationFailed) as refused:
        confirmation.confirm_by_signature(actor=carer_a.user, order_id=done.pk, signature=SIGNATURE, rating=6)
    assert "rating from 1 to 5" in refused.value.message
    with pytest.raises(NotFound):
        confirmation.confirm_by_signature(actor=carer_b.user, order_id=done.pk, signature=SIGNATURE, rating=5)
    with pytest.raises(Forbidden):
        confirmation.confirm_by_signature(actor=operator, order_id=done.pk, signature=SIGNATURE, rating=5)
    assert state_of(done) == "completed"


@pytest.mark.parametrize("rating, is_done", [(2, True), (1, True), (5, False)])
def test_low_rating_or_not_done_disputes(done, carer_a, rating, is_done):
    order = confirmation.confirm_by_signature(
        actor=carer_a.user, order_id=done.pk, signature=SIGNATURE, rating=rating, done=is_done
    )
    assert order.state == OrderState.DISPUTED
    assert order.rating == rating and order.confirmed_at is None
    reason = OrderTransition.objects.get(order=done, to_state="disputed").reason
    assert reason == ("Low rating from the elder." if is_done else "The elder says the service was not done.")


def test_only_a_completed_visit_is_confirmed(elder_a, admitted_a, carer_a):
    in_service = of.OrderFactory(
        elder=elder_a, state=OrderState.IN_SERVICE, provider=admitted_a, caregiver=carer_a
    )
    with pytest.raises(Conflict) as refused:
        confirmation.confirm_by_signature(
            actor=carer_a.user, order_id=in_service.pk, signature=SIGNATURE, rating=5
        )
    assert refused.value.code == "illegal_transition"
    assert "only a completed visit can be confirmed" in refused.value.message
    with pytest.raises(Conflict):
        confirmation.send_code(actor=carer_a.user, order_id=in_service.pk)


def test_a_confirmed_order_is_not_confirmed_again(done, carer_a):
    confirmation.confirm_by_signature(actor=carer_a.user, order_id=done.pk, signature=SIGNATURE, rating=4)
    with pytest.raises(Conflict):
        confirmation.confirm_by_signature(actor=carer_a.user, order_id=done.pk, signature=SIGNATURE, rating=4)


# --- SMS code ------------------------------------------------------------------------------------------


def test_a_code_is_sent_to_the_elder_and_only_its_hash_kept(done, carer_a, elder_a):
    sent = confirmation.send_code(actor=carer_a.user, order_id=done.pk)
    code = sent_code(done)
    message = OutboundMessage.objects.get(purpose="order_confirmation_code")
    assert message.to == elder_a.phone and message.channel == "sms"
    assert sent.sent_to == elder_a.phone and code not in sent.code_hash
    assert sent.expires_at - timezone.now() == pytest.approx(
        dt.timedelta(minutes=15), abs=dt.timedelta(seconds=30)
    )
    record = AuditLog.objects.get(action="orders.confirmation_code_sent")
    assert code not in str(record.after) and elder_a.phone not in str(record.after)

    order = confirmation.confirm_by_code(actor=carer_a.user, order_id=done.pk, code=code, rating=4)
    assert (order.state, order.confirmed_via, order.rating) == ("confirmed", "sms_code", 4)
    assert ConfirmationCode.objects.get().used_at is not None


def test_a_wrong_code_counts_and_five_end_it(done, carer_a):
    confirmation.send_code(actor=carer_a.user, order_id=done.pk)
    code = sent_code(done)
    wrong = "000000" if code != "000000" else "111111"
    with pytest.raises(ValidationFailed) as refused:
        confirmation.confirm_by_code(actor=carer_a.user, order_id=done.pk, code=wrong, rating=5)
    assert refused.value.message == "Wrong code; 4 tries left."
    assert ConfirmationCode.objects.get().attempts == 1  # kept although the call refused
    for _ in range(4):
        with pytest.raises(ValidationFailed):
            confirmation.confirm_by_code(actor=carer_a.user, order_id=done.pk, code=wrong, rating=5)
    with pytest.raises(ValidationFailed) as refused:
        confirmation.confirm_by_code(actor=carer_a.user, order_id=done.pk, code=code, rating=5)
    assert refused.value.message == "Too many wrong codes; send a new code."
    assert state_of(done) == "completed"

    confirmation.send_code(actor=carer_a.user, order_id=done.pk)
    confirmation.confirm_by_code(actor=carer_a.user, order_id=done.pk, code=sent_code(done), rating=5)
    assert state_of(done) == "confirmed"


def test_an_expired_or_replaced_code_is_refused(done, carer_a):
    confirmation.send_code(actor=carer_a.user, order_id=done.pk)
    first = sent_code(done)
    ConfirmationCode.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    with pytest.raises(ValidationFailed) as refused:
        confirmation.confirm_by_code(actor=carer_a.user, order_id=done.pk, code=first, rating=5)
    assert refused.value.message == "The code has expired; send a new code."

    confirmation.send_code(actor=carer_a.user, order_id=done.pk)
    second = sent_code(done)
    if first != second:
        with pytest.raises(ValidationFailed):
            confirmation.confirm_by_code(actor=carer_a.user, order_id=done.pk, code=first, rating=5)
    confirmation.confirm_by_code(actor=carer_a.user, order_id=done.pk, code=second, rating=5)
    assert state_of(done) == "confirmed"


def test_a_new_code_waits_a_minute(done, carer_a):
    confirmation.send_code(actor=carer_a.user, order_id=done.pk)
    with pytest.raises(Conflict) as refused:
        confirmation.send_code(actor=carer_a.user, order_id=done.pk)
    assert refused.value.code == "code_sent_recently"
    ConfirmationCode.objects.update(created_at=timezone.now() - dt.timedelta(seconds=61))
    confirmation.send_code(actor=carer_a.user, order_id=done.pk)
    assert OutboundMessage.objects.count() == 2


def test_no_code_sent_or_no_phone(done, carer_a, elder_a):
    with pytest.raises(ValidationFailed) as refused:
        confirmation.confirm_by_code(actor=carer_a.user, order_id=done.pk, code="123456", rating=5)
    assert refused.value.message == "No code has been sent for this visit; send one first."
    elder_a.phone = ""
    elder_a.save(update_fields=["phone"])
    with pytest.raises(ValidationFailed) as refused:
        confirmation.send_code(actor=carer_a.user, order_id=done.pk)
    assert refused.value.code == "no_phone"
    assert not OutboundMessage.objects.exists()


def test_an_operator_sends_and_a_low_code_rating_disputes(done, operator):
    confirmation.send_code(actor=operator, order_id=done.pk)
    order = confirmation.confirm_by_code(actor=operator, order_id=done.pk, code=sent_code(done), rating=2)
    assert order.state == OrderState.DISPUTED and order.confirmed_via == "sms_code"


def test_codes_outside_scope(done, carer_b, tree):
    elsewhere = factories.user("operator", regions=(factories.COMMUNITY_B,))
    for someone in (carer_b.user, elsewhere):
        with pytest.raises(NotFound):
            confirmation.send_code(actor=someone, order_id=done.pk)
    assert not ConfirmationCode.objects.exists()


# --- call-back -----------------------------------------------------------------------------------------


def test_an_operator_records_a_call_back(done, operator):
    order = confirmation.confirm_by_callback(
        actor=operator, order_id=done.pk, rating=5, comment="满意", note="Called 13:05, the elder answered."
    )
    assert (order.state, order.confirmed_via, order.rating_comment) == ("confirmed", "callback", "满意")
    transition = OrderTransition.objects.get(order=done, to_state="confirmed")
    assert transition.details["note"] == "Called 13:05, the elder answered."


def test_a_call_back_where_the_elder_says_not_done(done, operator):
    order = confirmation.confirm_by_callback(actor=operator, order_id=done.pk, rating=3, done=False)
    assert order.state == OrderState.DISPUTED


def test_call_back_refusals(done, carer_a, tree):
    with pytest.raises(Forbidden):
        confirmation.confirm_by_callback(actor=carer_a.user, order_id=done.pk, rating=5)
    elsewhere = factories.user("operator", regions=(factories.COMMUNITY_B,))
    with pytest.raises(NotFound):
        confirmation.confirm_by_callback(actor=elsewhere, order_id=done.pk, rating=5)
    assert state_of(done) == "completed"
