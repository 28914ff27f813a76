"""Refuse oversized request bodies with 413 before any handler sees them."""

from __future__ import annotations

import json
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import error_body


class BodySizeLimit:
    """`larger` gives some endpoints their own limit: (method, path regex, max bytes), e.g. raw
    mail and attachment uploads, which are megabytes where JSON bodies are kilobytes."""

    def __init__(self, app: ASGIApp, max_bytes: int, larger: tuple[tuple[str, str, int], ...] = ()) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.larger = [(method.upper(), re.compile(path), limit) for method, path, limit in larger]

    def _limit(self, scope: Scope) -> int:
        for method, path, limit in self.larger:
            if scope.get("method") == method and path.fullmatch(scope.get("path", "")):
                return limit
        return self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        max_bytes = self._limit(scope)
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > max_bytes:
            await self._refuse(send, max_bytes)
            return
        # Read the body (bounded) so a chunked upload cannot exceed the limit either.
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > max_bytes:
                await self._refuse(send, max_bytes)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, send: Send, max_bytes: int) -> None:
        payload = json.dumps(error_body("PayloadTooLarge", f"request body is larger than {max_bytes} bytes",
                                        [{"field": "body", "message": f"at most {max_bytes} bytes"}])).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]})
        await send({"type": "http.response.body", "body": payload})
