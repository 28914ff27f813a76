"""Outgoing mail: build a multipart/alternative message and hand it to the SMTP server the
settings name (STARTTLS and login optional). Failures say whether a retry can help."""

from __future__ import annotations

import smtplib
import ssl
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, getaddresses

from models.settings import Settings

# Human-written mail is not marked as automatic; everything else is (RFC 3834), so
# out-of-office responders do not answer it.
HUMAN_KINDS = ("agent_reply", "mention")


class DeliveryError(Exception):
    """A delivery that failed: `permanent` when no retry can succeed (a refused or invalid
    address, content the server rejects for good)."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent


def check_address(address: str) -> str:
    """The address if it can be mailed at all; DeliveryError(permanent) otherwise."""
    try:
        parsed = Address(addr_spec=address)
    except Exception as err:  # ValueError, email.errors.HeaderParseError, ...
        raise DeliveryError(f"invalid address {address!r}: {err}", permanent=True) from None
    if not parsed.username or not parsed.domain or any(c in address for c in "\r\n <>,;"):
        raise DeliveryError(f"invalid address {address!r}", permanent=True)
    return address


def build_email(*, kind: str, sender: str, to: str, subject: str, text: str, html: str, message_id: str,
                in_reply_to: str | None = None, references: list[str] | None = None) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate(usegmt=True)
    msg["Message-ID"] = message_id
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    if references:
        msg["References"] = " ".join(references)
    if kind not in HUMAN_KINDS:
        msg["Auto-Submitted"] = "auto-generated"
        msg["X-Auto-Response-Suppress"] = "All"
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    return msg


class SmtpMailer:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    def envelope_sender(self) -> str:
        found = [addr for _, addr in getaddresses([self._settings.mail_from]) if addr]
        return found[0] if found else ""

    def send(self, msg: EmailMessage, recipient: str) -> None:
        st = self._settings
        try:
            with smtplib.SMTP(st.smtp_host, st.smtp_port, timeout=st.smtp_timeout_seconds,
                              local_hostname=st.mail_domain) as smtp:
                if st.smtp_starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if st.smtp_username:
                    smtp.login(st.smtp_username, st.smtp_password.get_secret_value())
                smtp.send_message(msg, from_addr=self.envelope_sender(), to_addrs=[recipient])
        except smtplib.SMTPRecipientsRefused as err:
            code, reply = next(iter(err.recipients.values()), (0, b""))
            raise DeliveryError(f"recipient refused: {code} {_text(reply)}", permanent=500 <= code < 600) from None
        except smtplib.SMTPDataError as err:
            raise DeliveryError(f"message refused: {err.smtp_code} {_text(err.smtp_error)}",
                                permanent=500 <= err.smtp_code < 600) from None
        except smtplib.SMTPResponseException as err:  # sender refused, authentication, ...: the setup, retried
            raise DeliveryError(f"SMTP server answered {err.smtp_code} {_text(err.smtp_error)}", permanent=False) from None
        except (smtplib.SMTPException, OSError) as err:  # refused connection, timeout, TLS, disconnect
            raise DeliveryError(f"SMTP {st.smtp_host}:{st.smtp_port}: {type(err).__name__}: {err}", permanent=False) from None


def _text(reply: bytes | str) -> str:
    return reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
