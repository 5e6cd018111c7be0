"""A sample registry spreadsheet for trying the import: demo people in the user's own communities, with a
few typical mistakes. The same download twice gives the same file, so a second import shows "unchanged"."""

import io

from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.core.errors import NotFound
from shouwang.core.spreadsheets import write_xlsx
from shouwang.elders.importing import TEMPLATE_HEADER
from shouwang.regions.models import Level
from shouwang.regions.selectors import regions_in_scope
from shouwang.web.decorators import console_page

from .generator import Community
from .sheets import rows, write_roster

SAMPLE_ROWS = 200
SAMPLE_BAD_SHARE = 0.05
ROSTER_COMMUNITIES, ROSTER_PER_COMMUNITY = 3, 20


@console_page("elders:list")
def sample_import(request):
    buffer = io.BytesIO()
    communities = _communities(request.user)
    write_xlsx(buffer, list(TEMPLATE_HEADER), rows(SAMPLE_ROWS, communities, bad_share=SAMPLE_BAD_SHARE))
    buffer.seek(0)
    return FileResponse(buffer, as_attachment=True, filename="示例老年人名单.xlsx")


@console_page("elders:list")
def sample_roster(request):
    """A roster of the kind streets keep (a sheet per community, title and totals rows), to try the import
    on the shape bureaus really have."""
    buffer = io.BytesIO()
    communities = _communities(request.user)[:ROSTER_COMMUNITIES]
    write_roster(buffer, communities, per_community=ROSTER_PER_COMMUNITY, today=timezone.localdate())
    buffer.seek(0)
    return FileResponse(buffer, as_attachment=True, filename="示例花名册（分社区）.xlsx")


def _communities(user) -> list[Community]:
    communities = [
        Community(
            region.code,
            region.name,
            region.centre_lat,
            region.centre_lon,
            region.urban_rural_type.startswith("2"),
        )
        for region in regions_in_scope(user.scope, level=Level.COMMUNITY)
        if region.centre_lat is not None
    ]
    if not communities:
        raise NotFound(_("There is no community with a known location in your area to make a sample for."))
    return communities
