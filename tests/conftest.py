import pytest
from django.utils import translation

from shouwang.core import live
from tests import factories


def pytest_configure(config):
    """Cheap password hashing in tests (tests/hashers.py says why); set before anything hashes."""
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["tests.hashers.QuickArgon2PasswordHasher", *settings.PASSWORD_HASHERS]


@pytest.fixture
def english(client):
    """For tests that read English messages (the msgids); the console's default language is Chinese.
    Both the test's own code and the pages and API answers the test client gets are in English."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _seeded_rows(request):
    """A transactional test (browser tests, row-lock tests) empties every table on the way out, the rows
    migrations seed included (the catalogue, the visit rules); put them back for the next one."""
    marker = request.node.get_closest_marker("django_db")
    transactional = marker is not None and marker.kwargs.get("transaction")
    if transactional or {"transactional_db", "live_server"} & set(request.fixturenames):
        request.getfixturevalue("transactional_db")
        factories.ensure_seeded_rows()


@pytest.fixture(autouse=True)
def _no_live_watcher_left():
    """A test that opened a live stream started the watcher thread (core.live); stop it after the test.
    Left running, it keeps a LISTEN connection open on PostgreSQL, and the registry import will not fork
    beside a thread, so its child-process paths went untested on PostgreSQL."""
    yield
    live.stop_watcher()


@pytest.fixture
def tree(db):
    factories.load_tree()


@pytest.fixture
def operator(tree):
    return factories.user("operator", regions=(factories.DISTRICT,), username="operator")


@pytest.fixture
def admin_user(tree):
    return factories.user("admin", username="root")


@pytest.fixture
def official(tree):
    return factories.user("official", regions=(factories.DISTRICT,), username="official")


@pytest.fixture
def worker_a(tree):
    return factories.user("community_worker", regions=(factories.COMMUNITY_A,), username="worker_a")


@pytest.fixture
def worker_b(tree):
    return factories.user("community_worker", regions=(factories.COMMUNITY_B,), username="worker_b")


@pytest.fixture
def provider_a(tree):
    return factories.provider("甲服务商")


@pytest.fixture
def provider_b(tree):
    return factories.provider("乙服务商")


@pytest.fixture
def provider_admin_a(provider_a):
    return factories.user("provider_admin", provider_id=provider_a.pk, username="padmin_a")


@pytest.fixture
def provider_admin_b(provider_b):
    return factories.user("provider_admin", provider_id=provider_b.pk, username="padmin_b")


@pytest.fixture
def elder_a(tree):
    elder = factories.ElderFactory(community_id=factories.COMMUNITY_A, name="张三丰")
    factories.contact(elder)
    return elder


@pytest.fixture
def elder_b(tree):
    return factories.ElderFactory(community_id=factories.COMMUNITY_B, name="李四光")


@pytest.fixture
def api_client(client):
    """The Django test client, speaking JSON."""
    return client
