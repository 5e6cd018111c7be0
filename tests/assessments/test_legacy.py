"""Legacy MZ/T 039-2013 results: level only, standard noted, re-import changes nothing."""

import datetime as dt

import pytest

from shouwang.assessments.legacy import import_legacy_results
from shouwang.assessments.models import MZT_039, Assessment
from shouwang.core.errors import Forbidden
from tests import factories

pytestmark = pytest.mark.django_db


def test_legacy_levels_are_imported_without_rescoring(worker_a, elder_a, elder_b, tmp_path):
    path = tmp_path / "old.csv"
    path.write_text(
        "身份证号码,评估日期,评估等级\n"
        f"{elder_a.id_number},2025-06-01,中度失能\n"
        f"{elder_b.id_number},2025-06-01,轻度失能\n"  # another community: not the worker's
        f"{elder_a.id_number},2025-07-01,很严重\n",
        encoding="utf-8",
    )
    result = import_legacy_results(actor=worker_a, path=path)
    assert (result.imported, result.current) == (1, 1)
    assert [row for row, _ in result.rejected] == [3, 4]
    assessment = Assessment.objects.get()
    assert (assessment.standard, assessment.final_level, assessment.total) == (MZT_039, 2, None)
    elder_a.refresh_from_db()
    assert (elder_a.ability_level, elder_a.ability_standard) == (2, MZT_039)
    assert elder_a.ability_assessed_on == dt.date(2025, 6, 1)
    again = import_legacy_results(actor=worker_a, path=path)
    assert again.imported == 0 and Assessment.objects.count() == 1


def test_legacy_import_needs_a_registry_role(tree, tmp_path):
    path = tmp_path / "old.csv"
    path.write_text("身份证号码,评估日期,评估等级\n", encoding="utf-8")
    with pytest.raises(Forbidden):
        import_legacy_results(actor=factories.user("assessor", regions=(factories.DISTRICT,)), path=path)
