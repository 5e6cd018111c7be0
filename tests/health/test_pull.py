"""The pull from the regional health platform, against a fake FHIR server started in the test (no
network): the family-doctor contract and conditions of linked elders, each change recorded; a second
pull changes nothing; a platform failing for one elder leaves the others pulled."""

import datetime as dt
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from fhir.resources.R4B.bundle import Bundle

from shouwang.core.models import AuditLog
from shouwang.health.models import ElderCondition, HealthChange, HealthSummary
from shouwang.health.pull import pull_from_platform
from shouwang.health.tasks import pull_platform

pytestmark = pytest.mark.django_db

TOKEN = "platform-secret"


def episode(patient: str, status: str, start: str, end: str, doctor: str) -> dict:
    return {
        "resourceType": "EpisodeOfCare",
        "id": f"ep-{patient}-{start}",
        "status": status,
        "type": [{"coding": [{"code": "family-doctor-contract"}]}],
        "patient": {"reference": f"Patient/{patient}"},
        "period": {"start": start, "end": end},
        "careManager": {"display": doctor},
        "managingOrganization": {"display": "兴华街道社区卫生服务中心"},
    }


def condition(patient: str, code: str) -> dict:
    return {
        "resourceType": "Condition",
        "id": f"c-{patient}-{code}",
        "clinicalStatus": {
            "coding": [
                {"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}
            ]
        },
        "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": code}]},
        "subject": {"reference": f"Patient/{patient}"},
    }


class FakePlatform:
    """A FHIR server on 127.0.0.1 answering searchset Bundles from ``records`` (built and validated with
    fhir.resources), remembering each request's path and Authorization header."""

    def __init__(self):
        self.records: dict[tuple[str, str], list[dict]] = {}
        self.broken: set[str] = set()
        self.requests: list[tuple[str, str]] = []
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - the http.server interface
                url = urllib.parse.urlsplit(self.path)
                query = dict(urllib.parse.parse_qsl(url.query))
                platform.requests.append((self.path, self.headers.get("Authorization", "")))
                kind, patient = url.path.rsplit("/", 1)[-1], query.get("patient", "")
                if patient in platform.broken:
                    self.send_response(500)
                    self.end_headers()
                    return
                entries = [{"resource": r} for r in platform.records.get((kind, patient), [])]
                bundle = Bundle.model_validate({"type": "searchset", "total": len(entries), "entry": entries})
                body = bundle.model_dump_json(exclude_none=True).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/fhir+json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/fhir"


@pytest.fixture
def platform(settings):
    fake = FakePlatform()
    fake.thread.start()
    settings.SHOUWANG_HEALTH_PLATFORM_URL = fake.url
    settings.SHOUWANG_HEALTH_PLATFORM_TOKEN = TOKEN
    settings.SHOUWANG_HEALTH_PLATFORM_TIMEOUT = 5
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


def test_the_pull_records_what_changed(platform, elder_a, elder_b):
    linked = HealthSummary.objects.create(elder=elder_a, platform_patient_id="P-100")
    ElderCondition.objects.create(elder=elder_a, code_id="E11", name="2型糖尿病", source="registry")
    HealthSummary.objects.create(elder=elder_b)  # not linked: never asked for
    platform.records[("EpisodeOfCare", "P-100")] = [
        episode("P-100", "finished", "2024-01-01", "2024-12-31", "赵医生"),
        episode("P-100", "active", "2026-01-01", "2026-12-31", "王医生"),
    ]
    platform.records[("Condition", "P-100")] = [
        condition("P-100", "I10"),
        condition("P-100", "I25.1"),
        condition("P-100", "Z99"),
    ]
    counts = pull_from_platform()
    assert counts == {"elders": 1, "changed": 1, "failed": 0, "changes": 7}
    linked.refresh_from_db()
    assert (linked.contract_status, linked.family_doctor, linked.contract_start, linked.contract_end) == (
        "active", "王医生", dt.date(2026, 1, 1), dt.date(2026, 12, 31),
    )  # fmt: skip
    assert linked.family_doctor_team == "兴华街道社区卫生服务中心" and linked.pulled_at is not None
    codes = dict(ElderCondition.objects.filter(elder=elder_a).values_list("code_id", "source"))
    assert codes == {"E11": "registry", "I10": "platform", "I25": "platform"}  # Z99: not in our table
    changed = set(HealthChange.objects.filter(elder=elder_a).values_list("field", "after"))
    assert ("family_doctor", "王医生") in changed and ("condition", "I10 原发性高血压") in changed
    assert AuditLog.objects.filter(action="health.pull", region_code=elder_a.community_id).count() == 1
    assert {auth for _path, auth in platform.requests} == {f"Bearer {TOKEN}"}
    assert all("P-100" in path for path, _auth in platform.requests)

    assert pull_from_platform()["changes"] == 0  # nothing new on the platform: nothing changes
    assert HealthChange.objects.count() == 7

    # The platform ends the contract and drops a condition it had listed; the registry's stays.
    platform.records[("EpisodeOfCare", "P-100")][1]["status"] = "finished"
    platform.records[("Condition", "P-100")] = [condition("P-100", "I10")]
    assert pull_from_platform()["changes"] == 2
    linked.refresh_from_db()
    assert linked.contract_status == "ended"
    assert set(ElderCondition.objects.filter(elder=elder_a).values_list("code_id", flat=True)) == {
        "E11",
        "I10",
    }
    assert HealthChange.objects.filter(
        field="condition", before="I25 慢性缺血性心脏病(冠心病)", after=""
    ).exists()


def test_a_failing_elder_leaves_the_others_pulled(platform, elder_a, elder_b):
    HealthSummary.objects.create(elder=elder_a, platform_patient_id="P-1")
    HealthSummary.objects.create(elder=elder_b, platform_patient_id="P-2")
    platform.broken.add("P-1")
    platform.records[("Condition", "P-2")] = [condition("P-2", "J44")]
    assert pull_from_platform() == {"elders": 2, "changed": 1, "failed": 1, "changes": 1}
    assert ElderCondition.objects.filter(elder=elder_b, code_id="J44").exists()
    assert not HealthChange.objects.filter(elder=elder_a).exists()


def test_without_a_configured_platform_nothing_is_asked(settings, elder_a):
    settings.SHOUWANG_HEALTH_PLATFORM_URL = ""
    HealthSummary.objects.create(elder=elder_a, platform_patient_id="P-1")
    assert pull_from_platform() == {"elders": 0, "changed": 0, "failed": 0, "changes": 0}


def test_the_pull_is_a_scheduled_job():
    from shouwang.core.scheduler import registered_jobs

    assert "health.pull_platform" in {job.name for job in registered_jobs()}
    assert pull_platform.module_path.endswith("pull_platform")
