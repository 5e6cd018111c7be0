"""Sending a probe and judging its answer: what leaked, and whether anything changed."""

from __future__ import annotations

import datetime as dt
import json
from contextlib import contextmanager

from django.apps import apps
from django.contrib.messages import get_messages
from django.db import connection, transaction
from django.utils import timezone

from .routes import BODIES, Route, api_components

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
    b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


def text_of(response) -> str:
    """The answer as text, JSON decoded so that escaped Chinese reads as itself."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if "json" in response.get("Content-Type", ""):
        try:
            return json.dumps(json.loads(content), ensure_ascii=False)
        except ValueError:
            pass
    return content.decode("utf-8", "replace")


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


class Probe:
    def __init__(self, world, client):
        self.world = world
        self.client = client
        self.client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"

    def login(self, user) -> None:
        self.client.logout()
        self.client.force_login(user)

    # --- sending -------------------------------------------------------------------------------------

    def api(self, route: Route, path: str, body: dict | None = None):
        if route.method == "GET":
            return self.client.get(path, body if body is not None else self.query(route))
        if route.body and route.body["type"] == "multipart/form-data":
            return self.client.post(path, body if body is not None else self.multipart(route))
        payload = body if body is not None else self.example(route)
        return self.client.generic(
            route.method, path, json.dumps(payload, default=str), content_type="application/json"
        )

    def multipart(self, route: Route) -> dict:
        from django.core.files.uploadedfile import SimpleUploadedFile

        fields = route.body["schema"].get("properties", {})
        return {
            name: SimpleUploadedFile("probe.png", PNG, content_type="image/png")
            if spec.get("format") == "binary"
            else "x"
            for name, spec in fields.items()
        }

    def query(self, route: Route) -> dict:
        components = api_components()
        return {name: self._example(schema, components, name) for name, schema in route.required_query}

    def example(self, route: Route) -> dict:
        if not route.body:
            return {}
        made = self._example(route.body["schema"], api_components(), name="")
        return {**made, **BODIES.get(route.key, {})} if isinstance(made, dict) else made

    def _example(self, schema: dict, components: dict, name: str):
        """A value the schema accepts: required fields only, references to the other side's objects by
        the field's name (``elder_id`` → the other side's elder)."""
        if "$ref" in schema:
            return self._example(components[schema["$ref"].rsplit("/", 1)[-1]], components, name)
        if name in self.world.fields:
            return self.world.fields[name]
        for key in ("anyOf", "allOf", "oneOf"):
            if key in schema:
                choices = [s for s in schema[key] if s.get("type") != "null"]
                return self._example(choices[0], components, name)
        if "enum" in schema:
            return schema["enum"][0]
        if "default" in schema:
            return schema["default"]
        kind = schema.get("type")
        if kind == "object":
            properties = schema.get("properties", {})
            wanted = [f for f in properties if f in schema.get("required", []) or f in self.world.fields]
            return {field: self._example(properties[field], components, field) for field in wanted}
        if kind == "array":
            return [self._example(schema.get("items", {}), components, name)]
        if kind == "integer":
            return 1
        if kind == "number":
            return 1.0
        if kind == "boolean":
            return False
        if schema.get("format") == "date":
            return timezone.localdate().isoformat()
        if schema.get("format") == "date-time":
            return (timezone.now() + dt.timedelta(days=1)).isoformat()
        return "probe"

    # --- judging -------------------------------------------------------------------------------------

    def leaks(self, response) -> list[str]:
        """The other side's words, ids of its elder and any elder's unmasked number found in the answer."""
        text = text_of(response)
        found = [marker for marker in self.world.markers if marker in text] + self.secrets_in(response)
        if "json" in response.get("Content-Type", ""):
            found += self._their_ids(json.loads(text))
        return found

    def secrets_in(self, response) -> list[str]:
        """Any elder's unmasked ID number or phone in the answer."""
        text = text_of(response)
        return [secret for secret in self.world.secrets if secret in text]

    def _their_ids(self, value) -> list[str]:
        elders = self.world.ids["elder"]
        if isinstance(value, dict):
            found = [f"{key}={value[key]}" for key in ("elder_id", "elder") if value.get(key) in elders]
            return found + [leak for inner in value.values() for leak in self._their_ids(inner)]
        if isinstance(value, list):
            return [leak for inner in value for leak in self._their_ids(inner)]
        return []

    def state(self) -> dict:
        """Every table's row count and every field of the other side's rows, in a few queries."""
        models = [model for model in apps.get_models() if model._meta.managed and not model._meta.proxy]
        counts = connection.cursor()
        counts.execute(
            "SELECT "
            + ", ".join(
                f"(SELECT COUNT(*) FROM {connection.ops.quote_name(m._meta.db_table)})" for m in models
            )
        )
        rows = {}
        for model, pks in self.world.rows.items():
            for row in model.objects.filter(pk__in=pks).values():
                rows[f"{model._meta.label}#{row[model._meta.pk.attname]}"] = row
        return {
            "counts": dict(zip([m._meta.label for m in models], counts.fetchone(), strict=True)),
            "rows": rows,
        }

    def as_controls(self, send, done, *, reveal: bool = False) -> list[int]:
        """Send as the platform admin, then as each of the other side's users, until ``done(status)``;
        everything a control changes is undone. Their answers must be masked too (unless a reveal)."""
        statuses = []
        for user in self.world.controls:
            self.login(user)
            with self.rolled_back():
                answer = send()
            assert reveal or self.secrets_in(answer) == [], f"{answer.wsgi_request.path} as {user.role}"
            statuses.append(answer.status_code)
            if done(answer.status_code):
                break
        return statuses

    @contextmanager
    def rolled_back(self):
        """For a control that may change something: undone afterwards."""
        with transaction.atomic():
            yield
            transaction.set_rollback(True)


def changed(before: dict, after: dict) -> list[str]:
    differences = [
        f"{label}: {before['counts'][label]} → {after['counts'][label]} rows"
        for label in before["counts"]
        if before["counts"][label] != after["counts"][label]
    ]
    return differences + [key for key in before["rows"] if before["rows"][key] != after["rows"][key]]
