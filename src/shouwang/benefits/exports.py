"""A run's results as an xlsx: each elder the user may see, each policy's outcome with its "why / why
not", the amounts and the split by fund source. Streamed (XlsxWriter in constant-memory mode through
``core.spreadsheets.SheetWriter``, the results read in chunks), so a district's run of a million elders
never sits in memory. ID numbers are masked: the export is for checking, not for paying."""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

from django.utils.translation import gettext as _

from shouwang.core import audit
from shouwang.core.masking import mask_id_number
from shouwang.core.spreadsheets import SheetWriter

from . import policies
from .models import EligibilityRun, PolicyVersion
from .payments import fen_text
from .selectors import FUND_LABELS, _facts_of, results_for
from .templatetags.benefits import change_label

CHUNK = 2000


def write_run(user, run: EligibilityRun, target: Path | BinaryIO) -> int:
    """Write the run's results that ``user`` may see to ``target``; returns the number of elders."""
    codes = sorted(run.totals.get("policies", {}))
    versions = {
        code: PolicyVersion.objects.select_related("policy").get(pk=run.totals["policies"][code]["version"])
        for code in codes
    }
    sources = sorted(run.totals.get("funds", {}))
    header = [_("Community"), _("Name"), _("ID number"), _("Age"), _("Categories"), _("Ability level")]
    for code in codes:
        name = versions[code].policy.name
        parts = (_("eligible"), _("amount (yuan)"), _("why / why not"), _("against last month"))
        header += [f"{name}·{part}" for part in parts]
    header += [_("Cash (yuan)"), _("Vouchers (yuan)")]
    in_yuan = _("%(source)s (yuan)")
    header += [in_yuan % {"source": FUND_LABELS.get(source, source)} for source in sources]
    count = 0
    with SheetWriter(target, [str(cell) for cell in header], sheet_name=f"{run.month:%Y-%m}") as writer:
        for result in results_for(user, run).iterator(chunk_size=CHUNK):
            facts = _facts_of(result)
            row = [
                result.community_code,
                result.elder.name,
                mask_id_number(result.elder.id_number),
                result.age,
                result.categories,
                "" if result.ability_level is None else result.ability_level,
            ]
            funds = dict.fromkeys(sources, 0)
            for code in codes:
                outcome = result.outcomes.get(code)
                if outcome is None:
                    row += ["", "", "", ""]
                    continue
                reasons = policies.explain(versions[code], facts, outcome)
                row += [
                    _("yes") if outcome["eligible"] else _("no"),
                    fen_text(outcome["amount_fen"]),
                    "；".join(("✓ " if r["held"] else "✗ ") + str(r["condition"]) for r in reasons),
                    change_label(result.changes.get(code, {}).get("change", "")),
                ]
                if outcome["eligible"]:
                    split = policies.split_by_shares(outcome["amount_fen"], versions[code].fund_shares)
                    for source, fen in split.items():
                        funds[source] = funds.get(source, 0) + fen
            row += [fen_text(result.cash_fen), fen_text(result.voucher_fen)]
            row += [fen_text(funds.get(source, 0)) for source in sources]
            writer.append(row)
            count += 1
    audit.record(
        actor=user,
        action="benefits.run.export",
        obj=run,
        after={"rows": count},
        region_code=run.region_id,
    )
    return count


def file_name(run: EligibilityRun) -> str:
    return f"benefits-{run.region_id}-{run.month:%Y-%m}.xlsx"
