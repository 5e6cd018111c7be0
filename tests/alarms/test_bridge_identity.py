"""Two platforms on one broker (two demos on one machine) never share a client id or a shared-subscription
group: each would knock the other off the broker every second and take a share of the other's messages."""

import os
import subprocess
import sys


def identity(var_dir, **env) -> tuple[str, str]:
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'shouwang.settings'; django.setup();"
        "from shouwang.alarms.bridge import default_client_id, share_group;"
        "print(default_client_id()); print(share_group())"
    )
    environment = {**os.environ, "SHOUWANG_VAR_DIR": str(var_dir), **env}
    for name in ("MQTT_CLIENT_ID", "MQTT_SHARE_GROUP"):
        if name not in env:
            environment.pop(name, None)
    out = subprocess.run(
        [sys.executable, "-c", code], env=environment, capture_output=True, text=True, check=True
    )
    client_id, group = out.stdout.split()
    return client_id, group


def test_two_data_folders_get_their_own_client_id_and_group(tmp_path):
    first, second = identity(tmp_path / "a"), identity(tmp_path / "b")
    assert first[0] != second[0] and first[1] != second[1]
    assert identity(tmp_path / "a") == first  # stable: a restarted bridge finds its session again


def test_configured_names_win(tmp_path):
    assert identity(tmp_path / "a", MQTT_CLIENT_ID="bridge-1", MQTT_SHARE_GROUP="city") == (
        "bridge-1",
        "city",
    )
