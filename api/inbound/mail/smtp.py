"""The SMTP listener: aiosmtpd's SMTP protocol served on the API's own event loop (not in
aiosmtpd's threaded Controller), so the handler uses the API's Temporal client and database
sessions directly. It is an inbound port behind the organisation's MTA: it accepts every
recipient and asks for no authentication, so bind it to a private address."""

from __future__ import annotations

import asyncio
import logging

from aiosmtpd.smtp import SMTP, Envelope, Session

from api.errors import ApiError
from api.inbound.mail.inbound import MailIntake

log = logging.getLogger(__name__)


def smtp_reply(outcome_or_error: object) -> str:
    """The SMTP answer for what `MailIntake.receive` returned or raised."""
    if isinstance(outcome_or_error, ApiError):
        err = outcome_or_error
        if err.type == "MalformedMail":
            return f"554 5.6.0 {_one_line(err.message)}"
        if err.type == "PayloadTooLarge":
            return f"552 5.3.4 {_one_line(err.message)}"
        # Temporal or the database is away: the sending MTA keeps the mail and retries.
        return f"451 4.3.0 {_one_line(err.message)}; try again later"
    outcome = getattr(outcome_or_error, "outcome", "")
    number = getattr(outcome_or_error, "number", None)
    # Never refuse an auto-reply or bounce: a refusal is itself a bounce, and loops start so.
    text = {"opened": f"opened ticket #{number}", "replied": f"added to ticket #{number}",
            "duplicate": f"already taken in (ticket #{number})", "ignored": "accepted, not answered (automatic mail)"}
    return f"250 2.0.0 {text.get(outcome, 'accepted')}"


def _one_line(text: str) -> str:
    return " ".join(text.split())[:400]


class InboundHandler:
    def __init__(self, mail: MailIntake) -> None:
        self._mail = mail

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        if isinstance(raw, str):
            raw = raw.encode("utf-8", errors="surrogateescape")
        try:
            return smtp_reply(await self._mail.receive(raw, via="smtp", envelope_from=envelope.mail_from))
        except ApiError as err:
            return smtp_reply(err)
        except Exception:  # a bug or an outage we did not foresee: the sender retries later
            log.exception("SMTP delivery from %s failed", envelope.mail_from)
            return "451 4.3.0 temporary failure; try again later"


class SmtpListener:
    def __init__(self, mail: MailIntake, listen: str, *, data_size_limit: int, hostname: str) -> None:
        host, _, port = listen.rpartition(":")
        if not port.isdigit():
            raise ValueError(f"SERVICEDESK_SMTP_LISTEN must be host:port, not {listen!r}")
        self.host = host.strip("[]") or "127.0.0.1"
        self.port = int(port)
        self._handler = InboundHandler(mail)
        self._limit = data_size_limit
        self._hostname = hostname
        self._server: asyncio.AbstractServer | None = None

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: SMTP(self._handler, data_size_limit=self._limit, enable_SMTPUTF8=True, decode_data=False,
                         hostname=self._hostname, ident="servicedesk inbound", loop=loop),
            host=self.host, port=self.port)
        sock = self._server.sockets[0].getsockname()
        self.port = sock[1]
        log.info("SMTP listener on %s:%s", self.host, self.port)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
