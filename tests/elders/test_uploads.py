"""Import uploads: refused before the body is read (role first, then size), and no file left behind."""

import asyncio
import datetime as dt
import json
import threading

import pytest
from django.core.files.uploadhandler import MemoryFileUploadHandler
from django.core.handlers.asgi import ASGIHandler
from django.test import Client

from shouwang.accounts.services import create_api_token
from shouwang.core.actors import SYSTEM
from shouwang.core.idnumbers import make_resident_id
from shouwang.core.uploads import UploadLimitASGIHandler
from shouwang.elders.models import SpreadsheetJob
from tests import factories

pytestmark = pytest.mark.django_db
bodies_parsed: list[str] = []


class RecordingUploadHandler(MemoryFileUploadHandler):
    """Notes every multipart body Django starts to parse, so a test can tell a body was never read."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        bodies_parsed.append(META["PATH_INFO"])
        return super().handle_raw_input(input_data, META, content_length, boundary, encoding)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.FILE_UPLOAD_HANDLERS = [
        "tests.elders.test_uploads.RecordingUploadHandler",
        "django.core.files.uploadhandler.TemporaryFileUploadHandler",
    ]
    bodies_parsed.clear()
    return settings.MEDIA_ROOT


def stored_files(media) -> list:
    return [path for path in media.rglob("*") if path.is_file()]


def spreadsheet(tmp_path, *, padding: int = 0):
    person = make_resident_id("220202", dt.date(1950, 5, 6), 21)
    path = tmp_path / "elders.csv"
    text = f"姓名,身份证号码,现居住社区代码\n李大爷,{person},{factories.COMMUNITY_A}\n"
    path.write_text(text + "\n" * padding, encoding="utf-8")
    return path


def bearer(user) -> dict:
    _token, raw = create_api_token(actor=SYSTEM, user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_a_caregivers_api_upload_is_refused_unread_and_leaves_no_file(client, provider_a, tmp_path, media):
    caregiver = factories.user("caregiver", provider_id=provider_a.pk)
    with spreadsheet(tmp_path).open("rb") as upload:
        response = client.post("/api/v1/elders/imports", {"file": upload}, **bearer(caregiver))
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    assert bodies_parsed == [] and stored_files(media) == [] and not SpreadsheetJob.objects.exists()


def test_a_session_upload_of_a_role_that_may_not_import_is_refused_before_the_csrf_check(
    operator, tmp_path, media
):
    """The CSRF check parses the body; an operator (who may read the registry) is refused before it."""
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(operator)
    browser.get("/elders/import/")  # the CSRF cookie
    token = browser.cookies["csrftoken"].value
    for url in ("/elders/import/", "/api/v1/elders/imports"):
        with spreadsheet(tmp_path).open("rb") as upload:
            response = browser.post(url, {"file": upload, "csrfmiddlewaretoken": token})
        assert response.status_code == 403, url
    assert bodies_parsed == [] and stored_files(media) == [] and not SpreadsheetJob.objects.exists()


def test_an_upload_without_a_login_is_refused_unread(client, tree, tmp_path, media):
    with spreadsheet(tmp_path).open("rb") as upload:
        response = client.post("/api/v1/elders/imports", {"file": upload})
    assert response.status_code == 401 and bodies_parsed == [] and stored_files(media) == []


def test_an_upload_over_the_limit_is_refused_unread_in_the_api(client, settings, worker_a, tmp_path, media):
    settings.SHOUWANG_UPLOAD_MAX_MB = 1
    with spreadsheet(tmp_path, padding=2**20).open("rb") as upload:
        response = client.post("/api/v1/elders/imports", {"file": upload}, **bearer(worker_a))
    body = response.json()
    assert response.status_code == 422 and body["code"] == "upload_too_large"
    assert "1 MB" in body["message"] and body["errors"] == {"file": body["message"]}
    assert bodies_parsed == [] and stored_files(media) == [] and not SpreadsheetJob.objects.exists()


def test_an_upload_over_the_limit_is_refused_unread_in_the_console_in_chinese(
    client, settings, worker_a, tmp_path, media
):
    settings.SHOUWANG_UPLOAD_MAX_MB = 1
    client.force_login(worker_a)
    with spreadsheet(tmp_path, padding=2**20).open("rb") as upload:
        response = client.post("/elders/import/", {"file": upload})
    assert response.status_code == 422
    assert "文件超过允许的 1 MB" in response.content.decode()
    assert bodies_parsed == [] and stored_files(media) == [] and not SpreadsheetJob.objects.exists()


def test_an_upload_under_the_limit_is_read_and_kept_for_its_job(client, settings, worker_a, tmp_path, media):
    settings.SHOUWANG_UPLOAD_MAX_MB = 1
    with spreadsheet(tmp_path).open("rb") as upload:
        response = client.post("/api/v1/elders/imports", {"file": upload}, **bearer(worker_a))
    assert response.status_code == 202 and bodies_parsed == ["/api/v1/elders/imports"]
    job = SpreadsheetJob.objects.get()
    assert stored_files(media) == [media / "imports" / job.source_path.rsplit("/", 1)[-1]]


def test_legacy_assessment_results_are_not_kept_after_their_import(client, worker_a, tmp_path, media):
    client.force_login(worker_a)
    path = tmp_path / "legacy.csv"
    path.write_text("身份证号码,评估日期,评估等级\n", encoding="utf-8")
    with path.open("rb") as upload:
        response = client.post("/assessments/legacy/", {"file": upload})
    assert response.status_code == 200 and bodies_parsed and stored_files(media) == []


def test_a_legacy_upload_by_an_assessor_is_refused_unread(client, tree, tmp_path, media):
    client.force_login(factories.user("assessor", regions=(factories.DISTRICT,)))
    with spreadsheet(tmp_path).open("rb") as upload:
        response = client.post("/assessments/legacy/", {"file": upload})
    assert response.status_code == 403 and bodies_parsed == [] and stored_files(media) == []


@pytest.mark.django_db(transaction=True)
def test_under_asgi_a_body_over_the_limit_is_not_kept_before_the_view_refuses_it(
    settings, monkeypatch, worker_a, tmp_path, media
):
    """Django's ASGI handler keeps a whole body in a temporary file before any view runs; over the limit
    the platform's handler lets the bytes pass by, and the API still answers 422."""
    settings.SHOUWANG_UPLOAD_MAX_MB = 1
    kept = []
    original = ASGIHandler.read_body

    async def read_body_noting_its_size(self, receive):
        body = await original(self, receive)
        kept.append(len(body.read()))
        body.seek(0)
        return body

    monkeypatch.setattr(ASGIHandler, "read_body", read_body_noting_its_size)
    chunk, chunks = b"x" * 2**16, 24  # 1.5 MB
    headers = [
        (b"content-type", b"multipart/form-data; boundary=----edge"),
        (b"content-length", str(len(chunk) * chunks).encode()),
        (b"authorization", bearer(worker_a)["HTTP_AUTHORIZATION"].encode()),
    ]
    scope = {"type": "http", "method": "POST", "path": "/api/v1/elders/imports", "headers": headers,
             "query_string": b"", "server": ("testserver", 80), "client": ("127.0.0.1", 5000),
             "scheme": "http", "http_version": "1.1", "asgi": {"version": "3.0"}}  # fmt: skip
    incoming = [{"type": "http.request", "body": chunk, "more_body": n < chunks - 1} for n in range(chunks)]
    sent = []

    async def receive():
        if incoming:
            return incoming.pop(0)
        await asyncio.Event().wait()  # the client waits for the answer (Django cancels this)

    async def send(message):
        sent.append(message)

    # In a thread of its own: a browser test earlier in the run may have left an event loop running in this
    # one (Playwright's synchronous API), and asyncio.run() refuses to start inside a running loop.
    runner = threading.Thread(target=asyncio.run, args=(UploadLimitASGIHandler()(scope, receive, send),))
    runner.start()
    runner.join(60)
    answer = json.loads(b"".join(message.get("body", b"") for message in sent[1:]))
    assert sent[0]["status"] == 422 and answer["code"] == "upload_too_large"
    assert kept == [0] and incoming == [] and bodies_parsed == [] and stored_files(media) == []
