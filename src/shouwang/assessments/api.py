"""The assessment JSON API: the stateless GB/T 42195-2022 scoring endpoint and the item definitions."""

from __future__ import annotations

from django.conf import settings
from ninja import Router, Schema
from pydantic import StrictInt

from . import scoring

router = Router(tags=["assessments"])


class ScoreIn(Schema):
    """Item scores by key (all 26), the coma flag, ICD-10 diagnoses and care-risk events of the last 30 days.

    ``items`` is a free mapping so that missing and unknown keys are named by the scoring engine.
    ``cumulative`` overrides the platform's setting for whether the two "one level higher" rules add up.
    """

    items: dict[str, StrictInt]
    coma: bool = False
    diagnoses: list[str] = []
    risk_events_30d: dict[str, StrictInt] = {}
    cumulative: bool | None = None


class AdjustmentOut(Schema):
    code: str
    description: str
    description_en: str


class ScoreOut(Schema):
    dimension_scores: dict[str, int]
    total: int
    initial_level: int
    final_level: int
    level_name: str
    level_name_en: str
    adjustments: list[AdjustmentOut]


class AnchorOut(Schema):
    score: int
    description: str


class ItemOut(Schema):
    key: str
    dimension: str
    label: str
    label_en: str
    min: int
    max: int
    anchors: list[AnchorOut]


class DimensionOut(Schema):
    key: str
    name: str
    name_en: str
    max: int
    items: list[str]


class LevelOut(Schema):
    level: int
    name: str
    name_en: str
    min_total: int
    max_total: int


class RiskEventOut(Schema):
    key: str
    label: str
    label_en: str


class DefinitionsOut(Schema):
    standard: str
    max_total: int
    items: list[ItemOut]
    dimensions: list[DimensionOut]
    levels: list[LevelOut]
    risk_events: list[RiskEventOut]
    risk_event_threshold: int


def cumulative_default() -> bool:
    """The platform's setting: do the two "one level higher" rules add up? Not by default."""
    return bool(getattr(settings, "SHOUWANG_ASSESSMENT_CUMULATIVE_ADJUSTMENTS", False))


@router.post("/score", response=ScoreOut, summary="Score an ability assessment (GB/T 42195-2022)")
def score(request, payload: ScoreIn):
    """Stateless: nothing is saved. Missing, unknown or out-of-range items give a 422 naming each one."""
    cumulative = cumulative_default() if payload.cumulative is None else payload.cumulative
    result = scoring.score(
        payload.items,
        coma=payload.coma,
        diagnoses=payload.diagnoses,
        risk_events_30d=payload.risk_events_30d,
        cumulative=cumulative,
    )
    return {
        "dimension_scores": result.dimension_scores,
        "total": result.total,
        "initial_level": result.initial_level,
        "final_level": result.final_level,
        "level_name": result.level_name,
        "level_name_en": result.level_name_en,
        "adjustments": [adjustment._asdict() for adjustment in result.adjustments],
    }


@router.get("/items", response=DefinitionsOut, summary="Assessment items, anchors, dimensions and levels")
def items(request):
    return scoring.definitions()
