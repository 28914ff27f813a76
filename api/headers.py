"""Headers every answer carries: `nosniff` on all of them (a JSON error must never be sniffed
into HTML), and on the interactive API docs (`/docs`, `/redoc`, only with SERVICEDESK_API_DOCS)
the pages' own protections, with the one script host those pages load from."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

NOSNIFF = (b"x-content-type-options", b"nosniff")
# FastAPI's docs pages load Swagger UI and ReDoc from jsDelivr, with an inline start-up script.
DOCS_CDN = "https://cdn.jsdelivr.net"
DOCS_HEADERS = [
    (b"content-security-policy",
     f"default-src 'none'; script-src {DOCS_CDN} 'unsafe-inline'; style-src {DOCS_CDN} 'unsafe-inline'; "
     f"img-src 'self' data: https://fastapi.tiangolo.com {DOCS_CDN}; connect-src 'self'; font-src {DOCS_CDN} https://fonts.gstatic.com; "
     "worker-src blob:; frame-ancestors 'none'; base-uri 'none'".encode()),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]
DOCS_PATHS = ("/docs", "/docs/oauth2-redirect", "/redoc")


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        docs = scope.get("path") in DOCS_PATHS

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                extra = [NOSNIFF] + (DOCS_HEADERS if docs else [])
                headers += [(name, value) for name, value in extra if name not in names]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)
