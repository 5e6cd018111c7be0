"""Writing visit rules through the API: the same checks and preview as the console; a rule applies in a
region and is kept by the officials covering it (the platform defaults by the platform admin); a rule of
a region outside the official's area is as missing as none."""

import pytest

from shouwang.core.models import AuditLog
from shouwang.visits.models import VisitRule
from shouwang.visits.tiers import risk_of
from tests import factories

pytestmark = pytest.mark.django_db

RULES = "/api/v1/visits/rules"
STREET_B = "220202002000"


def rule_body(**changes):
    return {"name": "百岁老人：每三天上门", "tier": "high", "kind": "home", "interval_days": 3,
            "min_age": 100, **changes}  # fmt: skip


@pytest.fixture
def street_officials(tree):
    return (
        factories.user("official", regions=(factories.STREET_A,), username="official_street_a"),
        factories.user("official", regions=(STREET_B,), username="official_street_b"),
    )


@pytest.fixture
def centenarians(tree):
    import datetime as dt

    born = dt.date(1920, 1, 1)
    return (
        factories.ElderFactory(
            community_id=factories.COMMUNITY_A, birth_date=born, living_arrangement="family"
        ),
        factories.ElderFactory(
            community_id=factories.COMMUNITY_B, birth_date=born, living_arrangement="family"
        ),
    )


def test_an_official_writes_the_rules_of_their_region_with_a_preview(
    client, street_officials, centenarians, worker_a, english
):
    official_a, _official_b = street_officials
    in_a, in_b = centenarians
    client.force_login(official_a)
    preview = client.post(
        f"{RULES}/preview", rule_body(region=factories.STREET_A), content_type="application/json"
    )
    assert preview.status_code == 200 and preview.json() == {"caught": 1}
    assert not VisitRule.objects.filter(name=rule_body()["name"]).exists()
    bad = client.post(RULES, rule_body(interval_days=0, tier="none"), content_type="application/json")
    assert bad.status_code == 422
    wrong = client.post(
        RULES, rule_body(tier="none", region=factories.STREET_A), content_type="application/json"
    )
    assert wrong.status_code == 422 and "tier" in wrong.json()["errors"]
    created = client.post(RULES, rule_body(region=factories.STREET_A), content_type="application/json")
    assert created.status_code == 201, created.content
    assert created.json()["caught"] == 1 and created.json()["region"] == factories.STREET_A
    rule_id = created.json()["id"]
    # The rule applies in its region only.
    assert risk_of(in_a).tier == "high" and risk_of(in_b).tier != "high"
    changed = client.put(
        f"{RULES}/{rule_id}",
        rule_body(region=factories.STREET_A, interval_days=2),
        content_type="application/json",
    )
    assert changed.status_code == 200 and changed.json()["interval_days"] == 2
    retired = client.post(f"{RULES}/{rule_id}/retire")
    assert retired.status_code == 200 and retired.json()["active"] is False
    assert client.post(f"{RULES}/{rule_id}/retire").status_code == 409
    assert risk_of(in_a).tier != "high"
    actions = set(AuditLog.objects.filter(actor=official_a).values_list("action", flat=True))
    assert {"visits.rule.create", "visits.rule.update", "visits.rule.retire"} <= actions
    client.force_login(worker_a)
    assert (
        client.post(
            RULES, rule_body(region=factories.COMMUNITY_A), content_type="application/json"
        ).status_code
        == 403
    )


def test_an_official_cannot_write_rules_outside_their_region(
    client, street_officials, official, admin_user, english
):
    official_a, official_b = street_officials
    client.force_login(official_a)
    elsewhere = client.post(RULES, rule_body(region=STREET_B), content_type="application/json")
    assert elsewhere.status_code == 422 and "region" in elsewhere.json()["errors"]
    everywhere = client.post(RULES, rule_body(), content_type="application/json")
    assert everywhere.status_code == 422 and "region" in everywhere.json()["errors"]
    client.force_login(official_b)
    theirs = client.post(RULES, rule_body(region=STREET_B), content_type="application/json").json()["id"]
    client.force_login(official)
    district = client.post(
        RULES, rule_body(region=factories.DISTRICT), content_type="application/json"
    ).json()["id"]
    default = VisitRule.objects.filter(region=None).first()

    client.force_login(official_a)
    listed = {rule["id"] for rule in client.get(RULES).json()}
    assert district in listed and default.pk in listed and theirs not in listed
    for rule_id in (theirs, district, default.pk):  # another street's, the district's, a platform default
        body = rule_body(region=factories.STREET_A)
        assert client.put(f"{RULES}/{rule_id}", body, content_type="application/json").status_code == 404
        assert client.post(f"{RULES}/{rule_id}/retire").status_code == 404
    # Nor may an official move a rule of theirs out of their area.
    client.force_login(official_b)
    moved = client.put(
        f"{RULES}/{theirs}", rule_body(region=factories.STREET_A), content_type="application/json"
    )
    assert moved.status_code == 422 and VisitRule.objects.get(pk=theirs).region_id == STREET_B
    # The district's official covers both streets; the platform admin also the defaults.
    client.force_login(official)
    assert client.post(f"{RULES}/{theirs}/retire").status_code == 200
    assert client.post(f"{RULES}/{default.pk}/retire").status_code == 404
    client.force_login(admin_user)
    assert client.post(f"{RULES}/{default.pk}/retire").status_code == 200
    assert client.post(RULES, rule_body(), content_type="application/json").status_code == 201
