"""The export page (``/export``) and the download of a finished export (``/export/{id}/download``).

The page has the start form (JSON or ZIP) and the list of the user's exports, a region
(``export_list``): pending, running with its progress, ready with a download link, or failed
with its message. While one is in progress the list carries a ``<meta http-equiv=refresh>``
and a "Refresh" link, so the page follows the job without JavaScript too.

The download answers only the export's owner: anyone else's ID (or a made-up one) is 404, an
export that is not ready yet is 409, and a file missing from storage is 404; never a 500.
"""

from __future__ import annotations

from litestar import get
from litestar.exceptions import HTTPException, NotFoundException
from litestar.params import FromPath
from litestar.response import Stream, Template
from litestar.status_codes import HTTP_409_CONFLICT

from actions import exports
from actions.exports import MEDIA_TYPES, export_list
from actions.tables import Export
from authstage import region, take_outcome
from authstage.auth import login_required, require_user

__all__ = ["download_export", "export_page"]


@get("/export", name="export", guards=[login_required])
async def export_page() -> Template:
    """The start form and the exports' status."""
    context = {"outcomes": await take_outcome(), "exports": await region(export_list)}
    return Template(template_name="exports/page.html", context=context)


@get("/export/{export_id:int}/download", name="export_download", guards=[login_required])
async def download_export(export_id: FromPath[int]) -> Stream:
    """The export's file, as an attachment named for the app, the export and its format."""
    user = await require_user()
    row = await (
        Export.select(Export.status, Export.format, Export.file_key)
        .where((Export.id == export_id) & (Export.owner == user.id))
        .first()
    )
    if row is None:
        raise NotFoundException("No such export")
    if row["status"] != "ready" or not row["file_key"]:
        raise HTTPException(status_code=HTTP_409_CONFLICT, detail="This export is not ready")
    if not await exports.storage.exists(row["file_key"]):
        raise NotFoundException("This export's file is gone: start another export")
    name = f"auth-stage-export-{export_id}.{row['format']}"
    return Stream(
        exports.storage.open(row["file_key"]),
        media_type=MEDIA_TYPES[row["format"]],
        headers={"content-disposition": f'attachment; filename="{name}"'},
    )
