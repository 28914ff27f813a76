"""The field types and the strict base every domain's request bodies share (a request with an
unknown field is an error). Each domain's bodies are its own: api/tickets/schemas.py,
api/admin/*_schemas.py, ..."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

from workflows import messages as m

Email = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, max_length=320,
                                         pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1,
                                       max_length=m.MAX_TAG_CHARS, pattern=r"^\S+$")]
Slug = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*$")]
Body = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=m.MAX_BODY_CHARS)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, max_length=m.MAX_BODY_CHARS)]
Category = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")
