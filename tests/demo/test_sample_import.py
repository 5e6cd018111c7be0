"""The sample spreadsheet on the import page imports into the downloader's own area, with a few bad rows."""

import pytest

from shouwang.core.actors import SYSTEM
from shouwang.elders.imports import run_import, start_import
from shouwang.elders.models import Elder
from shouwang.regions.services import set_centres
from tests import factories

pytestmark = pytest.mark.django_db


def test_sample_imports_into_own_community_and_again_changes_nothing(client, worker_a, tmp_path):
    set_centres(
        actor=SYSTEM, centres={factories.COMMUNITY_A: (43.85, 126.55), factories.COMMUNITY_B: (43.86, 126.56)}
    )
    client.force_login(worker_a)
    response = client.get("/demo/sample-import.xlsx")
    assert response.status_code == 200
    path = tmp_path / "sample.xlsx"
    path.write_bytes(b"".join(response.streaming_content))

    first = run_import(job_id=start_import(actor=worker_a, source=path, file_name="s.xlsx", enqueue=False).pk)
    assert first.created_count > 150 and 0 < first.rejected_count < 40
    assert set(Elder.objects.values_list("community_id", flat=True)) == {factories.COMMUNITY_A}
    again = run_import(job_id=start_import(actor=worker_a, source=path, file_name="s.xlsx", enqueue=False).pk)
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, first.created_count)


def test_sample_roster_imports_every_community_sheet_with_its_totals_skipped(
    client, worker_a, official, tmp_path
):
    set_centres(
        actor=SYSTEM, centres={factories.COMMUNITY_A: (43.85, 126.55), factories.COMMUNITY_B: (43.86, 126.56)}
    )
    client.force_login(official)
    response = client.get("/demo/sample-roster.xlsx")
    assert response.status_code == 200
    path = tmp_path / "roster.xlsx"
    path.write_bytes(b"".join(response.streaming_content))

    job = run_import(job_id=start_import(actor=official, source=path, file_name="r.xlsx", enqueue=False).pk)
    assert (job.created_count, job.rejected_count) == (40, 0)
    assert [sheet["header_row"] for sheet in job.sheets] == [3, 3]
    assert job.skipped_count == 4  # 合计 and 制表人 below each community's elders
    assert set(Elder.objects.values_list("community_id", flat=True)) == {
        factories.COMMUNITY_A,
        factories.COMMUNITY_B,
    }
