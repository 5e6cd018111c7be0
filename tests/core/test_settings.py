"""Settings fail loudly: a value that does not parse stops the start with a message naming the variable,
and no module but the settings module reads the environment for configuration."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from shouwang import settings as config

SOURCE = Path(config.__file__).resolve().parent


@pytest.mark.parametrize(
    ("raw", "value"),
    [("true", True), ("1", True), (" Yes ", True), ("ON", True), ("false", False), ("0", False)],
)
def test_yes_no_values(raw, value):
    assert config.parse_bool("DEBUG", raw) is value


@pytest.mark.parametrize("raw", ["ture", "flase", "2", "y", "enabled"])
def test_an_unknown_yes_no_value_is_an_error_naming_the_variable(raw):
    with pytest.raises(ImproperlyConfigured, match="DEBUG") as refused:
        config.parse_bool("DEBUG", raw)
    assert repr(raw) in str(refused.value)


def test_whole_numbers():
    assert config.parse_int("PAGE_SIZE", " 25 ", minimum=1) == 25
    for raw in ("2h", "1.5", "", "fifty"):
        with pytest.raises(ImproperlyConfigured, match="PAGE_SIZE.*not a whole number"):
            config.parse_int("PAGE_SIZE", raw)
    with pytest.raises(ImproperlyConfigured, match="PAGE_SIZE=0 is below its minimum of 1"):
        config.parse_int("PAGE_SIZE", "0", minimum=1)
    with pytest.raises(ImproperlyConfigured, match="ALARM_ACK_SECONDS=-5"):
        config.parse_int("ALARM_ACK_SECONDS", "-5")


def test_numbers():
    assert config.parse_float("MQTT_BATCH_WAIT", "0.05") == 0.05
    for raw in ("fast", "nan", "inf", "-1"):
        with pytest.raises(ImproperlyConfigured, match="MQTT_BATCH_WAIT"):
            config.parse_float("MQTT_BATCH_WAIT", raw)


def test_urls_need_a_known_scheme_a_host_and_a_port_that_is_a_number():
    assert config.parse_url("MQTT_URL", "mqtts://u:p@broker:8883", schemes=("mqtt", "mqtts")) == (
        "mqtts://u:p@broker:8883"
    )
    for raw in ("broker:1883", "http://broker", "mqtt://", "mqtt://broker:port", "mqtt://broker:99999"):
        with pytest.raises(ImproperlyConfigured, match="MQTT_URL is not a URL"):
            config.parse_url("MQTT_URL", raw, schemes=("mqtt", "mqtts"))


def test_a_refused_url_never_shows_its_password():
    with pytest.raises(ImproperlyConfigured) as refused:
        config.parse_url("REDIS_URL", "redls://user:s3cret@cache:6379", schemes=("redis",))
    assert "s3cret" not in str(refused.value) and "redls" in str(refused.value)


def test_map_tile_urls():
    assert config.parse_tiles_url("MAP_TILES_URL", "") == ""
    assert config.parse_tiles_url("MAP_TILES_URL", "/tiles/{z}/{x}/{y}.png") == "/tiles/{z}/{x}/{y}.png"
    assert config.parse_tiles_url("MAP_TILES_URL", "https://{s}.tiles.gov/{z}/{x}/{y}.png")
    with pytest.raises(ImproperlyConfigured, match=r"lacks \{y\}"):
        config.parse_tiles_url("MAP_TILES_URL", "https://tiles.gov/{z}/{x}.png")
    with pytest.raises(ImproperlyConfigured, match="MAP_TILES_URL is not a URL"):
        config.parse_tiles_url("MAP_TILES_URL", "tiles.gov/{z}/{x}/{y}.png")


def test_log_levels():
    assert config.parse_choice("LOG_LEVEL", "warning", config.LOG_LEVELS) == "WARNING"
    with pytest.raises(ImproperlyConfigured, match="LOG_LEVEL='LOUD'"):
        config.parse_choice("LOG_LEVEL", "LOUD", config.LOG_LEVELS)


def _start(tmp_path, **variables) -> subprocess.CompletedProcess:
    # the embedded default (SQLite in tmp_path) unless the test sets DATABASE_URL itself
    inherited = {name: value for name, value in os.environ.items() if name != "DATABASE_URL"}
    environment = {**inherited, "SHOUWANG_VAR_DIR": str(tmp_path), **variables}
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", "import django; django.setup()"],
        env={**environment, "DJANGO_SETTINGS_MODULE": "shouwang.settings"},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("variable", "raw"),
    [
        ("DEBUG", "ture"),
        ("SESSION_IDLE_MINUTES", "2h"),
        ("MQTT_URL", "broker.local:1883"),
        ("DATABASE_URL", "postgress://postgres@db/shouwang"),
    ],
)
def test_the_platform_does_not_start_with_a_value_it_cannot_read(tmp_path, variable, raw):
    started = _start(tmp_path, **{variable: raw})
    assert started.returncode != 0
    assert "ImproperlyConfigured" in started.stderr and variable in started.stderr


def test_the_platform_starts_with_the_defaults(tmp_path):
    started = _start(tmp_path, DEBUG="false")
    assert started.returncode == 0, started.stderr


# Lines outside settings.py that touch the environment, and why they read no setting.
NOT_CONFIGURATION = {
    "asgi.py": 'os.environ.setdefault("DJANGO_SETTINGS_MODULE"',  # names the settings module itself
    "wsgi.py": 'os.environ.setdefault("DJANGO_SETTINGS_MODULE"',
    "cli.py": 'os.environ.setdefault("DJANGO_SETTINGS_MODULE"',
    "core/backups.py": "environment = {**os.environ}",  # hands PATH and locale on to pg_dump / pg_restore
}
READS_ENVIRONMENT = re.compile(r"\bos\.environ\b|\bgetenv\b|\bfrom os import\b[^\n]*\benviron\b|\benviron\[")


def test_no_module_but_settings_reads_the_environment():
    readers = []
    for path in sorted(SOURCE.rglob("*.py")):
        name = path.relative_to(SOURCE).as_posix()
        if name == "settings.py":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if READS_ENVIRONMENT.search(line) and NOT_CONFIGURATION.get(name, "\0") not in line:
                readers.append(f"{name}:{number}: {line.strip()}")
    assert readers == [], "read these settings in settings.py instead:\n" + "\n".join(readers)


def test_the_grep_finds_a_reader(tmp_path):
    """The check above would see a module that reads a setting for itself."""
    assert READS_ENVIRONMENT.search('client_id = os.environ.get("MQTT_CLIENT_ID")')
    assert READS_ENVIRONMENT.search('url = getenv("MQTT_URL")')
