"""The platform acts only when named (SYSTEM); a missing actor is refused by every service that used to
read None as "every right" (decision 0014)."""

from pathlib import Path

import pytest
from django.utils import translation

from shouwang.alarms import services as alarm_services
from shouwang.benefits import ledger
from shouwang.benefits import services as benefit_services
from shouwang.benefits.permissions import require_policy_keeper
from shouwang.catalog.permissions import require_editor
from shouwang.core import audit
from shouwang.core.actors import SYSTEM, as_user, name_of
from shouwang.core.errors import Forbidden
from shouwang.core.scope import scope_of
from shouwang.elders import imports
from shouwang.elders.services import bulk_register_elders
from shouwang.orders import dispatch
from shouwang.orders import services as order_services
from shouwang.providers.services import create_provider
from shouwang.regions.models import Region
from shouwang.regions.services import load_regions, set_centres
from tests import factories

pytestmark = pytest.mark.django_db

REFUSING = {
    "catalogue editor": lambda: require_editor(None),
    "benefit policies": lambda: require_policy_keeper(None),
    "benefit run": lambda: benefit_services.start_run(
        actor=None, month="2026-03", region_code=factories.DISTRICT
    ),
    "voucher redemption": lambda: ledger.redeem(actor=None, elder_id=1, provider=None, amount_fen=100),
    "order settlement": lambda: order_services.settle_order(actor=None, order_id=1),
    "auto-dispatch": lambda: dispatch.auto_dispatch(actor=None, order_id=1),
    "device registration": lambda: alarm_services.register_device(
        actor=None, serial="S1", type="sos_pendant", vendor="v"
    ),
    "region tree": lambda: load_regions(actor=None, rows=[{"code": "220202099000", "name": "新街道"}]),
    "region centres": lambda: set_centres(actor=None, centres={factories.DISTRICT: (43.8, 126.5)}),
    "bulk registration": lambda: bulk_register_elders(actor=None, people=[object()]),
    "registry import": lambda: imports.start_import(
        actor=None, source=Path("/nonexistent.xlsx"), file_name="x.xlsx", enqueue=False
    ),
    "provider registration": lambda: create_provider(
        actor=None,
        name="某机构",
        credit_code=factories.credit_code(),
        kind="company",
        region_code=factories.DISTRICT,
    ),
}


@pytest.mark.parametrize("call", REFUSING.values(), ids=REFUSING.keys())
def test_a_missing_actor_is_refused(tree, call):
    regions = Region.objects.count()
    with pytest.raises(TypeError, match="SYSTEM"):
        call()
    assert Region.objects.count() == regions
    assert not Region.objects.filter(code="220202099000").exists()


def test_only_the_platform_loads_the_region_tree_and_registers_in_bulk(tree, official):
    with pytest.raises(Forbidden):
        load_regions(actor=official, rows=[{"code": "220202099000", "name": "新街道"}])
    with pytest.raises(Forbidden):
        bulk_register_elders(actor=official, people=[object()])
    load_regions(actor=SYSTEM, rows=[{"code": "220202099000", "name": "新街道"}])
    assert Region.objects.filter(code="220202099000").exists()


def test_the_system_sees_everything_and_is_recorded_as_system(tree):
    assert scope_of(SYSTEM).everything and scope_of(None).is_empty
    record = audit.record(actor=SYSTEM, action="test.system")
    assert record.actor is None and record.actor_username == "system"
    assert as_user(SYSTEM) is None
    with translation.override("zh-hans"):
        assert record.actor_label == "系统" and name_of(SYSTEM) == "系统"
