"""An article's files: an agent uploads an image or a document (the checks mail attachments
get: type, size, bytes that are what they claim), and GET /kb/files/{id} serves it with its
stored type, never sniffed. Images are shown inline (an article's <img>), documents are
downloads. Anyone may fetch a file of a public, published article (the portal shows it); the
others only a signed-in agent (API token or console session)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Path, Request, UploadFile, status
from fastapi.responses import Response
from fastapi.security import HTTPAuthorizationCredentials
from starlette.concurrency import run_in_threadpool

from api.deps import AgentDep, SessionsDep, bearer, current_principal
from api.errors import ApiError
from api.kb.schemas import ArticleId, FileOut
from api.kb.service import refusals
from api.params import MAX_ID
from api.signin import session as web_session
from api.tickets.downloads import file_download
from api.tickets.uploads import checked_upload
from models.kb import articles

router = APIRouter(prefix="/kb", tags=["Knowledge base"])
FileId = Annotated[int, Path(ge=1, le=MAX_ID, description="The file's id")]
INLINE = {"image/png", "image/jpeg", "image/gif", "image/webp"}  # shown in an article; never SVG (it runs scripts)


def _keep(sessions, article_id: int, filename: str | None, content_type: str | None, data: bytes, limit: int,
          agent_id: int) -> FileOut:
    verdict = checked_upload(filename, content_type, data, limit)
    with sessions.begin() as s, refusals():
        row = articles.add_file(s, article_id, filename=verdict.filename, content_type=verdict.content_type, data=data,
                                uploaded_by=agent_id)
        return FileOut.of(row)


@router.post("/articles/{article_id}/files", response_model=FileOut, status_code=status.HTTP_201_CREATED, responses={
    403: {"description": "Not allowed for this role"}, 404: {"description": "No such article (ArticleNotFound)"},
    413: {"description": "Larger than SERVICEDESK_MAX_ATTACHMENT_BYTES"},
    415: {"description": "A type the desk does not keep, an executable, or bytes that are not the declared type "
                         "(AttachmentRefused): nothing is stored"}})
async def upload_file(article_id: ArticleId, request: Request, me: AgentDep, sessions: SessionsDep,
                      file: Annotated[UploadFile, File(description="The file (multipart/form-data field `file`)")]) -> FileOut:
    """Keep an image or a document with the article (agents, supervisors, admins); its
    `markdown` is how the body shows or links to it."""
    limit = request.app.state.settings.max_attachment_bytes
    data = await file.read(limit + 1)
    return await run_in_threadpool(_keep, sessions, article_id, file.filename, file.content_type, data, limit, me.agent_id)


def _audience(request: Request, sessions: SessionsDep,
              credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> str:
    """"internal" for a signed-in agent (a token, checked as everywhere, or a console session), else "public"."""
    if credentials is not None:
        current_principal(request, sessions, credentials)  # a wrong token is a 401, not a customer
        return "internal"
    return "internal" if web_session.current(request) is not None else "public"


@router.get("/files/{file_id}", response_class=Response, responses={
    200: {"description": "The file's bytes, with its stored content type", "content": {"application/octet-stream": {}}},
    404: {"description": "No such file, or not one of a public, published article (without signing in)"}})
def get_file(file_id: FileId, sessions: SessionsDep, audience: Annotated[str, Depends(_audience)]) -> Response:
    """One file of an article: anyone's for a public, published article, an agent's otherwise."""
    with sessions() as s:
        row = articles.readable_file(s, file_id, audience=audience)
        if row is None:
            raise ApiError("NotFound", f"no file {file_id}", [{"field": "path parameter file_id", "message": "no such file"}])
        if row.content_type not in INLINE:
            return file_download(row)
        name = quote(row.filename, safe="")
        return file_download(row, **{"Content-Disposition": f"inline; filename*=UTF-8''{name}",
                                     "Cache-Control": "private, max-age=300"})
