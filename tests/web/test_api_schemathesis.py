"""schemathesis over the whole OpenAPI document, as a platform admin, against a live test server: no
request may end in a server error, and every answer must match the schema the document gives for it.

The run is schemathesis's own command line (``st run``) in a child process, so it tests the server over
HTTP as any client would; its coverage phase tries each parameter's edges (empty, null, the longest
allowed, numbers at and past their limits) and its fuzzing phase random values within and outside the
schema. Bounded in examples per operation and seeded, so it takes about two minutes and fails the same
way twice. ``SHOUWANG_SCHEMATHESIS_EXAMPLES`` and ``SHOUWANG_SCHEMATHESIS_SEED`` widen or vary a run by
hand.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from shouwang.accounts.services import create_api_token
from shouwang.core.actors import SYSTEM
from shouwang.urls import api
from tests import factories
from tests.alarms.factories import DeviceFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    # The check the issue asks for runs against PostgreSQL, where lengths and NUL bytes broke writes; CI
    # runs it there. On SQLite it would repeat the same few minutes and keep the whole run near its limit.
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="schemathesis runs on PostgreSQL (set DATABASE_URL)"
    ),
]

EXAMPLES = os.environ.get("SHOUWANG_SCHEMATHESIS_EXAMPLES", "5")
SEED = os.environ.get("SHOUWANG_SCHEMATHESIS_SEED", "14")
# A stream never ends; schemathesis would wait on it until its request timeout, every time.
ENDLESS = ["/api/v1/incidents/stream"]
# The coverage phase tries every edge the schema allows (the longest text, the largest number, each enum
# value, null where null is allowed): what passes the schema must fit the database. The invalid values
# (past the edges, of the wrong type) come from the fuzzing phase, which is bounded by the examples.
# Methods the document does not list (405 from the router) are left out to keep the run short.
# Its cache of past failures would be written in the working directory; each run here stands alone.
CONFIG = """
[cache]
enabled = false

[phases.coverage]
unexpected-methods = []

[phases.coverage.generation]
mode = "positive"
"""


@pytest.fixture
def admin_token(admin_user, provider_a, worker_a):
    """A token of the platform admin, and something in each register for the ids schemathesis tries."""
    elder = factories.ElderFactory(community_id=factories.COMMUNITY_A)
    factories.contact(elder)
    DeviceFactory(elder=elder)
    factories.user("caregiver", provider_id=provider_a.pk)
    return create_api_token(actor=SYSTEM, user=admin_user, name="schemathesis")[1]


def test_no_server_error_and_no_answer_outside_the_schema(live_server, admin_token, tmp_path):
    config = tmp_path / "schemathesis.toml"
    config.write_text(CONFIG)
    # The document as the server builds it, written here: building it takes seconds on a busy machine,
    # longer than schemathesis waits for a schema.
    document = tmp_path / "openapi.json"
    document.write_text(json.dumps(api.get_openapi_schema()))
    command = [
        str(Path(sys.executable).with_name("st")), "--config-file", str(config),
        "run", str(document), "--url", live_server.url,
        "--header", f"Authorization: Bearer {admin_token}",
        "--checks", "not_a_server_error,response_schema_conformance",
        "--phases", "coverage,fuzzing",
        "--max-examples", EXAMPLES, "--seed", SEED, "--workers", "1",
        "--continue-on-failure", "--request-timeout", "30",
        "--no-color", "--warnings", "off",
        "--report-dir", str(tmp_path),
        *(option for path in ENDLESS for option in ("--exclude-path", path)),
    ]  # fmt: skip
    run = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    report = run.stdout + run.stderr
    assert run.returncode == 0, report[-20_000:]
    print(report[-1_500:])  # the summary: operations, phases, cases generated
