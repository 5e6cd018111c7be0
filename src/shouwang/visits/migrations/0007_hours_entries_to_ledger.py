"""The time bank's single-entry ``HoursEntry`` rows become transactions of the platform's double-entry
ledger in minutes (ADR 0018), each with the ``HoursPosting`` that says what it was for:

- earned → issued hours of the volunteer's community −m, the volunteer's account +m (a visit or an
  activity keeps its once-key, so it still cannot earn twice);
- donated + received (a pair) → the giver's account −m, the taker's +m, once;
- redeemed → the volunteer's account −m, the community's redeemed hours +m.

Entries keep their order (by time, then id), so every balance along the way is what it was. Run backwards,
the ledger's time-bank rows are left alone and ``HoursEntry`` is rebuilt empty: the ledger is the record.
"""

from django.db import migrations

MINUTE = "minute"


def to_ledger(apps, schema_editor):
    HoursEntry = apps.get_model("visits", "HoursEntry")
    Volunteer = apps.get_model("visits", "Volunteer")
    Account = apps.get_model("benefits", "Account")
    LedgerTransaction = apps.get_model("benefits", "LedgerTransaction")
    LedgerEntry = apps.get_model("benefits", "LedgerEntry")
    HoursPosting = apps.get_model("visits", "HoursPosting")
    volunteers = {v.pk: v for v in Volunteer.objects.select_related("user")}
    accounts: dict[str, int] = {}

    def account(key, kind, name, community):
        if key not in accounts:
            found, _created = Account.objects.get_or_create(
                key=key, defaults={"kind": kind, "name": name, "region_id": community, "unit": MINUTE}
            )
            accounts[key] = found.pk
        return accounts[key]

    def member(volunteer_id):
        v = volunteers[volunteer_id]
        label = getattr(v.user, "full_name", "") or v.user.username
        return account(f"hours:member:{v.pk}", "hours_member", f"时间银行 · {label}", v.community_id)

    def book(entry, tx_kind, lines, once_key=None, **posting):
        posted = LedgerTransaction.objects.create(
            kind=tx_kind, memo=(entry.note or tx_kind)[:200], actor_id=entry.by_id, once_key=once_key
        )
        # posted_at is auto_now_add: keep the entry's own time so the statement keeps its order.
        LedgerTransaction.objects.filter(pk=posted.pk).update(posted_at=entry.at)
        LedgerEntry.objects.bulk_create(
            LedgerEntry(transaction=posted, account_id=a, amount_fen=m) for a, m in lines
        )
        HoursPosting.objects.create(transaction=posted, note=entry.note, **posting)

    for entry in HoursEntry.objects.order_by("at", "id"):
        v = volunteers[entry.volunteer_id]
        community = v.community_id
        if entry.kind == "earned":
            issued = account(f"hours:issued:{community}", "hours_issued", f"时间银行发放 · {community}", community)
            if entry.task_id:
                once = f"earn:visit:{entry.task_id}"
            elif entry.activity_id:
                once = f"earn:activity:{entry.activity_id}:{v.pk}"
            else:
                once = None
            book(
                entry, "hours_earned", [(issued, -entry.minutes), (member(v.pk), entry.minutes)], once,
                kind="earned", volunteer_id=v.pk, task_id=entry.task_id, activity_id=entry.activity_id,
            )  # fmt: skip
        elif entry.kind == "donated":
            book(
                entry, "hours_donated", [(member(v.pk), entry.minutes), (member(entry.peer_id), -entry.minutes)],
                kind="donated", volunteer_id=v.pk, peer_id=entry.peer_id,
            )  # fmt: skip
        elif entry.kind == "redeemed":
            sink = account(
                f"hours:redeemed:{community}", "hours_redeemed", f"时间银行兑换 · {community}", community
            )
            book(
                entry, "hours_redeemed", [(member(v.pk), entry.minutes), (sink, -entry.minutes)],
                kind="redeemed", volunteer_id=v.pk,
            )  # fmt: skip
        # "received" is the taker's half of a donation, booked with its "donated" row.


class Migration(migrations.Migration):
    dependencies = [
        ("visits", "0006_help_tasks_and_hours_postings"),
        ("benefits", "0007_ledger_units"),
    ]

    operations = [migrations.RunPython(to_ledger, migrations.RunPython.noop)]
