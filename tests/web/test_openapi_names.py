"""The OpenAPI document names each schema once: two schemas of one name would be merged into one
component, and the endpoints of the other would be described with the wrong fields."""

import typing
from collections import defaultdict

from pydantic import BaseModel

from shouwang.urls import api


def _models_in(annotation) -> typing.Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    for argument in typing.get_args(annotation):
        yield from _models_in(argument)


def _api_schemas() -> set[type[BaseModel]]:
    """Every schema class of ours that an endpoint takes or answers, with the schemas inside them."""
    found: set[type[BaseModel]] = set()
    pending = [
        model
        for router in api._get_bound_routers()
        for path_view in router.path_operations.values()
        for operation in path_view.operations
        for candidate in (*operation.response_models.values(), *operation.models)
        for model in _models_in(candidate)
    ]
    while pending:
        model = pending.pop()
        if model in found:
            continue
        found.add(model)
        for field in model.model_fields.values():
            pending.extend(_models_in(field.annotation))
    return {model for model in found if model.__module__.startswith("shouwang.")}


def test_no_two_api_schemas_share_a_name():
    classes_by_name = defaultdict(set)
    schemas = _api_schemas()
    for model in schemas:
        classes_by_name[model.__name__].add(f"{model.__module__}.{model.__qualname__}")
    shared = {name: sorted(classes) for name, classes in classes_by_name.items() if len(classes) > 1}
    assert len(schemas) > 100 and shared == {}


def test_each_endpoint_is_described_with_its_own_schema(client):
    document = client.get("/api/v1/openapi.json").json()
    components = document["components"]["schemas"]

    def resolve(schema: dict) -> dict:
        schema = schema.get("items", schema)  # a list answer: its rows
        return components[schema["$ref"].rsplit("/", 1)[-1]]

    def answer(path: str, method: str = "get") -> dict:
        content = document["paths"][path][method]["responses"]["200"]["content"]["application/json"]
        return resolve(content["schema"])

    catalogue_page = answer("/api/v1/catalog/items")
    assert "guide_price_fen" in resolve(catalogue_page["properties"]["items"])["properties"]
    scale = answer("/api/v1/assessments/items")
    assert "anchors" in resolve(scale["properties"]["items"])["properties"]
    assert "stars" in answer("/api/v1/providers/{provider_id}/scores")["properties"]
    assert "final_level" in answer("/api/v1/assessments/score", "post")["properties"]
