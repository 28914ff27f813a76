"""A stored file as a download: always an attachment (never rendered inline), its type not
sniffed, sandboxed if a browser opens it anyway. Shared by the agents' API and the portal."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from starlette.responses import Response


def file_download(row: Any, **extra_headers: str) -> Response:
    """`row` has filename, content_type and data (models.mail.Attachment)."""
    ascii_name = row.filename.encode("ascii", "replace").decode().replace('"', "'").replace("?", "_")
    return Response(row.data, media_type=row.content_type, headers={
        "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(row.filename, safe='')}",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Cache-Control": "private, no-store",
    } | extra_headers)
