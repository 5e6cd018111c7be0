"""The benefits JSON API: policies and versions, runs and their review, results, the elder's benefits,
voucher redemption and the ledger's trial balance (docs/api.md, "Benefits")."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Router, Schema, Status

from shouwang.core.pagination import paginate
from shouwang.core.schemas import Code, Id, MaxText, Note, Page, PageSize, RegionCode, column_text

from . import ledger, selectors, services
from .models import Policy, PolicyVersion, RunTransition
from .selectors import FUND_LABELS

# A month as the contract writes it, YYYY-MM (a longer date is read by its year and month).
Month = Annotated[str, MaxText(10)]
router = Router(tags=["benefits"])
elder_router = Router(tags=["benefits"])


# --- policies -------------------------------------------------------------------------------------------


class PolicyVersionOut(Schema):
    number: int
    effective_from: dt.date
    effective_until: dt.date | None
    conditions: list
    tiers: list
    fund_shares: dict
    self_pay_percent: dict
    year_end: str
    note: str


class PolicyOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    region_code: str
    description: str
    versions: list[PolicyVersionOut]

    @staticmethod
    def resolve_region_code(policy) -> str:
        return policy.region_id

    @staticmethod
    def resolve_versions(policy) -> list:
        return list(selectors.versions_of(policy))


class PolicyIn(Schema):
    code: Annotated[str, column_text(Policy, "code")]
    name: Annotated[str, column_text(Policy, "name")]
    kind: Code
    region: RegionCode
    description: Note = ""


class VersionIn(Schema):
    effective_from: Month
    effective_until: Month | None = None
    conditions: list = []
    tiers: list
    fund_shares: dict[Code, int | float]
    self_pay_percent: dict[Code, int | float] = {}
    year_end: Code = "expire"
    note: Annotated[str, column_text(PolicyVersion, "note")] = ""


@router.get("/policies", response=list[PolicyOut], summary="Benefit policies with their versions")
def policy_list(request):
    return list(selectors.policies_for(request.auth))


@router.post("/policies", response={201: PolicyOut}, summary="Create a policy")
def policy_create(request, payload: PolicyIn):
    policy = services.create_policy(
        actor=request.auth,
        code=payload.code,
        name=payload.name,
        kind=payload.kind,
        region_code=payload.region,
        description=payload.description,
    )
    return Status(201, selectors.get_policy_for(request.auth, policy.pk))


@router.get("/policies/{int:policy_id}", response=PolicyOut, summary="One policy")
def policy_detail(request, policy_id: Id):
    return selectors.get_policy_for(request.auth, policy_id)


@router.post("/policies/{int:policy_id}/versions", response={201: PolicyOut}, summary="Publish a new version")
def policy_version(request, policy_id: Id, payload: VersionIn):
    services.publish_version(actor=request.auth, policy_id=policy_id, **payload.dict())
    return Status(201, selectors.get_policy_for(request.auth, policy_id))


class EffectIn(VersionIn):
    region: RegionCode
    month: Month
    effective_from: Month = ""


class EffectOut(Schema):
    month: str
    region: str
    elders: int
    adds: int
    removes: int
    changes: int
    before_fen: int
    after_fen: int
    cost_change_fen: int


@router.post(
    "/policies/{int:policy_id}/effect", response=EffectOut, summary="What a draft version would change"
)
def policy_effect(request, policy_id: Id, payload: EffectIn):
    drafted = {"region", "month", "effective_from", "effective_until", "note", "year_end"}
    fields = payload.dict(exclude=drafted)
    return selectors.version_effect(
        request.auth,
        policy_id,
        region_code=payload.region,
        month=services.parse_month(payload.month),
        **fields,
    )


# --- runs -----------------------------------------------------------------------------------------------


class RunIn(Schema):
    month: Month
    region: RegionCode


class PolicyTotalOut(Schema):
    code: str
    name: str
    kind: str
    eligible: int
    amount_fen: int
    funds: dict[str, int]
    new: int
    stopped: int
    changed: int


class FundTotalOut(Schema):
    source: str
    label: str
    amount_fen: int


class RunTransitionOut(Schema):
    from_state: str
    to_state: str
    at: dt.datetime
    actor_name: str
    reason: str


class RunOut(Schema):
    id: int
    region: str
    region_name: str
    month: str
    state: str
    state_label: str
    elder_count: int
    eligible_count: int
    amount_fen: int
    computed_at: dt.datetime | None
    policies: list[PolicyTotalOut]
    funds: list[FundTotalOut]
    transitions: list[RunTransitionOut]

    @staticmethod
    def resolve_region(run) -> str:
        return run.region_id

    @staticmethod
    def resolve_region_name(run) -> str:
        return run.region.name

    @staticmethod
    def resolve_month(run) -> str:
        return run.month.strftime("%Y-%m")

    @staticmethod
    def resolve_state_label(run) -> str:
        return str(run.get_state_display())

    @staticmethod
    def resolve_amount_fen(run) -> int:
        return run.totals.get("amount_fen", 0)

    @staticmethod
    def resolve_policies(run) -> list:
        return [{"code": code, **totals} for code, totals in run.totals.get("policies", {}).items()]

    @staticmethod
    def resolve_funds(run) -> list:
        return [
            {"source": source, "label": str(FUND_LABELS.get(source, source)), "amount_fen": fen}
            for source, fen in run.totals.get("funds", {}).items()
        ]

    @staticmethod
    def resolve_transitions(run) -> list:
        return list(selectors.transitions_of(run))


class RunPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[RunOut]


class RunNoteIn(Schema):
    note: Annotated[str, column_text(RunTransition, "reason")] = ""


class RunReasonIn(Schema):
    reason: Annotated[str, column_text(RunTransition, "reason")]


@router.get("/runs", response=RunPage, summary="Eligibility runs in the caller's area")
def run_list(request, page: Page = 1, page_size: PageSize | None = None):
    return paginate(selectors.runs_for(request.auth), page=page, page_size=page_size)


@router.post("/runs", response={201: RunOut}, summary="Compute a month's run for a region (again)")
def run_start(request, payload: RunIn):
    run = services.start_run(actor=request.auth, month=payload.month, region_code=payload.region)
    return Status(201, selectors.get_run_for(request.auth, run.pk))


@router.get("/runs/{int:run_id}", response=RunOut, summary="A run: state, elders and totals")
def run_detail(request, run_id: Id):
    return selectors.get_run_for(request.auth, run_id)


@router.post("/runs/{int:run_id}/review", response=RunOut, summary="Take the run's next review step")
def run_review(request, run_id: Id, payload: RunNoteIn):
    selectors.get_run_for(request.auth, run_id)
    services.review_run(actor=request.auth, run_id=run_id, note=payload.note)
    return selectors.get_run_for(request.auth, run_id)


@router.post("/runs/{int:run_id}/return", response=RunOut, summary="Return the run for correction")
def run_return(request, run_id: Id, payload: RunReasonIn):
    selectors.get_run_for(request.auth, run_id)
    services.return_run(actor=request.auth, run_id=run_id, reason=payload.reason)
    return selectors.get_run_for(request.auth, run_id)


class ResultOut(Schema):
    elder_id: int
    elder_name: str
    community_code: str
    age: int
    status: str
    ability_level: int | None
    categories: list[str]
    cash_fen: int
    voucher_fen: int
    outcomes: dict

    @staticmethod
    def resolve_elder_name(result) -> str:
        return result.elder.name

    @staticmethod
    def resolve_categories(result) -> list[str]:
        return [code for code in result.categories.split(",") if code]


class ResultPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[ResultOut]


@router.get("/runs/{int:run_id}/results", response=ResultPage, summary="A run's results in the caller's area")
def run_results(
    request,
    run_id: Id,
    policy: Code = "",
    eligible: bool | None = None,
    change: Code = "",
    page: Page = 1,
    page_size: PageSize | None = None,
):
    run = selectors.get_run_for(request.auth, run_id)
    found = selectors.results_for(request.auth, run, policy=policy, eligible=eligible, change=change)
    return paginate(found, page=page, page_size=page_size)


# --- an elder's benefits --------------------------------------------------------------------------------


class ReasonOut(Schema):
    condition: str
    held: bool


class OutcomeOut(Schema):
    code: str
    name: str
    kind: str
    version: int
    eligible: bool
    amount_fen: int
    reasons: list[ReasonOut]
    funds: dict[str, int]
    change: str
    change_reasons: list[str]


class ElderBenefitsOut(Schema):
    elder_id: int
    month: str
    computed: bool
    run_id: int | None
    run_state: str
    policies: list[OutcomeOut]
    voucher_balance_fen: int


@elder_router.get(
    "/{int:elder_id}/benefits", response=ElderBenefitsOut, summary="The elder's benefits in a month and why"
)
def elder_benefits(request, elder_id: Id, month: Month):
    found = selectors.elder_benefits(request.auth, elder_id, services.parse_month(month))
    return {**found.__dict__, "elder_id": elder_id, "month": found.month.strftime("%Y-%m")}


# --- the ledger -----------------------------------------------------------------------------------------


class AccountBalanceOut(Schema):
    id: int
    key: str
    kind: str
    name: str
    fund_source: str
    balance_fen: int
    entry_count: int


class KindBalanceOut(Schema):
    kind: str
    label: str
    balance_fen: int


class TrialBalanceOut(Schema):
    accounts: list[AccountBalanceOut]
    by_kind: list[KindBalanceOut]
    total_fen: int


@router.get(
    "/ledger/trial-balance", response=TrialBalanceOut, summary="Every account's balance and the total"
)
def trial_balance(request):
    found = selectors.trial_balance(request.auth)
    return {
        "accounts": [{**row, "id": row["pk"], "balance_fen": row["balance"]} for row in found["accounts"]],
        "by_kind": [{**row, "balance_fen": row["balance"]} for row in found["by_kind"]],
        "total_fen": found["total"],
    }


class AccountOut(Schema):
    id: int
    kind: str
    name: str
    balance_fen: int

    @staticmethod
    def resolve_balance_fen(account) -> int:
        return ledger.balance(account.pk)


@router.get("/ledger/accounts", response=list[AccountOut], summary="Ledger accounts the caller may see")
def account_list(request):
    return list(selectors.accounts_for(request.auth).order_by("kind", "key")[:500])


# Payments, the run's export, the vouchers' year end and an elder's payment account: payments_api.py.
def _mount_payments() -> None:
    from .payments_api import elder_router as payments_elder_router
    from .payments_api import router as payments_router

    router.add_router("", payments_router)
    elder_router.add_router("", payments_elder_router)


_mount_payments()
