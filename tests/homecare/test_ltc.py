"""Long-term care insurance: statuses imported from the agency's file (unknown ID numbers reported, a bad
row refuses the file), a claim batch by the rules (covered share, monthly cap), its file, and the agency's
answer imported back (paid / refused with reason, unknown rows reported, nothing half-saved); scope."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from shouwang.core.errors import ValidationFailed
from shouwang.core.idnumbers import make_resident_id
from shouwang.core.spreadsheets import write_xlsx
from shouwang.homecare import ltc
from shouwang.homecare.models import ClaimLine, ClaimStatus, LtcState, LtcStatus
from shouwang.homecare.selectors import batches_for

from .conftest import last_month, served

pytestmark = pytest.mark.django_db
VALID = (timezone.localdate() + dt.timedelta(days=365)).isoformat()


def _xlsx(tmp_path: Path, header, rows, name="file.xlsx") -> Path:
    path = tmp_path / name
    write_xlsx(path, header, rows)
    return path


@pytest.fixture
def insured(official, provider_a, elder_a, elder_b):
    """Provider A designated; rules for levels 2 and 3; elder A approved at 3, elder B at 2."""
    ltc.designate(
        actor=official, provider_id=provider_a.pk, agency_code="JL0001", designated_from=dt.date(2020, 1, 1)
    )
    ltc.set_rule(actor=official, level=3, covered_percent=70, monthly_cap_fen=150_000)
    ltc.set_rule(actor=official, level=2, covered_percent=60, monthly_cap_fen=20_000)
    for elder, level in ((elder_a, 3), (elder_b, 2)):
        ltc.enter_status(
            actor=official,
            elder_id=elder.pk,
            state="approved",
            level=level,
            valid_until=dt.date.fromisoformat(VALID),
        )
    return provider_a


def test_the_agency_status_file_is_applied_and_unknown_rows_reported(tmp_path, official, elder_a, elder_b):
    stranger = make_resident_id("110101", dt.date(1940, 1, 1), 7)
    path = _xlsx(
        tmp_path,
        ["姓名", "身份证号", "状态", "护理等级", "申请日期", "有效期至"],
        [
            [elder_a.name, elder_a.id_number, "已享受", "3级", "2026-01-05", VALID],
            [elder_b.name, elder_b.id_number, "已申请", "", "2026-02-01", ""],
            ["某人", stranger, "已享受", "2", "2026-01-05", VALID],
        ],
    )
    result = ltc.import_statuses(actor=official, path=path, name="长护险待遇.xlsx")
    assert (result["created"], result["unknown"]) == (2, 1)
    assert result["report"]["unknown"][0]["row"] == 4 and stranger not in str(result["report"])
    assert LtcStatus.objects.get(elder=elder_a).level == 3
    assert LtcStatus.objects.get(elder=elder_b).state == LtcState.APPLIED
    assert ltc.import_statuses(actor=official, path=path)["unchanged"] == 2


def test_a_bad_row_in_the_status_file_saves_nothing(tmp_path, official, elder_a, elder_b):
    path = _xlsx(
        tmp_path,
        ["身份证号", "状态", "护理等级", "有效期至"],
        [[elder_a.id_number, "已享受", "3", VALID], [elder_b.id_number, "已享受", "", VALID]],
    )
    with pytest.raises(ValidationFailed, match="第 3 行"):
        ltc.import_statuses(actor=official, path=path)
    assert not LtcStatus.objects.exists()


def test_a_claim_batch_bills_the_covered_share_up_to_the_cap_and_the_answer_comes_back(
    client, tmp_path, official, insured, provider_admin_a, elder_a, elder_b
):
    served(elder_a, insured, items=["cleaning"], amount_fen=100_000)
    served(elder_a, insured, items=["bathing"], amount_fen=150_000)
    served(elder_b, insured, items=["cleaning"], amount_fen=10_000)
    client.force_login(provider_admin_a)
    made = client.post(
        "/api/v1/homecare/ltc/batches",
        {"provider_id": insured.pk, "month": f"{last_month():%Y-%m}"},
        content_type="application/json",
    )
    assert made.status_code == 201
    batch = made.json()
    lines = client.get(f"/api/v1/homecare/ltc/batches/{batch['id']}/lines").json()
    claimed = {line["name"]: (line["amount_fen"], line["claimed_fen"]) for line in lines}
    assert claimed == {elder_a.name: (250_000, 150_000), elder_b.name: (10_000, 6_000)}  # A capped, B 60%
    again = client.post(
        "/api/v1/homecare/ltc/batches",
        {"provider_id": insured.pk, "month": f"{last_month():%Y-%m}"},
        content_type="application/json",
    )
    assert again.status_code == 409

    exported = client.get(f"/api/v1/homecare/ltc/batches/{batch['id']}/file")
    assert exported.status_code == 200 and exported["Content-Type"].startswith("application/vnd.openxml")

    from shouwang.homecare.models import ClaimBatch

    answer = ltc.answer_file(
        ClaimBatch.objects.get(pk=batch["id"]),
        {2: ("拒付", "服务记录不全")},
        extra=[[f"{batch['reference']}-9", "", "支付", "10.00", ""]],
    )
    upload = SimpleUploadedFile("审核结果.xlsx", answer)
    imported = client.post(f"/api/v1/homecare/ltc/batches/{batch['id']}/answer", {"file": upload})
    assert imported.status_code == 201
    body = imported.json()
    assert (body["paid_count"], body["refused_count"], body["unknown_count"]) == (1, 1, 1)
    assert body["report"]["unknown"][0]["reference"].endswith("-9")
    by_seq = {line.seq: line for line in ClaimLine.objects.filter(batch_id=batch["id"])}
    assert by_seq[1].status == ClaimStatus.PAID and by_seq[1].paid_fen == 150_000
    assert by_seq[2].status == ClaimStatus.REFUSED and by_seq[2].reason == "服务记录不全"
    assert client.get(f"/api/v1/homecare/ltc/batches/{batch['id']}").json()["paid_fen"] == 150_000


def test_a_malformed_answer_saves_nothing(tmp_path, official, insured, elder_a):
    served(elder_a, insured, items=["cleaning"], amount_fen=100_000)
    batch = ltc.make_batch(actor=official, provider_id=insured.pk, month=last_month())
    path = tmp_path / "answer.xlsx"
    path.write_bytes(ltc.answer_file(batch, {}, extra=[[f"{batch.reference}-1", "", "也许", "", ""]]))
    with pytest.raises(ValidationFailed, match="支付"):
        ltc.import_answer(actor=official, batch_id=batch.pk, path=path)
    assert set(batch.lines.values_list("status", flat=True)) == {ClaimStatus.CLAIMED}
    assert not batch.answers.exists()


def test_an_undesignated_provider_cannot_claim(official, provider_b):
    with pytest.raises(ValidationFailed, match="不是长期护理保险定点机构"):
        ltc.make_batch(actor=official, provider_id=provider_b.pk, month=last_month())


def test_scope_of_claims(
    client, official, insured, elder_a, provider_admin_a, provider_admin_b, official_elsewhere
):
    served(elder_a, insured, items=["cleaning"], amount_fen=100_000)
    batch = ltc.make_batch(actor=official, provider_id=insured.pk, month=last_month())
    assert list(batches_for(provider_admin_a)) == [batch]
    for user in (provider_admin_b, official_elsewhere):
        assert list(batches_for(user)) == []
        client.force_login(user)
        assert client.get(f"/api/v1/homecare/ltc/batches/{batch.pk}/file").status_code == 404
        assert client.get("/api/v1/homecare/ltc/batches").json() == []
    client.force_login(official_elsewhere)
    assert client.get("/api/v1/homecare/ltc/statuses").json() == []
    upload = SimpleUploadedFile("a.xlsx", io.BytesIO(b"x").getvalue())
    assert client.post(f"/api/v1/homecare/ltc/batches/{batch.pk}/answer", {"file": upload}).status_code == 404


def test_the_console_imports_the_answer_and_shows_the_report(
    client, official, insured, elder_a, provider_admin_b
):
    served(elder_a, insured, items=["cleaning"], amount_fen=100_000)
    batch = ltc.make_batch(actor=official, provider_id=insured.pk, month=last_month())
    client.force_login(official)
    assert batch.reference in client.get("/homecare/ltc/").content.decode()

    upload = SimpleUploadedFile(
        "审核结果.xlsx", ltc.answer_file(batch, {}, extra=[["LTC000000-0-1", "", "支付", "", ""]])
    )
    page = client.post(f"/homecare/ltc/batches/{batch.pk}/", {"file": upload}).content.decode()

    assert "支付 1 条，拒付 0 条，1 行不属于本批次" in page
    assert batch.lines.get().status == ClaimStatus.PAID
    client.force_login(provider_admin_b)
    assert client.get(f"/homecare/ltc/batches/{batch.pk}/").status_code == 404
