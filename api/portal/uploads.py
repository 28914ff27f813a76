"""The files a customer attaches on the portal (the request form, a reply): the checks a mail's
attachments get (api/inbound/mail/attachments.check_attachment: allowed type, size, bytes that
are what they claim, no executables). All are checked before anything is made, so a refused
file refuses the whole form, with the reason next to the field; then they are kept like a
mail's attachments, under the message's id and their place in it, so a form sent twice keeps
each file once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy.orm import Session, sessionmaker
from starlette.datastructures import FormData, UploadFile

from api.inbound.mail.attachments import Accepted, check_attachment
from models.mail import store_attachment
from workflows.messages import AttachmentRef

FIELD = "files"
MAX_FILES = 5


@dataclass(frozen=True)
class File:
    filename: str
    content_type: str
    data: bytes


@dataclass
class Files:
    """The accepted files of a form, or why they are refused (`refused`: the sentence shown)."""

    accepted: list[File] = field(default_factory=list)
    refused: str = ""


async def read(form: FormData, limit: int) -> Files:
    chosen = [f for f in form.getlist(FIELD) if isinstance(f, UploadFile) and (f.filename or f.size)]
    if len(chosen) > MAX_FILES:
        return Files(refused=f"Attach at most {MAX_FILES} files. Choose your files again.")
    out = Files()
    reasons = []
    for upload in chosen:
        data = await upload.read(limit + 1)
        verdict = check_attachment(upload.filename, upload.content_type, data, limit)
        if isinstance(verdict, Accepted):
            out.accepted.append(File(verdict.filename, verdict.content_type, data))
        else:
            reasons.append(f"{verdict.filename}: {verdict.reason}")
    if reasons:
        # A browser cannot refill a file field: say so, the rest of the form is kept.
        return Files(refused=f"{'; '.join(reasons)}. Nothing was sent: choose your files again without "
                             f"{'it' if len(reasons) == 1 else 'them'}.")
    return out


def store(sessions: sessionmaker[Session], number: int, message_id: str, files: Files) -> list[AttachmentRef]:
    """Keep the accepted files with ticket `number`, as parts of message `message_id`."""
    if not files.accepted:
        return []
    with sessions.begin() as s:
        return store_in(s, number, message_id, files)


def store_in(s: Session, number: int, message_id: str, files: Files) -> list[AttachmentRef]:
    refs = []
    for position, f in enumerate(files.accepted):
        row = store_attachment(s, number=number, filename=f.filename, content_type=f.content_type, data=f.data,
                               message_id=message_id, position=position)
        refs.append(AttachmentRef(id=row.id, filename=row.filename, content_type=row.content_type, size=row.size))
    return refs


def within(files: Files, message_id: str) -> Callable[[Session, int], dict[str, Any]] | None:
    """For Intake.open: keep the files with the new ticket, in the step that numbers it."""
    if not files.accepted:
        return None
    return lambda s, number: {"attachments": [asdict(r) for r in store_in(s, number, message_id, files)]}
